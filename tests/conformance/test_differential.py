"""Ours against the official SDKs on the same specs and users: every value, rule id, group name
and secondary exposure compared.

Semantics follow ``statsig-python-core``; where it reports a condition as unsupported
(``multi_pass_gate``/``multi_fail_gate``) we follow the pure-Python ``statsig`` SDK, and those
specs are compared with it instead. Every deliberate deviation is in docs/deviations.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conformance.differential import Comparison, compare, evaluate_with_ours, record_counts

from support.spec_users import users_for_specs

pytest.importorskip("statsig")
pytest.importorskip("statsig_python_core")

from conformance import oracles

CORPUS = Path(__file__).resolve().parent / "corpus"
SECTION_OF = {"feature_gates": "gates", "layer_configs": "layers"}


def _conditions(dcs: Mapping[str, Any], spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    condition_map = dcs.get("condition_map") or {}
    return [
        condition_map.get(ref, {}) if isinstance(ref, str) else ref
        for rule in spec.get("rules", [])
        for ref in rule.get("conditions", [])
    ]


def follows_legacy(dcs: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Specs that reach a ``multi_*_gate`` condition, directly or through nested gates."""
    gates = dcs.get("feature_gates") or {}
    uses_multi: dict[str, bool] = {}

    def gate_uses(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in uses_multi:
            return uses_multi[name]
        spec = gates.get(name)
        found = False
        if spec is not None and name not in seen:
            found = spec_uses(spec, seen | {name})
        uses_multi[name] = found
        return found

    def spec_uses(spec: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> bool:
        for condition in _conditions(dcs, spec):
            kind = condition.get("type")
            if kind in ("multi_pass_gate", "multi_fail_gate"):
                return True
            if kind in ("pass_gate", "fail_gate") and gate_uses(
                str(condition.get("targetValue")), seen
            ):
                return True
        return False

    out: set[tuple[str, str]] = set()
    for table in ("feature_gates", "dynamic_configs", "layer_configs"):
        for name, spec in (dcs.get(table) or {}).items():
            if spec_uses(spec):
                if table == "dynamic_configs":
                    out |= {("configs", name), ("experiments", name)}
                else:
                    out.add((SECTION_OF[table], name))
    # a layer delegating to such an experiment follows it
    for name, spec in (dcs.get("layer_configs") or {}).items():
        for rule in spec.get("rules", []):
            if ("experiments", rule.get("configDelegate")) in out:
                out.add(("layers", name))
    return out


def run_differential(
    dcs: dict[str, Any],
    users: list[dict[str, Any]],
    *,
    environment: str | None = None,
    id_lists: dict[str, list[str]] | None = None,
) -> tuple[Comparison, set[tuple[str, str]]]:
    """Compare with the core everywhere, and with legacy where we follow legacy."""
    legacy_specs = follows_legacy(dcs)
    ours = evaluate_with_ours(dcs, users, environment=environment, id_lists=id_lists)
    core = oracles.evaluate_with_core(dcs, users, environment=environment, id_lists=id_lists)
    result = compare(ours, core, skip=legacy_specs)
    if legacy_specs:
        legacy = oracles.evaluate_with_legacy(
            dcs, users, environment=environment, id_lists=id_lists
        )
        result.add(compare(ours, legacy, only=legacy_specs))
    return result, legacy_specs


@pytest.mark.parametrize("environment", [None, "staging", "production"])
def test_edge_case_corpus_agrees_with_the_core(environment: str | None) -> None:
    dcs = json.loads((CORPUS / "edge_cases_v2.json").read_text())
    users = json.loads((CORPUS / "edge_case_users.json").read_text())
    id_lists = json.loads((CORPUS / "id_lists.json").read_text())
    result, legacy_specs = run_differential(dcs, users, environment=environment, id_lists=id_lists)
    assert legacy_specs, "the corpus must exercise multi_pass_gate/multi_fail_gate"
    assert result.checked > 30_000
    assert result.unexpected(()) == []
    record_counts(f"corpus[{environment}]", result, len(legacy_specs))


def _shared_specs(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.glob("*.json") if "feature_gates" in json.loads(path.read_text())
    )


def test_real_statsig_specs_files_agree_with_the_core(shared_fixtures: Path) -> None:
    files = _shared_specs(shared_fixtures)
    assert any(path.name == "eval_proj_dcs.json" for path in files)
    total = Comparison()
    for path in files:
        dcs = json.loads(path.read_text())
        dcs.setdefault("experiment_to_layer", {})  # the core refuses specs without it (F19)
        users = users_for_specs(dcs, 80)
        for environment in (None, "production"):
            result, _ = run_differential(dcs, users, environment=environment)
            assert result.unexpected(()) == [], path.name
            total.add(result)
    assert total.checked > 50_000
    record_counts("shared_fixtures", total, 0)


def _gate(name: str, condition: str, **extra: Any) -> dict[str, Any]:
    rule = {"name": "r", "id": f"r_{name}", "salt": "r", "passPercentage": 100,
            "conditions": [condition], "returnValue": True, "idType": "userID"}  # fmt: skip
    return {"type": "feature_gate", "salt": name, "enabled": True, "defaultValue": False,
            "idType": "userID", "entity": "feature_gate", "rules": [rule], **extra}  # fmt: skip


def test_config_mappings_agree_with_the_core() -> None:
    """DCS ``overrides``: a passing override rule sends a spec's evaluation to another one."""
    condition_map = {
        "pub": {"type": "public", "idType": "userID"},
        "nobody": {
            "type": "user_field",
            "operator": "any",
            "targetValue": ["zz"],
            "field": "email",
            "idType": "userID",
        },
        "pro": {
            "type": "user_field",
            "operator": "any",
            "targetValue": ["pro"],
            "field": "plan",
            "idType": "userID",
        },
        "mapped": {"type": "pass_gate", "targetValue": "orig", "idType": "userID"},
    }

    def override_rule(name: str, condition: str, percentage: float) -> dict[str, Any]:
        return {"name": name, "id": name, "salt": name, "passPercentage": percentage,
                "conditions": [condition], "returnValue": True, "idType": "userID"}  # fmt: skip

    config = {"type": "dynamic_config", "salt": "cfg", "enabled": True,
              "defaultValue": {"v": 0}, "idType": "userID", "entity": "dynamic_config",
              "rules": []}  # fmt: skip
    new_config = {**config, "salt": "new", "rules": [
        {"name": "n", "id": "new_rule", "salt": "n", "passPercentage": 100,
         "conditions": ["pub"], "returnValue": {"v": 2}, "idType": "userID"}]}  # fmt: skip
    dcs = {
        "has_updates": True,
        "time": 1,
        "condition_map": condition_map,
        "feature_gates": {
            "orig": _gate("orig", "nobody"),
            "newg": _gate("newg", "pub"),
            "future": _gate("future", "nobody"),
            "outer": _gate("outer", "mapped"),
        },
        "dynamic_configs": {"cfg": config, "new_cfg": new_config},
        "layer_configs": {},
        "experiment_to_layer": {},
        "overrides": {
            "orig": [
                {"new_config_name": "newg", "rules": [{"rule_name": "half", "start_time": 0}]}
            ],
            "future": [
                {
                    "new_config_name": "newg",
                    "rules": [{"rule_name": "all", "start_time": 32503680000000}],
                }
            ],
            "cfg": [
                {"new_config_name": "new_cfg", "rules": [{"rule_name": "pros", "start_time": 0}]}
            ],
        },
        "override_rules": {
            "half": override_rule("half", "pub", 50),
            "all": override_rule("all", "pub", 100),
            "pros": override_rule("pros", "pro", 100),
        },
    }
    users = [
        {"_label": f"u{i}", "userID": f"user-{i}", "custom": {"plan": "pro" if i % 3 else "free"}}
        for i in range(40)
    ]
    result, _ = run_differential(dcs, users)
    assert result.unexpected(()) == []
    ours = evaluate_with_ours(dcs, users)
    assert {r["gates"]["orig"]["rule_id"] for r in ours} == {"r_newg", "default"}  # 50 % mapped
    assert {r["configs"]["cfg"]["rule_id"] for r in ours} == {"new_rule", "default"}
    record_counts("config_mappings", result, 0)
