"""Pytest fixtures for apps using ``StatsigFlask``, registered as the ``statsig_flask`` plugin.

They take the app from an ``app`` fixture (pytest-flask's convention), which the project
defines. Flask is imported only when a fixture is used, so installing statsig-web without Flask
never breaks a test run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from statsig_core.testing import CapturedEvents
    from statsig_flask.testing import Overrides


@pytest.fixture
def statsig_flask_overrides(app: Any) -> Iterator[Overrides]:
    """``statsig_flask_overrides.gate("beta", True)``: forced values, undone after the test."""
    from statsig_flask.testing import Overrides

    forced = Overrides(app)
    yield forced
    forced.undo()


@pytest.fixture
def statsig_flask_events(app: Any) -> Iterator[CapturedEvents]:
    """Every event the app logs during the test (``.exposures("gate")``, ``.custom()``, ...)."""
    from statsig_flask.testing import captured_events

    with captured_events(app) as captured:
        yield captured
