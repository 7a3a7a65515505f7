"""Statsig.forced_checks: a session's forced values on top of the client's, in nested specs and
in the bootstrap, exactly as the client's own overrides would apply, with no exposures."""

from __future__ import annotations

import json

import pytest

from statsig_core import StatsigUser
from statsig_core.evaluation.hashing import hash_name
from statsig_core.testing import capture_events

from support.specs import cond, dcs, rule, spec

SPECS = dcs(
    gates={
        "segment:beta_testers": spec(
            rule(cond("user_field", "any", ["beta@x.io"], "email"), id="seg"), entity="segment"
        ),
        "base": spec(rule(cond("user_field", "any", ["US"], "country"), id="us")),
        "needs_base": spec(rule(cond("pass_gate", target="base"), id="nested")),
        "not_base": spec(rule(cond("fail_gate", target="base"), id="negated")),
        "web_only": spec(rule(cond(), id="w"), targetAppIDs=["app_web"]),
    },
    configs={
        "pricing": spec(rule(cond(), id="p", return_value={"p": 9}), kind="dynamic_config"),
        "exp": spec(
            rule(cond(), id="grp", groupName="Test", isExperimentGroup=True, return_value={"c": 2}),
            kind="dynamic_config",
            entity="experiment",
            isActive=True,
        ),
    },
    layers={"lay": spec(kind="layer", default={"color": "blue"})},
    sdk_keys_to_app_ids={"client-web": "app_web", "client-other": "app_other"},
)
US = StatsigUser(user_id="u1", country="US", custom_ids={"stableID": "s-1"})
FORCED = {
    "gate": {"base": False},
    "config": {"pricing": {"p": 0}},
    "experiment": {"exp": {"c": 7}},
    "layer": {"lay": {"color": "green"}},
}


def test_forced_gates_reach_the_specs_that_nest_them(make_statsig):
    client = make_statsig(SPECS)
    assert client.check_gate(US, "needs_base") is True
    checks = client.forced_checks(FORCED)
    assert checks.get_feature_gate(US, "base").rule_id == "override"
    assert checks.get_feature_gate(US, "needs_base").value is False
    assert checks.get_feature_gate(US, "not_base").value is True
    assert checks.get_config(US, "pricing").value == {"p": 0}
    assert checks.get_experiment(US, "exp").get("c") == 7
    assert checks.get_layer(US, "lay").get("color", "") == "green"
    assert client.check_gate(US, "needs_base") is True  # the client itself is untouched


def test_forced_checks_log_no_exposures(make_statsig):
    client = make_statsig(SPECS)
    with capture_events(client) as captured:
        checks = client.forced_checks(FORCED)
        checks.get_feature_gate(US, "needs_base")
        checks.get_config(US, "pricing")
        checks.get_layer(US, "lay").get("color", "")
        assert captured.events == []


def test_forced_values_come_before_the_clients_own_overrides(make_statsig):
    client = make_statsig(SPECS)
    client.override_gate("base", True)
    client.override_config("pricing", {"p": 1})
    checks = client.forced_checks({"gate": {"base": False}})
    assert checks.get_feature_gate(US, "base").value is False
    assert checks.get_config(US, "pricing").value == {"p": 1}  # not forced: the client's


@pytest.mark.parametrize("algorithm", ["none", "djb2", "sha256"])
def test_the_bootstrap_equals_one_with_the_same_client_overrides(make_statsig, algorithm):
    checks = make_statsig(SPECS).forced_checks(FORCED)
    forced = checks.get_client_initialize_response(US, hash=algorithm)

    reference_client = make_statsig(SPECS)
    reference_client.override_gate("base", False)
    reference_client.override_config("pricing", {"p": 0})
    reference_client.override_config("exp", {"c": 7})
    reference_client.override_layer("lay", {"color": "green"})
    reference = reference_client.get_client_initialize_response(
        US, hash=algorithm, include_local_overrides=True
    )
    assert forced is not None and reference is not None
    for payload in (forced, reference):
        payload.pop("sdkInfo")
    assert json.dumps(forced, sort_keys=True) == json.dumps(reference, sort_keys=True)
    gate = forced["feature_gates"][hash_name("needs_base", algorithm)]
    assert gate["value"] is False  # nested, as on the server


def test_the_bootstrap_keeps_client_app_filtering_and_leaves_client_overrides_out(make_statsig):
    client = make_statsig(SPECS)
    client.override_config("pricing", {"p": 1})
    checks = client.forced_checks({"gate": {"web_only": False}})
    for_web = checks.get_client_initialize_response(US, hash="none", client_sdk_key="client-web")
    assert for_web is not None and for_web["feature_gates"]["web_only"]["value"] is False
    other = checks.get_client_initialize_response(US, hash="none", client_sdk_key="client-other")
    assert other is not None and "web_only" not in other["feature_gates"]
    plain = checks.get_client_initialize_response(US, hash="none")
    assert plain is not None and plain["dynamic_configs"]["pricing"]["value"] == {"p": 9}
