"""POST event batches to Statsig's ``log_event`` endpoint, one attempt per call.

The transport classifies each failure for whoever retries (the event logger in a web process,
Celery in a worker): 408, 429 and 5xx, timeouts and connection errors are retryable (with the
server's ``Retry-After`` when it sent one); any other 4xx is not, because the same request would
be refused again.
"""

from __future__ import annotations

import email.utils
import platform
import time
from typing import Any

import httpx

from statsig_core import __version__
from statsig_core.events.transport import EventBatch, TransportError
from statsig_core.options import StatsigOptions
from statsig_core.process_local import ProcessLocal

__all__ = ["HttpTransport", "parse_retry_after"]

_RETRYABLE_4XX = frozenset({408, 429})


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), None if unusable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(seconds, 0.0)  # RetryPolicy caps absurd values


class HttpTransport:
    """Sends batches with the official SDK headers, gzip-compressed, over a pooled httpx client.

    Safe to share between threads. After ``fork()`` the child builds its own client on first use
    (:class:`~statsig_core.process_local.ProcessLocal`).
    """

    def __init__(self, server_secret: str, options: StatsigOptions) -> None:
        self.url = options.endpoint("log_event")
        self.timeout = options.request_timeout
        self._secret = server_secret
        service = options.service_name or "unknown"
        self._user_agent = (
            f"statsig-web/{__version__} python/{platform.python_version()} "
            f"statsig-service/{service}"
        )
        self.pool = ProcessLocal(lambda: httpx.Client(timeout=self.timeout, follow_redirects=False))

    def send(self, batch: EventBatch, timeout: float | None = None) -> None:
        self.post(
            batch.gzip_body(),
            batch_id=batch.id,
            event_count=batch.count,
            statsig_metadata=batch.statsig_metadata,
            attempt=batch.attempts,
            timeout=timeout,
        )

    def post(
        self,
        body: bytes,
        *,
        batch_id: str,
        event_count: int,
        statsig_metadata: dict[str, Any],
        attempt: int = 1,
        timeout: float | None = None,
    ) -> None:
        """POST an already compressed body; the Celery task calls this with the message's body."""
        headers = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "User-Agent": self._user_agent,
            "STATSIG-API-KEY": self._secret,
            "STATSIG-CLIENT-TIME": str(int(time.time() * 1000)),
            "STATSIG-SDK-TYPE": str(statsig_metadata.get("sdkType", "statsig-web")),
            "STATSIG-SDK-VERSION": str(statsig_metadata.get("sdkVersion", __version__)),
            "STATSIG-SERVER-SESSION-ID": str(statsig_metadata.get("sessionID", "")),
            "STATSIG-EVENT-COUNT": str(event_count),
            "STATSIG-RETRY": str(max(0, attempt - 1)),
            "STATSIG-BATCH-ID": batch_id,
        }
        limit = self.timeout if timeout is None else max(0.001, min(timeout, self.timeout))
        try:
            response = self.pool.get().post(self.url, content=body, headers=headers, timeout=limit)
        except httpx.TimeoutException as exc:
            raise TransportError(f"log_event timed out: {exc!r}") from exc
        except httpx.HTTPError as exc:  # connection refused/reset, protocol errors
            raise TransportError(f"log_event failed: {exc!r}") from exc
        status = response.status_code
        if status < 300:
            return
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        retryable = status >= 500 or status in _RETRYABLE_4XX
        raise TransportError(
            f"log_event answered HTTP {status}", retryable=retryable, retry_after=retry_after
        )

    def close(self) -> None:
        self.pool.close()
