"""pytest fixtures for Django projects (registered through the ``pytest11`` entry point).

``statsig_overrides``: force values for one test; all are removed afterwards::

    def test_checkout(client, statsig_overrides):
        statsig_overrides.gate("new_checkout", True)
        statsig_overrides.experiment("checkout_copy", {"headline": "Hi"})

``statsig_events``: what the test logged (exposures and custom events)::

    def test_purchase_is_logged(client, statsig_events):
        client.post("/buy/")
        assert [e["eventName"] for e in statsig_events.custom()] == ["purchase"]

Nothing here runs unless a test asks for a fixture, and Django is only imported then.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from statsig_core import Statsig
    from statsig_core.testing import CapturedEvents
    from statsig_core.testing import Overrides as StatsigOverrides

__all__ = ["StatsigOverrides", "statsig_events", "statsig_overrides"]


def __getattr__(name: str) -> Any:
    """``StatsigOverrides`` (the fixture's type), imported only when someone asks for it."""
    if name == "StatsigOverrides":
        from statsig_core.testing import Overrides

        return Overrides
    raise AttributeError(name)


def _client() -> Statsig:
    from django.conf import settings

    if not settings.configured:
        pytest.skip("Django settings are not configured")
    from statsig_django.client import get_statsig

    return get_statsig()


@pytest.fixture
def statsig_overrides() -> Iterator[StatsigOverrides]:
    from statsig_core.testing import Overrides

    forced = Overrides(_client())
    try:
        yield forced
    finally:
        forced.undo()


@pytest.fixture
def statsig_events() -> Iterator[CapturedEvents]:
    from statsig_core.testing import capture_events

    with capture_events(_client()) as captured:
        yield captured
