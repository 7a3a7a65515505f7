"""statsig_flask.celery: Flask's Celery pattern, and event batches through a real worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from celery import Celery, _state
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from flask import Flask, current_app

from statsig_core.events.celery import TASK_NAME
from statsig_flask import StatsigFlask, current_statsig
from statsig_flask.celery import app_context_task, celery_init_app
from statsig_flask.extension import get_state
from tests.flask.helpers import PAYLOAD

from support.events import wait_until
from support.fake_api import FakeStatsigApi, fake_statsig_api
from support.services import rabbitmq_url, redis_url, require_rabbitmq, require_redis

SECRET = "secret-flask-celery-tests"


@pytest.fixture(autouse=True)
def keep_celerys_default_app() -> Iterator[None]:
    """celery_init_app sets the default Celery app, as Flask's docs do; undo it after each test."""
    previous = _state.default_app
    yield
    _state.set_default_app(previous)


@pytest.fixture
def api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as running:
        yield running


def flask_app(api_url: str = "http://127.0.0.1:9", broker: str = "memory://") -> Flask:
    app = Flask(__name__)
    app.config.update(
        STATSIG_SERVER_SECRET=SECRET,
        STATSIG_EVENT_TRANSPORT="celery",
        STATSIG_OPTIONS={
            "local_mode": True,  # specs from PAYLOAD; events still take the Celery transport
            "bootstrap_values": PAYLOAD,
            "api": api_url,
            "event_flush_interval": 3600,
        },
        CELERY={
            "broker_url": broker,
            "task_default_queue": f"statsig-flask-{uuid.uuid4().hex[:8]}",
            "worker_hijack_root_logger": False,
            "broker_connection_retry_on_startup": False,
            "broker_transport_options": {"polling_interval": 0.01},  # the memory broker's
        },
    )

    @app.get("/")
    def index() -> str:
        current_statsig.log_event("page_view")
        return str(current_statsig.check_gate("beta"))

    return app


def test_tasks_run_inside_the_flask_app_context():
    app = Flask("context-check")
    celery_app = Celery("t", task_cls=app_context_task(app), set_as_current=False)
    celery_app.conf.task_always_eager = True

    @celery_app.task
    def which_app() -> str:
        return current_app.name

    assert which_app.delay().get() == "context-check"


def test_celery_init_app_follows_flasks_pattern():
    app = flask_app()
    StatsigFlask(app)
    celery_app = celery_init_app(app)
    assert app.extensions["celery"] is celery_app
    assert celery_app.conf.broker_url == "memory://"
    assert _state.get_current_app() is celery_app
    assert get_state(app).settings.options.celery_app is celery_app
    # The core's shared task takes the app's task class: it runs in the Flask app context.
    task_classes = type(celery_app.tasks[TASK_NAME]).__mro__
    assert "FlaskTask" in [cls.__name__ for cls in task_classes]


def test_either_extension_may_be_initialised_first():
    app = flask_app()
    celery_app = celery_init_app(app)
    StatsigFlask(app)
    assert get_state(app).settings.options.celery_app is celery_app


def test_connecting_after_the_first_check_is_refused():
    app = flask_app()
    StatsigFlask(app)
    app.test_client().get("/")
    with pytest.raises(RuntimeError, match="before the first Statsig check"):
        celery_init_app(app)
    get_state(app).shutdown(timeout=0)


def nothing() -> None:
    """A no-op task body."""


def stop_soon(wake: Any) -> None:
    """Ask the test worker to stop, and wake it twice with no-op tasks: its loop checks for
    shutdown between broker polls two seconds apart, then polls once more before leaving."""
    worker_state.should_terminate = 0
    wake.delay()
    wake.delay()


@contextmanager
def drop_queue(celery_app: Celery) -> Iterator[None]:
    """Remove the test's queue (and its exchange) from a shared broker afterwards."""
    yield
    queue = celery_app.conf.task_default_queue
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_delete(queue)
        if connection.transport.driver_type == "amqp":
            channel.exchange_delete(queue)


def memory() -> str:
    return "memory://"


def redis() -> str:
    require_redis()
    return redis_url()


def rabbitmq() -> str:
    require_rabbitmq()
    return rabbitmq_url()


@pytest.mark.parametrize(
    "broker",
    [
        memory,
        pytest.param(redis, marks=pytest.mark.services),
        pytest.param(rabbitmq, marks=pytest.mark.services),
    ],
    ids=["memory", "redis", "rabbitmq"],
)
def test_event_batches_reach_statsig_through_a_worker_exactly_once(
    api: FakeStatsigApi, broker: Callable[[], str]
):
    app = flask_app(api.url, broker())
    StatsigFlask(app)
    celery_app = celery_init_app(app)
    state = get_state(app)
    wake = celery_app.task(name="tests.flask.wake")(nothing)
    with drop_queue(celery_app), start_worker(celery_app, perform_ping_check=False):
        client = app.test_client()
        for _ in range(3):
            assert client.get("/").text == "True"
        assert state.client.flush() is True
        # One visitor: one gate exposure (deduplicated) and three custom events.
        assert wait_until(lambda: len(api.events) == 4), api.events
        transport: Any = state.client.event_logger.transport  # type: ignore[union-attr]
        assert transport.stats()["published"] == 4
        assert transport.stats()["fallback_http"] == 0
        state.shutdown(timeout=2)
        time.sleep(0.2)
        stop_soon(wake)
    names = sorted(e["eventName"] for e in api.events)
    assert names == ["page_view"] * 3 + ["statsig::gate_exposure"]
    assert len(api.batches) == 1
    assert api.duplicate_batches == 0
