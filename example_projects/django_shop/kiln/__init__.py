"""The Kiln & Co example project (Django)."""

try:  # Celery is optional: only EVENT_TRANSPORT="celery" needs it (see the README).
    from kiln.celery import app as celery_app
except ImportError:  # pragma: no cover - installed without the celery extra
    celery_app = None

__all__ = ["celery_app"]
