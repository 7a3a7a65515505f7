"""The opt-in endpoints: initialize (read-only, uncached) and log_event (CSRF, limits)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings

from statsig_core.testing import capture_events
from statsig_django.views import intake

STABLE = "0b5e6a8e-6a8e-4b5e-9a8e-0b5e6a8e6a8e"


def _statsig(**changes):
    return override_settings(STATSIG={**settings.STATSIG, **changes})


def _log_event(limits=None):
    return _statsig(LOG_EVENT={"CSRF_EXEMPT": True, **(limits or {})})


@pytest.fixture(autouse=True)
def _fresh_buckets():
    intake.clear()


def post(client, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/statsig/log_event", data, content_type="application/json", **extra)


# -- initialize ------------------------------------------------------------------------------


@pytest.fixture
def bootstrap_ready(statsig):
    if not hasattr(statsig, "get_client_initialize_response"):
        pytest.skip("Statsig.get_client_initialize_response is not in statsig_core yet")


def test_initialize_returns_the_visitors_values_uncached(client, bootstrap_ready):
    client.cookies["statsig_stable_id"] = STABLE
    response = client.post("/statsig/initialize", {"hash": "none"}, content_type="application/json")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["feature_gates"]["public_gate"]["value"] is True
    assert body["user"]["customIDs"] == {"stableID": STABLE}


def test_initialize_is_read_only_so_needs_no_csrf_token(bootstrap_ready):
    assert Client(enforce_csrf_checks=True).post("/statsig/initialize").status_code == 200
    assert Client().put("/statsig/initialize").status_code == 405


def test_initialize_honours_client_names(client, bootstrap_ready):
    with _statsig(CLIENT_NAMES=["public_gate"], BOOTSTRAP_HASH="none"):
        body = client.get("/statsig/initialize").json()
    assert list(body["feature_gates"]) == ["public_gate"]
    assert body["dynamic_configs"] == {} and body["layer_configs"] == {}


def test_initialize_without_statsig_is_a_503(client):
    from statsig_django.client import reset_statsig

    with _statsig(OPTIONS={"no_such_option": True}):
        reset_statsig()
        response = client.get("/statsig/initialize")
    assert response.status_code == 503 and "no-store" in response["Cache-Control"]


# -- log_event -------------------------------------------------------------------------------


def test_log_event_accepts_events_for_the_requests_user(client, statsig):
    client.cookies["statsig_stable_id"] = STABLE
    body = {
        "events": [
            {"eventName": "add_to_cart", "value": 3, "metadata": {"sku": "A1", "qty": 2}},
            {"eventName": "purchase", "value": "19.99", "user": {"userID": "admin"}},
        ]
    }
    with _log_event(), capture_events(statsig) as captured:
        response = post(client, body)
        assert response.status_code == 202 and response.json()["accepted"] == 2
        events = captured.custom()
    assert [e["eventName"] for e in events] == ["add_to_cart", "purchase"]
    assert events[0]["metadata"] == {"sku": "A1", "qty": 2}
    for event in events:
        assert "userID" not in event["user"]  # the browser's claim is ignored
        assert event["user"]["customIDs"] == {"stableID": STABLE}


def test_nested_metadata_from_the_browser_sdk_is_dropped_not_refused(client, statsig):
    """The official SDK adds its own nested diagnostics (``bootstrapMetadata``) to events."""
    body = {
        "events": [
            {
                "eventName": "statsig::gate_exposure",
                "metadata": {"gate": "g", "bootstrapMetadata": {"generatorSDKInfo": {}}},
            }
        ]
    }
    with _log_event(), capture_events(statsig) as captured:
        assert post(client, body).status_code == 202
        (event,) = captured.named("statsig::gate_exposure")
    assert event["metadata"] == {"gate": "g"}


def test_log_event_requires_a_csrf_token_by_default(statsig):
    client = Client(enforce_csrf_checks=True)
    assert post(client, {"events": []}).status_code == 403
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    assert post(client, {"events": []}, HTTP_X_CSRFTOKEN=token).status_code == 202


def test_csrf_exempt_setting_lets_token_less_clients_post():
    with _log_event():
        assert post(Client(enforce_csrf_checks=True), {"events": []}).status_code == 202


def test_log_event_is_post_only(client):
    assert client.get("/statsig/log_event").status_code == 405
    assert client.get("/statsig/rgstr").status_code == 405


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "must be JSON"),
        ({"event": []}, '{"events": [...]}'),
        ({"events": ["x"]}, "must be an object"),
        ({"events": [{"eventName": ""}]}, "eventName"),
        ({"events": [{"eventName": "x" * 129}]}, "eventName"),
        ({"events": [{"eventName": "e", "value": {"a": 1}}]}, "value"),
        ({"events": [{"eventName": "e", "metadata": ["a"]}]}, "metadata"),
        ({"events": [{"eventName": "e", "metadata": {"k": "v" * 2000}}]}, "metadata['k']"),
    ],
)
def test_invalid_bodies_are_rejected(client, body, message):
    with _log_event():
        response = post(client, body)
    assert response.status_code == 400 and message in response.json()["error"]


def test_body_size_limit(client):
    with _log_event({"MAX_BYTES": 200}):
        big = {"events": [{"eventName": "e", "metadata": {"k": "v" * 300}}]}
        assert post(client, big).status_code == 413


def test_event_count_limit(client):
    with _log_event({"MAX_EVENTS": 2}):
        response = post(client, {"events": [{"eventName": "e"}] * 3})
    assert response.status_code == 400 and "at most 2 events" in response.json()["error"]


def test_rate_limit_per_visitor_with_retry_after(client):
    client.cookies["statsig_stable_id"] = STABLE
    with _log_event({"BURST": 5, "RATE": 60}):
        assert post(client, {"events": [{"eventName": "e"}] * 5}).status_code == 202
        limited = post(client, {"events": [{"eventName": "e"}]})
    assert limited.status_code == 429 and limited["Retry-After"] == "1"


def test_new_visitors_on_one_ip_share_the_larger_ip_bucket(client):
    with _log_event({"BURST": 1, "RATE": 0}):
        statuses = []
        for _ in range(11):
            client.cookies.clear()  # a fresh visitor (or a client dropping cookies) each time
            statuses.append(post(client, {"events": [{"eventName": "e"}]}).status_code)
    assert statuses == [202] * 10 + [429]


@pytest.mark.asyncio
async def test_log_event_under_asgi(async_client):
    with _log_event():
        response = await async_client.post(
            "/statsig/rgstr",
            json.dumps({"events": [{"eventName": "e"}]}),
            content_type="application/json",
        )
    assert response.status_code == 202
