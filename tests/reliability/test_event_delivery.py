"""Delivery accounting over real HTTP against the fake Statsig API: with injected failures every
event arrives exactly once (by batch id), memory stays bounded, and shutdown keeps its word."""

from __future__ import annotations

import logging
import random
import socket
import threading
from typing import Any

import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser
from statsig_core.events.http import HttpTransport
from statsig_core.events.logger import EventLogger
from statsig_core.events.retry import RetryPolicy

from support.events import wait_until
from support.fake_api import Fault, fake_statsig_api
from support.specs import dcs

EVENTS = 100_000
BATCH = 500
MAX_PENDING = 5_000
FAILURE_RATE = 0.3


def failure_script(requests: int, seed: int = 4) -> list[Fault]:
    """One fault per request: 70 % pass, 30 % fail in every way the API can fail."""
    rng = random.Random(seed)
    kinds = [
        Fault(status=500),
        Fault(status=503),
        Fault(status=429, retry_after=0.01),
        Fault(kind="reset"),
        Fault(kind="timeout"),
        Fault(status=502, accept=True),  # taken by the server, but the answer is lost
    ]
    return [rng.choice(kinds) if rng.random() < FAILURE_RATE else Fault() for _ in range(requests)]


@pytest.mark.slow
def test_100k_events_with_30_percent_failed_requests_arrive_exactly_once_in_bounded_memory():
    with fake_statsig_api() as api:
        api.timeout_sleep = 0.3
        script = failure_script(requests=2 * EVENTS // BATCH)
        api.fail("log_event", *script)
        transport = HttpTransport("secret-k", StatsigOptions(api=api.url, request_timeout=0.1))
        event_logger = EventLogger(
            transport,
            statsig_metadata={"sessionID": "s"},
            queue_size=BATCH,
            max_pending=MAX_PENDING,
            retry_policy=RetryPolicy(max_attempts=100, base_delay=0.002, max_delay=0.02),
        )
        user = StatsigUser(user_id="u")
        peak = 0
        for value in range(EVENTS):
            # A producer that never outruns delivery by more than the bound (no drops) ...
            while event_logger.stats().pending >= MAX_PENDING - 1:
                threading.Event().wait(0.001)
            event_logger.custom(user, "e", value, None)
            pending = event_logger.stats().pending
            peak = max(peak, pending)
            assert pending <= MAX_PENDING  # ... and the logger never holds more than the bound
        assert wait_until(lambda: event_logger.stats().sent == EVENTS, timeout=60)
        stats = event_logger.shutdown(timeout=5)

        values = [e["value"] for e in api.unique_events]
        assert len(values) == EVENTS and sorted(values) == list(range(EVENTS))
        assert (stats.sent, stats.dropped, stats.pending) == (EVENTS, 0, 0)
        failed_requests = len(api.requests_to("log_event")) - (
            len(api.batch_ids) - api.duplicate_batches
        )
        assert stats.failed_batches == failed_requests > 0.2 * len(api.batch_ids)
        assert api.duplicate_batches > 0  # lost answers really happened, and were de-duplicated
        assert peak > BATCH


def _closed_port() -> int:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        return int(placeholder.getsockname()[1])


def _shutdown_in_thread(client: Statsig, timeout: float) -> None:
    """Run ``shutdown``; the join is only a guard so a regression fails instead of hanging."""
    done = threading.Event()
    threading.Thread(target=lambda: (client.shutdown(timeout), done.set()), daemon=True).start()
    assert done.wait(timeout + 10), "shutdown did not return"


def test_shutdown_with_the_api_down_returns_and_reports_what_it_could_not_send(caplog):
    options = StatsigOptions(
        bootstrap_values=dcs(), event_transport="http", api=f"http://127.0.0.1:{_closed_port()}"
    )
    client = Statsig(None, options)
    client.initialize()
    for i in range(50):
        client.log_event(StatsigUser(user_id=str(i)), "purchase", i)
    with caplog.at_level(logging.WARNING, logger="statsig_core"):
        _shutdown_in_thread(client, timeout=1.0)
    events = client.health()["events"]
    assert (events["sent"], events["pending"]) == (0, 0)
    assert events["dropped_by_reason"] == {"shutdown": 50}
    assert events["failed_batches"] >= 1
    assert "left 50 events undelivered" in caplog.text


def test_shutdown_while_the_api_hangs_reports_the_batch_still_in_flight():
    with fake_statsig_api() as api:
        api.timeout_sleep = 1.0
        api.fail("log_event", "timeout", "timeout")
        options: dict[str, Any] = {"event_queue_size": 10, "request_timeout": 30}
        client = Statsig(
            None,
            StatsigOptions(bootstrap_values=dcs(), event_transport="http", api=api.url, **options),
        )
        client.initialize()
        for i in range(15):  # 10 go out at once and hang; 5 wait in the queue
            client.log_event(StatsigUser(user_id="u"), "purchase", i)
        event_logger = client.event_logger
        assert wait_until(lambda: event_logger._delivery.held == 10)
        _shutdown_in_thread(client, timeout=0.3)
        events = client.health()["events"]
        assert (events["pending"], events["dropped_by_reason"]) == (10, {"shutdown": 5})
        # when the hung request finally fails, the sender thread accounts for its batch
        assert wait_until(lambda: client.health()["events"]["pending"] == 0)
        assert client.health()["events"]["dropped_by_reason"] == {"shutdown": 15}
