"""Users that exercise a specs file: built from the values its own conditions compare against.

Random users rarely hit ``userID any ["user-in-test-2"]`` or ``email str_contains_any
["@statsig"]``, so a check over a real project would mostly see default rules. Each user here
mixes target values read from the specs' conditions with random filler, seeded, so the same
specs always give the same users.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

__all__ = ["users_for_specs"]

_TOP_LEVEL = {
    "userid": "userID",
    "email": "email",
    "ip": "ip",
    "useragent": "userAgent",
    "user_agent": "userAgent",
    "country": "country",
    "locale": "locale",
    "appversion": "appVersion",
    "app_version": "appVersion",
}
_USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36",
]
_IPS = ["1.2.3.4", "8.8.8.8", "101.100.159.200", "203.0.113.9", "81.2.69.142"]


def _targets(dcs: Mapping[str, Any]) -> dict[tuple[str, str], list[Any]]:
    """(kind, field) -> target values, where kind is ``user``, ``custom`` or ``id``."""
    found: dict[tuple[str, str], list[Any]] = {}
    conditions: list[Any] = list((dcs.get("condition_map") or {}).values())
    for section in ("feature_gates", "dynamic_configs", "layer_configs"):
        specs = dcs.get(section) or {}
        for spec in specs.values() if isinstance(specs, Mapping) else specs:
            for rule in spec.get("rules") or []:
                conditions.extend(c for c in rule.get("conditions") or [] if isinstance(c, dict))
    for cond in conditions:
        target = cond.get("targetValue")
        values = target if isinstance(target, list) else [target]
        values = [v for v in values if isinstance(v, str | int | float) and not isinstance(v, bool)]
        kind, field = cond.get("type"), cond.get("field")
        if kind == "user_field" and isinstance(field, str):
            top = _TOP_LEVEL.get(field.lower())
            key = ("user", top) if top else ("custom", field)
        elif kind == "unit_id":
            key = ("id", str(cond.get("idType") or "userID"))
        else:
            continue
        found.setdefault(key, []).extend(values)
    return found


def users_for_specs(dcs: Mapping[str, Any], count: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` users in the JS client's field names, every one with a ``customIDs.stableID``.

    A third have no userID (anonymous visitors) so bootstraps without one are covered too.
    """
    rng = random.Random(seed)
    targets = _targets(dcs)
    users = []
    for index in range(count):
        user: dict[str, Any] = {"_label": f"u{index}"}
        ids = {"stableID": f"stable-{index}"}
        if index % 3:
            pool = targets.get(("user", "userID"), []) + targets.get(("id", "userID"), [])
            use_target = pool and rng.random() < 0.5
            user["userID"] = str(rng.choice(pool)) if use_target else f"user-{rng.randrange(10**9)}"
        for (kind, field), values in targets.items():
            if rng.random() < 0.5 or not values:
                continue
            value = rng.choice(values)
            if kind == "user" and field not in ("userID",):
                user[field] = str(value)
            elif kind == "custom":
                user.setdefault("custom", {})[field] = value
            elif kind == "id" and field.lower() not in ("userid", "stableid"):
                ids[field] = str(value)
        if rng.random() < 0.5:
            user["userAgent"] = rng.choice(_USER_AGENTS)
        if rng.random() < 0.5:
            user["ip"] = rng.choice(_IPS)
        if rng.random() < 0.2:
            user.setdefault("privateAttributes", {})["email"] = f"hidden{index}@statsig.com"
        user["customIDs"] = ids
        users.append(user)
    return users
