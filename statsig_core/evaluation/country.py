"""IP to country for ``ip_based`` conditions (ip3country, IPv4 only), loaded once on demand."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

__all__ = ["country_of", "preload"]

_lookup: Any = None
_lock = threading.Lock()


def preload() -> None:
    """Load the country table now (about 40 ms) rather than inside the first evaluation."""
    global _lookup
    if _lookup is None:
        with _lock:
            if _lookup is None:
                from ip3country import CountryLookup

                _lookup = CountryLookup()


@lru_cache(maxsize=4096)
def country_of(ip: str) -> str | None:
    """The two-letter country of an IPv4 address; ``None`` when unknown or not IPv4."""
    if _lookup is None:
        preload()
    try:
        found: str | None = _lookup.lookupStr(ip)
        return found
    except Exception:
        return None
