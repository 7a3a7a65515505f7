"""The process's :class:`~statsig_core.Statsig` client, created lazily and once per process.

Why lazy and per process: a client owns background threads (event flushing, specs sync) and
threads do not survive ``fork``. gunicorn ``--preload``, uWSGI without ``lazy-apps`` and Celery's
prefork pool all fork after Django is set up, so a forked child forgets the client it inherited
(``os.register_at_fork``) and builds its own on first use; the parent keeps sending its own
events. A change of the client-related ``STATSIG`` keys (``override_settings`` in tests) shuts
the old client down and the next use builds a new one.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from statsig_core import Statsig, StatsigOptions
from statsig_django.conf import StatsigSettings, get_settings

__all__ = [
    "astatsig_or_none",
    "build_client",
    "get_statsig",
    "reset_statsig",
    "statsig_or_none",
]

logger = logging.getLogger("statsig_django")

_lock = threading.Lock()
# (client, the settings signature it was built from, the error if building failed)
_state: tuple[Statsig | None, tuple[Any, ...] | None, Exception | None] = (None, None, None)


def build_client(config: StatsigSettings) -> Statsig:
    """A new, initialized client for ``config`` (waits at most ``INIT_TIMEOUT`` for specs)."""
    options: dict[str, Any] = dict(config.options)
    if config.specs_file:
        options["specs_path"] = config.specs_file
    if config.environment:
        options["environment"] = config.environment
    if config.event_transport:
        options["event_transport"] = config.event_transport
    options["init_timeout"] = config.init_timeout
    try:
        client = Statsig(config.server_secret, StatsigOptions(**options))
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"STATSIG: {exc}") from exc
    details = client.initialize(timeout=config.init_timeout)
    if not details.init_success:
        logger.warning("statsig: no specs loaded (%s); checks return defaults", details.error)
    return client


def get_statsig() -> Statsig:
    """This process's client, built on first use. Raises if the settings cannot build one."""
    client, _, error = _state
    if client is not None:
        return client
    if error is not None:
        raise ImproperlyConfigured(f"STATSIG: the client could not be built: {error}") from error
    return _create()


def _create() -> Statsig:
    global _state
    with _lock:
        client, _, error = _state
        if client is not None:
            return client
        if error is not None:
            raise ImproperlyConfigured(f"STATSIG: the client could not be built: {error}")
        config = get_settings()
        try:
            client = build_client(config)
        except Exception as exc:
            # Remembered, so a broken setting costs one log line, not one per request.
            logger.exception("statsig: could not create the client")
            _state = (None, config.client_signature(), exc)
            raise
        _state = (client, config.client_signature(), None)
        return client


def statsig_or_none() -> Statsig | None:
    """The client, or None when it cannot be built: what request handling uses."""
    try:
        return get_statsig()
    except Exception:
        return None


async def astatsig_or_none() -> Statsig | None:
    """:func:`statsig_or_none` for async code: a first build, which may wait up to
    ``INIT_TIMEOUT`` for specs, runs in a worker thread instead of blocking the event loop."""
    client = _state[0]
    if client is not None:
        return client
    return await sync_to_async(statsig_or_none, thread_sensitive=False)()


def reset_statsig(*, shutdown: bool = True, timeout: float = 2.0) -> None:
    """Forget the client (flushing it first); the next use builds a new one."""
    global _state
    with _lock:
        client = _state[0]
        _state = (None, None, None)
    if client is not None and shutdown:
        client.shutdown(timeout=timeout)


def _forget_after_fork() -> None:
    # The inherited client's threads do not exist here and its lock may be held: start over.
    global _state, _lock
    _lock = threading.Lock()
    _state = (None, None, None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


@receiver(setting_changed)
def _statsig_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting != "STATSIG":
        return
    get_settings.cache_clear()
    built_from = _state[1]
    if built_from is not None and built_from != get_settings().client_signature():
        reset_statsig()
