"""The one retry policy for event batches: exponential backoff with jitter, honouring Retry-After.

Two drivers use it and never both for the same attempt: the :class:`EventLogger` retries batches
in the web process, and the Celery task retries in a worker (as Celery countdowns). Transports
themselves never retry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds: ``max_attempts`` sends per batch; waits between ``base_delay`` and ``max_delay``.

    The n-th consecutive failure waits ``d/2 + uniform(0, d/2)`` with
    ``d = min(max_delay, base_delay * 2**(n-1))``, so many processes that failed together do not
    come back together. A server's ``Retry-After`` replaces the computed wait (capped at
    ``max_retry_after``).
    """

    max_attempts: int = 10
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 600.0

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(0, failures - 1))
        return ceiling / 2 + random.uniform(0.0, ceiling / 2)
