"""Every system check id, and a clean bill of health for the test settings."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.checks import Error, Warning, run_checks
from django.test import override_settings

from statsig_django.checks import check_middleware, check_overrides_page, check_settings
from statsig_django.middleware import StatsigMiddleware

AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
OURS = "statsig_django.middleware.StatsigMiddleware"
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
urlpatterns: list = []  # a URLconf that does not route the overrides page


def ids(**statsig) -> list[str]:
    with override_settings(STATSIG=statsig):
        return [message.id for message in check_settings()]


def good_builder(request, user):
    return user


def one_argument(request):
    return True


def test_the_test_settings_pass_every_check():
    assert run_checks(tags=["statsig"]) == []


def test_e001_statsig_must_be_a_dict():
    with override_settings(STATSIG=["SERVER_SECRET"]):
        messages = check_settings()
    assert [m.id for m in messages] == ["statsig_django.E001"]
    assert isinstance(messages[0], Error)


@pytest.mark.parametrize(
    ("statsig", "expected"),
    [
        ({"SPECS_FILE": __file__, "SERVR_SECRET": "secret-x"}, "E002"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"NAM": "x"}}, "E002"),
        ({"SPECS_FILE": __file__, "LOG_EVENT": {"RATE_LIMIT": 5}}, "E002"),
        ({"SERVER_SECRET": "client-abc"}, "E003"),
        ({"SERVER_SECRET": 123}, "E003"),
        ({"SPECS_FILE": __file__, "CLIENT_KEY": "secret-oops"}, "E004"),
        ({"SPECS_FILE": __file__, "CLIENT_KEY": "abc"}, "E005"),
        ({"SPECS_FILE": "/does/not/exist.json"}, "E006"),
        ({"SPECS_FILE": __file__, "EVENT_TRANSPORT": "kafka"}, "E007"),
        ({"SPECS_FILE": __file__, "USER_BUILDER": "no.such.module.build"}, "E009"),
        ({"SPECS_FILE": __file__, "USER_BUILDER": "tests.django.test_checks.one_argument"}, "E009"),
        ({"SPECS_FILE": __file__, "USER_BUILDER": 42}, "E009"),
        ({"SPECS_FILE": __file__, "TRUSTED_PROXY_COUNT": -1}, "E010"),
        ({"SPECS_FILE": __file__, "TRUSTED_PROXY_COUNT": "1"}, "E010"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": "yes"}, "E011"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"NAME": "bad name;"}}, "E011"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"AGE": 1.5}}, "E011"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"ENABLED": "no"}}, "E011"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"DOMAIN": 1}}, "E011"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"CONSENT": "nope.nope"}}, "E011"),
        ({"SPECS_FILE": __file__, "STABLE_ID_COOKIE": {"CONSENT": good_builder}}, "E011"),
        ({"SPECS_FILE": __file__, "INIT_TIMEOUT": -2}, "E012"),
        ({"SPECS_FILE": __file__, "OPTIONS": "fast"}, "E013"),
        ({"SPECS_FILE": __file__, "OPTIONS": {"not_an_option": 1}}, "E013"),
        ({"SPECS_FILE": __file__, "OPTIONS": {"environment": "staging"}}, "E013"),
        ({"SPECS_FILE": __file__, "BOOTSTRAP_HASH": "md5"}, "E015"),
        ({"SPECS_FILE": __file__, "CLIENT_NAMES": "gate_a"}, "E016"),
        ({"SPECS_FILE": __file__, "CLIENT_NAMES": ["ok", 3]}, "E016"),
        ({"SPECS_FILE": __file__, "LOG_EVENT": []}, "E017"),
        ({"SPECS_FILE": __file__, "LOG_EVENT": {"MAX_BYTES": 0}}, "E017"),
        ({"SPECS_FILE": __file__, "LOG_EVENT": {"RATE": "fast"}}, "E017"),
        ({"SPECS_FILE": __file__, "ENVIRONMENT": ["prod"]}, "E018"),
        ({"SPECS_FILE": __file__, "CLIENT_SCRIPT_URL": 1}, "E018"),
        ({"SPECS_FILE": __file__, "INIT_AT_STARTUP": "yes"}, "E018"),
        ({"SPECS_FILE": __file__, "CLIENT_OPTIONS": "{}"}, "E018"),
        ({}, "W002"),
        ({"SPECS_FILE": __file__, "LOG_EVENT": {"CSRF_EXEMPT": True}}, "W003"),
    ],
)
def test_each_problem_has_its_stable_id(statsig, expected):
    assert f"statsig_django.{expected}" in ids(**statsig)


def test_e008_celery_transport_without_celery(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "celery" else real(name, *a)
    )
    assert "statsig_django.E008" in ids(SPECS_FILE=__file__, EVENT_TRANSPORT="celery")


def test_valid_settings_have_no_problems():
    assert (
        ids(
            SERVER_SECRET="secret-abc",
            CLIENT_KEY="client-abc",
            ENVIRONMENT="staging",
            USER_BUILDER="tests.django.test_checks.good_builder",
            EVENT_TRANSPORT="celery",
            TRUSTED_PROXY_COUNT=1,
            STABLE_ID_COOKIE={"NAME": "sid", "AGE": 60, "CONSENT": one_argument},
            INIT_TIMEOUT=0.5,
            BOOTSTRAP_HASH="none",
            CLIENT_NAMES=["a", "b"],
            LOG_EVENT={"MAX_EVENTS": 10, "RATE": 0},
            OPTIONS={"api": "http://127.0.0.1:1"},
        )
        == []
    )


def test_specs_from_options_silence_w002():
    assert ids(OPTIONS={"bootstrap_values": {"feature_gates": {}}}) == []


def test_w001_middleware_not_installed():
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != OURS]):
        messages = check_middleware()
    assert [m.id for m in messages] == ["statsig_django.W001"]
    assert isinstance(messages[0], Warning)


def test_e014_middleware_before_authentication():
    order = [m for m in settings.MIDDLEWARE if m not in (AUTH, OURS)] + [OURS, AUTH]
    with override_settings(MIDDLEWARE=order):
        assert [m.id for m in check_middleware()] == ["statsig_django.E014"]


class OurSubclass(StatsigMiddleware):
    pass


class AuthSubclass(AuthenticationMiddleware):
    pass


def test_subclasses_are_recognised():
    order = [
        "tests.django.test_checks.OurSubclass",
        "tests.django.test_checks.AuthSubclass",
    ]
    with override_settings(MIDDLEWARE=order):
        assert [m.id for m in check_middleware()] == ["statsig_django.E014"]


@pytest.mark.parametrize(
    "changes",
    [
        {"MIDDLEWARE": [m for m in settings.MIDDLEWARE if m != SESSIONS]},
        {"INSTALLED_APPS": [a for a in settings.INSTALLED_APPS if a != "django.contrib.sessions"]},
    ],
)
def test_w004_overrides_page_routed_without_sessions(changes):
    with override_settings(**changes):
        messages = check_overrides_page()
        assert [m.id for m in messages] == ["statsig_django.W004"]
        assert isinstance(messages[0], Warning)
        with override_settings(ROOT_URLCONF="tests.django.test_checks"):
            assert check_overrides_page() == []
