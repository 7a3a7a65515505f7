"""Fixtures shared by every suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from statsig_core import Statsig, StatsigOptions
from statsig_core.events.transport import MemoryTransport

import support.services  # noqa: F401  (first: takes CELERY_BROKER_URL out of the environment)

pytest_plugins = ["support.jsclient_fixtures", "support.sync_fixtures"]

MakeStatsig = Callable[..., Statsig]


@pytest.fixture
def make_statsig() -> Iterator[MakeStatsig]:
    """Build initialized local-mode clients from a specs dict; events land in ``.captured``."""
    made: list[Statsig] = []

    def make(payload: dict[str, Any], **options: Any) -> Statsig:
        transport = MemoryTransport()
        options.setdefault("event_transport", transport)
        client = Statsig(None, StatsigOptions(bootstrap_values=payload, **options))
        client.initialize()
        client.captured = transport  # type: ignore[attr-defined]
        made.append(client)
        return client

    yield make
    for client in made:
        client.shutdown(timeout=1)


@pytest.fixture(scope="session")
def shared_fixtures() -> Any:
    """The real specs files Statsig publishes (../shared); skipped in a user's clone."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "statsig-server-core"
    if not folder.is_dir():
        pytest.skip("../shared/fixtures is not present (it exists only beside the project's CI)")
    return folder
