"""The Celery worker's entry point: ``celery -A make_celery worker --loglevel=info``.

Only used with ``STATSIG_EVENT_TRANSPORT=celery`` (see the README): the app then publishes
Statsig's event batches to the broker, and this worker posts them to Statsig.
"""

from shop import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
