"""StatsigMiddleware: request.statsig, the stable-ID cookie and cache headers, sync and async."""

from __future__ import annotations

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.test import override_settings

from statsig_core.testing import capture_events
from statsig_core.web import BoundStatsig, is_valid_stable_id
from statsig_django.conf import get_settings
from statsig_django.middleware import StatsigMiddleware

COOKIE = "statsig_stable_id"
VALID_ID = "0b5e6a8e-6a8e-4b5e-9a8e-0b5e6a8e6a8e"


def _settings(**changes):
    from django.conf import settings

    return override_settings(STATSIG={**settings.STATSIG, **changes})


def test_middleware_is_hybrid_and_marks_itself_async_for_an_async_chain():
    async def get_response(request):
        return HttpResponse()

    assert StatsigMiddleware.sync_capable and StatsigMiddleware.async_capable
    assert iscoroutinefunction(StatsigMiddleware(get_response))
    assert not iscoroutinefunction(StatsigMiddleware(lambda request: HttpResponse()))


@pytest.mark.parametrize("path", ["/whoami/", "/awhoami/"])
def test_first_evaluation_mints_a_stable_id_cookie_with_safe_flags(client, path):
    response = client.get(path)
    cookie = response.cookies[COOKIE]
    assert is_valid_stable_id(cookie.value)
    assert response.json()["customIDs"] == {"stableID": cookie.value}
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    assert cookie["path"] == "/"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert response["Vary"] == "Cookie"


def test_cookie_is_secure_on_https(client):
    response = client.get("/whoami/", secure=True)
    assert response.cookies[COOKIE]["secure"] is True


@pytest.mark.asyncio
async def test_async_requests_get_the_same_cookie_treatment(async_client):
    response = await async_client.get("/awhoami/", secure=True)
    cookie = response.cookies[COOKIE]
    assert is_valid_stable_id(cookie.value) and cookie["secure"] and cookie["httponly"]
    assert response.json()["customIDs"]["stableID"] == cookie.value


def test_a_valid_cookie_is_kept_and_not_set_again(client):
    client.cookies[COOKIE] = VALID_ID
    response = client.get("/whoami/")
    assert response.json()["customIDs"] == {"stableID": VALID_ID}
    assert COOKIE not in response.cookies


@pytest.mark.parametrize(
    "value", ["not-a-uuid", "<script>", "0b5e6a8e-6a8e-1b5e-9a8e-0b5e6a8e6a8e"]
)
def test_an_invalid_cookie_is_replaced(client, value):
    client.cookies[COOKIE] = value
    response = client.get("/whoami/")
    minted = response.cookies[COOKIE].value
    assert minted != value and is_valid_stable_id(minted)
    assert response.json()["customIDs"] == {"stableID": minted}


def test_pages_that_evaluate_nothing_get_no_cookie_and_no_vary(client):
    response = client.get("/nothing/")
    assert COOKIE not in response.cookies
    assert not response.has_header("Vary")


def test_cookie_name_and_age_are_configurable(client):
    with _settings(STABLE_ID_COOKIE={"NAME": "sid", "AGE": 60, "DOMAIN": "testserver"}):
        response = client.get("/whoami/")
    cookie = response.cookies["sid"]
    assert cookie["max-age"] == 60 and cookie["domain"] == "testserver"
    assert COOKIE not in response.cookies


def test_disabled_cookie_means_no_stable_id(client):
    with _settings(STABLE_ID_COOKIE={"ENABLED": False}):
        response = client.get("/whoami/")
    assert "customIDs" not in response.json()
    assert not response.cookies


def no_consent(request):
    return request.COOKIES.get("consent") == "yes"


def test_without_consent_no_cookie_is_read_or_set_and_an_old_one_is_deleted(client):
    with _settings(STABLE_ID_COOKIE={"CONSENT": "tests.django.test_middleware.no_consent"}):
        fresh = client.get("/whoami/")
        assert not fresh.cookies and "customIDs" not in fresh.json()
        client.cookies[COOKIE] = VALID_ID
        withdrawn = client.get("/whoami/")
        assert "customIDs" not in withdrawn.json()
        assert withdrawn.cookies[COOKIE].value == ""
        assert withdrawn.cookies[COOKIE]["max-age"] == 0
        client.cookies["consent"] = "yes"
        client.cookies[COOKIE] = VALID_ID
        given = client.get("/whoami/")
    assert given.json()["customIDs"] == {"stableID": VALID_ID}


def test_a_failing_consent_callable_counts_as_no_consent(client):
    def broken(request):
        raise RuntimeError("consent service down")

    with _settings(STABLE_ID_COOKIE={"CONSENT": broken}):
        response = client.get("/whoami/")
    assert response.status_code == 200 and not response.cookies


def test_each_name_is_evaluated_and_exposed_once_per_request(client, statsig):
    with capture_events(statsig) as captured:
        response = client.get("/template/memo/")
        assert response.status_code == 200
        assert response.content.count(b"x") == 10
        assert len(captured.exposures("gate")) == 2  # public_gate and off_gate, once each
        assert len(captured.exposures("config")) == 1
    bound = response.wsgi_request.statsig
    names = [(e.kind, e.name) for e in bound.evaluations]
    assert names == [("gate", "public_gate"), ("config", "pricing"), ("gate", "off_gate")]


def test_each_request_evaluates_afresh(client, statsig):
    with capture_events(statsig) as captured:
        client.get("/check/public_gate/?times=5")
        client.get("/check/public_gate/?times=5")
        assert len(captured.exposures("gate")) == 1  # the client de-duplicates exposures
    first = client.get("/check/public_gate/").wsgi_request.statsig
    second = client.get("/check/public_gate/").wsgi_request.statsig
    assert first is not second and len(first.evaluations) == len(second.evaluations) == 1


def test_request_statsig_is_a_bound_client(client):
    request = client.get("/check/public_gate/").wsgi_request
    assert isinstance(request.statsig, BoundStatsig)


def test_nothing_raises_when_the_client_cannot_be_built(client):
    from statsig_django.client import reset_statsig

    with _settings(SERVER_SECRET="not-a-secret"):
        reset_statsig()
        page = client.get("/template/gates/")
        gated = client.get("/on/")
    reset_statsig()
    assert page.status_code == 200
    assert b"[public off]" in page.content and b"[off off]" in page.content
    assert gated.status_code == 404


def test_settings_are_reread_after_override_settings():
    with _settings(TRUSTED_PROXY_COUNT=2):
        assert get_settings().trusted_proxy_count == 2
    assert get_settings().trusted_proxy_count == 0


@pytest.mark.asyncio
async def test_an_async_first_request_builds_the_client_off_the_event_loop(
    async_client, monkeypatch
):
    import threading

    from statsig_django import client as client_module

    built_in = []
    real = client_module.build_client

    def recording_build(config):
        built_in.append(threading.get_ident())
        return real(config)

    client_module.reset_statsig()
    monkeypatch.setattr(client_module, "build_client", recording_build)
    response = await async_client.get("/aon/")
    assert response.status_code == 200
    assert built_in and built_in[0] != threading.get_ident()
