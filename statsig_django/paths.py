"""URL-level gating: drop-in ``path``/``re_path`` that serve a route only while a gate passes.

::

    urlpatterns = [
        gated_path("checkout/", views.checkout, name="checkout", gate="new_checkout"),
        gated_path("beta/", include("beta.urls"), gate="beta", redirect_to="home"),
        gated_re_path(r"^old/$", views.old, gate="!new_checkout", fallback=views.new),
    ]

A gated ``include()`` gates every URL inside it. When the gate is off the route behaves like
``@feature_gate``: ``fallback`` view, else a redirect to ``redirect_to``, else 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver
from django.urls import path as django_path
from django.urls import re_path as django_re_path
from django.urls.resolvers import RegexPattern, ResolverMatch, RoutePattern

from statsig_django.decorators import feature_gate

__all__ = ["GatedURLResolver", "gated_path", "gated_re_path"]

Decorate = Callable[[Callable[..., Any]], Callable[..., Any]]


class GatedURLResolver(URLResolver):
    """An ``include()`` whose resolved views are all wrapped in the same gate."""

    def __init__(self, *args: Any, decorate: Decorate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._wrapped: dict[Callable[..., Any], Callable[..., Any]] = {}

    def resolve(self, path: str) -> ResolverMatch:
        match = super().resolve(path)
        func = match.func
        wrapped = self._wrapped.get(func)
        if wrapped is None:
            wrapped = self._wrapped[func] = self._decorate(func)
        match.func = wrapped
        return match


def _gated(
    pattern: type[RoutePattern] | type[RegexPattern],
    route: str,
    view: Any,
    kwargs: dict[str, Any] | None,
    name: str | None,
    decorate: Decorate,
) -> URLPattern | URLResolver:
    if isinstance(view, list | tuple):
        urlconf_module, app_name, namespace = view
        return GatedURLResolver(
            pattern(route, is_endpoint=False),
            urlconf_module,
            kwargs,
            app_name=app_name,
            namespace=namespace,
            decorate=decorate,
        )
    build = django_path if pattern is RoutePattern else django_re_path
    return build(route, decorate(view), kwargs, name)


def gated_path(
    route: str,
    view: Any,
    kwargs: dict[str, Any] | None = None,
    name: str | None = None,
    *,
    gate: str,
    redirect_to: str | None = None,
    fallback: Callable[..., Any] | None = None,
) -> URLPattern | URLResolver:
    """``django.urls.path`` plus ``gate=`` (and ``redirect_to=`` / ``fallback=``)."""
    decorate = feature_gate(gate, redirect_to=redirect_to, fallback=fallback)
    return _gated(RoutePattern, route, view, kwargs, name, decorate)


def gated_re_path(
    route: str,
    view: Any,
    kwargs: dict[str, Any] | None = None,
    name: str | None = None,
    *,
    gate: str,
    redirect_to: str | None = None,
    fallback: Callable[..., Any] | None = None,
) -> URLPattern | URLResolver:
    """``django.urls.re_path`` plus ``gate=`` (and ``redirect_to=`` / ``fallback=``)."""
    decorate = feature_gate(gate, redirect_to=redirect_to, fallback=fallback)
    return _gated(RegexPattern, route, view, kwargs, name, decorate)
