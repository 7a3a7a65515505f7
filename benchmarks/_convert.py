"""DCS v2 -> v1 conversion for the benchmark data only.

The pure-Python ``statsig`` SDK reads only v1 (arrays, inline conditions), the core only v2. The
benchmark generates v2 and derives v1 from it so both SDKs see the same rules. When
``statsig_core.specs.convert`` exists the generator uses that instead; this fallback keeps the
benchmark package self-contained until then.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

_SECTIONS = ("feature_gates", "dynamic_configs", "layer_configs")
_V2_ONLY = {"condition_map", "experiment_to_layer", "response_format", *_SECTIONS}


def to_v1(v2: Mapping[str, Any]) -> dict[str, Any]:
    """Return the v1 equivalent of a v2 download_config_specs payload.

    Specs keep their order; every condition id is replaced by a copy of its condition so the
    result shares nothing mutable with the input.
    """
    condition_map: Mapping[str, Any] = v2.get("condition_map") or {}
    out: dict[str, Any] = {k: copy.deepcopy(v) for k, v in v2.items() if k not in _V2_ONLY}
    for section in _SECTIONS:
        specs: Mapping[str, Any] = v2.get(section) or {}
        out[section] = [_spec_to_v1(name, spec, condition_map) for name, spec in specs.items()]
    layers: dict[str, list[str]] = {}
    for experiment, layer in (v2.get("experiment_to_layer") or {}).items():
        layers.setdefault(layer, []).append(experiment)
    out["layers"] = layers
    return out


def _spec_to_v1(
    name: str, spec: Mapping[str, Any], condition_map: Mapping[str, Any]
) -> dict[str, Any]:
    """One v2 spec with its name moved inside and its conditions inlined."""
    result: dict[str, Any] = {"name": name}
    for key, value in spec.items():
        if key == "rules":
            result["rules"] = [_rule_to_v1(rule, condition_map) for rule in value]
        else:
            result[key] = copy.deepcopy(value)
    return result


def _rule_to_v1(rule: Mapping[str, Any], condition_map: Mapping[str, Any]) -> dict[str, Any]:
    """A rule whose condition ids are resolved through ``condition_map``."""
    out = {k: copy.deepcopy(v) for k, v in rule.items() if k != "conditions"}
    conditions = []
    for condition_id in rule.get("conditions") or []:
        if condition_id not in condition_map:
            raise ValueError(f"condition id {condition_id!r} is missing from condition_map")
        conditions.append(copy.deepcopy(condition_map[condition_id]))
    out["conditions"] = conditions
    return out
