"""Demo users instead of real accounts, and the shop data both examples share.

``?as=alice`` on any page (or the login page) stores a demo user in Flask's signed session
cookie; ``?as=anonymous`` forgets it. :func:`load_user` turns that profile into the
``StatsigUser`` that gates and experiments see. A real app would use Flask-Login's
``current_user``, which statsig_flask already reads.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import current_app, redirect, request, session
from werkzeug.wrappers import Response

from statsig_core import StatsigUser

SESSION_KEY = "demo_user"
ANONYMOUS = "anonymous"


@functools.cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def demo_users() -> dict[str, dict[str, Any]]:
    """``{"alice": {"name", "about", "user_id", "email", "country", "custom"}, ...}``."""
    return _load(current_app.config["SHOP_DEMO_USERS_FILE"])  # type: ignore[no-any-return]


def catalog() -> list[dict[str, Any]]:
    """The products, featured first."""
    return _load(current_app.config["SHOP_CATALOG_FILE"])  # type: ignore[no-any-return]


def product(sku: str | None) -> dict[str, Any] | None:
    """A product by SKU (the featured one for ``None``)."""
    if sku is None:
        return catalog()[0]
    return next((item for item in catalog() if item["sku"] == sku), None)


def current_handle() -> str | None:
    handle = session.get(SESSION_KEY)
    return handle if handle in demo_users() else None


def switch_user(handle: str) -> None:
    """Sign in as a demo user, or out for an unknown handle."""
    session.clear()
    if handle in demo_users():
        session[SESSION_KEY] = handle


def switch_from_query() -> Response | None:
    """``before_request``: ``?as=NAME`` switches the user, then redirects without it."""
    handle = request.args.get("as")
    if handle is None:
        return None
    switch_user(handle)
    rest = {key: values for key, values in request.args.lists() if key != "as"}
    query = urlencode(rest, doseq=True)
    return redirect(request.path + (f"?{query}" if query else ""))


def load_user(default: StatsigUser) -> StatsigUser:
    """The user loader: the request's default user plus the demo profile.

    The default user already carries the IP, User-Agent, locale and the stable-ID cookie.
    """
    profile = demo_users().get(current_handle() or "")
    if profile is None:
        return default
    return default.with_changes(
        user_id=profile["user_id"],
        email=profile["email"],
        country=profile["country"],
        custom=profile["custom"],
    )


def shop_context() -> dict[str, Any]:
    """Template context for the header (user switcher) and the footer notes."""
    handle = current_handle()
    return {
        "demo_users": demo_users(),
        "current_user": handle or ANONYMOUS,
        "current_profile": demo_users().get(handle or ""),
        "js_client_available": current_app.config["SHOP_JS_CLIENT_FILE"].is_file(),
        "events_file": current_app.config["SHOP_EVENTS_FILE"],
    }
