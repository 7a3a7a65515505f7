"""``request.statsig``: attach a memoized :class:`~statsig_core.web.BoundStatsig` to a request.

The middleware attaches it to every request; decorators, template tags and the DRF permission
call :func:`bind`, which attaches one on demand when the middleware is not installed (then the
stable-ID cookie is read but never minted, since nothing would set it on the response). Either
way a staff member's per-session overrides (:mod:`statsig_django.overrides`) are applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers

from statsig_core import StatsigUser
from statsig_core.web import BoundStatsig
from statsig_django.client import astatsig_or_none, statsig_or_none
from statsig_django.overrides import session_overrides
from statsig_django.stable_id import StableId
from statsig_django.users import build_user, resolve_auth_user

__all__ = [
    "abind",
    "aprepare",
    "attach",
    "bind",
    "bound_for_context",
    "finish",
    "mark_private",
]

_STATE = "_statsig_state"


class RequestState:
    """What the response needs to know about this request's use of Statsig."""

    __slots__ = ("private", "stable_id", "user_built")

    def __init__(self, stable_id: StableId) -> None:
        self.stable_id = stable_id
        self.user_built = False
        self.private = False


def attach(request: HttpRequest, *, can_set_cookie: bool = True) -> BoundStatsig:
    """Give the request its ``request.statsig`` (the user is built on the first check)."""
    state = RequestState(StableId(request, can_set=can_set_cookie))

    def make_user() -> StatsigUser:
        state.user_built = True
        return build_user(request, state.stable_id.get())

    bound = BoundStatsig(statsig_or_none(), make_user, lambda: session_overrides(request))
    request.statsig = bound
    request.__dict__[_STATE] = state
    return bound


def bind(request: HttpRequest) -> BoundStatsig:
    """``request.statsig``, attached now if the middleware did not run."""
    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    bound = request.__dict__.get("statsig")
    if isinstance(bound, BoundStatsig):
        return bound
    return attach(request, can_set_cookie=False)


async def aprepare(request: HttpRequest) -> None:
    """Do the blocking parts of binding the async way: load the Django user with
    ``auser()`` and build the process's client (first use only) off the event loop."""
    await resolve_auth_user(request)
    await astatsig_or_none()


async def abind(request: HttpRequest) -> BoundStatsig:
    """:func:`bind` for async code (see :func:`aprepare`)."""
    await aprepare(request)
    return bind(request)


def finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Stable-ID cookie and cache headers for a response that used Statsig."""
    state: RequestState | None = request.__dict__.get(_STATE)
    if state is None:
        return response
    if state.user_built:
        # The content may depend on who the visitor is, and the cookies say who that is.
        patch_vary_headers(response, ("Cookie",))
    if state.private:
        # A bootstrap embeds this visitor's user object (IP, email, ids): never share-cache it.
        patch_cache_control(response, private=True)
    state.stable_id.apply(response)
    return response


def mark_private(request: HttpRequest | None) -> None:
    """Note that the response embeds this visitor's bootstrap (``Cache-Control: private``)."""
    if request is None:
        return
    state: RequestState | None = getattr(request, "_request", request).__dict__.get(_STATE)
    if state is not None:
        state.private = True


def bound_for_context(
    get: Callable[[str], Any], memo: dict[Any, Any] | None = None
) -> BoundStatsig:
    """The client a template uses: its ``statsig`` variable, else its request's, else anonymous.

    ``get`` reads a context variable; ``memo`` (Django's ``render_context``) keeps the anonymous
    client for the whole render when there is no request (emails, management commands).
    """
    found = get("statsig")
    if isinstance(found, BoundStatsig):
        return found
    request = get("request")
    if request is not None:
        return bind(request)
    if memo is not None and "statsig_anonymous" in memo:
        return memo["statsig_anonymous"]  # type: ignore[no-any-return]
    bound = BoundStatsig(statsig_or_none(), StatsigUser())
    if memo is not None:
        memo["statsig_anonymous"] = bound
    return bound
