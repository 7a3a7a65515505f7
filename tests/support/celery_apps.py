"""Celery apps for tests that run a real worker (``celery.contrib.testing``) in this process."""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["FAST_MEMORY_POLLING", "celery_test_app"]

#: The in-memory broker polls; polling often keeps each test short.
FAST_MEMORY_POLLING = {"broker_transport_options": {"polling_interval": 0.01}}


def celery_test_app(broker: str, queue: str | None = None, **conf: Any) -> Any:
    """An app that is not the current one, on a queue of its own (fresh unless given), that
    leaves the root logger alone and does not retry a refused broker connection at start.
    ``conf`` adds to that."""
    import celery

    queue = queue or f"statsig-test-{uuid.uuid4().hex[:8]}"
    app = celery.Celery(queue, broker=broker, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
        **conf,
    )
    return app
