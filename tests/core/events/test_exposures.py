"""What exposure and custom events say: official names, metadata, secondary exposures, privacy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from statsig_core import StatsigUser, StatsigValueError
from statsig_core.events.exposures import CONFIG_EXPOSURE, GATE_EXPOSURE, LAYER_EXPOSURE

from support.specs import cond, dcs, rule, spec

ALICE = StatsigUser(
    user_id="alice",
    email="alice@example.com",
    custom_ids={"stableID": "s-1"},
    private_attributes={"ssn": "123-45-6789"},
)

PAYLOAD = dcs(
    gates={
        "targeting": spec(rule(cond(), id="t")),
        "segment:beta": spec(rule(cond(), id="seg"), entity="segment"),
        "outer": spec(
            rule(
                cond("pass_gate", target="targeting"),
                cond("pass_gate", target="segment:beta"),
                id="both",
            ),
            version=7,
        ),
        "off": spec(rule(cond("user_field", "any", ["nobody"], "email"), id="x")),
    },
    configs={
        "pricing": spec(rule(cond(), id="cfg", return_value={"price": 5}), kind="dynamic_config"),
        "exp": spec(
            rule(
                cond(),
                id="grp",
                return_value={"p": 1, "q": 2},
                groupName="G",
                isExperimentGroup=True,
            ),
            kind="dynamic_config",
            entity="experiment",
            explicitParameters=["p"],
        ),
    },
    layers={
        "lay": spec(
            rule(cond("pass_gate", target="targeting"), id="alloc", configDelegate="exp"),
            kind="layer",
            default={"p": 0, "q": 0},
        )
    },
)


def events(client: Any) -> list[dict[str, Any]]:
    client.flush()
    return client.captured.events


def test_gate_exposure_has_official_name_metadata_and_secondary_exposures(make_statsig):
    client = make_statsig(PAYLOAD)
    assert client.check_gate(ALICE, "outer") is True
    [event] = events(client)
    assert event["eventName"] == GATE_EXPOSURE == "statsig::gate_exposure"
    meta = event["metadata"]
    assert {k: meta[k] for k in ("gate", "gateValue", "ruleID", "configVersion", "reason")} == {
        "gate": "outer",
        "gateValue": "true",
        "ruleID": "both",
        "configVersion": "7",
        "reason": "Bootstrap:Recognized",
    }
    assert meta["configSyncTime"] == PAYLOAD["time"]
    assert isinstance(meta["initTime"], int)
    assert "isManualExposure" not in meta
    # segment exposures never leave the evaluation
    assert event["secondaryExposures"] == [
        {"gate": "targeting", "gateValue": "true", "ruleID": "t"}
    ]
    assert event["user"]["userID"] == "alice"
    assert isinstance(event["time"], int)


def test_config_and_experiment_exposures_report_rule_passed(make_statsig):
    client = make_statsig(PAYLOAD)
    client.get_config(ALICE, "pricing")
    client.get_experiment(ALICE, "exp")
    first, second = events(client)
    assert first["eventName"] == second["eventName"] == CONFIG_EXPOSURE
    assert {k: first["metadata"][k] for k in ("config", "ruleID", "rulePassed")} == {
        "config": "pricing",
        "ruleID": "cfg",
        "rulePassed": "true",
    }
    assert second["metadata"]["config"] == "exp"
    assert second["metadata"]["ruleID"] == "grp"


def test_layer_exposure_for_explicit_parameter_names_the_experiment(make_statsig):
    client = make_statsig(PAYLOAD)
    layer = client.get_layer(ALICE, "lay")
    assert events(client) == []  # getting a layer logs nothing; reading a parameter does
    assert layer.get("p") == 1
    [event] = events(client)
    assert event["eventName"] == LAYER_EXPOSURE
    meta = event["metadata"]
    assert (meta["config"], meta["ruleID"], meta["allocatedExperiment"]) == ("lay", "grp", "exp")
    assert (meta["parameterName"], meta["isExplicitParameter"]) == ("p", "true")
    assert event["secondaryExposures"] == [
        {"gate": "targeting", "gateValue": "true", "ruleID": "t"}
    ]


def test_layer_exposure_for_implicit_parameter_uses_undelegated_exposures(make_statsig):
    client = make_statsig(PAYLOAD)
    assert client.get_layer(ALICE, "lay").get("q") == 2
    [event] = events(client)
    meta = event["metadata"]
    assert (meta["allocatedExperiment"], meta["isExplicitParameter"]) == ("", "false")
    assert event["secondaryExposures"] == [
        {"gate": "targeting", "gateValue": "true", "ruleID": "t"}
    ]


def test_missing_layer_parameter_logs_no_exposure(make_statsig):
    client = make_statsig(PAYLOAD)
    assert client.get_layer(ALICE, "lay").get("absent", "d") == "d"
    assert events(client) == []


def test_unknown_gate_is_still_exposed_with_empty_rule_id(make_statsig):
    client = make_statsig(PAYLOAD)
    assert client.check_gate(ALICE, "no_such_gate") is False
    [event] = events(client)
    assert event["metadata"]["ruleID"] == ""
    assert event["metadata"]["reason"] == "Bootstrap:Unrecognized"


def test_identical_exposures_are_logged_once_per_window(make_statsig):
    client = make_statsig(PAYLOAD)
    for _ in range(5):
        client.check_gate(ALICE, "outer")
        client.get_config(ALICE, "pricing")
    other = StatsigUser(user_id="bob")
    client.check_gate(other, "outer")
    assert [e["metadata"].get("gate") or e["metadata"]["config"] for e in events(client)] == [
        "outer",
        "pricing",
        "outer",
    ]
    client.event_logger.reset_dedupe()  # what the background thread does when the window ends
    client.check_gate(ALICE, "outer")
    assert len(events(client)) == 4


def test_same_user_id_with_other_custom_ids_is_a_new_exposure(make_statsig):
    client = make_statsig(PAYLOAD)
    client.check_gate(ALICE, "outer")
    client.check_gate(ALICE.with_changes(custom_ids={"stableID": "s-2"}), "outer")
    assert len(events(client)) == 2


def test_dedupe_memory_is_bounded_by_max_keys_plus_one_batch(make_statsig):
    client = make_statsig(PAYLOAD, exposure_dedupe_max_keys=10, event_queue_size=5)
    for i in range(100):
        client.check_gate(StatsigUser(user_id=str(i)), "outer")
        assert client.event_logger.dedupe_size() <= 10 + 5
    assert len(events(client)) == 100


def test_exposure_logging_disabled_variants_log_nothing(make_statsig):
    client = make_statsig(PAYLOAD)
    assert client.check_gate_with_exposure_logging_disabled(ALICE, "outer") is True
    assert client.get_config_with_exposure_logging_disabled(ALICE, "pricing").get("price") == 5
    assert client.get_experiment_with_exposure_logging_disabled(ALICE, "exp").group_name == "G"
    assert client.get_layer_with_exposure_logging_disabled(ALICE, "lay").get("p") == 1
    assert client.get_feature_gate(ALICE, "outer", log_exposure=False).value is True
    assert events(client) == []


def test_manual_exposures_are_flagged(make_statsig):
    client = make_statsig(PAYLOAD)
    client.manually_log_gate_exposure(ALICE, "outer")
    client.manually_log_config_exposure(ALICE, "pricing")
    client.manually_log_experiment_exposure(ALICE, "exp")
    client.manually_log_layer_parameter_exposure(ALICE, "lay", "p")
    logged = events(client)
    assert [e["eventName"] for e in logged] == [
        GATE_EXPOSURE,
        CONFIG_EXPOSURE,
        CONFIG_EXPOSURE,
        LAYER_EXPOSURE,
    ]
    assert all(e["metadata"]["isManualExposure"] == "true" for e in logged)
    assert logged[3]["metadata"]["parameterName"] == "p"


def test_manual_exposure_right_after_an_automatic_one_is_deduplicated(make_statsig):
    """As in the official SDK: the dedupe key does not include the manual flag."""
    client = make_statsig(PAYLOAD)
    client.check_gate(ALICE, "outer")
    client.manually_log_gate_exposure(ALICE, "outer")
    assert len(events(client)) == 1


def test_custom_event_carries_value_metadata_and_time(make_statsig):
    client = make_statsig(PAYLOAD)
    client.log_event(ALICE, "purchase", 19.99, {"sku": "A1"})
    client.log_event(None, "anonymous_ping")
    client.log_event(ALICE, "signup", "free")
    purchase, ping, signup = events(client)
    assert purchase["eventName"] == "purchase"
    assert (purchase["value"], purchase["metadata"]) == (19.99, {"sku": "A1"})
    assert purchase["user"]["customIDs"] == {"stableID": "s-1"}
    assert "user" not in ping and "value" not in ping and "metadata" not in ping
    assert signup["value"] == "free"


def test_custom_event_metadata_is_copied_when_logged(make_statsig):
    client = make_statsig(PAYLOAD)
    metadata = {"step": 1}
    client.log_event(ALICE, "wizard", metadata=metadata)
    metadata["step"] = 2
    assert events(client)[0]["metadata"] == {"step": 1}


def test_custom_event_value_must_be_string_or_number(make_statsig):
    client = make_statsig(PAYLOAD)
    with pytest.raises(StatsigValueError):
        client.log_event(ALICE, "bad", value={"not": "allowed"})  # type: ignore[arg-type]
    client.log_event(ALICE, "")  # nameless events are ignored
    assert events(client) == []


def test_metadata_json_cannot_hold_is_sent_as_strings(make_statsig):
    """Captured batches show exactly what goes over the wire."""
    client = make_statsig(PAYLOAD)
    client.log_event(ALICE, "odd", metadata={"amount": Decimal("1.50"), 3: "int key"})
    client.flush()
    [batch] = client.captured.batches
    body = batch.payload()
    assert body["events"][0]["metadata"] == {"amount": "1.50", "3": "int key"}
    assert orjson.loads(batch.to_json())["events"][0]["metadata"] == {
        "amount": "1.50",
        "3": "int key",
    }


def test_private_attributes_never_leave_the_process(make_statsig):
    client = make_statsig(PAYLOAD)
    client.check_gate(ALICE, "outer")
    client.get_layer(ALICE, "lay").get("p")
    client.log_event(ALICE, "purchase")
    client.flush()
    for batch in client.captured.batches:
        wire = batch.to_json()
        assert b"ssn" not in wire and b"123-45-6789" not in wire
        assert b"privateAttributes" not in wire


def test_environment_tier_is_stamped_on_event_users(make_statsig):
    client = make_statsig(PAYLOAD, environment="staging")
    client.check_gate(ALICE, "outer")
    client.log_event(ALICE, "purchase")
    assert [e["user"]["statsigEnvironment"] for e in events(client)] == [{"tier": "staging"}] * 2
    assert ALICE.to_dict().get("statsigEnvironment") is None  # the user itself is untouched


def test_disable_all_logging_means_no_logger(make_statsig):
    client = make_statsig(PAYLOAD, disable_all_logging=True)
    client.check_gate(ALICE, "outer")
    client.log_event(ALICE, "purchase")
    assert client.event_logger is None
    assert client.health()["events"] is None
    assert client.flush() is True
