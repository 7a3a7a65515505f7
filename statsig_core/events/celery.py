"""Hand event batches to Celery: the web process publishes them, a worker posts them to Statsig.

Web process: the event logger's background thread (never a request thread) calls
:meth:`CeleryTransport.send`, which publishes one ``statsig.post_events`` message per batch (its
gzip body, id and event count) over a broker connection of its own whose connect, socket and
publisher-confirm waits are all bounded by ``celery_publish_timeout``. If publishing fails, the
batch is posted over HTTP at once from the same thread, and the broker is left alone for
``BROKER_RETRY_INTERVAL`` seconds (batches meanwhile go straight to HTTP). If HTTP fails too,
the logger keeps the batch for a retry: nothing is lost.

Worker: :func:`post_events` posts the body through :func:`deliver_once`, so a redelivered task
is not posted twice, and retries retryable failures with Celery's retry, the countdown being the
``TASK_RETRY`` backoff or the server's ``Retry-After``.

The server secret never travels in messages (they carry a fingerprint of it). A worker learns it
when a ``Statsig(secret, StatsigOptions(event_transport="celery"))`` is built in its process, or
from :func:`register_worker`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import current_app, shared_task

from statsig_core.events.http import HttpTransport
from statsig_core.events.idempotency import IdempotencyStore, deliver_once, make_store
from statsig_core.events.retry import RetryPolicy
from statsig_core.events.transport import EventBatch, TransportError
from statsig_core.options import StatsigOptions

__all__ = [
    "TASK_NAME",
    "CeleryTransport",
    "build_client_on_demand",
    "post_events",
    "register_worker",
]

logger = logging.getLogger("statsig_core")
TASK_NAME = "statsig.post_events"
#: The worker's retry schedule: 12 attempts, waits doubling from ~2 s up to 10 min (20 to 40 min
#: in all, with the jitter), unless the server asks for a specific ``Retry-After``.
TASK_RETRY = RetryPolicy(max_attempts=12, base_delay=2.0, max_delay=600.0)
BROKER_RETRY_INTERVAL = 10.0


@dataclass(frozen=True)
class _Sender:
    http: HttpTransport
    store: IdempotencyStore


_senders: dict[str, _Sender] = {}


def _key_id(server_secret: str) -> str:
    """Names a secret in messages without revealing it."""
    return hashlib.sha256(server_secret.encode()).hexdigest()[:16]


_client_builders: list[Callable[[], object]] = []


def build_client_on_demand(builder: Callable[[], object]) -> Callable[[], object]:
    """Register ``builder`` (e.g. a framework's "get or create the client"): a task that finds
    no secret registered calls it once, so workers whose pool never sends
    ``worker_process_init`` (``solo``, ``threads``) register on their first task."""
    _client_builders.append(builder)
    return builder


def register_worker(server_secret: str, options: StatsigOptions) -> str:
    """Let this process's workers post batches published for ``server_secret``; returns its key."""
    key = _key_id(server_secret)
    _senders[key] = _Sender(
        HttpTransport(server_secret, options), make_store(options.celery_idempotency_url)
    )
    return key


@shared_task(
    name=TASK_NAME,
    bind=True,
    acks_late=True,  # a worker that dies mid-post leaves the message for another
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=TASK_RETRY.max_attempts - 1,
)
def post_events(
    self: Any, batch_id: str, body: str, count: int, statsig_metadata: dict[str, Any], key: str
) -> str:
    """Post one batch to Statsig: the worker's half of :class:`CeleryTransport`."""
    attempt = self.request.retries + 1
    sender = _senders.get(key)
    if sender is None:
        for build in _client_builders:
            build()
        sender = _senders.get(key)
    try:
        if sender is None:
            raise TransportError(
                f"no Statsig server secret is registered in this worker for key {key} "
                "(build the Statsig client here, or call register_worker)"
            )
        http = sender.http

        def post() -> None:
            http.post(
                base64.b64decode(body),
                batch_id=batch_id,
                event_count=count,
                statsig_metadata=statsig_metadata,
                attempt=attempt,
            )

        posted = deliver_once(sender.store, batch_id, post)
    except TransportError as exc:
        if not exc.retryable or attempt >= TASK_RETRY.max_attempts:
            logger.error(
                "statsig: dropped %d events (batch %s) after %d attempts: %s",
                count,
                batch_id,
                attempt,
                exc,
            )
            raise
        raise self.retry(exc=exc, countdown=TASK_RETRY.delay(attempt, exc.retry_after)) from exc
    return "posted" if posted else "duplicate"


def _transport_options(driver: str, timeout: float) -> dict[str, Any]:
    """Bound every broker wait; the defaults retry connecting forever (celery/celery#6046)."""
    options: dict[str, Any] = {"max_retries": 0}
    if driver == "redis":
        options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
    elif driver == "amqp":
        # Without publisher confirms a message written to a dead socket is silently lost.
        options.update(confirm_publish=True, read_timeout=timeout, write_timeout=timeout)
    return options


class CeleryTransport:
    """Publishes each batch as a ``statsig.post_events`` task; posts it over HTTP when the broker
    cannot take it. Counts of each path are in ``stats()`` (and ``Statsig.health()``)."""

    def __init__(self, server_secret: str, options: StatsigOptions) -> None:
        self.key = register_worker(server_secret, options)
        sender = _senders[self.key]
        self.http, self.store = sender.http, sender.store
        self.app = options.celery_app
        self.queue = options.celery_queue
        self.publish_timeout = options.celery_publish_timeout
        self._lock = threading.Lock()
        self._connection: Any = None
        self._pid = os.getpid()
        self._broker_down_until = 0.0
        self._counts = {"published": 0, "fallback_http": 0, "broker_errors": 0}

    def stats(self) -> dict[str, int]:
        return dict(self._counts)

    def send(self, batch: EventBatch, timeout: float | None = None) -> None:
        if time.monotonic() >= self._broker_down_until:
            try:
                self._publish(batch, timeout)
            except Exception as exc:
                self._counts["broker_errors"] += 1
                self._broker_down_until = time.monotonic() + BROKER_RETRY_INTERVAL
                self._discard_connection()
                logger.warning(
                    "statsig: could not publish %d events to Celery (%r); posting them over HTTP",
                    batch.count,
                    exc,
                )
            else:
                self._counts["published"] += batch.count
                return
        if deliver_once(self.store, batch.id, lambda: self.http.send(batch, timeout)):
            self._counts["fallback_http"] += batch.count

    def _publish(self, batch: EventBatch, timeout: float | None) -> None:
        limit = self.publish_timeout
        if timeout is not None:
            limit = max(0.001, min(timeout, limit))
        app = self.app or current_app
        options: dict[str, Any] = {"queue": self.queue} if self.queue else {}
        with self._lock:
            connection = self._connect(app, limit)
            app.send_task(
                TASK_NAME,
                kwargs={
                    "batch_id": batch.id,
                    "body": base64.b64encode(batch.gzip_body()).decode("ascii"),
                    "count": batch.count,
                    "statsig_metadata": batch.statsig_metadata,
                    "key": self.key,
                },
                task_id=batch.id,
                connection=connection,
                retry=False,
                timeout=limit,
                confirm_timeout=limit,
                **options,
            )

    def _connect(self, app: Any, timeout: float) -> Any:
        if self._connection is None or self._pid != os.getpid():
            connection = app.connection_for_write(connect_timeout=timeout)
            driver = connection.transport.driver_type
            connection.transport_options.update(_transport_options(driver, timeout))
            self._connection, self._pid = connection, os.getpid()
        self._connection.ensure_connection(max_retries=0, timeout=timeout)
        return self._connection

    def _discard_connection(self) -> None:
        """Forget a broken connection without talking to the broker again."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():
            try:
                connection.collect()
            except Exception:
                logger.debug("statsig: discarding the broker connection failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():
            try:
                connection.release()
            except Exception:
                logger.debug("statsig: closing the broker connection failed", exc_info=True)
        self.http.close()
