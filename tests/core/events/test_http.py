"""HttpTransport against the fake Statsig API on loopback: wire format and failure classes."""

from __future__ import annotations

import email.utils
import gzip
import socket
import time
from collections.abc import Iterator

import orjson
import pytest

from statsig_core import StatsigOptions
from statsig_core.events.http import HttpTransport, parse_retry_after
from statsig_core.events.transport import EventBatch, TransportError

from support.fake_api import FakeStatsigApi, Fault, fake_statsig_api

METADATA = {"sdkType": "statsig-web", "sdkVersion": "9.9.9", "sessionID": "session-1"}


@pytest.fixture
def api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as running:
        yield running


def transport_for(url: str, **options: object) -> HttpTransport:
    return HttpTransport("secret-key", StatsigOptions(api=url, **options))  # type: ignore[arg-type]


def batch(count: int = 2) -> EventBatch:
    return EventBatch([{"eventName": "e", "value": i, "time": 1} for i in range(count)], METADATA)


def test_posts_gzip_json_with_the_official_headers_and_batch_id(api):
    sent = batch(3)
    sent.attempts = 2
    transport_for(api.url).send(sent)
    [request] = api.requests_to("log_event")
    assert request.path == "/v1/log_event"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-encoding"] == "gzip"
    assert headers["content-type"] == "application/json"
    assert headers["statsig-api-key"] == "secret-key"
    assert headers["statsig-sdk-type"] == "statsig-web"
    assert headers["statsig-sdk-version"] == "9.9.9"
    assert headers["statsig-server-session-id"] == "session-1"
    assert headers["statsig-event-count"] == "3"
    assert headers["statsig-retry"] == "1"
    assert headers["statsig-batch-id"] == sent.id
    assert abs(int(headers["statsig-client-time"]) - time.time() * 1000) < 600_000
    assert "statsig-service/unknown" in headers["user-agent"]
    assert request.json() == {"events": sent.events, "statsigMetadata": METADATA}
    assert api.batch_ids == [sent.id]


def test_log_event_url_option_wins_over_api_base(api):
    transport = transport_for("http://127.0.0.1:9", log_event_url=f"{api.url}/custom/log_event")
    transport.send(batch())
    assert api.requests_to("log_event")[0].path == "/custom/log_event"


def test_body_is_compressed_once_and_reused_by_retries():
    sent = batch(50)
    body = sent.gzip_body()
    assert sent.gzip_body() is body
    assert orjson.loads(gzip.decompress(body))["events"] == sent.events


@pytest.mark.parametrize("status", [500, 502, 503, 504, 522, 599])
def test_server_errors_are_retryable(api, status):
    api.fail("log_event", status)
    with pytest.raises(TransportError) as caught:
        transport_for(api.url).send(batch())
    assert caught.value.retryable and caught.value.retry_after is None
    assert api.batches == []


@pytest.mark.parametrize("status", [408, 429, 503])
def test_retry_after_is_passed_on(api, status):
    api.fail("log_event", Fault(status=status, retry_after=2.5))
    with pytest.raises(TransportError) as caught:
        transport_for(api.url).send(batch())
    assert (caught.value.retryable, caught.value.retry_after) == (True, 2.5)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_other_client_errors_are_not_retryable(api, status):
    api.fail("log_event", status)
    with pytest.raises(TransportError) as caught:
        transport_for(api.url).send(batch())
    assert caught.value.retryable is False


@pytest.mark.parametrize("fault", ["reset", "timeout"])
def test_broken_connections_and_timeouts_are_retryable(api, fault):
    api.timeout_sleep = 1.0
    api.fail("log_event", fault)
    with pytest.raises(TransportError) as caught:
        transport_for(api.url, request_timeout=0.2).send(batch())
    assert caught.value.retryable


def test_refused_connection_is_retryable():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # nothing listens once it is closed
    with pytest.raises(TransportError) as caught:
        transport_for(f"http://127.0.0.1:{port}").send(batch())
    assert caught.value.retryable


def test_a_callers_deadline_shortens_the_request_timeout(api):
    api.timeout_sleep = 3.0
    api.fail("log_event", "timeout")
    transport = transport_for(api.url, request_timeout=30)
    with pytest.raises(TransportError, match="timed out"):
        transport.send(batch(), timeout=0.1)


def test_connection_is_reused_between_batches_and_closed_on_close(api):
    transport = transport_for(api.url)
    transport.send(batch())
    client = transport.pool.current()
    transport.send(batch())
    assert transport.pool.current() is client
    transport.close()
    assert client is not None and client.is_closed
    transport.send(batch())  # a closed transport reopens on demand (used again after a fork)
    assert len(api.batches) == 3


def test_retry_after_parses_seconds_and_http_dates():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("-4") == 0.0
    future = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 100 < (parse_retry_after(future) or 0) <= 120
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
