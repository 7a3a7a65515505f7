"""Background pollers: a fixed interval while things work, exponential backoff with jitter
while they fail, and failure accounting that logs each kind of failure once per streak.

Backoff after ``n`` consecutive failures waits ``min(cap, base * 2**(n-1))`` scaled by a random
factor in [0.5, 1], where ``base = min(interval, 1 s)`` and ``cap = min(max(interval, 60 s),
30 * interval)``: a blip is retried within a second, a long outage costs one request per minute
per process, and a server's ``Retry-After`` is honoured up to the cap.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from statsig_core.specs.sources import SyncError

__all__ = ["Poller", "SyncStatus", "backoff_delay"]

logger = logging.getLogger("statsig_core")


def backoff_delay(
    failures: int,
    interval: float,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before the next attempt after ``failures`` consecutive failures."""
    if failures <= 0:
        return interval
    base = min(interval, 1.0)
    cap = min(max(interval, 60.0), 30 * interval)
    delay = min(cap, base * 2.0 ** min(failures - 1, 32)) * (0.5 + rand() / 2)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, cap))
    return delay


class SyncStatus:
    """Successes and failure streaks of one kind of sync, for ``health()``, backoff and logs."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.attempts = 0
        self.successes = 0
        self.consecutive_failures = 0
        self.last_attempt_at: float | None = None
        self.last_success_at: float | None = None
        self.last_error: SyncError | None = None
        self._logged: set[str] = set()

    def success(self) -> None:
        if self.consecutive_failures:
            logger.info(
                "statsig: %s recovered after %d failed attempts",
                self.what,
                self.consecutive_failures,
            )
        now = time.time()
        self.attempts += 1
        self.successes += 1
        self.last_attempt_at = self.last_success_at = now
        self.consecutive_failures = 0
        self.last_error = None
        self._logged.clear()

    def failure(self, error: SyncError, *, traceback: bool = False) -> None:
        """Count a failure; the first of each kind in a streak is logged, repeats are not."""
        self.attempts += 1
        self.consecutive_failures += 1
        self.last_attempt_at = time.time()
        self.last_error = error
        if error.kind not in self._logged:
            self._logged.add(error.kind)
            logger.warning(
                "statsig: %s failed (%s): %s; keeping the last good data and retrying "
                "(further %r failures in this streak are not logged)",
                self.what,
                error.kind,
                error,
                error.kind,
                exc_info=traceback,
            )

    def as_dict(self) -> dict[str, Any]:
        error = self.last_error
        return {
            "last_success_at": _ms(self.last_success_at),
            "last_attempt_at": _ms(self.last_attempt_at),
            "consecutive_failures": self.consecutive_failures,
            "last_error": None if error is None else f"{error.kind}: {error}",
        }


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1000)


class Poller:
    """Runs ``step`` at once and then every ``interval`` seconds on a daemon thread.

    ``step`` raises :class:`SyncError` to report a failure; anything else it raises is a bug,
    logged with its traceback once per streak and counted as a failure, never fatal to the loop.
    """

    def __init__(
        self,
        name: str,
        interval: float,
        step: Callable[[], None],
        status: SyncStatus,
        stop: threading.Event,
        on_attempt: Callable[[], None],
    ) -> None:
        self.name = name
        self.interval = interval
        self._step = step
        self._status = status
        self._stop = stop
        self._on_attempt = on_attempt
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            delay = self.run_once()

    def run_once(self) -> float:
        """One attempt; returns how long to wait before the next."""
        status = self._status
        try:
            self._step()
        except SyncError as exc:
            status.failure(exc)
        except Exception as exc:
            status.failure(SyncError("internal", f"{type(exc).__name__}: {exc}"), traceback=True)
        else:
            status.success()
        finally:
            self._on_attempt()
        error = status.last_error
        if error is None:
            return self.interval
        return backoff_delay(status.consecutive_failures, self.interval, error.retry_after)
