"""``StatsigMiddleware``: gives every request a memoized ``request.statsig``.

Hybrid sync/async (no ``MiddlewareMixin``), so under ASGI no thread hop is added. The user is
built lazily on the first check. On the async path the Django user is loaded up front with
``await request.auser()``, so later checks, which are sync, never touch the ORM inside the event
loop; a process's first request also builds the client in a thread, not in the loop. On the way
out it sets the stable-ID cookie when one was minted, adds ``Vary: Cookie`` when the user was
evaluated, and ``Cache-Control: private`` when the page embeds a bootstrap. Place it after
``AuthenticationMiddleware``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from statsig_django.binding import aprepare, attach, finish

__all__ = ["StatsigMiddleware"]

GetResponse = Callable[[HttpRequest], HttpResponseBase]
AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


class StatsigMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        attach(request)
        response = self.get_response(request)
        return finish(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        await aprepare(request)
        attach(request)
        response = await self.get_response(request)
        return finish(request, response)
