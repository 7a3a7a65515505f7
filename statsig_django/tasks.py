"""Celery side of the app, found by ``app.autodiscover_tasks()`` in every worker.

``statsig.post_events`` delivers the event batches that ``EVENT_TRANSPORT = "celery"`` hands to
Celery instead of posting them from the web process. A worker can only post batches for a
server secret it knows, and threads do not survive the prefork pool's fork, so each pool process
builds its own client when it starts (``worker_process_init``); pools that never send that
signal (``solo``, ``threads``) build it on their first task.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init

from statsig_core.events.celery import build_client_on_demand, post_events
from statsig_django.client import statsig_or_none

build_client_on_demand(statsig_or_none)

__all__ = ["post_events", "start_statsig_in_worker"]


@worker_process_init.connect(weak=False)
def start_statsig_in_worker(**kwargs: Any) -> None:
    """Build this pool process's client (registering its secret for ``post_events``)."""
    statsig_or_none()
