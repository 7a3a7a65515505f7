"""View decorators that work on sync and async views alike.

An ``async def`` view gets an ``async def`` wrapper (so Django still sees a coroutine function)
that loads the Django user with ``await request.auser()`` before checking; a sync view gets a
sync wrapper. A ``fallback`` view of the other kind is adapted with asgiref.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import resolve_url

from statsig_core.web import BoundStatsig
from statsig_django.binding import abind, bind

__all__ = ["experiment", "feature_gate", "gate_failure"]

View = TypeVar("View", bound=Callable[..., Any])


def gate_failure(
    request: HttpRequest,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    redirect_to: str | None = None,
    fallback: Callable[..., Any] | None = None,
) -> Any:
    """What a view returns when its gate is off: the fallback's response, a redirect, or 404.

    The fallback's result is returned as is (a coroutine when the fallback is async).
    """
    if fallback is not None:
        return fallback(request, *args, **kwargs)
    if redirect_to is not None:
        return HttpResponseRedirect(resolve_url(redirect_to))
    raise Http404(f"feature gate {name!r} is off")


def _sync(fallback: Callable[..., Any] | None) -> Callable[..., Any] | None:
    if fallback is not None and iscoroutinefunction(fallback):
        return async_to_sync(fallback)
    return fallback


def _async(fallback: Callable[..., Any] | None) -> Callable[..., Any] | None:
    if fallback is not None and not iscoroutinefunction(fallback):
        return sync_to_async(fallback)
    return fallback


def feature_gate(
    name: str,
    *,
    redirect_to: str | None = None,
    fallback: Callable[..., Any] | None = None,
) -> Callable[[View], View]:
    """Serve the view only when the gate passes (``"!name"``: only when it fails).

    Otherwise call ``fallback`` with the view's arguments, else redirect to ``redirect_to``
    (a URL name or a path), else raise ``Http404``.
    """
    sync_fallback, async_fallback = _sync(fallback), _async(fallback)

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_gated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if (await abind(request)).gate_passes(name):
                    return await view(request, *args, **kwargs)
                if async_fallback is not None:
                    return await async_fallback(request, *args, **kwargs)
                return gate_failure(request, name, args, kwargs, redirect_to=redirect_to)

            return async_gated  # type: ignore[return-value]

        @functools.wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if bind(request).gate_passes(name):
                return view(request, *args, **kwargs)
            return gate_failure(
                request, name, args, kwargs, redirect_to=redirect_to, fallback=sync_fallback
            )

        return gated  # type: ignore[return-value]

    return decorator


def experiment(
    name: str,
    param: str | None = None,
    default: Any = None,
    *,
    kwarg: str | None = None,
) -> Callable[[View], View]:
    """Pass an experiment to the view as a keyword argument.

    ``@experiment("checkout_copy")`` passes ``experiment=`` (the ``Experiment``: ``group_name``,
    ``get(...)``); ``@experiment("checkout_copy", "headline", "Buy now")`` passes
    ``headline=`` (that parameter's value). ``kwarg=`` renames the argument.
    """
    target = kwarg or param or "experiment"

    def inject(bound: BoundStatsig, kwargs: dict[str, Any]) -> None:
        result = bound.get_experiment(name)
        kwargs[target] = result if param is None else result.get(param, default)

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_injected(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                inject(await abind(request), kwargs)
                return await view(request, *args, **kwargs)

            return async_injected  # type: ignore[return-value]

        @functools.wraps(view)
        def injected(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            inject(bind(request), kwargs)
            return view(request, *args, **kwargs)

        return injected  # type: ignore[return-value]

    return decorator
