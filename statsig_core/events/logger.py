"""The event logger: cheap enqueue on the request path, batching and delivery off it.

Checks append a small record to a thread-safe deque (no dict building, no locks). A background
thread (started on first use, restarted in a forked child) drains it every ``flush_interval`` or
as soon as ``queue_size`` records wait, and hands batches to :class:`Delivery`, which owns
retries, backoff and accounting (see :mod:`statsig_core.events.delivery`).

Bounds, all visible in :meth:`EventLogger.stats`:

* **Memory**: at most ``max_pending`` events are held, counting queued records, the batch being
  sent and batches awaiting a retry (plus, for an instant, one per thread logging concurrently).
  Past it new events are dropped and counted as ``queue_full``, never silently.
* **Shutdown** returns within its timeout; what it could not send is counted as ``shutdown``.
* **Fork**: a child forgets the parent's events (the parent sends them) and starts its own thread.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from statsig_core.events.delivery import Delivery, EventStats, drain
from statsig_core.events.exposures import Dedupe, EventBuilder, Record
from statsig_core.events.retry import RetryPolicy
from statsig_core.events.transport import EventTransport

if TYPE_CHECKING:
    from statsig_core.results import EvaluationDetails
    from statsig_core.specs.model import Outcome
    from statsig_core.user import StatsigUser

__all__ = ["EventLogger", "EventStats"]

logger = logging.getLogger("statsig_core")
_loggers: weakref.WeakSet[EventLogger] = weakref.WeakSet()
_now = time.time
_clock = time.monotonic


def drain_newest(queue: deque[Record], count: int) -> int:
    """Remove up to ``count`` records from the new end; returns how many were removed."""
    removed = 0
    pop = queue.pop
    try:
        while removed < count:
            pop()
            removed += 1
    except IndexError:
        pass
    return removed


class EventLogger:
    """Queues exposures and custom events and delivers them in batches."""

    def __init__(
        self,
        transport: EventTransport,
        *,
        statsig_metadata: dict[str, Any],
        queue_size: int = 1000,
        flush_interval: float = 60.0,
        max_pending: int = 100_000,
        dedupe_window: float = 60.0,
        dedupe_max_keys: int = 100_000,
        retry_policy: RetryPolicy | None = None,
        environment: dict[str, str] | None = None,
        on_flushed: Callable[[bool, int, str | None], None] | None = None,
    ) -> None:
        self.batch_size = max(1, queue_size)
        #: Queue length that sends the hot path to :meth:`_full`: the batch size, lowered when
        #: ``max_pending`` is near and 0 after shutdown, so one length check also covers
        #: stopping and the memory and de-duplication bounds.
        self.queue_size = self.batch_size
        self.flush_interval = flush_interval
        self.max_pending = max(self.batch_size, max_pending)
        self.dedupe_window = dedupe_window
        self.dedupe_max_keys = dedupe_max_keys
        self.statsig_metadata = statsig_metadata
        self.retry_policy = retry_policy or RetryPolicy()
        self.environment = environment
        self.on_flushed = on_flushed
        self._queue: deque[Record] = deque()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._reset_sender(transport)
        _loggers.add(self)

    def _reset_sender(self, transport: EventTransport) -> None:
        """Fresh sending side: at construction, and in a forked child."""
        self._delivery = Delivery(
            transport,
            EventBuilder(self.environment),
            Dedupe(self.dedupe_max_keys),
            statsig_metadata=self.statsig_metadata,
            batch_size=self.batch_size,
            retry_policy=self.retry_policy,
            on_held=self._set_threshold,
            on_flushed=self.on_flushed,
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        now = _clock()
        self._next_flush = now + self.flush_interval
        self._next_reset = now + self.dedupe_window

    @property
    def transport(self) -> EventTransport:
        return self._delivery.transport

    @transport.setter
    def transport(self, transport: EventTransport) -> None:
        """Swap where batches go (test helpers capture events this way)."""
        self._delivery.transport = transport

    # -- the hot path -------------------------------------------------------------------------

    def exposure(
        self,
        kind: str,
        user: StatsigUser,
        name: str,
        outcome: Outcome,
        details: EvaluationDetails,
        parameter: str | None = None,
        manual: bool = False,
    ) -> None:
        """Queue a gate (``g``), config (``c``) or layer (``l``) exposure.

        This runs inside every check, so it does the least it can: one tuple, one deque append
        and one length check. Repeats are dropped by the sender thread (:class:`Dedupe`) before
        any event is built; everything rare (a full queue, shutdown) is handled in
        :meth:`_full`, reached through the length check.
        """
        queue = self._queue
        queue.append((kind, user, name, outcome, details, _now(), parameter, manual))
        if len(queue) >= self.queue_size:
            self._full()
        elif self._thread is None:
            self._start()

    def custom(
        self,
        user: StatsigUser | None,
        name: str,
        value: str | int | float | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        """Queue a custom event (``Statsig.log_event``); as cheap as an exposure."""
        queue = self._queue
        queue.append(("e", user, name, value, metadata, _now(), None, False))
        if len(queue) >= self.queue_size:
            self._full()
        elif self._thread is None:
            self._start()

    def _full(self) -> None:
        """The queue reached the threshold: refuse events after shutdown, start the sender,
        enforce the memory bound, wake the sender."""
        if self._stopped:
            self._count_drop("shutdown", drain_newest(self._queue, len(self._queue)))
            return
        if self._thread is None:
            self._start()
        over = len(self._queue) + self._delivery.held - self.max_pending
        if over > 0:
            self._reject(over)
        if len(self._queue) >= self.queue_size and not self._wake.is_set():
            self._wake.set()

    def _reject(self, count: int) -> None:
        """Drop the newest records: memory is full, and what is already held keeps its place."""
        self._count_drop("queue_full", drain_newest(self._queue, count))

    def _count_drop(self, reason: str, count: int) -> None:
        self._delivery.count_drop(reason, count)

    def _set_threshold(self, held: int) -> None:
        if self._stopped:
            self.queue_size = 0  # every event goes through _full(), which refuses it
        else:
            self.queue_size = max(1, min(self.batch_size, self.max_pending - held))

    def dedupe_size(self) -> int:
        """Exposures remembered in the current de-duplication window."""
        return self._delivery.dedupe.size

    def reset_dedupe(self) -> None:
        """Forget which exposures were logged (the window passed, or a test wants a clean slate)."""
        self._delivery.dedupe.reset()
        self._next_reset = _clock() + self.dedupe_window

    # -- background delivery ------------------------------------------------------------------

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._stopped:
                return
            thread = threading.Thread(target=self._run, name="statsig-events", daemon=True)
            self._thread = thread
            thread.start()

    def _run(self) -> None:
        stop, delivery = self._stop, self._delivery
        while not stop.is_set():
            backoff = delivery.resume_at - _clock()
            if backoff > 0:
                stop.wait(backoff)  # backing off: a full queue does not cut it short
                continue
            self._wake.wait(self._idle_time())
            self._wake.clear()
            if stop.is_set():
                break
            try:
                self._tick()
            except Exception:
                logger.exception("statsig: event delivery failed unexpectedly")
        with delivery.lock:  # if shutdown gave up waiting for a send, account for what is left
            delivery.discard(self._queue, "shutdown")

    def _idle_time(self) -> float:
        if self._delivery.retry or len(self._queue) >= self.batch_size:
            return 0.0
        return max(0.0, min(self._next_flush, self._next_reset) - _clock())

    def _tick(self) -> None:
        now = _clock()
        if now >= self._next_reset:
            self.reset_dedupe()
        due = now >= self._next_flush
        if due:
            self._next_flush = now + self.flush_interval
        delivery = self._delivery
        with delivery.lock:
            delivery.deliver(self._queue, everything=due, deadline=None, stop=self._stop.is_set)

    # -- public control -----------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued now, waiting retries first, ignoring any backoff.

        Stops at the first failed send (that batch stays queued for a retry). True when nothing
        that was queued at the call is left unsent.
        """
        deadline = None if timeout is None else _clock() + timeout
        delivery = self._delivery
        with delivery.lock:
            return delivery.deliver(self._queue, everything=True, deadline=deadline)

    def stats(self) -> EventStats:
        delivery = self._delivery
        transport_stats = getattr(delivery.transport, "stats", None)
        dropped = delivery.dropped()
        return EventStats(
            pending=len(self._queue) + delivery.held,
            sent=delivery.sent,
            dropped=sum(dropped.values()),
            dropped_by_reason=dropped,
            failed_batches=delivery.failed_batches,
            retry_batches=len(delivery.retry),
            transport=transport_stats() if callable(transport_stats) else {},
        )

    def shutdown(self, timeout: float = 5.0) -> EventStats:
        """Deliver what is pending within ``timeout`` seconds, then stop; never waits longer.

        Events it could not send are counted as dropped (``shutdown``). If the background thread
        is still inside a send at the deadline, that batch shows as ``pending`` in the returned
        stats, and the thread accounts for it when the send ends.
        """
        deadline = _clock() + timeout
        self._stopped = True
        self.queue_size = 0
        self._stop.set()
        self._wake.set()
        delivery = self._delivery
        if delivery.lock.acquire(timeout=max(0.0, deadline - _clock())):
            try:
                while not delivery.deliver(self._queue, everything=True, deadline=deadline):
                    wait = max(0.0, delivery.resume_at - _clock())
                    if not delivery.retry or _clock() + wait >= deadline:
                        break
                    time.sleep(wait)
                delivery.discard(self._queue, "shutdown")
            finally:
                delivery.lock.release()
        else:
            self._count_drop("shutdown", drain(self._queue))
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - _clock()))
        if thread is None or not thread.is_alive():
            delivery.transport.close()
        return self.stats()

    def _after_fork(self) -> None:
        """In a forked child: forget the parent's events and thread (the parent sends them)."""
        self._queue = deque()
        self._thread = None
        self._reset_sender(self._delivery.transport)
        self._set_threshold(0)


def _reset_after_fork() -> None:
    for event_logger in list(_loggers):
        event_logger._after_fork()


def _flush_at_exit() -> None:
    for event_logger in list(_loggers):
        if not event_logger._stopped:
            try:
                event_logger.shutdown(timeout=2.0)
            except Exception:
                logger.exception("statsig: flushing events at exit failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(_flush_at_exit)
