"""External parts tests may use (Redis, RabbitMQ, Node, Chromium), under the project rule: a
missing part skips the test on a user's machine but fails it when ``STATSIG_REQUIRE_SERVICES=1``
(CI), so a broken CI image can never turn the suite green by skipping.

Tests never stop a shared service; to simulate an outage, put a
:class:`support.tcp_proxy.TcpProxy` in front of it and cut that.
"""

from __future__ import annotations

import importlib
import os
import socket
from types import ModuleType
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

__all__ = [
    "rabbitmq_url",
    "redis_url",
    "require_module",
    "require_rabbitmq",
    "require_redis",
    "services_required",
    "skip_or_fail",
]


def redis_url() -> str:
    """The Redis tests use (``STATSIG_TEST_REDIS_URL``, else ``REDIS_URL``, else local db 0)."""
    return (
        os.environ.get("STATSIG_TEST_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


REQUIRE_SERVICES_ENV = "STATSIG_REQUIRE_SERVICES"


def services_required() -> bool:
    """True in CI, where a missing external part is a failure rather than a skip."""
    return os.environ.get(REQUIRE_SERVICES_ENV, "").strip() == "1"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it when STATSIG_REQUIRE_SERVICES=1."""
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_SERVICES_ENV}=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def require_module(name: str) -> ModuleType:
    """Import an optional test dependency, following the same skip-or-fail rule."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        skip_or_fail(f"{name} is not installed: {exc}")


# Celery's settings read CELERY_BROKER_URL from the environment ahead of an app's own broker_url,
# so with the variable set (as .ci/run and many machines do) a test app pointed at memory:// or
# at a TCP proxy would silently talk to the real broker. Keep the value for the tests that want
# the real broker, and take it out of the environment before any Celery app exists (tests/
# conftest.py imports this module first).
CELERY_BROKER_URL = os.environ.pop("CELERY_BROKER_URL", "")


def rabbitmq_url() -> str:
    """The RabbitMQ broker tests use (``CELERY_BROKER_URL`` if it is AMQP, else local guest)."""
    url = CELERY_BROKER_URL
    return (
        url if url.startswith(("amqp://", "pyamqp://")) else "amqp://guest:guest@127.0.0.1:5672//"
    )


def require_rabbitmq() -> tuple[str, int]:
    """``(host, port)`` of a reachable AMQP broker with ``celery`` installed, or skip/fail."""
    require_module("celery")
    require_module("amqp")
    parts = urlsplit(rabbitmq_url())
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.settimeout(2)
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            reply = sock.recv(8)
    except OSError as exc:
        skip_or_fail(f"RabbitMQ at {host}:{port} is unreachable: {exc}")
    if not reply.startswith(b"\x01"):  # a method frame: Connection.Start
        skip_or_fail(f"{host}:{port} did not answer as an AMQP 0-9-1 broker ({reply!r})")
    return host, port


def require_redis() -> tuple[str, int]:
    """``(host, port)`` of a reachable Redis with the ``redis`` package installed, or skip/fail."""
    require_module("redis")
    parts = urlsplit(redis_url())
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        skip_or_fail(f"Redis at {host}:{port} is unreachable: {exc}")
    if not reply.startswith(b"+PONG"):
        skip_or_fail(f"Redis at {host}:{port} answered {reply!r} to PING")
    return host, port
