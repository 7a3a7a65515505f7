"""The statsig_* management commands, through call_command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from statsig_core.testing import capture_events


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_statsig_specs_lists_every_kind():
    lines = run("statsig_specs").splitlines()
    kinds = {line.split()[1]: line.split()[0] for line in lines}
    assert kinds == {
        "example_emails": "gate",
        "french": "gate",
        "off_gate": "gate",
        "public_gate": "gate",
        "signed_in": "gate",
        "checkout_copy": "experiment",
        "pricing": "config",
        "checkout_layer": "layer",
    }
    assert "enabled  1 rules" in lines[0]


def test_statsig_specs_filters_and_prints_json():
    listed = json.loads(run("statsig_specs", "--kind", "layer", "--json"))
    assert listed == [{"kind": "layer", "name": "checkout_layer", "enabled": True, "rules": 1}]


def test_statsig_eval_one_gate_for_a_user_given_by_flags():
    result = json.loads(run("statsig_eval", "example_emails", "--email", "ada@example.com"))
    assert result == {
        "kind": "gate",
        "name": "example_emails",
        "value": True,
        "rule_id": "ex",
        "group_name": None,
        "reason": "Recognized",
    }


def test_statsig_eval_user_as_json_and_explain():
    out = run("statsig_eval", "french", "--user", '{"userID": "1", "locale": "de"}', "--explain")
    explanation = json.loads(out)
    assert explanation["value"] is False
    assert explanation["decided_by"] == "no rule matched: the default value"
    assert explanation["rules"][0]["conditions"][0]["value"] == "de"


def test_statsig_eval_everything_logs_no_exposure(statsig):
    with capture_events(statsig) as captured:
        result = json.loads(run("statsig_eval", "--user-id", "1", "--custom", "age=30"))
        assert captured.events == []
    assert result["gates"]["public_gate"]["value"] is True
    assert result["experiments"]["checkout_copy"]["group_name"] == "Test"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("statsig_eval", "nope"), "not in the loaded specs"),
        (("statsig_eval", "--user", "{bad json"), "--user"),
        (("statsig_eval", "--user", '{"userId": "1"}'), "unknown user field"),
        (("statsig_eval", "--custom", "novalue"), "KEY=VALUE"),
    ],
)
def test_statsig_eval_reports_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_statsig_bootstrap_prints_a_users_bootstrap(statsig):
    if not hasattr(statsig, "get_client_initialize_response"):
        pytest.skip("Statsig.get_client_initialize_response is not in statsig_core yet")
    payload = json.loads(
        run("statsig_bootstrap", "--user-id", "9", "--custom-id", "stableID=s1", "--hash", "none",
            "--names", "public_gate")
    )  # fmt: skip
    assert payload["user"]["userID"] == "9" and payload["user"]["customIDs"] == {"stableID": "s1"}
    assert list(payload["feature_gates"]) == ["public_gate"]


def test_statsig_flush_and_status():
    assert "Flushed" in run("statsig_flush")
    health = json.loads(run("statsig_status", "--strict"))
    assert health["spec_count"] == 8 and health["source"] == "File"
