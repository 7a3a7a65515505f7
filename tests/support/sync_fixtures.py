"""Fixtures for config-sync tests: the fake API, networked clients with fast polling, Redis.

Loaded as a plugin from ``tests/conftest.py``. Polling runs every 20 ms here so the suite stays
fast; nothing asserts on timing, tests wait for a state with :func:`wait_until`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from statsig_core import Statsig, StatsigOptions

from .fake_api import FakeStatsigApi, fake_statsig_api
from .services import require_redis

__all__ = ["FAST", "wait_until"]

#: Options every networked test client gets (tests override any of them).
FAST: dict[str, Any] = {
    "specs_sync_interval": 0.02,
    "id_lists_sync_interval": 0.02,
    "request_timeout": 2.0,
    "disable_all_logging": True,
}

MakeNetworked = Callable[..., Statsig]


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll ``predicate`` until it is truthy; fail naming ``what`` if it never gets there."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def fake_api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as api:
        yield api


@pytest.fixture
def networked(fake_api: FakeStatsigApi) -> Iterator[MakeNetworked]:
    """Build (uninitialized) clients pointed at the fake API; all are shut down afterwards."""
    made: list[Statsig] = []

    def make(secret: str = "secret-test", **options: Any) -> Statsig:
        client = Statsig(secret, StatsigOptions(**{**FAST, "api": fake_api.url, **options}))
        made.append(client)
        return client

    yield make
    for client in made:
        client.shutdown(timeout=1)


@pytest.fixture
def redis_server() -> tuple[str, int]:
    """``(host, port)`` of the real Redis; skips (fails in CI) when it is unreachable."""
    return require_redis()
