"""A Redis data store: share one specs download among many web processes.

Web processes use ``RedisDataStore(url=..., use_for_polling=True)`` and poll Redis; one process
(a plain client with ``use_for_polling=False``, or the refresh task in
:mod:`statsig_core.data_stores.refresh`) keeps Redis fresh from the API.

Timeouts are short and redis-py retries only a dropped connection, once: the sync layer already
retries with backoff, and a slow Redis must never hold up ``initialize()``. Errors surface as
:class:`DataStoreError` to the sync layer, never to evaluation. A connection is never used across
a fork: a client built from ``url`` is rebuilt in the child, and a caller's ``client`` relies on
redis-py's own per-process connection pool reset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statsig_core.data_stores.base import DataStore, DataStoreError
from statsig_core.process_local import ProcessLocal

if TYPE_CHECKING:
    import redis

__all__ = ["RedisDataStore"]


class RedisDataStore(DataStore):
    """Specs and ID lists in Redis under the keys documented in :mod:`.base`.

    Give either ``url`` (``redis://host:6379/0``; the store owns and closes the connection) or a
    ready ``client`` (``redis.Redis``; the caller owns it).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | None = None,
        use_for_polling: bool = False,
        timeout: float = 0.5,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give RedisDataStore either url= or client=")
        try:
            import redis as redis_module
            from redis.backoff import NoBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError
            from redis.retry import Retry
        except ImportError as exc:
            raise ImportError("RedisDataStore needs the redis package: pip install redis") from exc
        self._redis = redis_module
        # One immediate retry on a dropped connection (a pooled socket that died in an outage),
        # none on timeouts: a hung Redis costs one ``timeout``, not several.
        retry = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
        self._callers_client = client
        self._own: ProcessLocal[redis.Redis] | None = None
        if url is not None:
            self._own = ProcessLocal(
                lambda: redis_module.Redis.from_url(
                    url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=retry
                )
            )
        self.use_for_polling = use_for_polling

    def _connection(self) -> redis.Redis:
        """This process's client; a forked child never touches its parent's sockets."""
        if self._own is not None:
            return self._own.get()
        assert self._callers_client is not None
        return self._callers_client

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._connection(), method)(*args)
        except self._redis.RedisError as exc:
            raise DataStoreError(f"redis {method} failed: {type(exc).__name__}: {exc}") from None

    def get(self, key: str) -> bytes | None:
        value: bytes | str | None = self._call("get", key)
        return value.encode() if isinstance(value, str) else value

    def set(self, key: str, value: str) -> None:
        self._call("set", key, value)

    def shutdown(self) -> None:
        """Close the connection this store opened (a caller's ``client`` stays open)."""
        if self._own is not None:
            self._own.close()

    def should_be_used_for_querying_updates(self, key: str) -> bool:
        return self.use_for_polling
