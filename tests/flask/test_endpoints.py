"""The opt-in blueprint for the browser SDK: initialize (read-only, uncached) and log_event
(cross-site posts refused, size and rate limits, events for the request's user)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statsig_flask.endpoints import blueprint, intake
from statsig_flask.extension import get_state
from tests.flask.helpers import MakeApp, events_of

STABLE = "0b5e6a8e-6a8e-4b5e-9a8e-0b5e6a8e6a8e"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


@pytest.fixture(autouse=True)
def _fresh_buckets() -> Iterator[None]:
    intake.clear()
    yield
    intake.clear()


@pytest.fixture
def make_shop(make_app: MakeApp):
    def make(**config: Any) -> Flask:
        app = make_app(**config)
        app.register_blueprint(blueprint, url_prefix="/statsig")
        return app

    return make


@pytest.fixture
def shop(make_shop) -> Flask:
    return make_shop()


def post(client: FlaskClient, body: Any, path: str = "/statsig/rgstr", **headers: str):
    return client.post(path, json=body, headers={**SAME_ORIGIN, **headers})


# -- initialize ------------------------------------------------------------------------------


def test_initialize_returns_the_visitors_values_uncached(shop: Flask):
    client = shop.test_client()
    client.set_cookie("statsig_stable_id", STABLE)
    response = client.post("/statsig/initialize", json={"hash": "none", "user": {"userID": "x"}})
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(
        response.headers["Cache-Control"].replace(" ", "").split(",")
    )
    body = response.get_json()
    assert body["feature_gates"]["beta"]["value"] is True
    assert body["hash_used"] == "none"
    assert body["user"]["customIDs"] == {"stableID": STABLE}  # the body's user is ignored
    assert "userID" not in body["user"]


def test_initialize_by_get_uses_the_configured_hash_and_client_names(make_shop):
    app = make_shop(STATSIG_CLIENT_NAMES=["beta"], STATSIG_BOOTSTRAP_HASH="sha256")
    body = app.test_client().get("/statsig/initialize").get_json()
    assert body["hash_used"] == "sha256"
    assert len(body["feature_gates"]) == 1
    assert body["dynamic_configs"] == {} and body["layer_configs"] == {}


def test_initialize_reads_a_bounded_body_and_ignores_what_it_cannot_parse(shop: Flask):
    huge = b'{"hash": "none", "padding": "' + b"x" * (1024 * 1024) + b'"}'
    response = shop.test_client().post("/statsig/initialize", data=huge)
    assert response.status_code == 200
    assert response.get_json()["hash_used"] == "djb2"  # the configured hash, not the body's


def test_initialize_without_statsig_is_a_503(shop: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(get_state(shop), "client_or_none", lambda: None)
    response = shop.test_client().get("/statsig/initialize")
    assert response.status_code == 503 and "no-store" in response.headers["Cache-Control"]


def test_initialize_takes_only_get_and_post(shop: Flask):
    assert shop.test_client().put("/statsig/initialize").status_code == 405


# -- log_event -------------------------------------------------------------------------------


def test_events_are_logged_for_the_requests_user(shop: Flask):
    client = shop.test_client()
    client.set_cookie("statsig_stable_id", STABLE)
    body = {
        "events": [
            {"eventName": "add_to_cart", "value": 3, "metadata": {"sku": "A1", "qty": 2}},
            {"eventName": "purchase", "value": "19.99", "user": {"userID": "admin"}},
        ]
    }
    response = post(client, body)
    assert response.status_code == 202 and response.get_json()["accepted"] == 2
    events = [e for e in events_of(shop) if not e["eventName"].startswith("statsig::")]
    assert [e["eventName"] for e in events] == ["add_to_cart", "purchase"]
    assert events[0]["metadata"] == {"sku": "A1", "qty": 2}
    for event in events:
        assert "userID" not in event["user"]  # the browser's claim is ignored
        assert event["user"]["customIDs"] == {"stableID": STABLE}


def test_log_event_and_rgstr_are_the_same_post_only_endpoint(shop: Flask):
    client = shop.test_client()
    assert post(client, {"events": []}, "/statsig/log_event").status_code == 202
    assert client.get("/statsig/log_event").status_code == 405
    assert client.get("/statsig/rgstr").status_code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://shop.localhost"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},  # a browser too old for Sec-Fetch-Site
        {"Origin": "null"},  # a sandboxed frame or a file:// page
    ],
)
def test_posts_a_browser_marks_cross_site_are_refused(shop: Flask, headers: dict[str, str]):
    response = shop.test_client().post(
        "/statsig/rgstr", json={"events": [{"eventName": "e"}]}, headers=headers
    )
    assert response.status_code == 403
    assert "cross-site" in response.get_json()["error"]
    assert events_of(shop) == []


@pytest.mark.parametrize(
    "headers",
    [
        SAME_ORIGIN,
        {"Sec-Fetch-Site": "none"},  # typed into the address bar, or a bookmarklet
        {"Origin": "https://localhost"},  # the page is https behind a proxy; the app sees http
        {},  # not a browser: no visitor cookies to ride on
    ],
)
def test_same_origin_and_non_browser_posts_are_accepted(shop: Flask, headers: dict[str, str]):
    response = shop.test_client().post("/statsig/rgstr", json={"events": []}, headers=headers)
    assert response.status_code == 202


def test_allow_cross_site_turns_the_check_off(make_shop):
    app = make_shop(STATSIG_LOG_EVENT={"ALLOW_CROSS_SITE": True})
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "https://partner.example"}
    response = app.test_client().post("/statsig/rgstr", json={"events": []}, headers=headers)
    assert response.status_code == 202


def test_malformed_bodies_get_the_shared_messages(shop: Flask):
    client = shop.test_client()
    response = client.post("/statsig/rgstr", data="not json", headers=SAME_ORIGIN)
    assert response.status_code == 400 and "must be JSON" in response.get_json()["error"]
    response = post(client, {"events": [{"eventName": ""}]})
    assert response.status_code == 400 and "eventName" in response.get_json()["error"]


def test_an_oversized_body_is_refused_whether_declared_or_streamed(make_shop):
    app = make_shop(STATSIG_LOG_EVENT={"MAX_BYTES": 200})
    big = {"events": [{"eventName": "e", "metadata": {"k": "v" * 300}}]}
    client = app.test_client()
    assert post(client, big).status_code == 413
    # Chunked: no Content-Length to refuse up front, so the read itself stops at the limit.
    chunked = client.post(
        "/statsig/rgstr",
        data=b'{"events": [' + b'{"eventName": "e"},' * 30 + b"]}",
        headers=SAME_ORIGIN,
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    )
    assert chunked.status_code == 413
    assert events_of(app) == []


def test_the_event_count_limit(make_shop):
    app = make_shop(STATSIG_LOG_EVENT={"MAX_EVENTS": 2})
    response = post(app.test_client(), {"events": [{"eventName": "e"}] * 3})
    assert response.status_code == 400 and "at most 2 events" in response.get_json()["error"]


def test_a_visitor_over_the_rate_gets_429_with_retry_after(make_shop):
    app = make_shop(STATSIG_LOG_EVENT={"BURST": 5, "RATE": 60})
    client = app.test_client()
    client.set_cookie("statsig_stable_id", STABLE)
    assert post(client, {"events": [{"eventName": "e"}] * 5}).status_code == 202
    limited = post(client, {"events": [{"eventName": "e"}]})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"


def test_new_visitors_on_one_ip_share_the_larger_ip_bucket(make_shop):
    app = make_shop(STATSIG_LOG_EVENT={"BURST": 1, "RATE": 0})
    statuses = []
    for _ in range(11):
        client = app.test_client()  # a fresh visitor (or one dropping cookies) each time
        statuses.append(post(client, {"events": [{"eventName": "e"}]}).status_code)
    assert statuses == [202] * 10 + [429]
