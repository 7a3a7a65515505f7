"""The user a check is evaluated for.

`StatsigUser` is immutable once built: results, exposure events and bootstrap payloads keep a
reference to it instead of copying it on the hot path, so a later mutation could otherwise change
what an already-queued event says. Use :meth:`StatsigUser.with_changes` to derive a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["StatsigUser"]

# Python attribute -> official JSON name (events, bootstrap, the CLI's user files).
_JSON_NAMES: dict[str, str] = {
    "user_id": "userID",
    "email": "email",
    "ip": "ip",
    "user_agent": "userAgent",
    "country": "country",
    "locale": "locale",
    "app_version": "appVersion",
    "custom": "custom",
    "private_attributes": "privateAttributes",
    "custom_ids": "customIDs",
    "statsig_environment": "statsigEnvironment",
}
_FROM_JSON: dict[str, str] = {json: attr for attr, json in _JSON_NAMES.items()}
_FROM_JSON.update({attr: attr for attr in _JSON_NAMES})
_STRING_FIELDS = ("email", "ip", "user_agent", "country", "locale", "app_version")


class StatsigUser:
    """Who is being evaluated: ids, standard attributes, and custom/private attributes.

    ``private_attributes`` take part in evaluation only; they never leave the process (events and
    bootstrap payloads drop them). A user without any id is accepted and evaluated with an empty
    unit id, as the current official core does.
    """

    __slots__ = (
        "_identity",
        "_log_dict",
        "app_version",
        "country",
        "custom",
        "custom_ids",
        "email",
        "ip",
        "locale",
        "private_attributes",
        "statsig_environment",
        "user_agent",
        "user_id",
    )

    user_id: str | None
    email: str | None
    ip: str | None
    user_agent: str | None
    country: str | None
    locale: str | None
    app_version: str | None
    custom: dict[str, Any] | None
    private_attributes: dict[str, Any] | None
    custom_ids: dict[str, str] | None
    statsig_environment: dict[str, str] | None
    _log_dict: dict[str, Any] | None
    _identity: str

    def __init__(
        self,
        user_id: str | int | None = None,
        email: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        country: str | None = None,
        locale: str | None = None,
        app_version: str | None = None,
        custom: Mapping[str, Any] | None = None,
        private_attributes: Mapping[str, Any] | None = None,
        custom_ids: Mapping[str, Any] | None = None,
        statsig_environment: Mapping[str, str] | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "user_id", None if user_id is None else str(user_id))
        setter(self, "email", email)
        setter(self, "ip", ip)
        setter(self, "user_agent", user_agent)
        setter(self, "country", country)
        setter(self, "locale", locale)
        setter(self, "app_version", app_version)
        setter(self, "custom", dict(custom) if custom else None)
        setter(self, "private_attributes", dict(private_attributes) if private_attributes else None)
        setter(
            self,
            "custom_ids",
            {k: v if type(v) is str else str(v) for k, v in custom_ids.items()}
            if custom_ids
            else None,
        )
        setter(
            self, "statsig_environment", dict(statsig_environment) if statsig_environment else None
        )
        setter(self, "_log_dict", None)
        ids = self.custom_ids
        # Who an exposure is about, precomputed as one string (its hash is then cached):
        # exposure de-duplication keys on it in every check.
        setter(
            self, "_identity", orjson.dumps([self.user_id, *(ids.values() if ids else ())]).decode()
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("StatsigUser is immutable; use with_changes(...) to derive a new user")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("StatsigUser is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatsigUser):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in _JSON_NAMES)

    def __hash__(self) -> int:
        return hash((self.user_id, tuple(sorted((self.custom_ids or {}).items()))))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{attr}={getattr(self, attr)!r}"
            for attr in _JSON_NAMES
            if attr != "private_attributes" and getattr(self, attr) is not None
        )
        return f"StatsigUser({shown})"

    def with_changes(self, **changes: Any) -> StatsigUser:
        """Return a copy with some fields replaced (the user itself cannot be mutated)."""
        fields = {attr: getattr(self, attr) for attr in _JSON_NAMES}
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"unknown StatsigUser field(s): {', '.join(sorted(unknown))}")
        fields.update(changes)
        return StatsigUser(**fields)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatsigUser:
        """Build a user from a dict in official field names (``userID`` or ``user_id``, ...).

        Keys starting with ``_`` (such as ``_label``) are ignored; any other unknown key is an
        error, so a typo does not silently evaluate a different user.
        """
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key.startswith("_"):
                continue
            attr = _FROM_JSON.get(key)
            if attr is None:
                raise ValueError(f"unknown user field {key!r}")
            kwargs[attr] = value
        return cls(**kwargs)

    def to_dict(self, *, include_private: bool = False) -> dict[str, Any]:
        """The user in official JSON names, ``None`` fields dropped.

        Private attributes are left out unless asked for: this is what events and bootstrap
        payloads carry.
        """
        return self._build_dict(include_private)

    def _build_dict(self, include_private: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, json_name in _JSON_NAMES.items():
            value = getattr(self, attr)
            if value is None or (attr == "private_attributes" and not include_private):
                continue
            out[json_name] = dict(value) if isinstance(value, dict) else value
        return out

    @property
    def log_dict(self) -> dict[str, Any]:
        """Shared, read-only view of :meth:`to_dict` for the event pipeline (no copy)."""
        cached = self._log_dict
        if cached is None:
            cached = self._build_dict(False)
            object.__setattr__(self, "_log_dict", cached)
        return cached

    @property
    def identity(self) -> str:
        """The user id and custom id values as one string: who an exposure is about."""
        return self._identity
