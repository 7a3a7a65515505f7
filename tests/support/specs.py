"""Build small DCS v2 payloads in tests without repeating JSON boilerplate."""

from __future__ import annotations

from typing import Any

__all__ = ["cond", "dcs", "rule", "spec", "versioned"]


def cond(
    type: str = "public",
    operator: str | None = None,
    target: Any = None,
    field: str | None = None,
    id_type: str = "userID",
    **extra: Any,
) -> dict[str, Any]:
    """A condition object (inline; :func:`dcs` moves it into ``condition_map``)."""
    out: dict[str, Any] = {
        "type": type,
        "targetValue": target,
        "operator": operator,
        "field": field,
        "idType": id_type,
    }
    out.update(extra)
    return out


def rule(
    *conditions: dict[str, Any],
    id: str = "rule",
    pass_percentage: float = 100,
    return_value: Any = True,
    id_type: str = "userID",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": id,
        "id": id,
        "salt": f"{id}-salt",
        "passPercentage": pass_percentage,
        "conditions": list(conditions) or [cond()],
        "returnValue": return_value,
        "idType": id_type,
    }
    out.update(extra)
    return out


def spec(
    *rules: dict[str, Any],
    kind: str = "feature_gate",
    default: Any = None,
    entity: str | None = None,
    enabled: bool = True,
    id_type: str = "userID",
    **extra: Any,
) -> dict[str, Any]:
    if default is None:
        default = False if kind == "feature_gate" else {}
    out: dict[str, Any] = {
        "type": kind if kind != "layer" else "dynamic_config",
        "salt": "spec-salt",
        "enabled": enabled,
        "defaultValue": default,
        "rules": list(rules),
        "idType": id_type,
        "entity": entity or ("feature_gate" if kind == "feature_gate" else kind),
    }
    out.update(extra)
    return out


def dcs(
    gates: dict[str, dict[str, Any]] | None = None,
    configs: dict[str, dict[str, Any]] | None = None,
    layers: dict[str, dict[str, Any]] | None = None,
    *,
    time: int = 1_700_000_000_000,
    **extra: Any,
) -> dict[str, Any]:
    """A v2 payload; inline conditions are moved into ``condition_map`` under generated ids."""
    condition_map: dict[str, Any] = {}

    def hoist(section: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
        out = {}
        for name, body in (section or {}).items():
            body = dict(body)
            new_rules = []
            for r in body.get("rules", []):
                r = dict(r)
                ids = []
                for c in r.get("conditions", []):
                    cid = f"c{len(condition_map)}"
                    condition_map[cid] = c
                    ids.append(cid)
                r["conditions"] = ids
                new_rules.append(r)
            body["rules"] = new_rules
            out[name] = body
        return out

    payload: dict[str, Any] = {
        "has_updates": True,
        "time": time,
        "feature_gates": hoist(gates),
        "dynamic_configs": hoist(configs),
        "layer_configs": hoist(layers),
        "condition_map": condition_map,
    }
    payload.update(extra)
    return payload


def versioned(version: int) -> dict[str, Any]:
    """Specs for swap tests: every rule of version N is named vN and ``combo`` depends on all ten
    gates, so a check that mixed two snapshots shows two rule ids."""
    gates = {f"g{i}": spec(rule(cond(), id=f"v{version}")) for i in range(10)}
    nested = [cond("pass_gate", target=f"g{i}") for i in range(10)]
    gates["combo"] = spec(rule(*nested, id=f"v{version}"))
    return dcs(gates=gates, time=1_000 + version)
