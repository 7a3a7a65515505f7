"""User-agent fields for ``ua_based`` conditions, parsed with ua-parser and cached."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

__all__ = ["UA_FIELDS", "ua_field"]

# Field names (lower-cased) a ua_based condition may ask for.
UA_FIELDS = {
    "os_name": "os_name",
    "osname": "os_name",
    "os_version": "os_version",
    "osversion": "os_version",
    "browser_name": "browser_name",
    "browsername": "browser_name",
    "browser_version": "browser_version",
    "browserversion": "browser_version",
}

_parse: Any = None
_lock = threading.Lock()


def _parser() -> Any:
    global _parse
    if _parse is None:
        with _lock:
            if _parse is None:
                from ua_parser import parse

                _parse = parse
    return _parse


def _version(*parts: str | None) -> str:
    """The parts the user agent carries, dot-joined as the core reports them (``17.2``, ``10``,
    ``120.0.0.0``): no zero padding, stopping at the first missing part; ``0.0.0`` if none."""
    present = []
    for part in parts:
        if not part:
            break
        present.append(part)
    return ".".join(present) or "0.0.0"


@lru_cache(maxsize=4096)
def _parsed(user_agent: str) -> dict[str, str]:
    """Unknown families read ``Other`` and unknown versions ``0.0.0``, as in the core."""
    result = _parser()(user_agent)
    browser, os = result.user_agent, result.os
    return {
        "os_name": os.family if os else "Other",
        "os_version": _version(os.major, os.minor, os.patch, os.patch_minor) if os else "0.0.0",
        "browser_name": browser.family if browser else "Other",
        "browser_version": _version(
            browser.major, browser.minor, browser.patch, browser.patch_minor
        )
        if browser
        else "0.0.0",
    }


def ua_field(user_agent: str | None, field: str) -> str | None:
    """One parsed field (``os_name``, ``os_version``, ``browser_name``, ``browser_version``)."""
    if not user_agent:
        return None
    return _parsed(user_agent)[field]
