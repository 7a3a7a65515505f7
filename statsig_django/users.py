"""Build the :class:`~statsig_core.StatsigUser` for a request.

The default user carries the authenticated user's id (``pk``) and email, the client IP (behind
``TRUSTED_PROXY_COUNT`` proxies), the User-Agent, the locale (``request.LANGUAGE_CODE`` when
``LocaleMiddleware`` ran, else ``Accept-Language``) and the stable-ID cookie as
``custom_ids["stableID"]``. ``USER_BUILDER`` can then replace or extend it.

On ASGI the Django user must never be loaded with the sync ORM inside the event loop, so the
async middleware awaits ``request.auser()`` up front and :func:`auth_user` hands that out.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

from statsig_core import StatsigUser
from statsig_core.web import client_ip, customized_user, preferred_locale
from statsig_django.conf import get_settings, resolve_callable

__all__ = ["auth_user", "build_user", "default_user", "resolve_auth_user"]

logger = logging.getLogger("statsig_django")

_RESOLVED = "_statsig_auth_user"
_warned_event_loop = False


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def auth_user(request: HttpRequest) -> Any | None:
    """The request's Django user (or ``None``), without a sync query inside an event loop.

    Prefers a user someone assigned directly (DRF authentication does), then the one the async
    middleware resolved, then Django's lazy ``request.user`` when it is safe to evaluate.
    """
    assigned = request.__dict__.get("user")
    if assigned is not None and (
        not isinstance(assigned, LazyObject) or vars(assigned).get("_wrapped", empty) is not empty
    ):
        return assigned
    if _RESOLVED in request.__dict__:
        return request.__dict__[_RESOLVED]
    if assigned is None:
        return None
    if _in_event_loop():
        cached = getattr(request, "_acached_user", None)
        if cached is not None:
            return cached
        global _warned_event_loop
        if not _warned_event_loop:
            _warned_event_loop = True
            logger.warning(
                "statsig: the request's user was needed inside the event loop before it was "
                "loaded; it is treated as anonymous. Put StatsigMiddleware where it runs async "
                "(no sync-only middleware after it) or use the statsig_django decorators."
            )
        return None
    return assigned


def _load_user(request: HttpRequest) -> Any:
    user = request.user
    _ = user.is_authenticated  # evaluates the lazy object here, in a worker thread
    return user


async def resolve_auth_user(request: HttpRequest) -> None:
    """Load the Django user the async way, once, so later sync checks never query the ORM."""
    if _RESOLVED in request.__dict__:
        return
    user = None
    try:
        auser = getattr(request, "auser", None)
        if auser is not None:
            user = await auser()
        elif hasattr(request, "user"):  # Django < 5.0 has no auser()
            user = await sync_to_async(_load_user)(request)
    except Exception:
        logger.exception("statsig: loading the request's user failed; treating it as anonymous")
    request.__dict__[_RESOLVED] = user


def default_user(request: HttpRequest, stable_id: str | None = None) -> StatsigUser:
    """The user every request gets before ``USER_BUILDER`` runs."""
    user = auth_user(request)
    user_id = email = None
    if user is not None and getattr(user, "is_authenticated", False):
        user_id = user.pk
        email_field = getattr(user, "get_email_field_name", None)
        email = getattr(user, email_field() if email_field else "email", None) or None
    meta = request.META
    return StatsigUser(
        user_id=user_id,
        email=email,
        ip=client_ip(
            meta.get("REMOTE_ADDR"),
            meta.get("HTTP_X_FORWARDED_FOR"),
            get_settings().trusted_proxy_count,
        ),
        user_agent=meta.get("HTTP_USER_AGENT") or None,
        locale=getattr(request, "LANGUAGE_CODE", None)
        or preferred_locale(meta.get("HTTP_ACCEPT_LANGUAGE")),
        custom_ids={"stableID": stable_id} if stable_id else None,
    )


def build_user(request: HttpRequest, stable_id: str | None = None) -> StatsigUser:
    """The default user, passed through ``USER_BUILDER`` when one is configured.

    A failing builder is logged and the default user is used, so targeting degrades instead of
    the request failing.
    """
    user = default_user(request, stable_id)
    builder = get_settings().user_builder
    if builder is None:
        return user
    return customized_user(
        user, lambda: resolve_callable(builder)(request, user), "USER_BUILDER", logger
    )
