"""The QA override page of the Flask blueprint: who may use it, listing without exposures,
per-session overrides reaching views and templates, bad forms, cross-site posts, the audit."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask, render_template_string, session
from flask.testing import FlaskClient

from statsig_core.evaluation.hashing import djb2
from statsig_flask import current_statsig, feature_gate
from statsig_flask.endpoints import blueprint
from statsig_flask.qa_overrides import SESSION_KEY, override_changed
from tests.flask.helpers import MakeApp, events_of, names_of

from support.pages import bootstrap_data

PAGE = "/statsig/overrides/"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def is_qa() -> bool:
    """The app's access rule in these tests: a flag the test puts in the session."""
    return bool(session.get("qa"))


def build(make_app: MakeApp, **config: Any) -> Flask:
    app = make_app(**config)
    app.register_blueprint(blueprint, url_prefix="/statsig")

    @app.get("/closed")
    @feature_gate("closed")
    def closed() -> str:
        return "open now"

    @app.get("/values")
    def values() -> dict[str, Any]:
        return {
            "beta": current_statsig.check_gate("beta"),
            "price": current_statsig.get_config("pricing").get("price"),
            "headline": current_statsig.get_experiment("copy_test").get("headline"),
            "color": current_statsig.get_layer("layout").get("color", ""),
        }

    @app.get("/bootstrap")
    def bootstrap() -> str:
        return render_template_string("{{ statsig_bootstrap(init=False) }}")

    @app.get("/template")
    def template() -> str:
        return render_template_string('{% if_gate "closed" %}on{% else %}off{% endif_gate %}')

    return app


@pytest.fixture
def qa_app(make_app: MakeApp) -> Flask:
    return build(make_app, STATSIG_QA_ACCESS=is_qa)


def signed_in(app: Flask, qa: bool = True) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as stored:
        stored["qa"] = qa
    return client


def force(client: FlaskClient, kind: str, name: str, value: str, action: str = "set", **headers):
    form = {"action": action, "kind": kind, "name": name, "value": value}
    return client.post(PAGE, data=form, headers={**SAME_ORIGIN, **headers})


def forge(client: FlaskClient, overrides: dict[str, Any]) -> None:
    with client.session_transaction() as stored:
        stored[SESSION_KEY] = overrides


def test_the_page_lists_every_name_with_its_value_and_logs_no_exposure(qa_app: Flask):
    client = signed_in(qa_app)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    for name in ("beta", "closed", "vip", "member", "pricing", "copy_test", "layout"):
        assert f"<code>{name}</code>" in page
    assert "<code>{&#34;price&#34;:5}</code>" in page  # the value now, escaped JSON
    assert "Clear all overrides" not in page
    assert events_of(qa_app) == []
    assert client.put(PAGE).status_code == 405


def test_forced_values_reach_views_decorators_and_templates_without_exposures(qa_app: Flask):
    client = signed_in(qa_app)
    assert force(client, "gate", "closed", "true").status_code == 303
    assert force(client, "gate", "beta", "false").status_code == 303
    assert force(client, "config", "pricing", '{"price": 1}').status_code == 303
    assert force(client, "experiment", "copy_test", '{"headline": "QA"}').status_code == 303
    assert force(client, "layer", "layout", '{"color": "red"}').status_code == 303
    assert client.get("/closed").get_data() == b"open now"
    assert client.get("/template").get_data() == b"on"
    assert client.get("/values").get_json() == {
        "beta": False,
        "price": 1,
        "headline": "QA",
        "color": "red",
    }
    assert names_of(events_of(qa_app)) == []  # nobody was really exposed
    assert "Clear all overrides" in client.get(PAGE).get_data(as_text=True)

    assert force(client, "gate", "closed", "", action="clear").status_code == 303
    assert client.get("/closed").status_code == 404
    assert client.post(PAGE, data={"action": "clear_all"}, headers=SAME_ORIGIN).status_code == 303
    with client.session_transaction() as stored:
        assert SESSION_KEY not in stored
    assert client.get("/values").get_json()["price"] == 5


def test_the_browser_bootstrap_shows_the_sessions_forced_values(qa_app: Flask):
    client = signed_in(qa_app)
    force(client, "gate", "closed", "true")
    force(client, "layer", "layout", '{"color": "red"}')
    payload = bootstrap_data(client.get("/bootstrap").get_data(as_text=True))
    gate = payload["feature_gates"][djb2("closed")]
    assert (gate["value"], gate["rule_id"]) == (True, "override")
    assert payload["layer_configs"][djb2("layout")]["value"] == {"color": "red"}
    assert payload["feature_gates"][djb2("beta")]["value"] is True  # the rest as before
    plain = bootstrap_data(signed_in(qa_app).get("/bootstrap").get_data(as_text=True))
    assert plain["feature_gates"][djb2("closed")]["value"] is False


def test_other_sessions_are_untouched(qa_app: Flask):
    force(signed_in(qa_app), "gate", "closed", "true")
    assert signed_in(qa_app).get("/closed").status_code == 404


@pytest.mark.parametrize(
    ("kind", "name", "value", "message"),
    [
        ("gate", "no_such_gate", "true", "There is no gate &#39;no_such_gate&#39;"),
        ("gate", "closed", "yes", "not valid JSON"),
        ("gate", "closed", '{"on": true}', "A gate takes true or false"),
        ("config", "pricing", "[1]", "JSON object"),
        ("config", "pricing", "{" + " " * 20_000 + "}", "over 16384 characters"),
        ("widget", "x", "true", "Unknown kind or action"),
    ],
)
def test_bad_forms_are_refused_with_a_message(qa_app: Flask, kind, name, value, message):
    client = signed_in(qa_app)
    response = force(client, kind, name, value)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with client.session_transaction() as stored:
        assert SESSION_KEY not in stored


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}]
)
def test_cross_site_posts_are_refused(qa_app: Flask, headers: dict[str, str]):
    client = signed_in(qa_app)
    response = client.post(
        PAGE,
        data={"action": "set", "kind": "gate", "name": "closed", "value": "true"},
        headers=headers,
    )
    assert response.status_code == 403
    assert client.get("/closed").status_code == 404


def test_without_access_the_page_is_a_404_and_a_forged_session_changes_nothing(qa_app: Flask):
    client = signed_in(qa_app, qa=False)
    assert client.get(PAGE).status_code == 404
    assert force(client, "gate", "closed", "true").status_code == 404
    forge(client, {"gate": {"closed": True}})
    assert client.get("/closed").status_code == 404


def test_withdrawn_access_stops_the_overrides_the_session_still_holds(qa_app: Flask):
    client = signed_in(qa_app)
    force(client, "gate", "closed", "true")
    with client.session_transaction() as stored:
        stored["qa"] = False
    assert client.get("/closed").status_code == 404


def test_no_access_rule_means_no_page_and_no_overrides(make_app: MakeApp):
    app = build(make_app)
    client = app.test_client()
    assert client.get(PAGE).status_code == 404
    forge(client, {"gate": {"closed": True}})
    assert client.get("/closed").status_code == 404


def test_an_access_rule_that_raises_admits_nobody(make_app: MakeApp, caplog):
    def broken() -> bool:
        raise RuntimeError("the admin check is down")

    app = build(make_app, STATSIG_QA_ACCESS=broken)
    client = app.test_client()
    forge(client, {"gate": {"closed": True}})
    assert client.get(PAGE).status_code == 404
    assert client.get("/closed").status_code == 404
    assert "STATSIG_QA_ACCESS raised" in caplog.text


def test_stale_and_malformed_session_entries_are_ignored(qa_app: Flask):
    client = signed_in(qa_app)
    forge(client, {"gate": {"closed": "yes", "gone": True}, "config": {"pricing": 3}})
    assert client.get("/closed").status_code == 404  # "yes" is no bool
    page = client.get(PAGE).get_data(as_text=True)
    assert "<code>gone</code> (not in the loaded specs)" in page


def test_every_change_is_audited_by_signal_and_log(qa_app: Flask, caplog):
    caplog.set_level(logging.INFO, logger="statsig_flask")
    received: list[dict[str, Any]] = []

    def listener(sender: Flask, **change: Any) -> None:
        received.append({"app": sender, **change})

    client = signed_in(qa_app)
    with override_changed.connected_to(listener):
        force(client, "config", "pricing", '{"price": 2}')
        force(client, "gate", "beta", "", action="clear")  # nothing to clear: no audit
        force(client, "config", "pricing", "", action="clear")
    assert [(c["kind"], c["name"], c["value"]) for c in received] == [
        ("config", "pricing", {"price": 2}),
        ("config", "pricing", None),
    ]
    assert received[0]["app"] is qa_app and "user_id" in received[0]
    assert "session override: config 'pricing' = {\"price\":2}" in caplog.text
    assert "session override: config 'pricing' cleared" in caplog.text
