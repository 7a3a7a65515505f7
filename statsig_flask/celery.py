"""Celery the Flask way, carrying Statsig's event batches from web processes to a worker.

:func:`celery_init_app` is the function from Flask's "Background Tasks with Celery" pattern (one
Celery app per Flask app, tasks running inside the Flask app context, settings from
``app.config["CELERY"]``) plus the Statsig wiring: the core's ``statsig.post_events`` task is
registered, the app's client publishes batches through *this* Celery app (not whichever is
current), and the worker process learns the server secret, which never travels in messages::

    # myapp/__init__.py
    def create_app() -> Flask:
        app = Flask(__name__)
        app.config.from_mapping(
            STATSIG_EVENT_TRANSPORT="celery",
            CELERY={"broker_url": "redis://localhost:6379/0"},
        )
        statsig.init_app(app)
        celery_init_app(app)
        return app

    # make_celery.py  (celery -A make_celery worker)
    celery_app = create_app().extensions["celery"]

The web process never waits on the broker in a request: the core's event logger publishes from
its background thread, with bounded timeouts and an HTTP fallback.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from celery import Celery, Task
from flask import Flask

from statsig_flask.extension import StatsigState, get_state

__all__ = ["app_context_task", "celery_init_app", "connect_statsig"]


def app_context_task(app: Flask, base: type[Task] = Task) -> type[Task]:
    """A task base class whose tasks run inside ``app``'s application context."""

    class FlaskTask(base):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return super().__call__(*args, **kwargs)

    return FlaskTask


def celery_init_app(
    app: Flask, celery_app: Celery | None = None, *, config_key: str = "CELERY"
) -> Celery:
    """Create (or adopt) the app's Celery instance and connect Statsig's event task to it.

    Without ``celery_app`` a new one is made with :func:`app_context_task` as its task class,
    configured from ``app.config[config_key]`` (a dict of lowercase Celery settings) and set as
    the default app, as in Flask's documentation. It is stored at ``app.extensions["celery"]``.
    Call it in both the web app and the worker (the worker imports the same factory).
    """
    if celery_app is None:
        celery_app = Celery(app.import_name, task_cls=app_context_task(app))
        celery_app.config_from_object(app.config.get(config_key) or {})
        celery_app.set_default()
    import statsig_core.events.celery  # noqa: F401 - registers statsig.post_events (shared task)

    app.extensions["celery"] = celery_app
    if "statsig" in app.extensions:
        connect_statsig(get_state(app), celery_app)
    return celery_app


def connect_statsig(state: StatsigState, celery_app: Any) -> None:
    """Publish this app's event batches through ``celery_app``, and let this process's worker
    post batches published for the app's server secret.

    ``StatsigFlask.init_app`` calls it when ``app.extensions["celery"]`` is already set, so the
    two extensions may be initialised in either order; either must precede the first check.
    """
    if state.has_client:
        raise RuntimeError("connect Celery before the first Statsig check in this process")
    options = dataclasses.replace(state.settings.options, celery_app=celery_app)
    state.settings = dataclasses.replace(state.settings, options=options)
    if options.event_transport == "celery":
        from statsig_core.events.celery import register_worker

        register_worker(state.settings.server_secret or "", options)
