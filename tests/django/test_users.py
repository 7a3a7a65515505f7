"""Building the StatsigUser from a request: identity, trusted-proxy IP, UA, locale, builder."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.test import AsyncClient, RequestFactory, override_settings
from django.utils.functional import SimpleLazyObject

from statsig_core import StatsigUser
from statsig_django import users
from statsig_django.users import auth_user, build_user, default_user, resolve_auth_user


def _statsig(**changes):
    return override_settings(STATSIG={**settings.STATSIG, **changes})


def test_default_user_reads_ip_user_agent_and_accept_language(client):
    body = client.get(
        "/whoami/",
        HTTP_USER_AGENT="Mozilla/5.0 Test",
        HTTP_ACCEPT_LANGUAGE="de;q=0.5, fr-FR, en;q=0.8",
        REMOTE_ADDR="203.0.113.7",
    ).json()
    assert body["ip"] == "203.0.113.7"
    assert body["userAgent"] == "Mozilla/5.0 Test"
    assert body["locale"] == "fr-FR"
    assert "userID" not in body and "email" not in body


def test_locale_middleware_language_wins_over_accept_language(client):
    middleware = [*settings.MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]
    with override_settings(MIDDLEWARE=middleware, LANGUAGES=[("de", "German")]):
        body = client.get("/whoami/", HTTP_ACCEPT_LANGUAGE="de, fr;q=0.9").json()
    assert body["locale"] == "de"


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.1"),  # no trusted proxy: the header is the client's word
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the spoofed left entry is ignored
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.1"),  # fewer hops than proxies: not from the proxies
        (1, "not-an-ip", None),
    ],
)
def test_client_ip_trusts_forwarded_for_only_behind_trusted_proxies(
    client, trusted, forwarded_for, expected
):
    with _statsig(TRUSTED_PROXY_COUNT=trusted):
        body = client.get(
            "/whoami/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        ).json()
    assert body.get("ip") == expected


@pytest.mark.django_db
def test_authenticated_user_gives_user_id_and_email(client):
    user = User.objects.create_user("ada", email="ada@example.com")
    client.force_login(user)
    body = client.get("/whoami/").json()
    assert body["userID"] == str(user.pk)
    assert body["email"] == "ada@example.com"
    assert client.get("/members/").status_code == 200


@pytest.mark.django_db
def test_async_path_loads_the_user_with_auser_and_never_sync_orm(client):
    user = User.objects.create_user("grace", email="grace@example.com")
    client.force_login(user)

    async def fetch():
        async_client = AsyncClient()
        async_client.cookies = client.cookies
        whoami = await async_client.get("/awhoami/")
        members = await async_client.get("/members/")
        return whoami.json(), members.status_code

    body, members_status = async_to_sync(fetch)()
    assert body["userID"] == str(user.pk) and body["email"] == "grace@example.com"
    assert members_status == 200


def add_plan(request, user: StatsigUser) -> StatsigUser:
    return user.with_changes(custom={"plan": request.GET.get("plan", "free")})


def test_user_builder_extends_the_default_user(client):
    with _statsig(USER_BUILDER="tests.django.test_users.add_plan"):
        body = client.get("/whoami/?plan=pro", HTTP_USER_AGENT="UA").json()
    assert body["custom"] == {"plan": "pro"}
    assert body["userAgent"] == "UA" and "stableID" in body["customIDs"]


@pytest.mark.parametrize("builder", [lambda request, user: 1 / 0, lambda request, user: "nope"])
def test_a_broken_user_builder_falls_back_to_the_default_user(client, builder):
    with _statsig(USER_BUILDER=builder):
        body = client.get("/whoami/", HTTP_USER_AGENT="UA").json()
    assert body["userAgent"] == "UA"


def test_auth_user_prefers_a_user_assigned_directly_over_the_lazy_one():
    request = RequestFactory().get("/")
    drf_user = User(pk=7, username="token-user")
    request.user = drf_user  # what DRF's authentication does to the Django request
    assert auth_user(request) is drf_user
    lazy = RequestFactory().get("/")
    lazy.user = SimpleLazyObject(lambda: drf_user)
    assert auth_user(lazy) is lazy.user
    assert auth_user(RequestFactory().get("/")) is None


def test_inside_the_event_loop_an_unloaded_user_is_anonymous_not_a_sync_query(caplog):
    caplog.set_level(logging.WARNING, logger="statsig_django")
    request = RequestFactory().get("/")

    def explode():
        raise AssertionError("the sync ORM was touched inside the event loop")

    request.user = SimpleLazyObject(explode)
    users._warned_event_loop = False

    async def inside_loop():
        return auth_user(request)

    assert async_to_sync(inside_loop)() is None
    assert "treated as anonymous" in caplog.text


def test_resolve_auth_user_awaits_auser_once():
    request = RequestFactory().get("/")
    calls = []

    async def auser():
        calls.append(1)
        return AnonymousUser()

    request.auser = auser
    async_to_sync(resolve_auth_user)(request)
    async_to_sync(resolve_auth_user)(request)
    assert len(calls) == 1
    assert isinstance(auth_user(request), AnonymousUser)
    assert default_user(request).user_id is None


def test_build_user_puts_the_stable_id_in_custom_ids():
    request = RequestFactory().get("/")
    stable = "0b5e6a8e-6a8e-4b5e-9a8e-0b5e6a8e6a8e"
    assert build_user(request, stable).custom_ids == {"stableID": stable}
    assert build_user(request).custom_ids is None
