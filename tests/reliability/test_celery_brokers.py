"""Celery delivery on the real brokers (Redis and RabbitMQ), with the broker cut mid-stream.

The worker talks to the broker directly; the web process publishes through a TCP proxy that the
test cuts (connections reset, then a mute partition) and restores, so the machine's shared
brokers are never stopped. Every event must reach the fake Statsig API exactly once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from support.celery_apps import celery_test_app
from support.events import wait_until
from support.fake_api import fake_statsig_api
from support.services import rabbitmq_url, redis_url, require_rabbitmq, require_redis
from support.tcp_proxy import TcpProxy

celery = pytest.importorskip("celery")

from celery.contrib.testing.worker import start_worker  # noqa: E402

from statsig_core import Statsig, StatsigOptions, StatsigUser  # noqa: E402
from statsig_core.events import celery as celery_events  # noqa: E402

pytestmark = [pytest.mark.services, pytest.mark.slow]

BROKERS = {"redis": (require_redis, redis_url), "rabbitmq": (require_rabbitmq, rabbitmq_url)}


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _app(url: str, queue: str) -> Any:
    # No heartbeat timer: the embedded worker stops within a second.
    return celery_test_app(url, queue, broker_heartbeat=0)


@pytest.fixture(params=sorted(BROKERS), scope="module")
def broker(request: pytest.FixtureRequest) -> Iterator[tuple[str, TcpProxy, Any]]:
    """(broker URL, proxy in front of it, app the worker uses) with a worker running."""
    require, url_of = BROKERS[request.param]
    host, port = require()
    url = url_of()
    queue = f"statsig-test-{uuid.uuid4().hex[:8]}"
    worker_app = _app(url, queue)
    with TcpProxy(host, port) as proxy, start_worker(worker_app, perform_ping_check=False):
        yield url, proxy, worker_app
    with worker_app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


@pytest.fixture
def quick_broker_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(celery_events, "BROKER_RETRY_INTERVAL", 0.05)


@pytest.mark.usefixtures("quick_broker_retry")
def test_broker_cut_mid_stream_loses_nothing_and_posts_nothing_twice(broker):
    url, proxy, worker_app = broker
    publisher = _app(_via(url, proxy.port), worker_app.conf.task_default_queue)
    with fake_statsig_api() as api:
        client = Statsig(
            f"secret-{uuid.uuid4().hex}",
            StatsigOptions(
                api=api.url,
                local_mode=True,  # no specs sync; events still take the configured transport
                event_transport="celery",
                celery_app=publisher,
                celery_publish_timeout=0.5,
                event_queue_size=25,
                event_flush_interval=0.05,
            ),
        )
        user = StatsigUser(user_id="u")
        transport = client.event_logger.transport
        logged = 0

        def stream(count: int) -> dict[str, int]:
            """Log ``count`` events, wait until all are handed off; how each path grew."""
            nonlocal logged
            assert wait_until(lambda: time.monotonic() >= transport._broker_down_until)
            before = transport.stats()
            for _ in range(count):
                client.log_event(user, "purchase", logged)
                logged += 1
            assert wait_until(lambda: client.health()["events"]["sent"] == logged, timeout=30)
            return {k: v - before[k] for k, v in transport.stats().items()}

        assert stream(300) == {"published": 300, "fallback_http": 0, "broker_errors": 0}
        proxy.cut("reset")  # broker connections reset, new ones refused
        cut = stream(300)
        assert cut["broker_errors"] >= 1 and cut["fallback_http"] > 0
        proxy.restore()
        assert stream(200)["published"] > 0
        proxy.cut("hang")  # a partition: connections accepted, never answered
        hung = stream(200)
        assert hung["broker_errors"] >= 1 and hung["fallback_http"] > 0
        proxy.restore()
        assert stream(200)["published"] > 0
        assert wait_until(lambda: len(api.unique_events) == logged, timeout=30)
        client.shutdown()

        values = sorted(e["value"] for e in api.unique_events)
        assert values == list(range(logged))
        assert api.duplicate_batches == 0
        events = client.health()["events"]
        assert (events["dropped"], events["pending"]) == (0, 0)
        paths = events["transport"]
        assert paths["published"] + paths["fallback_http"] == logged
