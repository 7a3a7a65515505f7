"""The rule loop, pass percentages, layers and secondary exposures, through the public API."""

from __future__ import annotations

from statsig_core import StatsigUser
from statsig_core.evaluation.hashing import sha256_u64

from support.specs import cond, dcs, rule, spec

ALICE = StatsigUser(user_id="alice", email="alice@example.com", custom={"plan": "pro"})


def test_first_matching_rule_decides_even_when_its_rollout_fails(make_statsig):
    payload = dcs(
        gates={
            "g": spec(
                rule(cond(), id="zero", pass_percentage=0),
                rule(cond(), id="everyone", pass_percentage=100),
            )
        }
    )
    gate = make_statsig(payload).get_feature_gate(ALICE, "g")
    assert (gate.value, gate.rule_id) == (False, "zero")


def test_no_matching_rule_gives_default_rule_id(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond("user_field", "any", ["free"], "plan")))})
    gate = make_statsig(payload).get_feature_gate(ALICE, "g")
    assert (gate.value, gate.rule_id) == (False, "default")


def test_disabled_spec_reports_disabled_when_no_rule_matches(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond("user_field", "any", ["x"], "plan")), enabled=False)})
    assert make_statsig(payload).get_feature_gate(ALICE, "g").rule_id == "disabled"


def test_pass_percentage_buckets_on_salted_sha256_of_unit_id(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond(), id="half", pass_percentage=50))})
    client = make_statsig(payload)
    for i in range(200):
        user = StatsigUser(user_id=f"user-{i}")
        bucket = sha256_u64(f"spec-salt.half-salt.user-{i}") % 10_000
        assert client.check_gate(user, "g") is (bucket < 5000)


def test_fractional_pass_percentage_uses_hundredths(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond(), id="r", pass_percentage=0.5))})
    client = make_statsig(payload)
    passed = sum(client.check_gate(StatsigUser(user_id=str(i)), "g") for i in range(20_000))
    assert 60 <= passed <= 140  # 0.5 % of 20,000 = 100


def test_rule_id_type_buckets_on_custom_id(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond(), id="r", pass_percentage=50, id_type="stableID"))})
    client = make_statsig(payload)
    for i in range(50):
        user = StatsigUser(user_id="same", custom_ids={"stableID": f"s{i}"})
        expected = sha256_u64(f"spec-salt.r-salt.s{i}") % 10_000 < 5000
        assert client.check_gate(user, "g") is expected


def test_gate_return_value_false_makes_gate_false(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond(), return_value=False))})
    assert make_statsig(payload).check_gate(ALICE, "g") is False


def test_nested_gates_leave_secondary_exposures_in_order(make_statsig):
    payload = dcs(
        gates={
            "inner_on": spec(rule(cond(), id="on")),
            "inner_off": spec(rule(cond("user_field", "any", ["nobody"], "email"), id="x")),
            "segment:beta": spec(rule(cond(), id="seg"), entity="segment"),
            "outer": spec(
                rule(
                    cond("fail_gate", target="inner_on"),
                    cond("pass_gate", target="inner_off"),
                    cond("pass_gate", target="segment:beta"),
                    id="first",
                ),
                rule(cond("pass_gate", target="inner_on"), id="second"),
            ),
        }
    )
    gate = make_statsig(payload).get_feature_gate(ALICE, "outer")
    assert (gate.value, gate.rule_id) == (True, "second")
    # all conditions of the failed first rule ran; segment exposures dropped; repeats kept
    assert gate.secondary_exposures == [
        {"gate": "inner_on", "gateValue": "true", "ruleID": "on"},
        {"gate": "inner_off", "gateValue": "false", "ruleID": "default"},
        {"gate": "inner_on", "gateValue": "true", "ruleID": "on"},
    ]


def test_missing_nested_gate_fails_without_exposure(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond("fail_gate", target="no_such_gate")))})
    gate = make_statsig(payload).get_feature_gate(ALICE, "g")
    assert gate.value is True
    assert gate.secondary_exposures == []


def test_self_referencing_gate_is_an_error_not_a_crash(make_statsig):
    payload = dcs(gates={"loop": spec(rule(cond("pass_gate", target="loop")))})
    gate = make_statsig(payload).get_feature_gate(ALICE, "loop")
    assert (gate.value, gate.rule_id, gate.evaluation_details.reason) == (False, "", "Error")


def test_unknown_operator_marks_only_that_spec_unsupported(make_statsig):
    payload = dcs(
        gates={
            "odd": spec(rule(cond("user_field", "sounds_like", ["x"], "email"))),
            "fine": spec(rule(cond())),
        }
    )
    client = make_statsig(payload)
    odd = client.get_feature_gate(ALICE, "odd")
    assert (odd.value, odd.rule_id, odd.evaluation_details.reason) == (False, "", "Unsupported")
    assert client.check_gate(ALICE, "fine") is True


def test_unknown_condition_type_is_unsupported(make_statsig):
    payload = dcs(gates={"odd": spec(rule(cond("moon_phase", "eq", "full")))})
    assert make_statsig(payload).get_feature_gate(ALICE, "odd").evaluation_details.reason == (
        "Unsupported"
    )


def test_unknown_name_is_unrecognized(make_statsig):
    client = make_statsig(dcs())
    gate = client.get_feature_gate(ALICE, "nope")
    assert (gate.value, gate.rule_id) == (False, "")
    assert gate.evaluation_details.detailed_reason == "Bootstrap:Unrecognized"
    assert client.get_config(ALICE, "nope").value == {}


def test_experiment_group_and_value(make_statsig):
    payload = dcs(
        configs={
            "exp": spec(
                rule(
                    cond("user_bucket", "lt", 500, additionalValues={"salt": "exp-salt"}),
                    id="control-rule",
                    return_value={"color": "blue"},
                    groupName="Control",
                    isExperimentGroup=True,
                ),
                rule(
                    cond("public"),
                    id="test-rule",
                    return_value={"color": "red"},
                    groupName="Test",
                    isExperimentGroup=True,
                ),
                kind="dynamic_config",
                entity="experiment",
                isActive=True,
            )
        }
    )
    client = make_statsig(payload)
    for i in range(100):
        user = StatsigUser(user_id=f"u{i}")
        bucket = sha256_u64(f"exp-salt.u{i}") % 1000
        experiment = client.get_experiment(user, "exp")
        expected = ("Control", "blue") if bucket < 500 else ("Test", "red")
        assert (experiment.group_name, experiment.get("color")) == expected
        assert experiment.is_user_in_experiment and experiment.is_experiment_active


def test_layer_delegates_to_experiment_and_keeps_undelegated_exposures(make_statsig):
    payload = dcs(
        gates={"targeting": spec(rule(cond(), id="t"))},
        configs={
            "exp": spec(
                rule(
                    cond(), id="grp", return_value={"p": 1}, groupName="G", isExperimentGroup=True
                ),
                kind="dynamic_config",
                entity="experiment",
                explicitParameters=["p"],
            )
        },
        layers={
            "lay": spec(
                rule(cond("pass_gate", target="targeting"), id="alloc", configDelegate="exp"),
                kind="layer",
                default={"p": 0, "q": 9},
            )
        },
    )
    layer = make_statsig(payload).get_layer(ALICE, "lay")
    assert (layer.rule_id, layer.group_name, layer.allocated_experiment_name) == ("grp", "G", "exp")
    assert layer.get("p") == 1
    assert layer.explicit_parameters == ["p"]
    assert layer.undelegated_secondary_exposures == [
        {"gate": "targeting", "gateValue": "true", "ruleID": "t"}
    ]


def test_layer_rule_with_missing_delegate_uses_its_own_value(make_statsig):
    payload = dcs(
        layers={
            "lay": spec(
                rule(cond(), id="r", configDelegate="gone", return_value={"p": 2}), kind="layer"
            )
        }
    )
    layer = make_statsig(payload).get_layer(ALICE, "lay")
    assert (layer.rule_id, layer.allocated_experiment_name, layer.get("p")) == ("r", None, 2)


def test_returned_config_values_cannot_corrupt_the_specs(make_statsig):
    payload = dcs(
        configs={"c": spec(rule(cond(), return_value={"items": [1]}), kind="dynamic_config")}
    )
    client = make_statsig(payload)
    client.get_config(ALICE, "c").value["items"].append(2)
    client.get_config(ALICE, "c").get("items").append(3)
    assert client.get_config(ALICE, "c").get("items") == [1]


def test_get_experiment_groups_lists_group_rules(make_statsig):
    payload = dcs(
        configs={
            "exp": spec(
                rule(cond(), id="a", groupName="A", isExperimentGroup=True, return_value={"x": 1}),
                rule(cond(), id="b", groupName="B", isExperimentGroup=True, return_value={"x": 2}),
                rule(cond(), id="other"),
                kind="dynamic_config",
                entity="experiment",
                isActive=True,
            ),
            "plain": spec(kind="dynamic_config"),
        }
    )
    client = make_statsig(payload)
    groups = client.get_experiment_groups("exp")
    assert groups["is_experiment_active"] is True
    assert [g["group_name"] for g in groups["groups"]] == ["A", "B"]
    assert client.get_experiment_groups("plain") is None
