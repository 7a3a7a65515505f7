"""Who the request is: the default ``StatsigUser`` built from Flask's request and Flask-Login.

The IP, locale and stable-ID rules live in :mod:`statsig_core.web` so Django and Flask agree on
them; this module only reads Flask's objects and hands the values over. The stable ID is only
read or minted when a check first needs the user, so pages that evaluate nothing get no
``Set-Cookie`` and stay cacheable.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, g, has_request_context, request

from statsig_core import StatsigUser
from statsig_core.web import StableIdChoice, choose_stable_id, client_ip, preferred_locale
from statsig_flask.config import Settings

__all__ = ["default_user", "finish_response", "vary_on_cookie"]

logger = logging.getLogger("statsig_flask")

_STABLE_ID = "_statsig_stable_id"  # g attribute, set when the user is first built


def _consented(settings: Settings) -> bool:
    consent = settings.cookie_consent
    if consent is None:
        return True
    try:
        return bool(consent())
    except Exception:
        logger.exception("statsig: STATSIG_STABLE_ID_COOKIE_CONSENT failed; treating it as no")
        return False


def _stable_id(settings: Settings) -> str | None:
    """This request's stable ID, decided once, when a check first needs the user."""
    if not settings.cookie_enabled:
        return None
    known: StableIdChoice | None = g.get(_STABLE_ID)
    if known is None:
        existing = request.cookies.get(settings.cookie.name)
        known = choose_stable_id(existing, consented=_consented(settings), can_set=True)
        setattr(g, _STABLE_ID, known)
    return known.value


def _login_fields() -> dict[str, Any]:
    """``user_id`` and ``email`` of Flask-Login's ``current_user``, when the app uses it."""
    if getattr(current_app, "login_manager", None) is None:
        return {}
    from flask_login import current_user

    if not current_user or not current_user.is_authenticated:
        return {}
    fields: dict[str, Any] = {"user_id": current_user.get_id()}
    email = getattr(current_user, "email", None)
    if isinstance(email, str) and email:
        fields["email"] = email
    return fields


def default_user(settings: Settings) -> StatsigUser:
    """The user every check sees unless a user loader replaces it.

    Outside a request (CLI commands, Celery tasks) there is nothing to read: an empty user.
    """
    if not has_request_context():
        return StatsigUser()
    stable_id = _stable_id(settings)
    environ = request.environ  # one proxy lookup, rather than one per header
    return StatsigUser(
        ip=client_ip(
            environ.get("REMOTE_ADDR"),
            environ.get("HTTP_X_FORWARDED_FOR"),
            settings.trusted_proxy_count,
        ),
        user_agent=environ.get("HTTP_USER_AGENT") or None,
        locale=preferred_locale(environ.get("HTTP_ACCEPT_LANGUAGE")),
        custom_ids={"stableID": stable_id} if stable_id else None,
        **_login_fields(),
    )


def vary_on_cookie(response: Response) -> None:
    """Add ``Vary: Cookie`` (cheaper than ``response.vary``, which parses and rewrites)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Cookie"
    elif "cookie" not in {part.strip().lower() for part in vary.split(",")}:
        response.headers["Vary"] = f"{vary}, Cookie"


def finish_response(response: Response, settings: Settings) -> None:
    """Keep a freshly minted stable ID, drop a withdrawn one, and mark the cookie's role."""
    known: StableIdChoice | None = g.get(_STABLE_ID)
    if known is None:
        return
    vary_on_cookie(response)
    settings.cookie.update(response, known, secure=request.is_secure)
