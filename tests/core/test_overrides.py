"""Local overrides: global, per user id, per custom id value; nested gates and the layer that
delegates to an overridden experiment see them too."""

from __future__ import annotations

from statsig_core import StatsigUser

from support.specs import cond, dcs, rule, spec

PAYLOAD = dcs(
    gates={
        "off": spec(rule(cond("user_field", "any", ["nobody"], "email"), id="r")),
        "outer": spec(rule(cond("pass_gate", target="off"), id="outer-rule")),
    },
    configs={"cfg": spec(rule(cond(), return_value={"v": 1}), kind="dynamic_config")},
    layers={"lay": spec(kind="layer", default={"p": "layer"})},
)
ALICE = StatsigUser(user_id="alice", custom_ids={"stableID": "dev-1"})
BOB = StatsigUser(user_id="bob")


def test_gate_override_for_everyone_and_for_one_user(make_statsig):
    client = make_statsig(PAYLOAD)
    client.override_gate("off", True, user_id="alice")
    assert client.check_gate(ALICE, "off") is True
    assert client.check_gate(BOB, "off") is False
    client.override_gate("off", True)
    assert client.check_gate(BOB, "off") is True
    gate = client.get_feature_gate(BOB, "off")
    assert (gate.rule_id, gate.evaluation_details.reason) == ("override", "LocalOverride")


def test_override_keyed_by_a_custom_id_value(make_statsig):
    client = make_statsig(PAYLOAD)
    client.override_gate("off", True, user_id="dev-1")
    assert client.check_gate(ALICE, "off") is True


def test_nested_gates_see_overrides(make_statsig):
    client = make_statsig(PAYLOAD)
    client.override_gate("off", True)
    gate = client.get_feature_gate(BOB, "outer")
    assert gate.value is True
    assert gate.secondary_exposures == [{"gate": "off", "gateValue": "true", "ruleID": "override"}]


def test_config_experiment_and_layer_overrides(make_statsig):
    client = make_statsig(PAYLOAD)
    client.override_config("cfg", {"v": 2})
    client.override_experiment("unknown_exp", {"group": "x"}, user_id="bob")
    client.override_layer("lay", {"p": "forced"})
    assert client.get_config(ALICE, "cfg").get("v") == 2
    assert client.get_experiment(BOB, "unknown_exp").get("group") == "x"
    assert client.get_layer(ALICE, "lay").get("p") == "forced"


def test_a_layer_delegating_to_an_overridden_experiment_takes_the_override(make_statsig):
    payload = dcs(
        configs={
            "exp": spec(
                rule(cond(), id="g", groupName="G", isExperimentGroup=True, return_value={"x": 1}),
                kind="dynamic_config",
                entity="experiment",
                explicitParameters=["x"],
            )
        },
        layers={"lay": spec(rule(cond(), id="al", configDelegate="exp"), kind="layer")},
    )
    client = make_statsig(payload)
    assert client.get_layer(ALICE, "lay").get("x", 0) == 1
    client.override_experiment("exp", {"x": 9}, user_id="alice")
    layer = client.get_layer(ALICE, "lay")  # as statsig-python-core 0.24 answers
    assert (layer.get("x", 0), layer.rule_id, layer.evaluation_details.reason) == (
        9,
        "override",
        "LocalOverride",
    )
    assert layer.allocated_experiment_name == "exp"
    assert client.get_layer(BOB, "lay").get("x", 0) == 1  # the override is alice's only
    assert client.get_layer(ALICE, "lay").get("x", 0) == 9  # repeated: nothing cached wrongly


def test_removing_overrides_restores_evaluation(make_statsig):
    client = make_statsig(PAYLOAD)
    client.override_gate("off", True)
    client.override_config("cfg", {"v": 3})
    client.remove_gate_override("off")
    assert client.check_gate(BOB, "off") is False
    client.remove_all_overrides()
    assert client.get_config(BOB, "cfg").get("v") == 1
