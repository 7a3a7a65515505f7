"""Jinja: the {% if_gate %} tag, check globals, the gate_on test, and statsig_bootstrap()."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, render_template_string, request
from jinja2 import TemplateSyntaxError
from markupsafe import Markup

from statsig_core.bootstrap.html import DEFAULT_CLIENT_SCRIPT_URL
from statsig_core.evaluation.hashing import djb2
from statsig_flask import current_statsig
from statsig_flask.bootstrap import statsig_bootstrap
from statsig_flask.extension import get_state
from tests.flask.helpers import MakeApp, events_of, names_of

from support.pages import bootstrap_data
from support.specs import cond, dcs, rule, spec


def render(app: Flask, source: str, **context: Any) -> str:
    with app.test_request_context("/"):
        return render_template_string(source, **context)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{% if_gate "beta" %}new{% endif_gate %}', "new"),
        ('{% if_gate "closed" %}new{% endif_gate %}', ""),
        ('{% if_gate "closed" %}new{% else %}old{% endif_gate %}', "old"),
        ('{% if_gate "!closed" %}not closed{% endif_gate %}', "not closed"),
        ('{% if_gate not "beta" %}off{% else %}on{% endif_gate %}', "on"),
        ("{% if_gate name %}by variable{% endif_gate %}", "by variable"),
        (
            '{% if_gate "beta" %}{% if_gate "closed" %}{% else %}b{% endif_gate %}{% endif_gate %}',
            "b",
        ),
    ],
)
def test_the_if_gate_tag(app: Flask, source: str, expected: str):
    assert render(app, source, name="beta") == expected


def test_an_unclosed_if_gate_is_a_syntax_error(app: Flask):
    with pytest.raises(TemplateSyntaxError, match="endif_gate"):
        render(app, '{% if_gate "beta" %}never closed')


def test_check_globals_and_the_gate_on_test(app: Flask):
    source = (
        "{{ check_gate('beta') }} {{ check_gate('!beta') }} "
        "{{ get_config('pricing').get('price') }} "
        "{{ get_experiment('copy_test').group_name }} "
        "{{ get_layer('layout').get('color') }} "
        "{{ 'beta' is gate_on }} {{ 'closed' is gate_on }} "
        "{{ statsig.get_config('pricing').get('price') }}"
    )
    assert render(app, source) == "True False 5 Treatment blue True False 5"


def test_a_page_checking_one_gate_many_ways_evaluates_it_once(app: Flask):
    source = (
        '{% if_gate "beta" %}1{% endif_gate %}{{ check_gate("beta") }}'
        '{{ "beta" is gate_on }}{% for _ in range(5) %}{{ check_gate("beta") }}{% endfor %}'
    )
    render(app, source)
    assert names_of(events_of(app)) == ["beta"]


# -- statsig_bootstrap() ------------------------------------------------------------------------

BOOTSTRAP = "{{ statsig_bootstrap() }}"


def test_the_bootstrap_carries_the_visitors_values_and_stable_id(make_app: MakeApp):
    app = make_app(STATSIG_CLIENT_KEY="client-abc")

    @app.get("/")
    def index() -> str:
        return render_template_string("<main>{{ statsig_bootstrap() }}</main>")

    response = app.test_client().get("/")
    payload = bootstrap_data(response.text)  # not HTML-escaped by autoescape: it is Markup
    assert payload["feature_gates"][djb2("beta")]["value"] is True
    stable_id = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert payload["user"]["customIDs"]["stableID"] == stable_id
    assert 'new S.StatsigClient("client-abc"' in response.text
    assert DEFAULT_CLIENT_SCRIPT_URL in response.text
    assert response.cache_control.private
    assert "Cookie" in response.headers["Vary"]


def test_the_python_helper_returns_markup(app: Flask):
    with app.test_request_context("/"):
        assert isinstance(statsig_bootstrap(), Markup)


def test_without_a_client_key_only_the_data_block_is_rendered(app: Flask):
    page = render(app, BOOTSTRAP)
    assert page.count("<script") == 1
    assert 'type="application/json"' in page


def test_init_false_leaves_starting_the_sdk_to_the_page(make_app: MakeApp):
    app = make_app(STATSIG_CLIENT_KEY="client-abc")
    assert render(app, "{{ statsig_bootstrap(init=False) }}").count("<script") == 1


def test_the_script_url_is_configurable_or_left_to_the_page(make_app: MakeApp):
    own = make_app(STATSIG_CLIENT_KEY="client-abc", STATSIG_CLIENT_SCRIPT_URL="/static/sdk.js")
    assert '<script src="/static/sdk.js"' in render(own, BOOTSTRAP)
    none = make_app(STATSIG_CLIENT_KEY="client-abc", STATSIG_CLIENT_SCRIPT_URL="")
    page = render(none, BOOTSTRAP)
    assert "<script src=" not in page
    assert "StatsigClient" in page


def test_the_bootstrap_escapes_script_breakouts(make_app: MakeApp):
    hostile = {"note": "</script><script>alert(1)</script><!--"}
    app = make_app(
        dcs(configs={"evil": spec(rule(cond(), return_value=hostile), kind="dynamic_config")})
    )
    page = render(app, BOOTSTRAP)
    assert "alert(1)</script>" not in page
    assert bootstrap_data(page)["dynamic_configs"][djb2("evil")]["value"] == hostile


def test_names_limit_what_the_browser_sees(app: Flask):
    payload = bootstrap_data(render(app, "{{ statsig_bootstrap(['beta', 'pricing']) }}"))
    assert set(payload["feature_gates"]) == {djb2("beta")}
    assert set(payload["dynamic_configs"]) == {djb2("pricing")}
    assert payload["layer_configs"] == {}


def test_client_names_config_is_the_default_filter(make_app: MakeApp):
    app = make_app(STATSIG_CLIENT_NAMES=["closed"], STATSIG_BOOTSTRAP_HASH="none")
    payload = bootstrap_data(render(app, BOOTSTRAP))
    assert set(payload["feature_gates"]) == {"closed"}
    assert payload["dynamic_configs"] == {}


def test_an_explicit_nonce_is_used(make_app: MakeApp):
    app = make_app(STATSIG_CLIENT_KEY="client-abc")
    page = render(app, "{{ statsig_bootstrap(nonce='n0nce') }}")
    assert page.count('nonce="n0nce"') == 2  # the SDK script and the initialiser


def test_flask_talismans_request_nonce_is_found(make_app: MakeApp):
    app = make_app(STATSIG_CLIENT_KEY="client-abc")

    @app.before_request
    def talisman_like() -> None:
        request.csp_nonce = "from-request"  # type: ignore[attr-defined]

    @app.get("/")
    def index() -> str:
        return render_template_string(BOOTSTRAP)

    assert 'nonce="from-request"' in app.test_client().get("/").text


def test_a_csp_nonce_template_global_is_found(make_app: MakeApp):
    app = make_app(STATSIG_CLIENT_KEY="client-abc")
    app.jinja_env.globals["csp_nonce"] = lambda: "from-global"
    assert 'nonce="from-global"' in render(app, BOOTSTRAP)


def test_the_bootstrap_hash_is_configurable(make_app: MakeApp):
    app = make_app(STATSIG_BOOTSTRAP_HASH="none")
    assert "beta" in bootstrap_data(render(app, BOOTSTRAP))["feature_gates"]


def test_without_a_client_the_bootstrap_is_empty(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(get_state(app), "client_or_none", lambda: None)
    with app.test_request_context("/"):
        assert current_statsig.statsig is None
        assert render_template_string(BOOTSTRAP) == ""


def test_pages_without_a_bootstrap_stay_cacheable(app: Flask):
    @app.get("/")
    def index() -> str:
        return render_template_string("{{ check_gate('beta') }}")

    assert not app.test_client().get("/").cache_control.private
