"""Remember which event batches were posted, so a redelivered Celery task does not post twice.

Celery delivers at least once (``acks_late`` tasks are redelivered when a worker dies, a publish
that timed out may still have reached the broker), so every batch carries an id and posting goes
through :func:`deliver_once`:

1. **claim** the id (``busy``, with a short TTL so a crashed poster's claim runs out);
   an id already ``done`` is skipped, one ``busy`` elsewhere is retried later;
2. post; on failure **release** the claim so the retry can claim it again;
3. mark it **done** (kept ``done_ttl`` seconds).

Limits: the in-memory store only sees its own process (prefork children and other hosts do not
share it) and forgets ids beyond ``max_ids`` or after ``done_ttl``. The Redis store is shared by
every process using the same URL; if Redis cannot be reached, posting goes ahead anyway (an
event is never dropped to avoid a duplicate) and the ``STATSIG-BATCH-ID`` header remains for the
receiver. A post that succeeds just before its worker dies, before step 3, is posted again on
redelivery: delivery is at least once, duplicates are rare and carry the same batch id.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from statsig_core.events.transport import TransportError

__all__ = [
    "BUSY",
    "CLAIMED",
    "DONE",
    "IdempotencyStore",
    "MemoryIdempotency",
    "RedisIdempotency",
    "deliver_once",
    "make_store",
]

logger = logging.getLogger("statsig_core")
CLAIMED, DONE, BUSY = "claimed", "done", "busy"
CLAIM_TTL = 60.0  # longer than any single post (request timeouts are far shorter)
DONE_TTL = 24 * 3600.0  # longer than Celery's whole retry schedule for a batch
BUSY_RETRY_AFTER = 5.0


class IdempotencyStore(Protocol):
    """Per-batch-id state: absent, ``busy`` (claimed by a poster) or ``done``."""

    def claim(self, batch_id: str) -> str:
        """``CLAIMED`` (this caller may post), ``DONE`` or ``BUSY``."""
        ...

    def done(self, batch_id: str) -> None: ...

    def release(self, batch_id: str) -> None: ...


class MemoryIdempotency:
    """A bounded LRU of batch ids in this process."""

    def __init__(self, max_ids: int = 10_000, done_ttl: float = DONE_TTL) -> None:
        self.max_ids = max_ids
        self.done_ttl = done_ttl
        self._ids: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, batch_id: str) -> str:
        now = time.monotonic()
        with self._lock:
            entry = self._ids.get(batch_id)
            if entry is not None and entry[1] > now:
                return entry[0]
            self._put(batch_id, BUSY, now + CLAIM_TTL)
            return CLAIMED

    def done(self, batch_id: str) -> None:
        with self._lock:
            self._put(batch_id, DONE, time.monotonic() + self.done_ttl)

    def release(self, batch_id: str) -> None:
        with self._lock:
            self._ids.pop(batch_id, None)

    def _put(self, batch_id: str, state: str, expires: float) -> None:
        self._ids[batch_id] = (state, expires)
        self._ids.move_to_end(batch_id)
        while len(self._ids) > self.max_ids:
            self._ids.popitem(last=False)


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class RedisIdempotency:
    """Batch ids in Redis (``SET NX PX`` claims), shared by every worker using the same URL."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "statsig:events:batch:",
        done_ttl: float = DONE_TTL,
        timeout: float = 1.0,
    ) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.prefix = prefix
        self.done_ttl = done_ttl
        self._tokens: dict[str, str] = {}  # our own open claims, so release never frees another's

    def claim(self, batch_id: str) -> str:
        key = self.prefix + batch_id
        token = f"{BUSY}:{uuid.uuid4().hex}"
        for _ in range(2):  # a second try only if the key expired between SET and GET
            if self.client.set(key, token, nx=True, px=int(CLAIM_TTL * 1000)):
                self._tokens[batch_id] = token
                return CLAIMED
            current = self.client.get(key)
            if current is not None:
                return DONE if current == DONE.encode() else BUSY
        return BUSY

    def done(self, batch_id: str) -> None:
        self._tokens.pop(batch_id, None)
        self.client.set(self.prefix + batch_id, DONE, px=int(self.done_ttl * 1000))

    def release(self, batch_id: str) -> None:
        token = self._tokens.pop(batch_id, None)
        if token is not None:
            self.client.eval(_RELEASE, 1, self.prefix + batch_id, token)


def make_store(redis_url: str | None) -> IdempotencyStore:
    return RedisIdempotency(redis_url) if redis_url else MemoryIdempotency()


def deliver_once(store: IdempotencyStore, batch_id: str, post: Callable[[], None]) -> bool:
    """Run ``post`` unless the batch was already delivered; True if this call posted it.

    Raises what ``post`` raises, or a retryable :class:`TransportError` while another process
    holds the claim.
    """
    state = _guarded(store.claim, batch_id, CLAIMED)
    if state == DONE:
        return False
    if state == BUSY:
        raise TransportError(
            f"batch {batch_id} is being posted elsewhere", retry_after=BUSY_RETRY_AFTER
        )
    try:
        post()
    except BaseException:
        _guarded(store.release, batch_id, None)
        raise
    _guarded(store.done, batch_id, None)
    return True


def _guarded(
    operation: Callable[[str], str | None], batch_id: str, fallback: str | None
) -> str | None:
    """Run a store operation; if the store is unreachable, log and go on (fail open)."""
    try:
        return operation(batch_id)
    except Exception as exc:
        logger.warning("statsig: idempotency store unavailable (%s); posting without it", exc)
        return fallback
