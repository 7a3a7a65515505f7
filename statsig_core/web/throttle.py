"""An in-memory token bucket per key, for the browser event endpoints (Django and Flask).

Per process: with N workers a visitor can send up to N times the configured rate. That bounds
abuse of one worker's memory and of the event pipeline cheaply; a shared limit belongs in the
proxy or a cache-backed limiter. Memory is bounded too: beyond ``max_keys`` buckets the least
recently used one is forgotten (a forgotten key starts over with a full bucket).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

__all__ = ["TokenBuckets"]


class TokenBuckets:
    """``take(key, n)``: spend ``n`` tokens if the key's bucket holds them, else refuse."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, count: int, *, rate_per_second: float, capacity: float) -> float:
        """0.0 when ``count`` tokens were taken, else the seconds until they would be there."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (capacity, now))
            tokens = min(capacity, tokens + (now - stamp) * rate_per_second)
            if tokens >= count:
                tokens -= count
                wait = 0.0
            elif rate_per_second > 0 and count <= capacity:
                wait = (count - tokens) / rate_per_second
            else:
                wait = float("inf")
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
