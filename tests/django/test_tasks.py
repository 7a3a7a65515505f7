"""EVENT_TRANSPORT="celery": events logged in Django views reach Statsig through a real worker.

The worker runs in a thread of this process (``celery.contrib.testing``) and posts to a fake
Statsig API on loopback. The in-memory broker always runs; Redis and RabbitMQ run when they are
reachable (skipped otherwise, failed in CI where STATSIG_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from support.celery_apps import FAST_MEMORY_POLLING, celery_test_app
from support.events import wait_until
from support.fake_api import FakeStatsigApi, fake_statsig_api
from support.services import rabbitmq_url, redis_url, require_rabbitmq, require_redis

celery = pytest.importorskip("celery")

from celery.contrib.testing.worker import start_worker  # noqa: E402
from celery.worker import state as worker_state  # noqa: E402

from statsig_django.client import get_statsig  # noqa: E402

SECRET = "secret-django-celery-tests"


def broker_url(kind: str) -> str:
    if kind == "redis":
        require_redis()
        return redis_url()
    if kind == "rabbitmq":
        require_rabbitmq()
        return rabbitmq_url()
    return "memory://"


def make_app(broker: str) -> Any:
    app = celery_test_app(
        broker,
        **FAST_MEMORY_POLLING,
        broker_heartbeat=1,  # wakes an idle AMQP worker so it notices it must stop
    )
    app.autodiscover_tasks(list(settings.INSTALLED_APPS), force=True)  # as a project's celery.py
    return app


def _do_nothing() -> None:
    """A task whose only job is to arrive."""


@pytest.fixture(scope="module", params=["memory", "redis", "rabbitmq"])
def worker_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    """One worker per broker for the module: stopping an in-memory-broker worker takes seconds."""
    app = make_app(broker_url(request.param))
    wake = app.task(name="statsig_django_tests.wake")(_do_nothing)
    root_level = logging.getLogger().level  # the test worker sets the root logger to ERROR
    try:
        with start_worker(app, perform_ping_check=False, without_heartbeat=False):
            yield app
            # An idle in-memory worker notices it must stop only after two 2 s polls; flag the
            # stop as start_worker does and hand it two messages so both polls return at once.
            worker_state.should_terminate = 0
            wake.delay()
            wake.delay()
    finally:
        logging.getLogger().setLevel(root_level)


@pytest.fixture
def api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as running:
        yield running


def test_autodiscover_tasks_finds_the_post_events_task(monkeypatch):
    monkeypatch.delitem(sys.modules, "statsig_django.tasks", raising=False)
    app = make_app("memory://")
    assert "statsig_django.tasks" in sys.modules
    assert "statsig.post_events" in app.tasks
    assert importlib.import_module("statsig_django.tasks").post_events.name == "statsig.post_events"


def test_events_from_views_are_posted_by_a_celery_worker(client, api, worker_app):
    statsig = {
        **settings.STATSIG,
        "SERVER_SECRET": SECRET,
        "EVENT_TRANSPORT": "celery",
        "LOG_EVENT": {"CSRF_EXEMPT": True},
        "OPTIONS": {
            "api": api.url,
            "celery_app": worker_app,
            "local_mode": True,  # specs from SPECS_FILE; events still take the Celery path
            "event_flush_interval": 3600,
        },
    }
    with override_settings(STATSIG=statsig):  # on exit the client is shut down, flushing it
        assert client.get("/check/public_gate/").content == b"True"
        body = json.dumps({"events": [{"eventName": "checkout", "value": 42}]})
        response = client.post("/statsig/rgstr", body, content_type="application/json")
        assert response.status_code == 202
        statsig_client = get_statsig()
        assert statsig_client.flush() is True
        assert wait_until(lambda: len(api.events) >= 2)
        transport_stats = statsig_client.event_logger.transport.stats()
    names = sorted(event["eventName"] for event in api.events)
    assert names == ["checkout", "statsig::gate_exposure"]
    assert transport_stats["published"] == 2 and transport_stats["fallback_http"] == 0
    stable_ids = {event["user"]["customIDs"]["stableID"] for event in api.events}
    assert stable_ids == {client.cookies["statsig_stable_id"].value}


def test_each_worker_pool_process_builds_its_own_client_when_it_starts():
    from celery.signals import worker_process_init

    import statsig_django.tasks  # noqa: F401  (connects the handler, as autodiscovery does)
    from statsig_django import client as client_module
    from statsig_django.client import reset_statsig

    reset_statsig()
    assert client_module._state[0] is None
    worker_process_init.send(sender=None)
    assert client_module._state[0] is not None


def test_a_worker_without_process_init_builds_its_client_on_the_first_task(api):
    """``solo`` and ``threads`` pools send no ``worker_process_init``: the first task builds
    the client (registering the secret) instead of failing."""
    import base64
    import gzip

    import statsig_django.tasks  # noqa: F401  (registers the on-demand builder)
    from statsig_core.events import celery as core_celery
    from statsig_django.client import reset_statsig

    statsig = {
        **settings.STATSIG,
        "SERVER_SECRET": SECRET,
        "EVENT_TRANSPORT": "celery",
        "OPTIONS": {"api": api.url, "local_mode": True},
    }
    body = {"events": [{"eventName": "from_solo_worker"}], "statsigMetadata": {}}
    encoded = base64.b64encode(gzip.compress(json.dumps(body).encode())).decode()
    with override_settings(STATSIG=statsig):
        reset_statsig()
        key = core_celery._key_id(SECRET)
        core_celery._senders.pop(key, None)
        result = core_celery.post_events.apply(args=("batch-solo", encoded, 1, {}, key))
        assert result.successful(), result.traceback
    assert [event["eventName"] for event in api.events] == ["from_solo_worker"]
