"""Parse download_config_specs (v1 or v2) and compile it into an immutable :class:`Snapshot`.

Both formats are read natively: v1 keeps specs in arrays with inline conditions, v2 keys specs by
name and refers to conditions by id in ``condition_map``. A malformed file is refused with an
error naming the problem; a malformed *spec* is kept as invalid (it evaluates as Unsupported) so
one bad entry never takes the others down.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import orjson

from statsig_core.errors import SpecsFormatError
from statsig_core.evaluation.conditions import compile_condition
from statsig_core.specs.model import CompiledCondition, Outcome, Rule, Snapshot, Spec

__all__ = ["NoUpdates", "compile_specs", "parse_specs"]

_SECTIONS = (
    ("feature_gates", "feature_gate"),
    ("dynamic_configs", "dynamic_config"),
    ("layer_configs", "layer"),
)


class NoUpdates(Exception):
    """The payload says ``has_updates: false``: keep what we have."""


def parse_specs(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """Decode and shape-check a specs payload, without compiling it."""
    if isinstance(data, Mapping):
        payload: Any = data
    else:
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise SpecsFormatError(f"specs are not valid JSON: {exc}") from None
    if not isinstance(payload, Mapping):
        raise SpecsFormatError(f"specs must be a JSON object, got {type(payload).__name__}")
    if payload.get("has_updates") is False:
        raise NoUpdates()
    lcut = payload.get("time", 0)
    if isinstance(lcut, bool) or not isinstance(lcut, int | float):
        raise SpecsFormatError(f"specs 'time' must be a number of milliseconds, got {lcut!r}")
    found = False
    for key, _kind in _SECTIONS:
        section = payload.get(key)
        if section is None:
            continue
        if not isinstance(section, list | Mapping):
            raise SpecsFormatError(
                f"specs '{key}' must be a list (v1) or an object (v2), got {type(section).__name__}"
            )
        found = True
    if not found:
        raise SpecsFormatError(
            "specs contain none of 'feature_gates', 'dynamic_configs', 'layer_configs'"
        )
    condition_map = payload.get("condition_map")
    if condition_map is not None and not isinstance(condition_map, Mapping):
        raise SpecsFormatError("specs 'condition_map' must be an object")
    return dict(payload)


def _iter_section(section: Any) -> list[tuple[str, Any]]:
    if isinstance(section, Mapping):
        return [(str(name), raw) for name, raw in section.items()]
    entries = []
    for index, raw in enumerate(section):
        name = raw.get("name") if isinstance(raw, Mapping) else None
        entries.append((str(name) if name is not None else f"<unnamed #{index}>", raw))
    return entries


class _Compiler:
    """Compiles one payload, building a v2 condition shared by many rules only once."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.condition_map: Mapping[str, Any] = payload.get("condition_map") or {}
        self._by_id: dict[str, CompiledCondition] = {}

    def condition(self, ref: Any) -> CompiledCondition:
        if isinstance(ref, str):
            cached = self._by_id.get(ref)
            if cached is None:
                raw = self.condition_map.get(ref)
                if raw is None:
                    raise SpecsFormatError(f"condition id {ref!r} is not in condition_map")
                cached = self._by_id[ref] = _slim(compile_condition(raw))
            return cached
        return _slim(compile_condition(ref))

    def spec(self, name: str, kind: str, raw: Any) -> Spec:
        if not isinstance(raw, Mapping):
            spec = Spec(name, kind, {})
            spec.invalid = f"spec is not an object: {type(raw).__name__}"
            _finish(spec)
            return spec
        spec = Spec(name, kind, raw)
        try:
            rules = raw.get("rules") or []
            if not isinstance(rules, list):
                raise SpecsFormatError("'rules' must be a list")
            compiled = []
            for rule_raw in rules:
                if not isinstance(rule_raw, Mapping):
                    raise SpecsFormatError("a rule is not an object")
                conditions = rule_raw.get("conditions") or []
                if not isinstance(conditions, list):
                    raise SpecsFormatError(
                        f"rule {rule_raw.get('id')!r}: 'conditions' must be a list"
                    )
                compiled.append(
                    Rule(rule_raw, spec.salt, tuple(self.condition(c) for c in conditions))
                )
            spec.rules = tuple(compiled)
        except (SpecsFormatError, TypeError, ValueError) as exc:
            spec.rules = ()
            spec.invalid = str(exc)
        _finish(spec)
        return spec


_EXPLAIN_ITEMS = 20


def _slim(condition: CompiledCondition) -> CompiledCondition:
    """Keep only a small copy of the condition's JSON (for ``explain``), so the parsed payload
    is not held for the snapshot's lifetime; a long target list is summarised."""
    raw = condition.raw
    slim = {k: raw[k] for k in ("type", "operator", "field", "idType") if k in raw}
    target = raw.get("targetValue")
    if isinstance(target, list | dict) and len(target) > _EXPLAIN_ITEMS:
        items = list(target)
        target = [*items[:_EXPLAIN_ITEMS], f"... {len(items) - _EXPLAIN_ITEMS} more"]
    slim["targetValue"] = target
    return dataclasses.replace(condition, raw=slim)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _finish(spec: Spec) -> None:
    """Precompute every outcome of the spec (core semantics for gate values)."""
    is_gate = spec.kind == "feature_gate"
    default_bool = spec.default_value is True
    default_value: Any = default_bool if is_gate else _object(spec.default_value)
    for rule in spec.rules:
        pass_bool = rule.return_value is not False
        rule.pass_outcome = Outcome(
            spec,
            rule,
            rule.id,
            pass_bool if is_gate else _object(rule.return_value),
            pass_bool,
            True,
        )
        rule.fail_outcome = Outcome(spec, rule, rule.id, default_value, default_bool, False)
        if rule.config_delegate is None:
            if rule.threshold >= 10_000:
                rule.fixed_outcome = rule.pass_outcome
            elif rule.threshold <= 0:
                rule.fixed_outcome = rule.fail_outcome
    spec.needs_exposures = any(not r.pure or r.config_delegate for r in spec.rules)
    spec.default_outcome = Outcome(
        spec, None, "default" if spec.enabled else "disabled", default_value, default_bool, False
    )


def compile_specs(data: bytes | str | Mapping[str, Any], *, source: str = "File") -> Snapshot:
    """Parse and compile a specs payload into a snapshot ready for evaluation.

    Raises :class:`SpecsFormatError` for a payload that is not specs at all and
    :class:`NoUpdates` for ``has_updates: false``.
    """
    payload = parse_specs(data)
    compiler = _Compiler(payload)
    sections: dict[str, dict[str, Spec]] = {}
    for key, kind in _SECTIONS:
        section = payload.get(key)
        specs: dict[str, Spec] = {}
        if section is not None:
            for name, raw in _iter_section(section):
                specs[name] = compiler.spec(name, kind, raw)
        sections[kind] = specs

    _attach_mappings(payload, compiler, sections)
    experiment_to_layer = _experiment_to_layer(payload)
    for experiment, layer in experiment_to_layer.items():
        spec = sections["dynamic_config"].get(experiment)
        if spec is not None:
            spec.layer = layer

    return Snapshot(
        gates=sections["feature_gate"],
        configs=sections["dynamic_config"],
        layers=sections["layer"],
        lcut=int(payload.get("time", 0)),
        source=source,
        received_at=int(time.time() * 1000),
        experiment_to_layer=experiment_to_layer,
        app_id=payload.get("app_id"),
        default_environment=payload.get("default_environment"),
        sdk_keys_to_app_ids=_object(payload.get("sdk_keys_to_app_ids")),
        hashed_sdk_keys_to_app_ids=_object(payload.get("hashed_sdk_keys_to_app_ids")),
        sdk_configs=_object(payload.get("sdk_configs")),
        session_replay_info=payload.get("session_replay_info"),
        param_stores=_object(payload.get("param_stores")),
    )


def _attach_mappings(
    payload: Mapping[str, Any], compiler: _Compiler, sections: dict[str, dict[str, Spec]]
) -> None:
    """Config mappings (``overrides`` + ``override_rules``): a rule that passes sends the
    evaluation of one spec to another. A malformed mapping is ignored, never fatal."""
    overrides = payload.get("overrides")
    override_rules = payload.get("override_rules") or {}
    if not isinstance(overrides, Mapping) or not isinstance(override_rules, Mapping):
        return
    for name, entries in overrides.items():
        spec = next((t[name] for t in sections.values() if name in t), None)
        if spec is None or not isinstance(entries, list):
            continue
        mappings = []
        for entry in entries:
            if not isinstance(entry, Mapping) or not entry.get("new_config_name"):
                continue
            rules = []
            for ref in entry.get("rules") or []:
                raw = override_rules.get(ref.get("rule_name")) if isinstance(ref, Mapping) else None
                if not isinstance(raw, Mapping):
                    continue
                try:
                    conditions = tuple(compiler.condition(c) for c in raw.get("conditions") or [])
                except SpecsFormatError:
                    continue
                rule = Rule(raw, spec.salt, conditions)
                rules.append((int(ref.get("start_time") or 0), rule))
            mappings.append((str(entry["new_config_name"]), tuple(rules)))
        spec.mappings = tuple(mappings)
        spec.needs_exposures = True


def _experiment_to_layer(payload: Mapping[str, Any]) -> dict[str, str]:
    mapping = payload.get("experiment_to_layer")
    if isinstance(mapping, Mapping):
        return {str(k): str(v) for k, v in mapping.items()}
    layers = payload.get("layers")
    out: dict[str, str] = {}
    if isinstance(layers, Mapping):
        for layer, experiments in layers.items():
            if isinstance(experiments, list):
                for experiment in experiments:
                    out[str(experiment)] = str(layer)
    return out
