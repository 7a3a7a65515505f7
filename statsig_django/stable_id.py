"""The stable-ID cookie: who an anonymous visitor is, across requests and in the browser SDK.

The id is only read or minted when a check first needs the user, so pages that never evaluate
anything get no ``Set-Cookie`` (and stay cacheable). A value we could not have minted is
replaced. Without consent (``STABLE_ID_COOKIE["CONSENT"]`` returning False) nothing is read or
set and an existing cookie is deleted.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponseBase

from statsig_core.web import StableIdChoice, choose_stable_id
from statsig_django.conf import get_settings

__all__ = ["StableId"]

logger = logging.getLogger("statsig_django")


class StableId:
    """One request's stable ID. ``can_set`` is False where no response will carry a cookie."""

    __slots__ = ("can_set", "choice", "request")

    def __init__(self, request: HttpRequest, *, can_set: bool) -> None:
        self.request = request
        self.can_set = can_set
        self.choice: StableIdChoice | None = None

    def get(self) -> str | None:
        """The id for this request: the cookie's if valid, else a new one (if it can be kept)."""
        if self.choice is None:
            self.choice = self._choose()
        return self.choice.value

    def _choose(self) -> StableIdChoice:
        config = get_settings().stable_id
        if not config.enabled:
            return StableIdChoice(None)
        try:
            consented = config.consent_given(self.request)
        except Exception:
            logger.exception("statsig: the STABLE_ID_COOKIE consent callable failed")
            consented = False
        existing = self.request.COOKIES.get(config.cookie.name)
        return choose_stable_id(existing, consented=consented, can_set=self.can_set)

    def apply(self, response: HttpResponseBase) -> None:
        """Set a newly minted id, or delete a cookie whose consent was withdrawn."""
        choice = self.choice
        if choice is not None and (choice.minted or choice.delete):
            cookie = get_settings().stable_id.cookie
            cookie.update(response, choice, secure=self.request.is_secure())
