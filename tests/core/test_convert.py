"""DCS v1 <-> v2 conversion: lossless for evaluation, idempotent, stable condition ids."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from statsig_core.specs.convert import condition_id, detect_format, to_v1, to_v2

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "statsig-server-core"
CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "corpus"


def _fixture_files() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(
        p
        for p in FIXTURES.glob("*.json")
        if isinstance(data := json.loads(p.read_text("utf-8")), dict) and "feature_gates" in data
    )


FIXTURE_FILES = _fixture_files()
needs_fixtures = pytest.mark.skipif(
    not FIXTURE_FILES, reason="../shared/fixtures/statsig-server-core not available"
)

PUBLIC = {
    "type": "public",
    "targetValue": None,
    "operator": None,
    "field": None,
    "additionalValues": {},
    "idType": "userID",
}
EMAIL = {
    "type": "user_field",
    "targetValue": ["@example.com"],
    "operator": "str_ends_with_any",
    "field": "email",
    "additionalValues": {},
    "idType": "userID",
}


def _rule(rule_id: str, conditions: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": rule_id,
        "id": rule_id,
        "salt": rule_id,
        "passPercentage": 100,
        "conditions": conditions,
        "returnValue": True,
        "idType": "userID",
        **extra,
    }


def small_v1() -> dict[str, Any]:
    """A v1 payload with shared conditions, a layer, and keys the converter must pass through."""
    return {
        "time": 1700000000000,
        "has_updates": True,
        "feature_gates": [
            {
                "name": "gate_a",
                "type": "feature_gate",
                "salt": "sa",
                "enabled": True,
                "defaultValue": False,
                "idType": "userID",
                "entity": "feature_gate",
                "rules": [_rule("ra", [copy.deepcopy(PUBLIC), copy.deepcopy(EMAIL)])],
            },
            {
                "name": "gate_🚀",
                "type": "feature_gate",
                "salt": "sb",
                "enabled": False,
                "defaultValue": True,
                "idType": "stableID",
                "entity": "feature_gate",
                "rules": [_rule("rb", [copy.deepcopy(EMAIL)])],
            },
        ],
        "dynamic_configs": [
            {
                "name": "exp",
                "type": "dynamic_config",
                "salt": "se",
                "enabled": True,
                "defaultValue": {"v": 0},
                "idType": "userID",
                "entity": "experiment",
                "isActive": True,
                "hasSharedParams": True,
                "explicitParameters": ["v"],
                "rules": [
                    _rule(
                        "grp",
                        [copy.deepcopy(PUBLIC)],
                        returnValue={"v": 1},
                        groupName="Test",
                        isExperimentGroup=True,
                    )
                ],
            },
        ],
        "layer_configs": [
            {
                "name": "layer",
                "type": "dynamic_config",
                "salt": "sl",
                "enabled": True,
                "defaultValue": {"v": 0},
                "idType": "userID",
                "entity": "layer",
                "rules": [
                    _rule(
                        "experimentAssignment",
                        [copy.deepcopy(PUBLIC)],
                        returnValue={"v": 0},
                        configDelegate="exp",
                    )
                ],
            },
        ],
        "layers": {"layer": ["exp"]},
        "id_lists": {"list_a": True},
        "sdk_keys_to_app_ids": {"client-k": "app"},
        "default_environment": "production",
        "sdk_configs": {"sampling_mode": "none"},
        "future_top_level_key": [1, {"x": None}],
    }


# ------------------------------------------------------------------------ detect_format


def test_detect_format() -> None:
    assert detect_format(small_v1()) == "v1"
    assert detect_format(to_v2(small_v1())) == "v2"
    assert detect_format({"feature_gates": {}, "dynamic_configs": {}}) == "v2"
    assert detect_format({"layers": {}}) == "v1"
    assert detect_format({"has_updates": False, "time": 1}) == "v2"


# ------------------------------------------------------------------------ small inline specs


def test_to_v2_shapes_and_shares_conditions() -> None:
    v2 = to_v2(small_v1())
    assert set(v2["feature_gates"]) == {"gate_a", "gate_🚀"}
    assert "name" not in v2["feature_gates"]["gate_a"]
    ids_a = v2["feature_gates"]["gate_a"]["rules"][0]["conditions"]
    ids_b = v2["feature_gates"]["gate_🚀"]["rules"][0]["conditions"]
    assert all(isinstance(cid, str) for cid in ids_a)
    assert ids_a[1] == ids_b[0], "identical conditions must share one id"
    assert len(v2["condition_map"]) == 2
    assert v2["condition_map"][ids_a[0]] == PUBLIC
    assert v2["experiment_to_layer"] == {"exp": "layer"}
    assert "layers" not in v2
    assert v2["response_format"] == "dcs-v2"
    for key in (
        "time",
        "id_lists",
        "sdk_keys_to_app_ids",
        "default_environment",
        "sdk_configs",
        "future_top_level_key",
    ):
        assert v2[key] == small_v1()[key]


def test_condition_ids_are_stable_and_key_order_independent() -> None:
    reordered = dict(reversed(list(EMAIL.items())))
    assert condition_id(EMAIL) == condition_id(reordered)
    assert condition_id(EMAIL) != condition_id(PUBLIC)
    assert to_v2(small_v1())["condition_map"] == to_v2(small_v1())["condition_map"]


def test_round_trip_v1_v2_v1_is_exact() -> None:
    original = small_v1()
    assert to_v1(to_v2(original)) == original
    assert original == small_v1(), "input must not be mutated"


def test_idempotent_and_returns_copies() -> None:
    v2 = to_v2(small_v1())
    again = to_v2(v2)
    assert again == v2
    assert again is not v2
    again["feature_gates"]["gate_a"]["salt"] = "changed"
    assert v2["feature_gates"]["gate_a"]["salt"] == "sa"
    v1 = small_v1()
    assert to_v1(v1) == v1
    assert to_v1(v1) is not v1


def test_to_v1_rejects_dangling_condition_id() -> None:
    v2 = to_v2(small_v1())
    v2["feature_gates"]["gate_a"]["rules"][0]["conditions"].append("no-such-id")
    with pytest.raises(ValueError, match="no-such-id"):
        to_v1(v2)


def test_to_v2_rejects_nameless_v1_spec() -> None:
    v1 = small_v1()
    del v1["feature_gates"][0]["name"]
    with pytest.raises(ValueError, match="name"):
        to_v2(v1)


def test_override_rules_are_converted_like_rules() -> None:
    v1 = small_v1()
    v1["override_rules"] = {"or1": _rule("or1", [copy.deepcopy(EMAIL)])}
    v1["overrides"] = {
        "gate_a": [{"new_config_name": "gate_🚀", "rules": [{"rule_name": "or1", "start_time": 0}]}]
    }
    v2 = to_v2(v1)
    cid = v2["override_rules"]["or1"]["conditions"][0]
    assert v2["condition_map"][cid] == EMAIL
    assert to_v1(v2) == v1


def test_empty_payloads() -> None:
    assert to_v1({"has_updates": False}) == {
        "has_updates": False,
        "feature_gates": [],
        "dynamic_configs": [],
        "layer_configs": [],
        "layers": {},
    }
    assert to_v2({"feature_gates": []})["condition_map"] == {}


# ------------------------------------------------------------------------ real fixtures


def _evaluator_view(v2: dict[str, Any]) -> dict[str, Any]:
    """Resolve condition ids so two v2 payloads compare on content, not on id spelling."""
    resolved = copy.deepcopy(v2)
    cmap = resolved.pop("condition_map", {})
    resolved.pop("response_format", None)
    for section in ("feature_gates", "dynamic_configs", "layer_configs"):
        for spec in resolved.get(section, {}).values():
            for rule in spec.get("rules", []):
                rule["conditions"] = [cmap[c] for c in rule["conditions"]]
    return resolved


@needs_fixtures
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_round_trip(path: Path) -> None:
    v2 = json.loads(path.read_text("utf-8"))
    assert detect_format(v2) == "v2"
    v1 = to_v1(v2)
    assert detect_format(v1) == "v1"
    assert isinstance(v1["feature_gates"], list)
    assert {s["name"] for s in v1["feature_gates"]} == set(v2["feature_gates"])
    back = to_v2(v1)
    assert _evaluator_view(back) == _evaluator_view(v2)
    assert to_v1(back) == v1
    assert len(back["condition_map"]) <= len(v2["condition_map"])


def test_corpus_round_trip() -> None:
    corpus = json.loads((CORPUS / "edge_cases_v2.json").read_text("utf-8"))
    assert _evaluator_view(to_v2(to_v1(corpus))) == _evaluator_view(corpus)
