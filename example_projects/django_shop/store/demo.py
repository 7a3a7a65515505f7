"""Demo users instead of real accounts, and the shop data both examples share.

``?as=alice`` on any page (or the login page) stores a demo user in the session;
``?as=anonymous`` forgets it. The ``USER_BUILDER`` below turns that profile into the
``StatsigUser`` that gates and experiments see. A real site would read ``request.user``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from statsig_core import StatsigUser

SESSION_KEY = "demo_user"
ANONYMOUS = "anonymous"


@functools.cache
def demo_users() -> dict[str, dict[str, Any]]:
    """``{"alice": {"name", "about", "user_id", "email", "country", "custom"}, ...}``."""
    return json.loads(settings.SHOP_DEMO_USERS_FILE.read_text(encoding="utf-8"))


@functools.cache
def catalog() -> list[dict[str, Any]]:
    """The products, featured first."""
    return json.loads(settings.SHOP_CATALOG_FILE.read_text(encoding="utf-8"))


def product(sku: str | None) -> dict[str, Any] | None:
    """A product by SKU (the featured one for ``None``)."""
    if sku is None:
        return catalog()[0]
    return next((item for item in catalog() if item["sku"] == sku), None)


def switch_user(request: HttpRequest, handle: str) -> None:
    """Sign the visitor in as a demo user (a fresh session), or out for an unknown handle."""
    request.session.cycle_key()
    if handle in demo_users():
        request.session[SESSION_KEY] = handle
    else:
        request.session.pop(SESSION_KEY, None)


class DemoLoginMiddleware:
    """Handles ``?as=NAME`` and sets ``request.demo_user`` (the handle, or None).

    Reading the session here, in a plain sync middleware, keeps the ORM out of the user
    builder, which may run inside the event loop under ASGI.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        handle = request.GET.get("as")
        if handle is not None:
            switch_user(request, handle)
            query = request.GET.copy()
            del query["as"]
            rest = query.urlencode()
            return HttpResponseRedirect(request.path + (f"?{rest}" if rest else ""))
        chosen = request.session.get(SESSION_KEY)
        request.demo_user = chosen if chosen in demo_users() else None  # type: ignore[attr-defined]
        return self.get_response(request)


def build_user(request: HttpRequest, default: StatsigUser) -> StatsigUser:
    """``STATSIG["USER_BUILDER"]``: the request's default user plus the demo profile.

    The default user already carries the IP, User-Agent, locale and the stable-ID cookie.
    """
    profile = demo_users().get(getattr(request, "demo_user", None) or "")
    if profile is None:
        return default
    return default.with_changes(
        user_id=profile["user_id"],
        email=profile["email"],
        country=profile["country"],
        custom=profile["custom"],
    )


def shop_context(request: HttpRequest) -> dict[str, Any]:
    """Template context for the header (user switcher) and the footer notes."""
    handle = getattr(request, "demo_user", None)
    return {
        "demo_users": demo_users(),
        "current_user": handle or ANONYMOUS,
        "current_profile": demo_users().get(handle or ""),
        "js_client_available": settings.SHOP_JS_CLIENT_FILE.is_file(),
        "events_file": settings.SHOP_EVENTS_FILE,
    }
