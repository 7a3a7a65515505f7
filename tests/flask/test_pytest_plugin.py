"""The statsig_flask pytest plugin: fixtures registered through the pytest11 entry point."""

from __future__ import annotations

import pytest
from flask import Flask

from statsig_core.testing import CapturedEvents
from statsig_flask import current_statsig, feature_gate
from statsig_flask.testing import Overrides


@pytest.fixture
def page(app: Flask) -> Flask:
    @app.get("/")
    @feature_gate("closed")
    def index() -> str:
        return str(current_statsig.get_config("pricing").get("price"))

    return app


def test_the_plugin_is_registered(pytestconfig: pytest.Config):
    assert pytestconfig.pluginmanager.has_plugin("statsig_flask")


def test_overrides_fixture_forces_values_for_the_test(
    page: Flask, statsig_flask_overrides: Overrides
):
    statsig_flask_overrides.gate("closed", True)
    statsig_flask_overrides.config("pricing", {"price": "7"})
    assert page.test_client().get("/").text == "7"


def test_overrides_from_the_previous_test_are_gone(page: Flask):
    assert page.test_client().get("/").status_code == 404


def test_events_fixture_captures_the_tests_events(
    page: Flask, statsig_flask_overrides: Overrides, statsig_flask_events: CapturedEvents
):
    statsig_flask_overrides.gate("closed", True)
    page.test_client().get("/")
    assert [e["metadata"]["gate"] for e in statsig_flask_events.exposures("gate")] == ["closed"]
    assert len(statsig_flask_events.exposures("config")) == 1
