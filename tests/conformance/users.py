"""Turn conformance-corpus users (official JSON field names) into one canonical shape.

Corpus files, the oracles and our own CLI all accept either the camelCase names used on the wire
(``userID``, ``customIDs``) or the snake_case names of the Python SDKs (``user_id``,
``custom_ids``). Normalising once keeps every adapter free of alias handling, and rejecting
unknown keys catches typos in hand-written corpora before they silently test nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["USER_FIELDS", "normalise_user", "user_label"]

# canonical (snake_case) name -> accepted spellings
_ALIASES: dict[str, tuple[str, ...]] = {
    "user_id": ("userID", "user_id", "userId"),
    "email": ("email",),
    "ip": ("ip",),
    "user_agent": ("userAgent", "user_agent"),
    "country": ("country",),
    "locale": ("locale",),
    "app_version": ("appVersion", "app_version"),
    "custom": ("custom",),
    "private_attributes": ("privateAttributes", "private_attributes"),
    "custom_ids": ("customIDs", "custom_ids", "customIds"),
    "statsig_environment": ("statsigEnvironment", "statsig_environment"),
}

USER_FIELDS: tuple[str, ...] = tuple(_ALIASES)

_LOOKUP: dict[str, str] = {
    spelling: canonical for canonical, spellings in _ALIASES.items() for spelling in spellings
}


def normalise_user(raw: dict[str, Any]) -> dict[str, Any]:
    """Return ``raw`` with snake_case keys; ``_label`` is kept, other ``_`` keys are dropped.

    Values are not coerced: type quirks (numeric ids, bool custom fields) are exactly what the
    corpus is meant to exercise, so each adapter decides how its SDK receives them.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "_label":
            out["_label"] = value
            continue
        if key.startswith("_"):
            continue
        canonical = _LOOKUP.get(key)
        if canonical is None:
            raise ValueError(f"unknown user field {key!r} (known: {sorted(_LOOKUP)})")
        if canonical in out:
            raise ValueError(f"user field {canonical!r} given twice (as {key!r})")
        out[canonical] = value
    return out


def user_label(raw: dict[str, Any], index: int) -> str:
    """A stable label for reports: the corpus ``_label`` or the user's position."""
    label = raw.get("_label")
    return str(label) if label is not None else f"user[{index}]"
