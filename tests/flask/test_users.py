"""The request's StatsigUser: Flask-Login ids, trusted-proxy IP, UA, locale, stable-ID cookie."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask_login import LoginManager, UserMixin, login_user

from statsig_core import StatsigUser
from statsig_core.web import is_valid_stable_id
from statsig_flask import StatsigFlask, current_statsig
from statsig_flask.extension import get_state
from tests.flask.helpers import MakeApp

VALID_ID = "8d1c3a3e-2a6b-4c1d-9f0e-1234567890ab"


class Member(UserMixin):
    def __init__(self, user_id: str, email: str | None = None) -> None:
        self.id = user_id
        self.email = email


def user_of(app: Flask, path: str = "/", **request: object) -> StatsigUser:
    with app.test_request_context(path, **request):  # type: ignore[arg-type]
        return current_statsig.user


def add_user_view(app: Flask) -> None:
    @app.get("/")
    def index() -> str:
        return str(current_statsig.user.custom_ids)

    @app.get("/static-ish")
    def untouched() -> str:
        return "no checks here"


def set_cookie_header(response_headers: list[str], name: str = "statsig_stable_id") -> dict:
    for header in response_headers:
        cookie: SimpleCookie = SimpleCookie(header)
        if name in cookie:
            morsel = cookie[name]
            return {"value": morsel.value, "header": header}
    return {}


def test_request_attributes_reach_the_user(app: Flask):
    user = user_of(
        app,
        headers={"User-Agent": "Mozilla/5.0 Test", "Accept-Language": "de;q=0.5, fr-FR"},
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    assert user.ip == "198.51.100.4"
    assert user.user_agent == "Mozilla/5.0 Test"
    assert user.locale == "fr-FR"
    assert user.user_id is None


def test_forwarded_for_is_ignored_without_trusted_proxies(app: Flask):
    user = user_of(
        app, headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert user.ip == "10.0.0.1"


def test_trusted_proxies_are_counted_from_the_right(make_app: MakeApp):
    app = make_app(STATSIG_TRUSTED_PROXY_COUNT=1)
    user = user_of(
        app,
        headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"},  # the left entry is client-written
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert user.ip == "203.0.113.7"
    with app.test_request_context(
        headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    ):
        assert current_statsig.check_gate("office")


def test_flask_login_current_user_gives_id_and_email(app: Flask):
    manager = LoginManager(app)
    members = {"42": Member("42", "ann@vip.co")}
    manager.user_loader(members.get)

    @app.get("/login")
    def login() -> str:
        login_user(members["42"])
        return "ok"

    @app.get("/")
    def index() -> str:
        user = current_statsig.user
        return f"{user.user_id} {user.email} {current_statsig.check_gate('vip')}"

    client = app.test_client()
    assert client.get("/").text == "None None False"  # anonymous
    client.get("/login")
    assert client.get("/").text == "42 ann@vip.co True"


def test_a_new_visitor_gets_a_stable_id_cookie_with_safe_flags(app: Flask):
    add_user_view(app)
    response = app.test_client().get("/")
    cookie = set_cookie_header(response.headers.getlist("Set-Cookie"))
    assert is_valid_stable_id(cookie["value"])
    assert cookie["value"] in response.text  # the same id the checks used
    header = cookie["header"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=31536000" in header
    assert "Secure" not in header
    assert "Cookie" in response.headers["Vary"]


def test_the_cookie_is_secure_on_https(app: Flask):
    add_user_view(app)
    response = app.test_client().get("/", base_url="https://example.com")
    assert "Secure" in set_cookie_header(response.headers.getlist("Set-Cookie"))["header"]


def test_a_returning_visitor_keeps_their_id_and_gets_no_new_cookie(app: Flask):
    add_user_view(app)
    client = app.test_client()
    client.set_cookie("statsig_stable_id", VALID_ID)
    response = client.get("/")
    assert VALID_ID in response.text
    assert "Set-Cookie" not in response.headers


def test_a_forged_cookie_value_is_replaced(app: Flask):
    add_user_view(app)
    client = app.test_client()
    client.set_cookie("statsig_stable_id", "admin-bucket")
    response = client.get("/")
    assert "admin-bucket" not in response.text
    assert is_valid_stable_id(set_cookie_header(response.headers.getlist("Set-Cookie"))["value"])


def test_responses_that_checked_nothing_set_no_cookie(app: Flask):
    add_user_view(app)
    response = app.test_client().get("/static-ish")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


def test_cookie_name_age_and_domain_are_configurable(make_app: MakeApp):
    app = make_app(
        STATSIG_STABLE_ID_COOKIE_NAME="sid",
        STATSIG_STABLE_ID_COOKIE_MAX_AGE=3600,
        STATSIG_STABLE_ID_COOKIE_DOMAIN="example.com",
    )
    add_user_view(app)
    response = app.test_client().get("/")
    header = set_cookie_header(response.headers.getlist("Set-Cookie"), "sid")["header"]
    assert "Max-Age=3600" in header
    assert "Domain=example.com" in header


def test_with_the_cookie_disabled_no_stable_id_is_read_or_set(make_app: MakeApp):
    app = make_app(STATSIG_STABLE_ID_COOKIE_ENABLED=False)
    add_user_view(app)
    client = app.test_client()
    client.set_cookie("statsig_stable_id", VALID_ID)
    response = client.get("/")
    assert response.text == "None"
    assert "Set-Cookie" not in response.headers


def test_withdrawn_consent_reads_nothing_and_deletes_the_cookie(make_app: MakeApp):
    app = make_app(STATSIG_STABLE_ID_COOKIE_CONSENT=lambda: False)
    add_user_view(app)
    client = app.test_client()
    client.set_cookie("statsig_stable_id", VALID_ID)
    response = client.get("/")
    assert response.text == "None"
    assert response.headers["Set-Cookie"].startswith("statsig_stable_id=;")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert client.get_cookie("statsig_stable_id") is None


def test_consent_is_asked_within_the_request(make_app: MakeApp):
    from flask import request

    app = make_app(STATSIG_STABLE_ID_COOKIE_CONSENT=lambda: request.cookies.get("ok") == "1")
    add_user_view(app)
    client = app.test_client()
    assert "Set-Cookie" not in client.get("/").headers
    client.set_cookie("ok", "1")
    assert "statsig_stable_id" in client.get("/").headers["Set-Cookie"]


def test_a_failing_consent_callable_counts_as_no_consent(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
):
    app = make_app(STATSIG_STABLE_ID_COOKIE_CONSENT=lambda: 1 / 0)
    add_user_view(app)
    assert app.test_client().get("/").text == "None"
    assert "CONSENT failed" in caplog.text


def test_the_user_loader_decorator_customises_the_user(make_app: MakeApp):
    app = make_app()
    statsig: StatsigFlask = get_state(app).extension

    @statsig.user_loader
    def load(default: StatsigUser) -> StatsigUser:
        return default.with_changes(user_id="42", custom={"plan": "pro"})

    user = user_of(app, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert (user.user_id, user.custom, user.ip) == ("42", {"plan": "pro"}, "198.51.100.4")


def test_the_config_user_loader_wins_over_the_decorator(make_app: MakeApp):
    app = make_app(STATSIG_USER_LOADER=lambda default: default.with_changes(user_id="config"))
    get_state(app).extension.user_loader(lambda default: default.with_changes(user_id="deco"))
    assert user_of(app).user_id == "config"


def test_a_loader_with_the_wrong_signature_is_refused_at_decoration():
    with pytest.raises(TypeError, match="user_loader"):
        StatsigFlask().user_loader(lambda: StatsigUser())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "loader",
    [lambda default: 1 / 0, lambda default: {"userID": "x"}],
    ids=["raises", "wrong-type"],
)
def test_a_failing_loader_falls_back_to_the_default_user(
    make_app: MakeApp, loader: object, caplog: pytest.LogCaptureFixture
):
    app = make_app(STATSIG_USER_LOADER=loader)
    user = user_of(app, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert user.ip == "198.51.100.4"
    assert "user loader" in caplog.text


def test_vary_cookie_joins_an_existing_vary_header_once(app: Flask):
    @app.get("/")
    def index() -> tuple[str, dict[str, str]]:
        current_statsig.check_gate("beta")
        return "ok", {"Vary": "Accept-Encoding"}

    @app.get("/cookie")
    def already() -> tuple[str, dict[str, str]]:
        current_statsig.check_gate("beta")
        return "ok", {"Vary": "cookie"}

    client = app.test_client()
    assert client.get("/").headers["Vary"] == "Accept-Encoding, Cookie"
    assert client.get("/cookie").headers["Vary"] == "cookie"
