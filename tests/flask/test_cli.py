"""`flask statsig ...`: list, eval, explain, bootstrap, flush, status."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from statsig_core.evaluation.hashing import djb2
from tests.flask.helpers import MakeApp, events_of


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["statsig", *args])


def run_json(app: Flask, *args: str) -> Any:
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_list_shows_every_spec_by_kind(app: Flask):
    output = run(app, "list").output
    assert "gates (6)" in output
    assert "  beta" in output
    assert "configs (1)\n  pricing" in output
    assert "experiments (1)\n  copy_test" in output
    assert "layers (1)\n  layout" in output


def test_list_can_show_one_kind(app: Flask):
    output = run(app, "list", "--kind", "experiment").output
    assert output.splitlines() == ["experiments (1)", "  copy_test"]


def test_eval_evaluates_everything_for_a_user_without_logging(app: Flask):
    results = run_json(app, "eval", "--user", '{"userID": "42", "email": "a@vip.co"}')
    assert results["gates"]["member"]["value"] is True
    assert results["gates"]["vip"]["value"] is True
    assert results["experiments"]["copy_test"]["group_name"] == "Treatment"
    assert events_of(app) == []


def test_eval_can_be_limited_to_names(app: Flask):
    results = run_json(app, "eval", "--user-id", "7", "member", "pricing")
    assert results["gates"] == {"member": results["gates"]["member"]}
    assert results["gates"]["member"]["value"] is False
    assert set(results["configs"]) == {"pricing"}


def test_eval_names_an_unknown_spec(app: Flask):
    result = run(app, "eval", "nope")
    assert result.exit_code == 1
    assert "not in the specs: nope" in result.output


def test_explain_says_which_rule_decided(app: Flask):
    explained = run_json(app, "explain", "gate", "vip", "--email", "ann@vip.co")
    assert explained["value"] is True
    assert explained["decided_by"] == "rule 'vip'"


@pytest.mark.parametrize(
    ("user", "message"),
    [("{not json", "not valid JSON"), ("[1]", "JSON object"), ('{"userId": "x"}', "userId")],
)
def test_a_bad_user_is_a_usage_error(app: Flask, user: str, message: str):
    result = run(app, "eval", "--user", user)
    assert result.exit_code == 2
    assert message in result.output


def test_bootstrap_prints_the_users_payload(app: Flask):
    payload = run_json(app, "bootstrap", "--user-id", "42")
    assert payload["feature_gates"][djb2("member")]["value"] is True
    assert payload["user"]["userID"] == "42"
    assert events_of(app) == []


def test_bootstrap_can_print_the_html_snippet(app: Flask):
    assert 'type="application/json"' in run(app, "bootstrap", "--html").output


def test_flush_delivers_through_the_apps_transport(app: Flask):
    report = run_json(app, "flush", "--test-event", "cli_smoke")
    assert report["delivered"] is True
    assert [e["eventName"] for e in events_of(app)] == ["cli_smoke"]


def test_status_reports_mode_specs_and_events_without_the_secret(make_app: MakeApp):
    app = make_app(STATSIG_ENVIRONMENT="staging", STATSIG_CLIENT_KEY="client-k")
    status = run_json(app, "status")
    assert status["mode"] == "local"
    assert status["environment"] == "staging"
    assert status["source"] == "Bootstrap"
    assert status["spec_count"] == 9
    assert status["event_transport"] == "MemoryTransport"
    assert status["events"]["dropped"] == 0
