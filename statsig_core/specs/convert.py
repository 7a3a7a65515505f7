"""Convert download_config_specs (DCS) payloads between the v1 and v2 wire formats.

The pure-Python SDK reads v1 (spec arrays, inline conditions, ``layers``); the Rust core reads v2
(specs keyed by name, conditions shared through ``condition_map``, ``experiment_to_layer``).
Users may hand us either, and the conformance oracles need both, so conversion is lossless for
every field an evaluator reads and leaves unknown top-level keys untouched.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any, Literal

__all__ = ["condition_id", "detect_format", "to_v1", "to_v2"]

SPEC_SECTIONS: tuple[str, ...] = ("feature_gates", "dynamic_configs", "layer_configs")
V2_RESPONSE_FORMAT = "dcs-v2"

DcsFormat = Literal["v1", "v2"]


def detect_format(dcs: dict[str, Any]) -> DcsFormat:
    """Tell v1 from v2 by the container types, which is what both SDKs actually depend on.

    A payload without any spec section (e.g. ``{"has_updates": false}``) carries nothing
    format-specific; it is reported as ``"v2"``, the format of the current official core.
    """
    for section in SPEC_SECTIONS:
        value = dcs.get(section)
        if isinstance(value, list):
            return "v1"
        if isinstance(value, dict):
            return "v2"
    if "condition_map" in dcs or "experiment_to_layer" in dcs:
        return "v2"
    if isinstance(dcs.get("layers"), dict):
        return "v1"
    return "v2"


def _canonical_json(value: Any) -> str:
    """Key-sorted compact JSON, so equal conditions always serialise (and hash) identically."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def condition_id(condition: dict[str, Any], *, digits: int = 10) -> str:
    """Stable id for a condition: a decimal string derived from SHA-256 of its canonical JSON.

    Decimal strings look like the ids Statsig itself emits, and identical conditions collapse
    into one ``condition_map`` entry regardless of where they appear.
    """
    digest = hashlib.sha256(_canonical_json(condition).encode("utf-8")).digest()
    return str(int.from_bytes(digest[:8], "big") % (10**digits))


class _ConditionInterner:
    """Assigns ids to inline conditions, resolving the (unlikely) case of a hash collision."""

    def __init__(self, existing: dict[str, Any] | None = None) -> None:
        self.condition_map: dict[str, Any] = {}
        self._by_canonical: dict[str, str] = {}
        for cid, cond in (existing or {}).items():
            self.condition_map[cid] = copy.deepcopy(cond)
            self._by_canonical.setdefault(_canonical_json(cond), cid)

    def intern(self, condition: dict[str, Any]) -> str:
        canonical = _canonical_json(condition)
        known = self._by_canonical.get(canonical)
        if known is not None:
            return known
        cid = condition_id(condition)
        attempt = 0
        while cid in self.condition_map:
            attempt += 1
            cid = f"{condition_id(condition, digits=19)}-{attempt}"
        self.condition_map[cid] = copy.deepcopy(condition)
        self._by_canonical[canonical] = cid
        return cid


def _map_conditions(rules: Any, convert: Callable[[dict[str, Any], list[Any]], list[Any]]) -> Any:
    """A deep copy of ``rules`` whose condition lists went through ``convert(rule, conditions)``.

    Anything that is not a rule with a list of conditions is copied unchanged, so malformed input
    reaches the compiler (and its error messages) as it was.
    """
    if not isinstance(rules, list):
        return copy.deepcopy(rules)
    out: list[Any] = []
    for rule in rules:
        if not isinstance(rule, dict):
            out.append(copy.deepcopy(rule))
            continue
        new_rule = {k: copy.deepcopy(v) for k, v in rule.items() if k != "conditions"}
        if "conditions" in rule:
            conditions = rule["conditions"]
            if isinstance(conditions, list):
                new_rule["conditions"] = convert(rule, conditions)
            else:
                new_rule["conditions"] = copy.deepcopy(conditions)
        out.append(new_rule)
    return out


def _rules_to_v2(rules: Any, interner: _ConditionInterner) -> Any:
    return _map_conditions(
        rules,
        lambda _rule, conditions: [
            c if isinstance(c, str) else interner.intern(c) for c in conditions
        ],
    )


def _rules_to_v1(rules: Any, condition_map: dict[str, Any], where: str) -> Any:
    def inline(rule: dict[str, Any], conditions: list[Any]) -> list[Any]:
        found: list[Any] = []
        for cond in conditions:
            if isinstance(cond, str):
                if cond not in condition_map:
                    raise ValueError(
                        f"{where}: rule {rule.get('id')!r} references condition id "
                        f"{cond!r} that is missing from condition_map"
                    )
                found.append(copy.deepcopy(condition_map[cond]))
            else:
                found.append(copy.deepcopy(cond))
        return found

    return _map_conditions(rules, inline)


def _spec_to_v2(spec: dict[str, Any], interner: _ConditionInterner) -> dict[str, Any]:
    new_spec = {k: copy.deepcopy(v) for k, v in spec.items() if k not in ("name", "rules")}
    if "rules" in spec:
        new_spec["rules"] = _rules_to_v2(spec["rules"], interner)
    return new_spec


def _spec_to_v1(
    name: str, spec: dict[str, Any], condition_map: dict[str, Any], where: str
) -> dict[str, Any]:
    new_spec: dict[str, Any] = {"name": name}
    for key, value in spec.items():
        if key == "name":
            continue
        if key == "rules":
            new_spec["rules"] = _rules_to_v1(value, condition_map, f"{where}[{name!r}]")
        else:
            new_spec[key] = copy.deepcopy(value)
    return new_spec


def _iter_v1_specs(section: Any, where: str) -> Iterable[tuple[str, dict[str, Any]]]:
    if not isinstance(section, list):
        raise ValueError(f"{where} must be a list in a v1 payload")
    for spec in section:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ValueError(f"{where}: every v1 spec needs a string 'name'")
        yield spec["name"], spec


def to_v2(dcs: dict[str, Any]) -> dict[str, Any]:
    """Return a v2 copy of ``dcs`` (a fresh deep copy when it already is v2).

    Inline conditions become ``condition_map`` entries with content-derived ids; rules and
    ``override_rules`` are treated alike. ``layers`` becomes ``experiment_to_layer``; an
    experiment listed under several layers keeps the last one (the SDKs index it that way).
    """
    if detect_format(dcs) == "v2":
        return copy.deepcopy(dcs)
    interner = _ConditionInterner(
        dcs.get("condition_map") if isinstance(dcs.get("condition_map"), dict) else None
    )
    out: dict[str, Any] = {}
    for key, value in dcs.items():
        if key in SPEC_SECTIONS:
            specs: dict[str, Any] = {}
            for name, spec in _iter_v1_specs(value, key):
                specs[name] = _spec_to_v2(spec, interner)
            out[key] = specs
        elif key == "layers":
            continue
        elif key == "override_rules" and isinstance(value, dict):
            out[key] = {name: _rules_to_v2([rule], interner)[0] for name, rule in value.items()}
        else:
            out[key] = copy.deepcopy(value)
    for section in SPEC_SECTIONS:
        out.setdefault(section, {})
    experiment_to_layer: dict[str, str] = {}
    layers = dcs.get("layers")
    if isinstance(layers, dict):
        for layer_name, experiments in layers.items():
            for experiment in experiments or []:
                experiment_to_layer[experiment] = layer_name
    out["experiment_to_layer"] = experiment_to_layer
    out["condition_map"] = interner.condition_map
    out["response_format"] = V2_RESPONSE_FORMAT
    return out


def to_v1(dcs: dict[str, Any]) -> dict[str, Any]:
    """Return a v1 copy of ``dcs`` (a fresh deep copy when it already is v1).

    Condition ids are inlined from ``condition_map``; a dangling id raises ``ValueError``
    because v1 has no way to express "reference to nothing" and guessing would change results.
    """
    if detect_format(dcs) == "v1":
        return copy.deepcopy(dcs)
    condition_map = dcs.get("condition_map") or {}
    if not isinstance(condition_map, dict):
        raise ValueError("condition_map must be an object in a v2 payload")
    out: dict[str, Any] = {}
    for key, value in dcs.items():
        if key in SPEC_SECTIONS:
            if not isinstance(value, dict):
                raise ValueError(f"{key} must be an object in a v2 payload")
            out[key] = [_spec_to_v1(name, spec, condition_map, key) for name, spec in value.items()]
        elif key in ("condition_map", "experiment_to_layer") or (
            key == "response_format" and value == V2_RESPONSE_FORMAT
        ):
            continue
        elif key == "override_rules" and isinstance(value, dict):
            out[key] = {
                name: _rules_to_v1([rule], condition_map, f"override_rules[{name!r}]")[0]
                for name, rule in value.items()
            }
        else:
            out[key] = copy.deepcopy(value)
    for section in SPEC_SECTIONS:
        out.setdefault(section, [])
    layers: dict[str, list[str]] = {}
    for experiment, layer_name in (dcs.get("experiment_to_layer") or {}).items():
        layers.setdefault(layer_name, []).append(experiment)
    out["layers"] = layers
    return out
