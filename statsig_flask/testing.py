"""Test helpers: force gates, configs, experiments and layers; capture events. No network.

Each helper works as a context manager and as a decorator, and puts every override back exactly
as it was on exit (they nest). The app is the one given, else the current app (looked up on
entry, so a decorator can be applied before any app exists)::

    with override_gate("new_checkout", True, app=app):
        assert client.get("/checkout").status_code == 200
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from flask import Flask, has_app_context

from statsig_core import Statsig
from statsig_core import testing as core_testing
from statsig_core.testing import CapturedEvents, capture_events, overrides
from statsig_flask.extension import get_state

__all__ = [
    "Overrides",
    "captured_events",
    "override",
    "override_config",
    "override_experiment",
    "override_gate",
    "override_layer",
]

F = TypeVar("F", bound=Callable[..., Any])


def _client(app: Flask | None) -> Statsig:
    if app is None and not has_app_context():
        raise RuntimeError(
            "no Flask app: pass app=... or use the helper inside an app or request context"
        )
    return get_state(app).client


class override:
    """Force several values at once, for everyone or for one ``user_id``.

    A class (named like the function it reads as) so one object serves ``with`` and ``@``.
    Decorated ``async def`` functions keep their overrides until they finish.
    """

    def __init__(
        self,
        *,
        gates: Mapping[str, bool] | None = None,
        configs: Mapping[str, Mapping[str, Any]] | None = None,
        experiments: Mapping[str, Mapping[str, Any]] | None = None,
        layers: Mapping[str, Mapping[str, Any]] | None = None,
        user_id: str | None = None,
        app: Flask | None = None,
    ) -> None:
        self._values = {
            "gates": gates,
            "configs": configs,
            "experiments": experiments,
            "layers": layers,
            "user_id": user_id,
        }
        self._app = app
        self._active: list[AbstractContextManager[Statsig]] = []

    def __enter__(self) -> Statsig:
        manager = overrides(_client(self._app), **self._values)  # type: ignore[arg-type]
        client = manager.__enter__()
        self._active.append(manager)
        return client

    def __exit__(self, *exc_info: Any) -> None:
        self._active.pop().__exit__(*exc_info)

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]


def override_gate(
    name: str, value: bool, *, user_id: str | None = None, app: Flask | None = None
) -> override:
    """Force gate ``name`` on or off (a context manager, or a decorator)."""
    return override(gates={name: value}, user_id=user_id, app=app)


def override_config(
    name: str,
    value: Mapping[str, Any],
    *,
    user_id: str | None = None,
    app: Flask | None = None,
) -> override:
    """Force dynamic config ``name`` to ``value``."""
    return override(configs={name: value}, user_id=user_id, app=app)


def override_experiment(
    name: str,
    value: Mapping[str, Any],
    *,
    user_id: str | None = None,
    app: Flask | None = None,
) -> override:
    """Force experiment ``name``'s parameters to ``value``."""
    return override(experiments={name: value}, user_id=user_id, app=app)


def override_layer(
    name: str,
    value: Mapping[str, Any],
    *,
    user_id: str | None = None,
    app: Flask | None = None,
) -> override:
    """Force layer ``name``'s parameters to ``value``."""
    return override(layers={name: value}, user_id=user_id, app=app)


@contextmanager
def captured_events(app: Flask | None = None) -> Iterator[CapturedEvents]:
    """Collect the app's events in memory for the block (exposures de-duplicated afresh)."""
    with capture_events(_client(app)) as captured:
        yield captured


class Overrides(core_testing.Overrides):
    """Values forced one call at a time, all undone together: the pytest fixture's object."""

    def __init__(self, app: Flask | None = None) -> None:
        super().__init__(_client(app))
