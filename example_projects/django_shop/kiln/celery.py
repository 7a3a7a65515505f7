"""Celery for the shop: carries Statsig's event batches to a worker when
``STATSIG_EVENT_TRANSPORT=celery`` (run ``celery -A kiln worker``; see the README).

``autodiscover_tasks`` finds ``statsig_django.tasks``, which holds the task that posts batches.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiln.settings")

app = Celery("kiln")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
