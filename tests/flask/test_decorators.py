"""@feature_gate and gate_blueprint: 404, redirects, fallbacks, negation, async views."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask

from statsig_flask import feature_gate, gate_blueprint
from tests.flask.helpers import events_of, names_of


@pytest.fixture
def views(app: Flask) -> Flask:
    @app.get("/home")
    def home() -> str:
        return "home"

    @app.get("/open")
    @feature_gate("beta")
    def open_page() -> str:
        return "new"

    @app.get("/closed")
    @feature_gate("closed")
    def closed_page() -> str:
        return "never"

    @app.get("/not-closed")
    @feature_gate("!closed")
    def negated() -> str:
        return "shown while closed is off"

    @app.get("/to-endpoint")
    @feature_gate("closed", redirect_to="home")
    def to_endpoint() -> str:
        return "never"

    @app.get("/to-url")
    @feature_gate("closed", redirect_to="https://example.com/waitlist")
    def to_url() -> str:
        return "never"

    def old_item(item: int) -> str:
        return f"old {item}"

    @app.get("/items/<int:item>")
    @feature_gate("closed", fallback=old_item)
    def new_item(item: int) -> str:
        return f"new {item}"

    @app.get("/forbidden")
    @feature_gate("closed", status=403)
    def forbidden() -> str:
        return "never"

    @app.get("/async")
    @feature_gate("beta")
    async def async_view() -> str:
        return "async new"

    async def async_fallback() -> str:
        return "async old"

    @app.get("/async-closed")
    @feature_gate("closed", fallback=async_fallback)
    async def async_closed() -> str:
        return "never"

    return app


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/open", 200, "new"),
        ("/not-closed", 200, "shown while closed is off"),
        ("/items/3", 200, "old 3"),
        ("/async", 200, "async new"),
        ("/async-closed", 200, "async old"),
    ],
)
def test_views_serve_the_gated_or_fallback_content(views: Flask, path: str, status: int, text: str):
    response = views.test_client().get(path)
    assert (response.status_code, response.text) == (status, text)


def test_a_closed_gate_is_a_404_by_default(views: Flask):
    assert views.test_client().get("/closed").status_code == 404


def test_the_status_can_be_changed(views: Flask):
    assert views.test_client().get("/forbidden").status_code == 403


def test_redirect_to_accepts_an_endpoint(views: Flask):
    response = views.test_client().get("/to-endpoint")
    assert (response.status_code, response.location) == (302, "/home")


def test_redirect_to_accepts_a_url(views: Flask):
    assert views.test_client().get("/to-url").location == "https://example.com/waitlist"


def test_the_decorator_logs_one_exposure_and_preserves_the_view_name(views: Flask):
    views.test_client().get("/open")
    assert names_of(events_of(views)) == ["beta"]
    assert views.view_functions["open_page"].__name__ == "open_page"


@pytest.mark.parametrize("name", ["", "!", None, 3])
def test_a_bad_gate_name_fails_at_import_time(name: object):
    with pytest.raises(TypeError, match="gate name"):
        feature_gate(name)  # type: ignore[arg-type]


def make_blueprint(prefix: str, **options: object) -> Blueprint:
    blueprint = Blueprint(prefix, __name__, url_prefix=f"/{prefix}")

    @blueprint.get("/<page>")
    def page(page: str) -> str:
        return f"{prefix} {page}"

    gate_blueprint(blueprint, **options)  # type: ignore[arg-type]
    return blueprint


def test_gate_blueprint_gates_every_view_of_the_blueprint(app: Flask):
    app.register_blueprint(make_blueprint("labs", name="beta"))
    app.register_blueprint(make_blueprint("secret", name="closed"))
    app.register_blueprint(make_blueprint("later", name="closed", redirect_to="/labs/home"))
    app.register_blueprint(
        make_blueprint("legacy", name="closed", fallback=lambda page: f"legacy {page}")
    )
    client = app.test_client()
    assert client.get("/labs/a").text == "labs a"
    assert client.get("/secret/a").status_code == 404
    assert client.get("/later/a").location == "/labs/home"
    assert client.get("/legacy/b").text == "legacy b"


def test_gate_blueprint_leaves_other_views_alone(app: Flask):
    app.register_blueprint(make_blueprint("secret", name="closed"))

    @app.get("/")
    def index() -> str:
        return "public"

    assert app.test_client().get("/").text == "public"
    assert names_of(events_of(app)) == []
