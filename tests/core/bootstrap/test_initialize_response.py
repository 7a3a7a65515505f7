"""get_client_initialize_response: the payload's shape, each entity's fields, and that it says
exactly what the server's own checks say."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser, StatsigValueError, __version__
from statsig_core.bootstrap import client_initialize_response
from statsig_core.evaluation.hashing import djb2, hash_name, sha256_base64

from support.spec_users import users_for_specs
from support.specs import cond, dcs, rule, spec

BENCH_SPECS = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "bench_dcs_v2.json"

SPECS = dcs(
    gates={
        "segment:beta_testers": spec(
            rule(cond("user_field", "any", ["beta@x.io"], "email"), id="seg"), entity="segment"
        ),
        "holdout_a": spec(rule(cond(), id="held", pass_percentage=0), entity="holdout"),
        "base": spec(rule(cond("user_field", "any", ["US"], "country"), id="us")),
        "needs_base": spec(
            rule(
                cond("pass_gate", target="base"),
                cond("pass_gate", target="segment:beta_testers"),
                id="both",
            )
        ),
        "caf\u00e9_\U0001f680": spec(rule(cond(), id="rocket")),
        "by_device": spec(rule(cond(), id="dev", pass_percentage=50), id_type="stableID"),
    },
    configs={
        "pricing": spec(
            rule(cond("user_field", "any", ["pro"], "plan"), id="pro", return_value={"p": 9}),
            kind="dynamic_config",
            default={"p": 19},
        ),
        "exp_solo": spec(
            rule(cond("pass_gate", target="holdout_a"), id="holdout", return_value={}),
            rule(cond(), id="grp", groupName="Test", isExperimentGroup=True, return_value={"c": 2}),
            kind="dynamic_config",
            entity="experiment",
            isActive=True,
        ),
        "exp_layered": spec(
            rule(
                cond(),
                id="grp2",
                groupName="Control",
                isExperimentGroup=True,
                return_value={"color": "red", "size": 1},
            ),
            kind="dynamic_config",
            entity="experiment",
            isActive=False,
            hasSharedParams=True,
            explicitParameters=["color"],
        ),
    },
    layers={
        "lay": spec(
            rule(cond("pass_gate", target="base"), id="alloc", configDelegate="exp_layered"),
            kind="layer",
            default={"color": "blue", "size": 0},
        ),
    },
    experiment_to_layer={"exp_layered": "lay"},
)
US = StatsigUser(
    user_id="u1",
    country="US",
    custom={"plan": "pro"},
    custom_ids={"stableID": "s-1"},
    private_attributes={"email": "beta@x.io"},
)


@pytest.fixture
def statsig(make_statsig: Any) -> Statsig:
    return make_statsig(SPECS, environment="staging")


def test_payload_has_what_the_js_client_needs_and_the_evaluated_identity(statsig):
    payload = statsig.get_client_initialize_response(US)
    assert payload["has_updates"] is True and payload["time"] == SPECS["time"]
    assert payload["hash_used"] == "djb2" and payload["sdkParams"] == {}
    assert payload["evaluated_keys"] == {"userID": "u1", "customIDs": {"stableID": "s-1"}}
    assert payload["sdkInfo"] == {
        "sdkType": "statsig-web",
        "sdkVersion": __version__,
        "sessionId": statsig.session_id,
    }
    assert payload["user"] == {
        "userID": "u1",
        "country": "US",
        "custom": {"plan": "pro"},
        "customIDs": {"stableID": "s-1"},
        "statsigEnvironment": {"tier": "staging"},
    }


def test_user_echo_never_claims_an_empty_user_id_and_keeps_the_users_own_environment(statsig):
    anonymous = StatsigUser(custom_ids={"stableID": "s"}, statsig_environment={"tier": "dev"})
    payload = statsig.get_client_initialize_response(anonymous)
    assert payload["user"] == {
        "customIDs": {"stableID": "s"},
        "statsigEnvironment": {"tier": "dev"},
    }
    assert payload["evaluated_keys"] == {"customIDs": {"stableID": "s"}}


def test_specs_default_environment_is_echoed_when_the_sdk_has_no_tier(make_statsig):
    statsig = make_statsig(dict(SPECS, default_environment="production"))
    user = statsig.get_client_initialize_response(StatsigUser("u"))["user"]
    assert user["statsigEnvironment"] == {"tier": "production"}


def test_segments_and_holdouts_are_evaluated_but_never_listed(statsig):
    gates = statsig.get_client_initialize_response(US, hash="none")["feature_gates"]
    assert set(gates) == {"base", "needs_base", "caf\u00e9_\U0001f680", "by_device"}
    # the segment decided needs_base (it passed through the private email) but is not exposed
    assert gates["needs_base"]["value"] is True
    assert gates["needs_base"]["secondary_exposures"] == [
        {"gate": "base", "gateValue": "true", "ruleID": "us"}
    ]


@pytest.mark.parametrize("algorithm", ["djb2", "none", "sha256"])
def test_every_name_is_hashed_with_the_requested_algorithm(statsig, algorithm):
    payload = statsig.get_client_initialize_response(US, hash=algorithm)
    name = {"djb2": djb2, "none": str, "sha256": sha256_base64}[algorithm]
    assert payload["hash_used"] == algorithm
    gate = payload["feature_gates"][name("needs_base")]
    assert gate["name"] == name("needs_base")
    assert gate["secondary_exposures"][0]["gate"] == name("base")
    layer = payload["layer_configs"][name("lay")]
    assert layer["allocated_experiment_name"] == name("exp_layered")


def test_djb2_runs_over_utf16_code_units_like_the_js_client():
    # one code point outside the BMP counts as its two surrogates (0xD83D, 0xDE80)
    expected = 0
    for unit in [ord(c) for c in "caf\u00e9_"] + [0xD83D, 0xDE80]:
        expected = (expected * 31 + unit) & 0xFFFFFFFF
    assert djb2("caf\u00e9_\U0001f680") == str(expected)


def test_gate_and_config_entries_carry_the_fields_the_client_reads(statsig):
    payload = statsig.get_client_initialize_response(US, hash="none")
    assert payload["feature_gates"]["by_device"] == {
        "name": "by_device",
        "value": statsig.check_gate(US, "by_device"),
        "rule_id": statsig.get_feature_gate(US, "by_device").rule_id,
        "id_type": "stableID",
        "secondary_exposures": [],
    }
    assert payload["dynamic_configs"]["pricing"] == {
        "name": "pricing",
        "value": {"p": 9},
        "rule_id": "pro",
        "group": "pro",
        "id_type": "userID",
        "is_device_based": False,
        "passed": True,
        "secondary_exposures": [],
    }


def test_experiments_report_group_and_activity_and_layered_ones_their_parameters(statsig):
    configs = statsig.get_client_initialize_response(US, hash="none")["dynamic_configs"]
    solo = configs["exp_solo"]
    assert (solo["group_name"], solo["is_user_in_experiment"], solo["is_experiment_active"]) == (
        "Test",
        True,
        True,
    )
    assert solo["secondary_exposures"] == [
        {"gate": "holdout_a", "gateValue": "false", "ruleID": "held"}
    ]
    assert "is_in_layer" not in solo and "passed" not in solo
    layered = configs["exp_layered"]
    assert layered["is_in_layer"] is True and layered["explicit_parameters"] == ["color"]
    assert layered["is_experiment_active"] is False
    assert layered["value"] == {"color": "red", "size": 1}  # no merge with the layer default


def test_a_delegating_layer_names_its_experiment_and_keeps_pre_delegation_exposures(statsig):
    layer = statsig.get_client_initialize_response(US, hash="none")["layer_configs"]["lay"]
    exposure = {"gate": "base", "gateValue": "true", "ruleID": "us"}
    assert layer == {
        "name": "lay",
        "value": {"color": "red", "size": 1},
        "rule_id": "grp2",
        "group": "grp2",
        "group_name": "Control",
        "id_type": "userID",
        "is_device_based": False,
        "allocated_experiment_name": "exp_layered",
        "explicit_parameters": ["color"],
        "is_experiment_active": False,
        "is_user_in_experiment": True,
        "secondary_exposures": [exposure],
        "undelegated_secondary_exposures": [exposure],
    }


def test_a_layer_that_did_not_delegate_reports_all_exposures_as_undelegated(statsig):
    outsider = StatsigUser("u2", country="FR")
    layer = statsig.get_client_initialize_response(outsider, hash="none")["layer_configs"]["lay"]
    exposure = {"gate": "base", "gateValue": "false", "ruleID": "default"}
    assert layer["rule_id"] == "default" and layer["value"] == {"color": "blue", "size": 0}
    assert "allocated_experiment_name" not in layer and layer["explicit_parameters"] == []
    assert layer["secondary_exposures"] == layer["undelegated_secondary_exposures"] == [exposure]


TARGETED = dcs(
    gates={
        "web_only": spec(rule(cond(), id="w"), targetAppIDs=["app_web"]),
        "mobile_only": spec(rule(cond(), id="m"), targetAppIDs=["app_mobile"]),
        "untargeted": spec(rule(cond(), id="u")),
        "is_web": spec(rule(cond("target_app", "any", ["app_web"]), id="t")),
        "no_app": spec(rule(cond("target_app", "none", ["app_web", "app_server"]), id="n")),
    },
    app_id="app_server",
    sdk_keys_to_app_ids={"client-web": "app_web"},
    hashed_sdk_keys_to_app_ids={djb2("client-mobile"): "app_mobile"},
    param_stores={
        "web_store": {"parameters": {"p": {"value": 1}}, "targetAppIDs": ["app_web"]},
        "open_store": {"parameters": {"q": {"value": 2}}},
    },
)


@pytest.mark.parametrize(
    ("key", "listed", "stores"),
    [
        (
            None,
            {"web_only", "mobile_only", "untargeted", "is_web", "no_app"},
            {"web_store", "open_store"},
        ),
        ("client-web", {"web_only"}, {"web_store"}),
        ("client-mobile", {"mobile_only"}, set()),
        (
            "client-unlisted",
            {"web_only", "mobile_only", "untargeted", "is_web", "no_app"},
            {"web_store", "open_store"},
        ),
    ],
)
def test_a_client_key_limits_the_payload_to_its_app(make_statsig, key, listed, stores):
    payload = make_statsig(TARGETED).get_client_initialize_response(
        StatsigUser("u"), hash="none", client_sdk_key=key
    )
    assert set(payload["feature_gates"]) == listed
    assert set(payload["param_stores"]) == stores


def test_without_a_key_target_app_sees_the_servers_app_and_with_an_unlisted_key_none(
    make_statsig,
):
    statsig = make_statsig(TARGETED)
    user = StatsigUser("u")

    def gates(key: str | None) -> dict[str, Any]:
        payload = statsig.get_client_initialize_response(user, hash="none", client_sdk_key=key)
        return payload["feature_gates"]

    assert (gates(None)["is_web"]["value"], gates(None)["no_app"]["value"]) == (False, False)
    assert gates("client-unlisted")["no_app"]["value"] is True


def test_target_app_condition_evaluates_for_the_keys_app(make_statsig):
    specs = dcs(
        gates={
            "is_web": spec(
                rule(cond("target_app", "any", ["app_web"]), id="t"), targetAppIDs=["app_web"]
            )
        },
        app_id="app_server",
        sdk_keys_to_app_ids={"client-web": "app_web"},
    )
    statsig = make_statsig(specs)
    user = StatsigUser("u")
    payload = statsig.get_client_initialize_response(user, hash="none", client_sdk_key="client-web")
    assert statsig.check_gate(user, "is_web") is False
    assert payload["feature_gates"]["is_web"]["value"] is True


def test_overrides_are_left_out_unless_asked_for(statsig):
    statsig.override_gate("base", False)
    statsig.override_config("pricing", {"p": 0}, user_id="u1")
    plain = statsig.get_client_initialize_response(US, hash="none")
    assert plain["feature_gates"]["base"]["value"] is True
    assert plain["dynamic_configs"]["pricing"]["value"] == {"p": 9}
    forced = statsig.get_client_initialize_response(US, hash="none", include_local_overrides=True)
    assert forced["feature_gates"]["base"]["value"] is False
    assert forced["feature_gates"]["needs_base"]["value"] is False  # nested checks see it too
    assert forced["dynamic_configs"]["pricing"]["value"] == {"p": 0}
    assert forced["layer_configs"]["lay"]["rule_id"] == "default"


def test_a_gate_failing_to_evaluate_fails_every_spec_naming_it_the_same_way(make_statsig):
    specs = dcs(
        gates={
            "broken": spec(rule(cond("no_such_condition_type"), id="b")),
            "uses_broken": spec(rule(cond("pass_gate", target="broken"), id="ub")),
            "uses_broken_too": spec(rule(cond("fail_gate", target="broken"), id="ub2")),
        }
    )
    statsig = make_statsig(specs)
    user = StatsigUser("u")
    gates = statsig.get_client_initialize_response(user, hash="none")["feature_gates"]
    for name in ("broken", "uses_broken", "uses_broken_too"):
        server = statsig.get_feature_gate(user, name)
        assert (gates[name]["value"], gates[name]["rule_id"]) == (server.value, server.rule_id)
        assert server.evaluation_details.reason == "Unsupported"


def test_new_specs_are_seen_at_once(statsig):
    assert statsig.get_client_initialize_response(US, hash="none")["feature_gates"]["base"]["value"]
    statsig.load_specs(dict(SPECS, time=SPECS["time"] + 1, feature_gates={}))
    assert statsig.get_client_initialize_response(US, hash="none")["feature_gates"] == {}


def test_no_specs_means_no_payload_so_the_browser_fetches_its_own():
    statsig = Statsig(None, StatsigOptions(disable_all_logging=True))
    assert statsig.get_client_initialize_response(StatsigUser("u")) is None


def test_an_unknown_hash_is_refused_by_the_builder_and_logged_by_the_client(statsig, caplog):
    with pytest.raises(StatsigValueError, match="unknown hash"):
        client_initialize_response(statsig.evaluator, US, hash="md5")
    with caplog.at_level(logging.ERROR, logger="statsig_core"):
        assert statsig.get_client_initialize_response(US, hash="md5") is None
    assert "get_client_initialize_response failed" in caplog.text


def test_the_client_method_never_raises(statsig, monkeypatch, caplog):
    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("statsig_core.client.client_initialize_response", explode)
    with caplog.at_level(logging.ERROR, logger="statsig_core"):
        assert statsig.get_client_initialize_response(US) is None
    assert "boom" in caplog.text


def test_every_entry_equals_the_servers_own_check_for_many_users(make_statsig):
    """The bootstrap evaluates each spec once per call and reuses built entries across calls;
    neither shortcut may change a single value, rule, group or exposure."""
    specs = json.loads(BENCH_SPECS.read_text())
    statsig = make_statsig(specs, environment="production")
    for raw in users_for_specs(specs, 150):
        user = StatsigUser.from_dict(raw)
        for algorithm in ("djb2", "none"):
            payload = statsig.get_client_initialize_response(user, hash=algorithm)
            for name in specs["feature_gates"]:
                gate = statsig.get_feature_gate(user, name, log_exposure=False)
                entry = payload["feature_gates"][hash_name(name, algorithm)]
                assert (entry["value"], entry["rule_id"]) == (gate.value, gate.rule_id)
                server = [(e["gateValue"], e["ruleID"]) for e in gate.secondary_exposures]
                listed = [(e["gateValue"], e["ruleID"]) for e in entry["secondary_exposures"]]
                assert listed == list(dict.fromkeys(server))  # each once, first kept
            for name in specs["dynamic_configs"]:
                config = statsig.get_experiment(user, name, log_exposure=False)
                entry = payload["dynamic_configs"][hash_name(name, algorithm)]
                assert (entry["value"], entry["rule_id"]) == (config.value, config.rule_id)
                assert entry.get("group_name") == config.group_name
            for name in specs["layer_configs"]:
                layer = statsig.get_layer(user, name, log_exposure=False)
                entry = payload["layer_configs"][hash_name(name, algorithm)]
                assert (entry["rule_id"], entry.get("group_name")) == (
                    layer.rule_id,
                    layer.group_name,
                )
                allocated = layer.allocated_experiment_name
                assert entry.get("allocated_experiment_name") == (
                    hash_name(allocated, algorithm) if allocated else None
                )


def test_each_spec_is_evaluated_once_per_call_however_often_it_is_nested(statsig, monkeypatch):
    from statsig_core.bootstrap.memo import OneUserEvaluator

    evaluated: list[str] = []
    first = OneUserEvaluator.first

    def counting(self: OneUserEvaluator, spec: Any) -> Any:
        evaluated.append(spec.name)
        return first(self, spec)

    monkeypatch.setattr(OneUserEvaluator, "first", counting)
    statsig.get_client_initialize_response(US)
    # base is nested by needs_base and by the layer; exp_layered is delegated to by the layer
    assert sorted(evaluated) == sorted(set(evaluated))
    assert {"base", "exp_layered", "segment:beta_testers", "holdout_a"} <= set(evaluated)


def test_entries_are_built_once_and_shared_between_calls(statsig):
    """Except a layer with exposures from before its delegation: the evaluator builds that
    result afresh on each evaluation, so its entry is too."""
    first, second = (statsig.get_client_initialize_response(US, hash="none") for _ in range(2))
    for table in ("feature_gates", "dynamic_configs", "layer_configs"):
        assert first[table] is not second[table]
        shared = {name for name in first[table] if first[table][name] is second[table][name]}
        assert shared == set(first[table]) - {"lay"}
    assert first["layer_configs"]["lay"] == second["layer_configs"]["lay"]
    assert first["user"] == second["user"] and first["user"] is not second["user"]
