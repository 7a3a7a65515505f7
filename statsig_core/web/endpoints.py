"""The two server endpoints a browser SDK can be pointed at, with the framework taken out.

``initialize`` only needs to know which hash the SDK asks for; ``log_event`` (the SDK's
``rgstr``) needs the body checked for size and shape and the sender rate limited. Django's views
and Flask's blueprint hand these the raw body and who is asking, then log what was accepted for
the *request's* user and answer with the status and JSON body given here, so both frameworks
refuse the same things with the same messages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from statsig_core.bootstrap import HASH_ALGORITHMS
from statsig_core.web.browser_events import BrowserEvent, InvalidBrowserEvents, parse_browser_events
from statsig_core.web.request_user import is_valid_stable_id
from statsig_core.web.throttle import TokenBuckets

__all__ = [
    "IP_FACTOR",
    "EventIntake",
    "IntakeLimits",
    "IntakeResult",
    "initialize_answer",
    "limit_problems",
    "requested_hash",
    "too_large",
]

#: The IP's bucket is this many times the visitor's: new visitors behind one NAT share it.
IP_FACTOR = 10


def requested_hash(body: bytes) -> str | None:
    """The ``hash`` a client SDK asks for in its initialize body, if it is one we make."""
    if not body:
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    wanted = data.get("hash") if isinstance(data, dict) else None
    return wanted if wanted in HASH_ALGORITHMS else None


def initialize_answer(payload: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` of an initialize request: the payload, or a 503 the SDK reads as
    "no values" when Statsig is unavailable (it then keeps its cache or defaults)."""
    if payload is None:
        return 503, {"has_updates": False, "error": "statsig is unavailable"}
    return 200, payload


@dataclass(frozen=True)
class IntakeLimits:
    """Per request: body bytes and events; per visitor: a token bucket refilled at
    ``rate_per_minute`` holding at most ``burst`` events (the IP's is ``IP_FACTOR`` times it)."""

    max_bytes: int = 64 * 1024
    max_events: int = 100
    rate_per_minute: float = 120
    burst: int = 60


def limit_problems(section: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, what is wrong)`` for the limits in a framework's event-endpoint settings
    (``MAX_BYTES``, ``MAX_EVENTS``, ``BURST``, ``RATE``); a key left out keeps its default.
    Django's system check and Flask's ``init_app`` word them their own way."""
    problems = []
    for key in ("MAX_BYTES", "MAX_EVENTS", "BURST"):
        value = section.get(key, 1)
        if type(value) is not int or value <= 0:
            problems.append((key, "must be an integer > 0"))
    rate = section.get("RATE", 0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
        problems.append(("RATE", "must be events per minute (>= 0)"))
    return problems


@dataclass(frozen=True)
class IntakeResult:
    """The answer for the client (``status``, JSON ``body``, maybe ``retry_after`` seconds) and
    the events to log, empty unless the status is 202."""

    status: int
    body: dict[str, Any]
    events: list[BrowserEvent] = field(default_factory=list)
    retry_after: int | None = None


def too_large(length: int | None, limits: IntakeLimits) -> IntakeResult | None:
    """The 413 for a body of ``length`` bytes over the limit: checked on the declared
    ``Content-Length`` before anything reads the body, then on the body read."""
    if (length or 0) > limits.max_bytes:
        return IntakeResult(413, {"error": f"the body is over {limits.max_bytes} bytes"})
    return None


class EventIntake:
    """Checks browser event posts; one per process, since it holds the rate-limit buckets."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self.buckets = TokenBuckets(max_keys)

    def accept(
        self,
        body: bytes,
        limits: IntakeLimits,
        *,
        user_id: str | None,
        stable_id_cookie: str | None,
        ip: str | None,
    ) -> IntakeResult:
        """Size, then shape, then the visitor's and the IP's rate. The visitor is the user id,
        else the stable-id cookie the browser sent back (not one minted for this request, which
        would make every cookie-less post a new visitor); without either, only the IP's bucket
        applies."""
        refused = too_large(len(body), limits)
        if refused is not None:
            return refused
        try:
            events = parse_browser_events(body, limits.max_events)
        except InvalidBrowserEvents as exc:
            return IntakeResult(400, {"error": str(exc)})
        visitor = user_id or (stable_id_cookie if is_valid_stable_id(stable_id_cookie) else None)
        keys = [(f"visitor:{visitor}", 1)] if visitor else []
        keys.append((f"ip:{ip or 'unknown'}", IP_FACTOR))
        rate = limits.rate_per_minute / 60
        for key, factor in keys:
            wait = self.buckets.take(
                key, len(events), rate_per_second=rate * factor, capacity=limits.burst * factor
            )
            if wait:
                return IntakeResult(
                    429, {"error": "too many events"}, retry_after=math.ceil(min(wait, 3600))
                )
        return IntakeResult(202, {"success": True, "accepted": len(events)}, events)

    def clear(self) -> None:
        """Forget every bucket (tests, or after changing the limits)."""
        self.buckets.clear()
