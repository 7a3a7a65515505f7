"""Backoff bounds, failure-streak accounting, and one log line per kind of failure per streak."""

from __future__ import annotations

import logging
import threading

import pytest

from statsig_core.specs.polling import Poller, SyncStatus, backoff_delay
from statsig_core.specs.sources import SyncError


def test_backoff_doubles_from_one_second_up_to_a_minute_for_a_ten_second_interval():
    upper = [backoff_delay(n, 10.0, rand=lambda: 1.0) for n in range(1, 10)]
    assert upper == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    lower = [backoff_delay(n, 10.0, rand=lambda: 0.0) for n in range(1, 4)]
    assert lower == [0.5, 1, 2]


def test_backoff_scales_with_short_test_intervals_and_never_waits_past_its_cap():
    assert backoff_delay(1, 0.05, rand=lambda: 1.0) == 0.05
    assert backoff_delay(100, 0.05, rand=lambda: 1.0) == pytest.approx(1.5)
    assert backoff_delay(10_000, 60.0, rand=lambda: 1.0) == 60.0


def test_backoff_honours_retry_after_up_to_the_cap():
    assert backoff_delay(1, 10.0, retry_after=30, rand=lambda: 0.0) == 30
    assert backoff_delay(1, 10.0, retry_after=3600, rand=lambda: 0.0) == 60


def test_no_failures_means_the_regular_interval():
    assert backoff_delay(0, 10.0) == 10.0


def warnings_about(caplog: pytest.LogCaptureFixture, kind: str) -> int:
    return sum(
        1 for r in caplog.records if r.levelno == logging.WARNING and f"({kind})" in r.getMessage()
    )


def test_each_kind_of_failure_is_logged_once_per_streak(caplog: pytest.LogCaptureFixture):
    status = SyncStatus("specs sync")
    with caplog.at_level(logging.INFO, logger="statsig_core"):
        for _ in range(50):
            status.failure(SyncError("http_500", "HTTP 500"))
            status.failure(SyncError("timeout", "timed out"))
        assert (warnings_about(caplog, "http_500"), warnings_about(caplog, "timeout")) == (1, 1)
        assert status.consecutive_failures == 100
        status.success()
        assert "recovered after 100 failed attempts" in caplog.records[-1].getMessage()
        status.failure(SyncError("http_500", "HTTP 500"))
    assert warnings_about(caplog, "http_500") == 2
    assert status.as_dict()["last_error"] == "http_500: HTTP 500"
    assert status.as_dict()["consecutive_failures"] == 1


def test_a_crashing_step_is_a_failure_with_one_traceback_and_the_loop_survives(
    caplog: pytest.LogCaptureFixture,
):
    status = SyncStatus("specs sync")
    attempts = []

    def step() -> None:
        raise KeyError("bug")

    poller = Poller("t", 10.0, step, status, threading.Event(), lambda: attempts.append(1))
    with caplog.at_level(logging.WARNING, logger="statsig_core"):
        delays = [poller.run_once() for _ in range(3)]
    assert status.consecutive_failures == 3 and len(attempts) == 3
    assert all(delay <= 60 for delay in delays)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "internal" in tracebacks[0].getMessage()


def test_a_successful_step_waits_the_regular_interval():
    status = SyncStatus("specs sync")
    poller = Poller("t", 10.0, lambda: None, status, threading.Event(), lambda: None)
    assert poller.run_once() == 10.0
    assert status.successes == 1 and status.last_success_at is not None
