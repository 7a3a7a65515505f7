"""The sending side of the event logger: batches, the retry queue, backoff and accounting.

:class:`Delivery` is driven by one caller at a time (the logger's background thread, ``flush`` or
``shutdown``, serialized by :attr:`Delivery.lock`). It owns the only retry loop of a web process:
a failed retryable batch waits at the back of the retry queue, compacted to its gzip body, and is
re-sent with the same batch id before any newer batch once the :class:`RetryPolicy` backoff (or
the server's ``Retry-After``) has passed. A batch is dropped after ``max_attempts`` sends
(``retries_exhausted``), or at once when refused as non-retryable (``rejected``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from statsig_core.events.exposures import Dedupe, EventBuilder, Record
from statsig_core.events.retry import RetryPolicy
from statsig_core.events.transport import EventBatch, EventTransport, TransportError

__all__ = ["Delivery", "EventStats", "drain"]

logger = logging.getLogger("statsig_core")
_clock = time.monotonic
SENT, KEPT, DROPPED = "sent", "kept", "dropped"


@dataclass(frozen=True)
class EventStats:
    """Delivery accounting: every accepted event is pending, sent or dropped (with a reason)."""

    pending: int
    sent: int
    dropped: int
    dropped_by_reason: dict[str, int]
    failed_batches: int
    retry_batches: int
    transport: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def drain(queue: deque[Record]) -> int:
    """Empty ``queue`` (producers may still be appending); returns how many records it removed."""
    count = 0
    pop = queue.popleft
    try:
        while True:
            pop()
            count += 1
    except IndexError:
        return count


class Delivery:
    """Builds batches from queued records and sends them, keeping count of every event."""

    def __init__(
        self,
        transport: EventTransport,
        builder: EventBuilder,
        dedupe: Dedupe,
        *,
        statsig_metadata: dict[str, Any],
        batch_size: int,
        retry_policy: RetryPolicy,
        on_held: Callable[[int], None],
        on_flushed: Callable[[bool, int, str | None], None] | None,
    ) -> None:
        self.transport = transport
        self.builder = builder
        self.dedupe = dedupe
        self.statsig_metadata = statsig_metadata
        self.batch_size = batch_size
        self.retry_policy = retry_policy
        self.on_held = on_held
        self.on_flushed = on_flushed
        self.lock = threading.Lock()
        self.retry: deque[EventBatch] = deque()
        self.held = 0  # events built into batches: being sent or awaiting a retry
        self.sent = 0
        self.failed_batches = 0
        self.failures = 0  # consecutive failed sends, for the backoff
        self.resume_at = 0.0  # monotonic time before which the background sends nothing
        self._dropped: dict[str, int] = {}
        self._count_lock = threading.Lock()

    def count_drop(self, reason: str, count: int) -> None:
        if count:
            with self._count_lock:
                self._dropped[reason] = self._dropped.get(reason, 0) + count

    def dropped(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self._dropped)

    def deliver(
        self,
        queue: deque[Record],
        *,
        everything: bool,
        deadline: float | None,
        stop: Callable[[], bool] | None = None,
    ) -> bool:
        """Send waiting retries, then queued records (full batches, or all if ``everything``).

        The caller holds :attr:`lock`. Stops at the first batch kept for a retry, or when
        ``stop()`` turns true. True when every batch it tried was delivered.
        """
        ok = True
        while self.retry:
            outcome = self._send(self.retry[0], deadline, retrying=True)
            if outcome is KEPT:
                return False
            ok = ok and outcome is SENT
            if stop is not None and stop():
                return ok
        remaining = len(queue)  # records logged meanwhile wait for the next round
        while remaining >= self.batch_size or (everything and remaining > 0):
            taken, batch = self._take(queue, min(remaining, self.batch_size))
            if not taken:
                break
            remaining -= taken
            if batch is None:  # every record was a repeat (or could not be built)
                continue
            outcome = self._send(batch, deadline, retrying=False)
            if outcome is KEPT:
                return False
            ok = ok and outcome is SENT
            if stop is not None and stop():
                return ok
        return ok

    def discard(self, queue: deque[Record], reason: str) -> None:
        """Count everything still held or queued as dropped (caller holds :attr:`lock`)."""
        held = sum(batch.count for batch in self.retry)
        self.retry.clear()
        self._hold(-held)
        self.count_drop(reason, held + drain(queue))

    def _hold(self, delta: int) -> None:
        self.held += delta
        self.on_held(self.held)

    def _take(self, queue: deque[Record], count: int) -> tuple[int, EventBatch | None]:
        """Take the oldest ``count`` records; build the non-repeats into a batch."""
        self._hold(count)  # counted as held before leaving the queue: never under-counted
        records: list[Record] = []
        pop = queue.popleft
        try:
            for _ in range(count):
                records.append(pop())
        except IndexError:
            pass
        taken = len(records)
        records = self.dedupe.fresh(records)
        self._hold(len(records) - count)
        if not records:
            return taken, None
        build = self.builder.build
        try:
            fragments = [build(r) for r in records]
            return taken, EventBatch(None, self.statsig_metadata, fragments=fragments)
        except Exception:
            logger.exception("statsig: could not build %d events", len(records))
            self._hold(-len(records))
            self.count_drop("build_failed", len(records))
            return taken, None

    def _send(self, batch: EventBatch, deadline: float | None, *, retrying: bool) -> str:
        """One attempt; returns ``SENT``, ``KEPT`` (in the retry queue) or ``DROPPED``."""
        timeout = None if deadline is None else max(0.0, deadline - _clock())
        batch.attempts += 1
        try:
            self.transport.send(batch, timeout)
        except Exception as exc:
            return self._failed(batch, exc, retrying)
        if retrying:
            self.retry.popleft()
        self._hold(-batch.count)
        self.sent += batch.count
        self.failures = 0
        self.resume_at = 0.0
        self._report(True, batch.count, None)
        return SENT

    def _failed(self, batch: EventBatch, exc: Exception, retrying: bool) -> str:
        self.failed_batches += 1
        self._report(False, batch.count, str(exc))
        # Anything but a TransportError is a bug or an odd transport: retry rather than lose.
        retryable = exc.retryable if isinstance(exc, TransportError) else True
        if retryable:
            self.failures += 1
            retry_after = exc.retry_after if isinstance(exc, TransportError) else None
            self.resume_at = _clock() + self.retry_policy.delay(self.failures, retry_after)
            if batch.attempts < self.retry_policy.max_attempts:
                if not retrying:
                    batch.compact()
                    self.retry.append(batch)
                return KEPT
        if retrying:
            self.retry.popleft()
        self._hold(-batch.count)
        self.count_drop("retries_exhausted" if retryable else "rejected", batch.count)
        logger.warning("statsig: dropped %d events (batch %s): %s", batch.count, batch.id, exc)
        return DROPPED

    def _report(self, success: bool, count: int, error: str | None) -> None:
        if self.on_flushed is not None:
            try:
                self.on_flushed(success, count, error)
            except Exception:
                logger.exception("statsig: events_flushed_callback failed")
