"""The Celery transport with a real worker (in-process thread) on Celery's in-memory broker."""

from __future__ import annotations

import base64
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from support.celery_apps import FAST_MEMORY_POLLING, celery_test_app
from support.events import wait_until
from support.fake_api import FakeStatsigApi, Fault, fake_statsig_api

celery = pytest.importorskip("celery")

from celery.contrib.testing.worker import start_worker  # noqa: E402
from celery.signals import task_failure  # noqa: E402

from statsig_core import Statsig, StatsigOptions, StatsigUser  # noqa: E402
from statsig_core.events import celery as celery_events  # noqa: E402
from statsig_core.events.retry import RetryPolicy  # noqa: E402
from statsig_core.events.transport import EventBatch, TransportError  # noqa: E402

USER = StatsigUser(user_id="u", private_attributes={"email_hash": "do-not-send"})


def make_app(broker: str = "memory://") -> Any:
    return celery_test_app(broker, **FAST_MEMORY_POLLING)


@pytest.fixture(scope="module")
def worker_app() -> Iterator[Any]:
    """One worker for the module: stopping an in-memory-broker worker takes seconds."""
    app = make_app()
    with start_worker(app, perform_ping_check=False):
        yield app


@pytest.fixture
def secret() -> str:
    """A secret per test, so a late retry of one test's batch can never reach another's API."""
    return f"secret-{uuid.uuid4().hex}"


@pytest.fixture
def api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as running:
        yield running


@pytest.fixture
def fast_task_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        celery_events, "TASK_RETRY", RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02)
    )


def client_for(api: FakeStatsigApi, app: Any, secret: str, **options: Any) -> Statsig:
    return Statsig(
        secret,
        StatsigOptions(
            api=api.url,
            event_transport="celery",
            celery_app=app,
            local_mode=True,  # no specs sync; events still take the configured transport
            event_flush_interval=3600,
            **options,
        ),
    )


def batch(*values: object) -> EventBatch:
    return EventBatch([{"eventName": "e", "value": v} for v in values], {"sessionID": "s"})


def test_batches_go_through_the_broker_and_a_worker_posts_them(api, worker_app, secret):
    client = client_for(api, worker_app, secret)
    for i in range(30):
        client.log_event(USER, "purchase", i)
    assert client.flush() is True
    assert wait_until(lambda: len(api.events) == 30)
    assert sorted(e["value"] for e in api.events) == list(range(30))
    [request] = api.requests_to("log_event")
    assert request.headers["STATSIG-API-KEY"] == secret
    assert request.headers["STATSIG-EVENT-COUNT"] == "30"
    assert b"do-not-send" not in request.body
    transport = client.health()["events"]["transport"]
    assert transport == {"published": 30, "fallback_http": 0, "broker_errors": 0}
    client.shutdown()


def test_messages_carry_the_compressed_batch_and_a_key_fingerprint_not_the_secret(api, secret):
    app = make_app()
    queue = app.conf.task_default_queue
    transport = celery_events.CeleryTransport(secret, StatsigOptions(api=api.url, celery_app=app))
    sent = batch(1, 2)
    transport.send(sent)
    with app.connection_for_read() as connection:
        message = connection.SimpleQueue(queue).get(timeout=5)
        body, headers = message.decode(), message.headers
        message.ack()
    assert headers["task"] == "statsig.post_events" and headers["id"] == sent.id
    kwargs = body[1]
    assert base64.b64decode(kwargs["body"]) == sent.gzip_body()
    assert (kwargs["batch_id"], kwargs["count"]) == (sent.id, 2)
    assert secret not in str(body) and secret not in str(headers)
    assert api.requests == []  # the web process posted nothing itself
    transport.close()


def test_a_redelivered_batch_is_posted_once(api, worker_app, secret):
    options = StatsigOptions(api=api.url, celery_app=worker_app)
    transport = celery_events.CeleryTransport(secret, options)
    sent = batch("only-once")
    transport.send(sent)
    transport.send(sent)  # e.g. a publish that timed out but had reached the broker
    assert wait_until(lambda: len(api.events) == 1)
    again = celery_events.post_events.apply(
        kwargs={
            "batch_id": sent.id,
            "body": base64.b64encode(sent.gzip_body()).decode(),
            "count": 1,
            "statsig_metadata": sent.statsig_metadata,
            "key": transport.key,
        }
    )
    assert again.get() == "duplicate"
    assert len(api.requests_to("log_event")) == 1


def test_worker_retries_with_countdown_from_retry_after_until_posted(
    api, worker_app, secret, fast_task_retry
):
    api.fail("log_event", Fault(status=503, retry_after=0.05), Fault(status=429, retry_after=0.05))
    api.fail("log_event", "reset")
    options = StatsigOptions(api=api.url, celery_app=worker_app)
    celery_events.CeleryTransport(secret, options).send(batch("eventually"))
    assert wait_until(lambda: len(api.events) == 1)
    retries = [r.headers["STATSIG-RETRY"] for r in api.requests_to("log_event")]
    assert retries == ["0", "1", "2", "3"]
    assert api.duplicate_batches == 0


def test_worker_does_not_retry_a_refused_batch(api, worker_app, secret, fast_task_retry):
    api.fail("log_event", 400)
    transport = celery_events.CeleryTransport(
        secret, StatsigOptions(api=api.url, celery_app=worker_app)
    )
    refused = batch("refused")
    failures: list[BaseException | None] = []
    failed = threading.Event()

    def on_failure(task_id: str | None = None, exception: Any = None, **_: Any) -> None:
        if task_id == refused.id:
            failures.append(exception)
            failed.set()

    task_failure.connect(on_failure, weak=False)
    try:
        transport.send(refused)
        assert failed.wait(10), "the task never failed"
    finally:
        task_failure.disconnect(on_failure)
    [exception] = failures
    assert isinstance(exception, TransportError) and not exception.retryable
    assert [r.headers["STATSIG-BATCH-ID"] for r in api.requests_to("log_event")] == [refused.id]


def test_worker_without_the_secret_retries_and_then_fails_loudly(fast_task_retry):
    result = celery_events.post_events.apply(
        kwargs={"batch_id": "b", "body": "", "count": 1, "statsig_metadata": {}, "key": "unknown"}
    )
    with pytest.raises(TransportError, match="register_worker"):
        result.get()
    assert result.traceback and "unknown" in str(result.result)


def test_unreachable_broker_falls_back_to_http_on_the_background_thread(api, secret):
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    app = make_app(f"redis://127.0.0.1:{port}/0")
    client = client_for(api, app, secret, event_queue_size=10, celery_publish_timeout=0.5)
    transport = client.event_logger.transport
    publish_threads: list[str] = []
    publish = transport._publish

    def recording_publish(*args: Any) -> None:
        publish_threads.append(threading.current_thread().name)
        publish(*args)

    transport._publish = recording_publish
    for i in range(30):  # three full batches: the background thread sends them
        client.log_event(USER, "purchase", i)
    assert wait_until(lambda: client.health()["events"]["sent"] == 30)
    assert sorted(e["value"] for e in api.events) == list(range(30))
    assert publish_threads == ["statsig-events"]  # one try, then the broker is left alone
    assert transport.stats() == {"published": 0, "fallback_http": 30, "broker_errors": 1}
    client.shutdown()


def test_batch_survives_broker_and_api_both_down(api, secret):
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    app = make_app(f"redis://127.0.0.1:{port}/0")
    api.fail("log_event", 503)
    client = client_for(api, app, secret, celery_publish_timeout=0.5)
    client.log_event(USER, "purchase", 1)
    assert client.flush() is False  # broker refused, HTTP answered 503: kept for a retry
    assert client.health()["events"]["pending"] == 1
    assert client.flush() is True
    assert [e["value"] for e in api.events] == [1]
    client.shutdown()
