"""Framework-agnostic pieces for building a StatsigUser from an HTTP request.

Django and Flask each read their own request objects, then call these so both integrations
agree on which IP to trust, which locale wins and what the stable-ID cookie looks like.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from statsig_core.user import StatsigUser

__all__ = [
    "StableIdChoice",
    "StableIdCookie",
    "choose_stable_id",
    "client_ip",
    "customized_user",
    "is_valid_cookie_name",
    "is_valid_stable_id",
    "new_stable_id",
    "preferred_locale",
]

_STABLE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*\Z")
_NOT_IN_COOKIE_NAMES = frozenset(' ;,="\\\t\r\n')


def _valid_ip(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:443"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(
    remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int
) -> str | None:
    """The client's IP, trusting ``X-Forwarded-For`` only as far as ``trusted_proxies`` hops.

    Each trusted proxy appends the address it received the request from, so the client is the
    ``trusted_proxies``-th entry counted from the right. Entries to the left of it were written by
    the client and are ignored; with no trusted proxies the header is ignored entirely (a visitor
    could otherwise pick the IP, and the country, that targeting sees).
    """
    if trusted_proxies > 0 and forwarded_for:
        hops = [hop for hop in (part.strip() for part in forwarded_for.split(",")) if hop]
        if len(hops) >= trusted_proxies:
            return _valid_ip(hops[-trusted_proxies])
        # Fewer hops than proxies: the request did not come through all of them; fall back.
    return _valid_ip(remote_addr) if remote_addr else None


def preferred_locale(accept_language: str | None) -> str | None:
    """The highest-weighted language tag of an ``Accept-Language`` header (``*`` ignored)."""
    if not accept_language:
        return None
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or not _LANGUAGE_TAG.match(tag):
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight <= 0:
            continue
        candidate = (-weight, index, tag)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def customized_user(
    default: StatsigUser, customize: Callable[[], object], what: str, logger: logging.Logger
) -> StatsigUser:
    """What an app's user hook made of the default user, or the default user when the hook
    fails or returns something else: targeting degrades, the request does not fail."""
    try:
        built = customize()
    except Exception:
        logger.exception("statsig: %s failed; using the default user", what)
        return default
    if not isinstance(built, StatsigUser):
        logger.error("statsig: %s returned %r, not a StatsigUser", what, type(built))
        return default
    return built


def new_stable_id() -> str:
    """A fresh anonymous device id: a random uuid4, as the browser SDK would make."""
    return str(uuid.uuid4())


def is_valid_stable_id(value: str | None) -> bool:
    """Only ids we could have minted are accepted back from a cookie (no arbitrary strings)."""
    return bool(value) and _STABLE_ID.match(value) is not None  # type: ignore[arg-type]


def is_valid_cookie_name(name: object) -> bool:
    """A name browsers keep as one cookie: no separators, quotes, backslashes or line breaks."""
    return isinstance(name, str) and bool(name) and _NOT_IN_COOKIE_NAMES.isdisjoint(name)


@dataclass(frozen=True, slots=True)
class StableIdChoice:
    """One request's stable ID, and what its response must do with the cookie."""

    value: str | None
    minted: bool = False
    delete: bool = False


def choose_stable_id(existing: str | None, *, consented: bool, can_set: bool) -> StableIdChoice:
    """The cookie's id if we could have minted it, else a fresh one when a response will carry
    it (``can_set``); without consent no id at all, and the cookie goes."""
    if not consented:
        return StableIdChoice(None, delete=existing is not None and can_set)
    if is_valid_stable_id(existing):
        return StableIdChoice(existing)
    if can_set:
        return StableIdChoice(new_stable_id(), minted=True)
    return StableIdChoice(None)


@dataclass(frozen=True)
class StableIdCookie:
    """How the stable-ID cookie is set: first-party, HttpOnly, SameSite=Lax, Secure on HTTPS.

    The browser gets the id through the bootstrap's ``customIDs.stableID``, so the cookie never
    needs to be readable by scripts.
    """

    name: str = "statsig_stable_id"
    max_age: int = 365 * 24 * 3600
    same_site: str = "Lax"
    http_only: bool = True
    path: str = "/"
    domain: str | None = None

    def attributes(self, *, secure: bool) -> dict[str, object]:
        """Keyword arguments for ``response.set_cookie`` in Django and Flask alike."""
        return {
            "max_age": self.max_age,
            "path": self.path,
            "domain": self.domain,
            "secure": secure,
            "httponly": self.http_only,
            "samesite": self.same_site,
        }

    def update(self, response: Any, choice: StableIdChoice, *, secure: bool) -> None:
        """Set a freshly minted id, or delete a withdrawn one, on a Django or Flask response."""
        if choice.minted and choice.value is not None:
            response.set_cookie(self.name, choice.value, **self.attributes(secure=secure))
        elif choice.delete:
            response.delete_cookie(
                self.name, path=self.path, domain=self.domain, samesite=self.same_site
            )
