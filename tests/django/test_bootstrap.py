"""Bootstrap rendering: payload filtering, CSP nonce lookup, the tag and the Jinja2 global."""

from __future__ import annotations

import sys
import types

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from statsig_core.bootstrap import only_names
from statsig_core.evaluation.hashing import djb2
from statsig_django.bootstrap import csp_nonce, parse_names

from support.pages import bootstrap_data

PAYLOAD = {
    "hash_used": "djb2",
    "feature_gates": {djb2("a"): {"value": True}, djb2("b"): {"value": False}},
    "dynamic_configs": {djb2("cfg"): {"value": {}}},
    "layer_configs": {djb2("lay"): {"value": {}}},
    "user": {"userID": "1"},
    "has_updates": True,
}


def test_filter_keeps_only_the_named_entries_hashed_like_the_payload():
    filtered = only_names(PAYLOAD, ["a", "lay", "unknown"])
    assert filtered["feature_gates"] == {djb2("a"): {"value": True}}
    assert filtered["dynamic_configs"] == {}
    assert filtered["layer_configs"] == {djb2("lay"): {"value": {}}}
    assert filtered["user"] == {"userID": "1"} and filtered["has_updates"] is True
    assert len(PAYLOAD["feature_gates"]) == 2  # the shared payload is not modified


def test_filter_with_unhashed_names():
    payload = {**PAYLOAD, "hash_used": "none", "feature_gates": {"a": {}, "b": {}}}
    assert list(only_names(payload, ["b"])["feature_gates"]) == ["b"]


@pytest.mark.parametrize(
    ("names", "expected"),
    [(None, None), ("a, b c", ("a", "b", "c")), (["a", "b"], ("a", "b")), ("", ())],
)
def test_names_from_templates(names, expected):
    assert parse_names(names) == expected


def test_csp_nonce_from_django_csp_then_django_6(monkeypatch):
    request = RequestFactory().get("/")
    assert csp_nonce(None) is None and csp_nonce(request) is None
    fake = types.ModuleType("django.middleware.csp")
    fake.get_nonce = lambda request: getattr(request, "_csp_nonce", None)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "django.middleware.csp", fake)
    request._csp_nonce = "builtin-nonce"
    assert csp_nonce(request) == "builtin-nonce"
    request.csp_nonce = "django-csp-nonce"
    assert csp_nonce(request) == "django-csp-nonce"


# -- rendering (needs statsig_core.bootstrap.html) ---------------------------------------------


@pytest.fixture
def html():
    return pytest.importorskip("statsig_core.bootstrap.html")


def test_tag_embeds_the_visitors_values_and_initializes_with_the_nonce(client, html):
    response = client.get("/bootstrap/bootstrap/?nonce=n0nce")
    page = response.content.decode()
    payload = bootstrap_data(page)
    stable_id = response.cookies["statsig_stable_id"].value
    assert payload["user"]["customIDs"] == {"stableID": stable_id}
    assert payload["feature_gates"][djb2("public_gate")]["value"] is True
    assert 'nonce="n0nce"' in page and "client-test-key" in page
    assert "private" in response["Cache-Control"] and response["Vary"] == "Cookie"


def test_tag_options_filter_hash_and_skip_the_initializer(client, html):
    response = client.get("/bootstrap/bootstrap_options/?nonce=unused")
    page = response.content.decode()
    payload = bootstrap_data(page, "boot")
    assert list(payload["feature_gates"]) == ["public_gate"]
    assert list(payload["dynamic_configs"]) == ["pricing"]
    assert payload["layer_configs"] == {}
    assert "nonce" not in page and "client-test-key" not in page


def test_jinja_global(client, html):
    page = client.get("/bootstrap/bootstrap.jinja/").content.decode()
    assert list(bootstrap_data(page)["feature_gates"]) == ["public_gate"]


def test_a_server_secret_is_never_rendered_as_the_client_key(client, html):
    from statsig_core import StatsigValueError

    leaky = override_settings(STATSIG={**settings.STATSIG, "CLIENT_KEY": "secret-leak"})
    with leaky, pytest.raises(StatsigValueError):
        client.get("/bootstrap/bootstrap/")


def test_nothing_is_rendered_without_statsig(client, html):
    from statsig_django.client import reset_statsig

    with override_settings(STATSIG={**settings.STATSIG, "OPTIONS": {"no_such_option": 1}}):
        reset_statsig()
        response = client.get("/bootstrap/bootstrap/")
    assert response.status_code == 200 and "statsig-bootstrap" not in response.content.decode()


@pytest.mark.parametrize(
    ("script_url", "expected"),
    [
        (None, "https://cdn.jsdelivr.net/npm/@statsig/js-client@"),
        ("/static/statsig.js", "/static/statsig.js"),
    ],
)
def test_client_script_url_setting(client, html, script_url, expected):
    with override_settings(STATSIG={**settings.STATSIG, "CLIENT_SCRIPT_URL": script_url}):
        page = client.get("/bootstrap/bootstrap/").content.decode()
    assert f'src="{expected}' in page


def test_empty_client_script_url_leaves_loading_the_sdk_to_the_page(client, html):
    with override_settings(STATSIG={**settings.STATSIG, "CLIENT_SCRIPT_URL": ""}):
        page = client.get("/bootstrap/bootstrap/").content.decode()
    assert "<script src=" not in page and "StatsigClient" in page


@pytest.mark.services
def test_the_official_browser_client_reads_the_django_bootstrap_as_recognized(
    client, html, js_client
):
    """The real @statsig/js-client, given the page's data block and its user: no mismatch."""
    page = client.get("/bootstrap/bootstrap/", HTTP_USER_AGENT="Mozilla/5.0 Test").content
    payload = bootstrap_data(page.decode())
    assert "stableID" in payload["user"]["customIDs"]
    result = js_client.run_one(
        {
            "id": "django",
            "client_key": "client-test-key",
            "bootstrap": payload,
            "user": payload["user"],
            "gates": ["public_gate", "off_gate"],
            "configs": ["pricing"],
            "experiments": ["checkout_copy"],
            "layers": {"checkout_layer": ["button_color"]},
        }
    )
    assert result["error"] is None, result["error"]
    assert result["gates"]["public_gate"]["value"] is True
    assert result["gates"]["off_gate"]["value"] is False
    assert result["configs"]["pricing"]["value"]["price"] == 12.5
    assert result["experiments"]["checkout_copy"]["groupName"] == "Test"
    assert result["layers"]["checkout_layer"]["params"]["button_color"] == "green"
    reasons = {
        entry["reason"]
        for kind in ("gates", "configs", "experiments", "layers")
        for entry in result[kind].values()
    }
    assert reasons == {"Bootstrap:Recognized"}


def test_client_options_reach_the_browser_sdk_initializer(client, html):
    """``CLIENT_OPTIONS`` points the SDK's own requests at our endpoints, not Statsig's."""
    options = {"networkConfig": {"api": "/statsig"}}
    with override_settings(STATSIG={**settings.STATSIG, "CLIENT_OPTIONS": options}):
        page = client.get("/bootstrap/bootstrap/").content.decode()
    assert '{"networkConfig":{"api":"/statsig"}}' in page.replace("\\u002F", "/")
