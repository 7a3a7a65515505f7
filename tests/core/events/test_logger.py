"""The event logger: when batches go out, how failures are retried, and that every event is
accounted for (pending, sent or dropped with a reason)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from statsig_core import StatsigUser
from statsig_core.events.logger import EventLogger
from statsig_core.events.retry import RetryPolicy
from statsig_core.events.transport import TransportError

from support.events import ScriptedTransport, wait_until
from support.specs import cond, dcs, rule, spec

PAYLOAD = dcs(gates={"g": spec(rule(cond()))})
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)


@pytest.fixture
def make_logger() -> Iterator[Any]:
    made: list[EventLogger] = []

    def make(transport: Any, **kwargs: Any) -> EventLogger:
        kwargs.setdefault("flush_interval", 3600.0)
        kwargs.setdefault("retry_policy", FAST_RETRY)
        event_logger = EventLogger(transport, statsig_metadata={"sessionID": "s"}, **kwargs)
        made.append(event_logger)
        return event_logger

    yield make
    for event_logger in made:
        event_logger.shutdown(timeout=1)


def log(event_logger: EventLogger, values: range) -> None:
    for value in values:
        event_logger.custom(None, "e", value, None)


def quiet(event_logger: EventLogger) -> None:
    """Keep the background thread from sending on its own, so a test drives every send."""
    event_logger.queue_size = 10**9


def accounted(event_logger: EventLogger) -> int:
    stats = event_logger.stats()
    return stats.pending + stats.sent + stats.dropped


def test_background_thread_sends_a_batch_once_queue_size_events_wait(make_logger):
    transport = ScriptedTransport()
    event_logger = make_logger(transport, queue_size=10)
    log(event_logger, range(10))
    assert wait_until(lambda: transport.values == list(range(10)))
    assert transport.sends[0].thread == "statsig-events"  # never the thread that logged


def test_partial_batch_goes_out_after_the_flush_interval(make_logger):
    transport = ScriptedTransport()
    event_logger = make_logger(transport, queue_size=100, flush_interval=0.05)
    log(event_logger, range(3))
    assert wait_until(lambda: transport.values == [0, 1, 2])


def test_flush_sends_everything_in_batches_of_queue_size(make_logger):
    transport = ScriptedTransport()
    event_logger = make_logger(transport, queue_size=10)
    quiet(event_logger)
    log(event_logger, range(25))
    assert event_logger.flush() is True
    assert [s.count for s in transport.sends] == [10, 10, 5]
    assert transport.values == list(range(25))
    assert event_logger.stats().sent == 25


def test_retryable_failure_resends_the_same_batch_id_before_newer_batches(make_logger):
    transport = ScriptedTransport([TransportError("503")])
    event_logger = make_logger(transport, queue_size=5)
    quiet(event_logger)
    log(event_logger, range(10))
    assert event_logger.flush() is False  # stops at the first failure
    assert event_logger.stats().retry_batches == 1
    assert event_logger.flush() is True
    first, again, second = transport.sends
    assert first.batch_id == again.batch_id != second.batch_id
    assert (first.attempt, again.attempt) == (1, 2)
    assert transport.values == list(range(10))
    stats = event_logger.stats()
    assert (stats.sent, stats.failed_batches, stats.dropped, stats.pending) == (10, 1, 0, 0)


def test_background_thread_retries_after_backoff(make_logger):
    transport = ScriptedTransport([TransportError("503"), TransportError("reset")])
    event_logger = make_logger(transport, queue_size=5)
    log(event_logger, range(5))
    assert wait_until(lambda: transport.values == list(range(5)))
    assert [s.attempt for s in transport.sends] == [1, 2, 3]


def test_non_retryable_refusal_drops_the_batch_and_counts_it(make_logger):
    transport = ScriptedTransport([TransportError("HTTP 400", retryable=False)])
    event_logger = make_logger(transport, queue_size=5)
    quiet(event_logger)
    log(event_logger, range(10))
    assert event_logger.flush() is False
    stats = event_logger.stats()
    assert stats.dropped_by_reason == {"rejected": 5}
    assert (stats.sent, stats.pending) == (5, 0)  # the next batch still went out


def test_batch_is_dropped_after_max_attempts(make_logger):
    transport = ScriptedTransport([TransportError("503")] * 3)
    event_logger = make_logger(transport, queue_size=4)
    quiet(event_logger)
    log(event_logger, range(4))
    for _ in range(3):
        event_logger.flush()
    stats = event_logger.stats()
    assert stats.dropped_by_reason == {"retries_exhausted": 4}
    assert (stats.pending, stats.retry_batches, len(transport.sends)) == (0, 0, 3)


def test_unexpected_transport_exception_is_retried_not_lost(make_logger):
    transport = ScriptedTransport([RuntimeError("bug in a custom transport")])
    event_logger = make_logger(transport, queue_size=3)
    log(event_logger, range(3))
    assert wait_until(lambda: transport.values == [0, 1, 2])


def test_retry_after_holds_background_sends_but_not_an_explicit_flush(make_logger):
    transport = ScriptedTransport([TransportError("429", retry_after=3600)])
    event_logger = make_logger(transport, queue_size=2)
    log(event_logger, range(2))
    assert wait_until(lambda: event_logger.stats().retry_batches == 1)
    log(event_logger, range(2, 6))  # full batches, but the server asked for an hour of quiet
    assert len(transport.sends) == 1
    assert event_logger.flush() is True
    assert transport.values == list(range(6))


def test_waiting_batches_are_compacted_to_their_gzip_body(make_logger):
    transport = ScriptedTransport([TransportError("503")])
    event_logger = make_logger(transport, queue_size=3)
    quiet(event_logger)
    log(event_logger, range(3))
    event_logger.flush()
    [waiting] = event_logger._delivery.retry
    assert waiting._events is None and waiting.gzip_body()
    assert [e["value"] for e in waiting.events] == [0, 1, 2]


def test_pending_events_never_exceed_max_pending_while_the_api_hangs(make_logger):
    transport = ScriptedTransport()
    transport.block.clear()  # every send hangs, as on an unresponsive API
    event_logger = make_logger(transport, queue_size=10, max_pending=100)
    for value in range(2_000):
        event_logger.custom(None, "e", value, None)
        assert event_logger.stats().pending <= 100
    stats = event_logger.stats()
    assert stats.dropped_by_reason["queue_full"] == 2_000 - stats.pending
    transport.block.set()
    assert event_logger.flush() is True
    assert accounted(event_logger) == 2_000
    assert transport.values[:10] == list(range(10))  # the oldest events kept their place


def test_pending_bound_counts_batches_waiting_for_retry(make_logger):
    transport = ScriptedTransport([TransportError("503", retry_after=3600)])
    event_logger = make_logger(transport, queue_size=50, max_pending=60)
    quiet(event_logger)
    log(event_logger, range(50))
    event_logger.flush()  # 50 events now wait for a retry; the threshold drops to the room left
    assert event_logger.queue_size == 10
    log(event_logger, range(50, 100))
    stats = event_logger.stats()
    assert stats.pending == 60
    assert stats.dropped_by_reason == {"queue_full": 40}


def test_flushed_callback_reports_each_batch_and_its_errors_are_contained(make_logger):
    reports: list[tuple[bool, int, str | None]] = []

    def callback(success: bool, count: int, error: str | None) -> None:
        reports.append((success, count, error))
        raise ValueError("callback bug")

    transport = ScriptedTransport([TransportError("HTTP 503")])
    event_logger = make_logger(transport, queue_size=2, on_flushed=callback)
    quiet(event_logger)
    log(event_logger, range(2))
    event_logger.flush()
    event_logger.flush()
    assert reports == [(False, 2, "HTTP 503"), (True, 2, None)]


def test_shutdown_sends_what_is_queued_then_stops_accepting(make_logger):
    transport = ScriptedTransport()
    event_logger = make_logger(transport, queue_size=100)
    log(event_logger, range(7))
    stats = event_logger.shutdown(timeout=5)
    assert (stats.sent, stats.pending, stats.dropped) == (7, 0, 0)
    assert transport.closed
    log(event_logger, range(3))
    assert event_logger.stats().dropped_by_reason == {"shutdown": 3}


def test_shutdown_counts_what_it_could_not_send(make_logger):
    transport = ScriptedTransport([TransportError("503", retry_after=3600)] * 5)
    event_logger = make_logger(transport, queue_size=4)
    quiet(event_logger)
    log(event_logger, range(10))
    stats = event_logger.shutdown(timeout=1)
    assert stats.dropped_by_reason == {"shutdown": 10}
    assert (stats.sent, stats.pending) == (0, 0)


def test_shutdown_does_not_wait_for_a_send_stuck_past_its_timeout(make_logger):
    transport = ScriptedTransport()
    transport.block.clear()
    event_logger = make_logger(transport, queue_size=5)
    log(event_logger, range(8))  # the background thread takes 5 and hangs in send
    assert wait_until(lambda: event_logger._delivery.held == 5)
    done = threading.Event()
    result: list[Any] = []
    threading.Thread(target=lambda: (result.append(event_logger.shutdown(0.2)), done.set())).start()
    assert done.wait(10), "shutdown hung on a stuck send"
    [stats] = result
    assert (stats.pending, stats.dropped_by_reason) == (5, {"shutdown": 3})
    transport.block.set()  # the send finally succeeds; the thread accounts for it
    assert wait_until(lambda: event_logger.stats().sent == 5)
    assert accounted(event_logger) == 8


def test_dedupe_window_is_reset_by_the_background_thread(make_statsig):
    client = make_statsig(PAYLOAD, exposure_dedupe_window=0.05)
    client.check_gate(StatsigUser(user_id="u"), "g")
    client.flush()
    assert client.event_logger.dedupe_size() == 1
    assert wait_until(lambda: client.event_logger.dedupe_size() == 0)


def test_retry_policy_backs_off_exponentially_with_jitter_and_caps():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_retry_after=60.0)
    for failures, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        delays = {policy.delay(failures) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered
    assert policy.delay(1, retry_after=7.5) == 7.5
    assert policy.delay(1, retry_after=10_000) == 60.0


def test_pending_events_are_flushed_at_interpreter_exit(tmp_path: Path):
    sink = tmp_path / "events.jsonl"
    script = textwrap.dedent(
        f"""
        from statsig_core import Statsig, StatsigOptions, StatsigUser
        client = Statsig(None, StatsigOptions(local_event_log={str(sink)!r}))
        client.log_event(StatsigUser(user_id="u"), "left_at_exit", 1)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    [line] = sink.read_bytes().splitlines()
    assert orjson.loads(line)["eventName"] == "left_at_exit"


def test_a_forked_child_starts_empty_but_keeps_a_swapped_transport(make_logger):
    first, swapped = ScriptedTransport(), ScriptedTransport()
    event_logger = make_logger(first, queue_size=100)
    event_logger.transport = swapped  # what capture_events() does
    log(event_logger, range(3))
    event_logger._after_fork()  # what os.register_at_fork runs in the child
    assert event_logger.stats().pending == 0 and event_logger._thread is None
    log(event_logger, range(3, 5))
    assert event_logger.flush() is True
    assert (swapped.values, first.values) == ([3, 4], [])
