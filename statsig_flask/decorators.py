"""Gate views and whole blueprints on a feature gate.

A closed gate answers 404 by default (the feature does not exist for this visitor, rather than
"forbidden"), or redirects, or serves a fallback view. Views and fallbacks may be ``async def``:
they run through ``current_app.ensure_sync`` as with Flask-Login's ``login_required``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask.sansio.scaffold import Scaffold
from flask.typing import ResponseReturnValue

from statsig_flask.extension import gate_passes

__all__ = ["feature_gate", "gate_blueprint"]

F = TypeVar("F", bound=Callable[..., Any])


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.lstrip("!"):
        raise TypeError(f"a gate name must be a non-empty string, got {name!r}")
    return name


def _location(target: str) -> str:
    """``redirect_to`` is a URL when it looks like one (``/path``, ``https://...``), else an
    endpoint name for ``url_for`` (``"index"``, ``"shop.cart"``, ``".sibling"``)."""
    if target.startswith("/") or "://" in target:
        return target
    return url_for(target)


def _closed(
    redirect_to: str | None,
    fallback: Callable[..., Any] | None,
    status: int,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> ResponseReturnValue:
    if fallback is not None:
        return current_app.ensure_sync(fallback)(*args, **kwargs)  # type: ignore[no-any-return]
    if redirect_to is not None:
        return redirect(_location(redirect_to))
    abort(status)


def feature_gate(
    name: str,
    *,
    redirect_to: str | None = None,
    fallback: Callable[..., Any] | None = None,
    status: int = 404,
) -> Callable[[F], F]:
    """Serve the view only when gate ``name`` passes (``"!name"``: only when it fails).

    Otherwise call ``fallback`` with the view's arguments, else redirect to ``redirect_to`` (an
    endpoint or a URL), else abort with ``status``.
    """
    _check_name(name)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if gate_passes(name):
                return current_app.ensure_sync(view)(*args, **kwargs)
            return _closed(redirect_to, fallback, status, args, kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def gate_blueprint(
    blueprint: Scaffold,
    name: str,
    *,
    redirect_to: str | None = None,
    fallback: Callable[..., Any] | None = None,
    status: int = 404,
) -> None:
    """Gate every view of a blueprint (or app) with a ``before_request`` hook.

    ``fallback`` gets the matched view's URL arguments. A ``redirect_to`` endpoint inside the
    gated blueprint would loop, so point it elsewhere.
    """
    _check_name(name)

    def check_gate() -> ResponseReturnValue | None:
        if gate_passes(name):
            return None
        return _closed(redirect_to, fallback, status, (), dict(request.view_args or {}))

    blueprint.before_request(check_gate)
