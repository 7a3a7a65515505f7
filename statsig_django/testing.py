"""Test helpers: force gates, configs, experiments and layers; capture logged events.

No database and no network: overrides live in the process's client and are restored exactly
(they nest). Each helper is a context manager, a decorator for sync and async test functions,
and a ``TestCase`` class decorator::

    @override_gate("new_checkout", True)
    class CheckoutTests(SimpleTestCase): ...

    @override_experiment("checkout_copy", {"headline": "Hi"})
    async def test_headline(async_client): ...

    with override_config("pricing", {"price": 5}), capture_events() as events:
        client.get("/pricing/")
    assert events.exposures("config")

For tests that must not reach Statsig, set ``STATSIG["OPTIONS"] = {"local_mode": True}`` (or
leave ``SERVER_SECRET`` out) in the test settings. pytest users get the same through the
``statsig_overrides`` and ``statsig_events`` fixtures (:mod:`statsig_django.pytest_plugin`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar

from django.test.utils import TestContextDecorator

from statsig_core import Statsig
from statsig_core.testing import CapturedEvents, overrides
from statsig_core.testing import capture_events as _capture_events
from statsig_django.client import get_statsig

__all__ = [
    "CapturedEvents",
    "capture_events",
    "override_config",
    "override_experiment",
    "override_gate",
    "override_layer",
]


class _Override(TestContextDecorator):
    kind: ClassVar[str]

    def __init__(self, name: str, value: Any, *, user_id: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.value = value
        self.user_id = user_id
        self._active: list[AbstractContextManager[Statsig]] = []

    def enable(self) -> Statsig:
        manager = overrides(
            get_statsig(), **{self.kind: {self.name: self.value}}, user_id=self.user_id
        )
        client = manager.__enter__()
        self._active.append(manager)
        return client

    def disable(self) -> None:
        self._active.pop().__exit__(None, None, None)


class override_gate(_Override):
    """Force a gate on or off (for everyone, or for one ``user_id``)."""

    kind = "gates"

    def __init__(self, name: str, value: bool, *, user_id: str | None = None) -> None:
        super().__init__(name, bool(value), user_id=user_id)


class override_config(_Override):
    """Force a dynamic config's value."""

    kind = "configs"

    def __init__(self, name: str, value: Mapping[str, Any], *, user_id: str | None = None) -> None:
        super().__init__(name, dict(value), user_id=user_id)


class override_experiment(override_config):
    """Force an experiment's parameters."""

    kind = "experiments"


class override_layer(override_config):
    """Force a layer's parameters."""

    kind = "layers"


@contextmanager
def capture_events() -> Iterator[CapturedEvents]:
    """Collect what the process's client logs in the block (exposures and custom events)."""
    with _capture_events(get_statsig()) as captured:
        yield captured
