"""BoundStatsig: one evaluation and one exposure per name per request; never raises."""

from __future__ import annotations

from statsig_core import StatsigUser
from statsig_core.testing import capture_events
from statsig_core.web import BoundStatsig

from support.specs import cond, dcs, rule, spec

PAYLOAD = dcs(
    gates={"beta": spec(rule(cond(), id="on"))},
    configs={"cfg": spec(rule(cond(), return_value={"x": 1}), kind="dynamic_config")},
    layers={"lay": spec(kind="layer", default={"p": 1})},
)


def test_each_name_is_evaluated_and_exposed_once_per_request(make_statsig):
    client = make_statsig(PAYLOAD)
    built = []

    def build() -> StatsigUser:
        built.append(1)
        return StatsigUser(user_id="u")

    with capture_events(client) as captured:
        bound = BoundStatsig(client, build)
        assert built == []  # lazy
        for _ in range(5):
            assert bound.check_gate("beta") is True
            assert bound.get_config("cfg").get("x") == 1
            assert bound.get_layer("lay").get("p") == 1
        assert len(built) == 1
        assert [(e.kind, e.name) for e in bound.evaluations] == [
            ("gate", "beta"),
            ("config", "cfg"),
            ("layer", "lay"),
        ]
        assert len(captured.exposures("gate")) == 1
        assert len(captured.exposures("config")) == 1
        assert len(captured.exposures("layer")) == 1


def test_without_a_client_everything_is_a_default():
    bound = BoundStatsig(None, lambda: StatsigUser(user_id="u"))
    assert bound.check_gate("beta") is False
    assert bound.get_config("cfg").get("x", 7) == 7
    assert bound.get_layer("lay").get("p", "d") == "d"
    assert bound.get_experiment("e").group_name is None
    bound.log_event("ignored")
    assert bound.evaluations[0].reason == "Uninitialized:Unrecognized"


def test_a_failing_user_builder_degrades_to_an_anonymous_user(make_statsig):
    def broken() -> StatsigUser:
        raise RuntimeError("db down")

    bound = BoundStatsig(make_statsig(PAYLOAD), broken)
    assert bound.check_gate("beta") is True
    assert bound.user == StatsigUser()


OVERRIDES = {
    "gate": {"beta": False, "ghost": True},
    "config": {"cfg": {"x": 2}},
    "experiment": {"exp": {"headline": "QA"}},
    "layer": {"lay": {"p": 9}},
}


def test_overrides_force_values_are_recorded_and_the_session_logs_no_exposure(make_statsig):
    client = make_statsig(PAYLOAD)
    with capture_events(client) as captured:
        bound = BoundStatsig(client, StatsigUser(user_id="u"), overrides=OVERRIDES)
        gate = bound.get_feature_gate("beta")
        assert gate.value is False
        assert gate.rule_id == "override"
        assert gate.evaluation_details.reason == "LocalOverride"
        assert gate.evaluation_details.source == "Bootstrap"
        assert bound.check_gate("ghost") is True  # not in the specs: forced all the same
        assert bound.get_config("cfg").get("x") == 2
        assert bound.get_experiment("exp").get("headline") == "QA"
        assert bound.get_config("exp").get("headline") == "QA"  # one table, as in Statsig
        assert bound.get_layer("lay").get("p") == 9
        assert [(e.kind, e.name, e.value, e.rule_id, e.reason) for e in bound.evaluations] == [
            ("gate", "beta", False, "override", "Bootstrap:LocalOverride"),
            ("gate", "ghost", True, "override", "Bootstrap:LocalOverride"),
            ("config", "cfg", {"x": 2}, "override", "Bootstrap:LocalOverride"),
            ("experiment", "exp", {"headline": "QA"}, "override", "Bootstrap:LocalOverride"),
            ("config", "exp", {"headline": "QA"}, "override", "Bootstrap:LocalOverride"),
            ("layer", "lay", {"p": 9}, "override", "Bootstrap:LocalOverride"),
        ]
        assert bound.check_gate("other") is False  # names not forced evaluate as usual ...
        assert captured.exposures("gate") == []  # ... but a QA session is no experiment subject
        assert captured.exposures("config") == []
        assert captured.exposures("layer") == []


NESTING = dcs(
    gates={
        "beta": spec(rule(cond(), id="on")),
        "needs_beta": spec(rule(cond("pass_gate", target="beta"), id="nested")),
    },
    configs={
        "exp": spec(
            rule(
                cond(),
                id="grp",
                return_value={"color": "red"},
                groupName="A",
                isExperimentGroup=True,
            ),
            kind="dynamic_config",
            entity="experiment",
        ),
    },
    layers={"lay": spec(rule(cond(), id="alloc", configDelegate="exp"), kind="layer")},
)


def test_forced_values_reach_the_specs_that_nest_them_and_the_bootstrap(make_statsig):
    client = make_statsig(NESTING)
    user = StatsigUser(user_id="u")
    plain = BoundStatsig(client, user)
    assert plain.check_gate("needs_beta") is True
    assert plain.get_layer("lay").get("color", "") == "red"

    forced = {"gate": {"beta": False}, "experiment": {"exp": {"color": "green"}}}
    qa = BoundStatsig(client, user, overrides=forced)
    assert qa.check_gate("needs_beta") is False  # its pass_gate sees the forced gate
    assert qa.get_experiment("exp").get("color") == "green"
    assert qa.get_layer("lay").get("color", "") == "green"  # it delegates to the forced experiment
    payload = qa.get_client_initialize_response(hash="none")
    assert payload is not None
    gates, layers = payload["feature_gates"], payload["layer_configs"]
    assert (gates["beta"]["value"], gates["beta"]["rule_id"]) == (False, "override")
    assert gates["needs_beta"]["value"] is False
    assert payload["dynamic_configs"]["exp"]["value"] == {"color": "green"}
    assert layers["lay"]["value"] == {"color": "green"}

    # The same as the client's own overrides, which a bootstrap includes when asked.
    client.override_gate("beta", False)
    client.override_config("exp", {"color": "green"})
    reference = client.get_client_initialize_response(
        user, hash="none", include_local_overrides=True
    )
    assert payload == reference | {"sdkInfo": payload["sdkInfo"]}


def test_a_client_override_applies_in_a_qa_session_but_not_in_its_bootstrap(make_statsig):
    client = make_statsig(NESTING)
    client.override_gate("beta", False)
    qa = BoundStatsig(client, StatsigUser(user_id="u"), overrides={"layer": {"lay": {"x": 1}}})
    assert qa.check_gate("beta") is False
    payload = qa.get_client_initialize_response(hash="none")
    assert payload is not None and payload["feature_gates"]["beta"]["value"] is True


def test_overrides_factory_runs_once_on_the_first_check_and_may_fail(make_statsig):
    client = make_statsig(PAYLOAD)
    calls = []

    def read() -> dict:
        calls.append(1)
        return {"gate": {"beta": False}}

    bound = BoundStatsig(client, StatsigUser(user_id="u"), overrides=read)
    assert calls == []
    assert bound.check_gate("beta") is False
    assert bound.get_config("cfg").get("x") == 1
    assert calls == [1]

    def broken() -> dict:
        raise RuntimeError("session store down")

    assert BoundStatsig(client, StatsigUser(), overrides=broken).check_gate("beta") is True


def test_overrides_apply_without_a_client():
    bound = BoundStatsig(None, StatsigUser(), overrides={"gate": {"beta": True}})
    gate = bound.get_feature_gate("beta")
    assert gate.value is True
    assert gate.evaluation_details.detailed_reason == "Uninitialized:LocalOverride"


def test_peek_neither_logs_nor_records(make_statsig):
    client = make_statsig(PAYLOAD)
    with capture_events(client) as captured:
        bound = BoundStatsig(client, StatsigUser(user_id="u"), overrides={"gate": {"x": True}})
        assert bound.peek("gate", "beta").value is True
        assert bound.peek("config", "cfg").get("x") == 1
        assert bound.peek("layer", "lay").get("p") == 1
        assert bound.peek("gate", "x").rule_id == "override"
        assert bound.evaluations == []
        assert captured.exposures("gate") == captured.exposures("config") == []
        assert captured.exposures("layer") == []


def test_a_leading_bang_asks_whether_the_gate_is_off(make_statsig):
    bound = BoundStatsig(make_statsig(PAYLOAD), StatsigUser(user_id="u"))
    assert bound.gate_passes("beta") is True
    assert bound.gate_passes("!beta") is False
    assert bound.gate_passes("!missing") is True


def test_the_bootstrap_shows_the_forced_values_of_the_checks(make_statsig):
    client = make_statsig(PAYLOAD)
    bound = BoundStatsig(client, StatsigUser(user_id="u"), overrides=OVERRIDES)
    payload = bound.get_client_initialize_response(hash="none")
    assert payload is not None
    assert payload["feature_gates"]["beta"]["value"] is bound.check_gate("beta") is False
    assert payload["dynamic_configs"]["cfg"]["value"] == bound.get_config("cfg").value == {"x": 2}
    assert payload["layer_configs"]["lay"]["value"] == {"p": 9}
    assert "ghost" not in payload["feature_gates"]  # not in the specs: not shown
    plain = BoundStatsig(client, StatsigUser(user_id="u")).get_client_initialize_response("none")
    assert plain is not None and plain["feature_gates"]["beta"]["value"] is True
