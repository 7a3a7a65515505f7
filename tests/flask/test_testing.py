"""statsig_flask.testing: overrides as context managers and decorators, captured events."""

from __future__ import annotations

import asyncio

import pytest
from flask import Flask

from statsig_core import StatsigUser
from statsig_flask import current_statsig, feature_gate
from statsig_flask.extension import get_state
from statsig_flask.testing import (
    Overrides,
    captured_events,
    override,
    override_config,
    override_experiment,
    override_gate,
    override_layer,
)


@pytest.fixture
def gated(app: Flask) -> Flask:
    @app.get("/closed")
    @feature_gate("closed")
    def closed_page() -> str:
        return "open now"

    @app.get("/values")
    def values() -> str:
        return " ".join(
            str(v)
            for v in (
                current_statsig.get_config("pricing").get("price"),
                current_statsig.get_experiment("copy_test").get("headline"),
                current_statsig.get_layer("layout").get("color"),
            )
        )

    return app


def test_override_gate_as_a_context_manager_restores_the_gate(gated: Flask):
    client = gated.test_client()
    with override_gate("closed", True, app=gated):
        assert client.get("/closed").text == "open now"
    assert client.get("/closed").status_code == 404


def test_overrides_nest_and_unwind_in_order(gated: Flask):
    client = gated.test_client()
    with override_gate("closed", True, app=gated):
        with override_gate("closed", False, app=gated):
            assert client.get("/closed").status_code == 404
        assert client.get("/closed").status_code == 200
    assert client.get("/closed").status_code == 404


def test_override_gate_as_a_decorator_resolves_the_app_on_entry(gated: Flask):
    @override_gate("closed", True)
    def in_app_context() -> bool:
        return current_statsig.check_gate("closed")

    with gated.test_request_context("/"):
        assert in_app_context() is True
    with gated.test_request_context("/"):
        assert current_statsig.check_gate("closed") is False


def test_async_functions_keep_their_override_until_they_finish(gated: Flask):
    @override_gate("closed", True, app=gated)
    async def check_later() -> bool:
        await asyncio.sleep(0)
        return get_state(gated).client.check_gate(StatsigUser(user_id="u"), "closed")

    assert asyncio.run(check_later()) is True
    assert get_state(gated).client.check_gate(StatsigUser(user_id="u"), "closed") is False


def test_config_experiment_and_layer_overrides(gated: Flask):
    client = gated.test_client()
    with (
        override_config("pricing", {"price": 1}, app=gated),
        override_experiment("copy_test", {"headline": "Hi"}, app=gated),
        override_layer("layout", {"color": "red"}, app=gated),
    ):
        assert client.get("/values").text == "1 Hi red"
    assert client.get("/values").text == "5 Buy now blue"


def test_an_override_can_target_one_user(gated: Flask):
    statsig = get_state(gated).client
    with override(gates={"closed": True}, user_id="42", app=gated):
        assert statsig.check_gate(StatsigUser(user_id="42"), "closed") is True
        assert statsig.check_gate(StatsigUser(user_id="7"), "closed") is False


def test_without_an_app_or_app_context_the_app_must_be_named(gated: Flask):
    with pytest.raises(RuntimeError, match="pass app="), override_gate("closed", True):
        pass


def test_captured_events_sees_this_blocks_exposures_afresh(gated: Flask):
    client = gated.test_client()
    client.get("/closed")
    with captured_events(gated) as captured:
        client.get("/closed")  # already exposed before the block: logged again here
        get_state(gated).client.log_event(StatsigUser(user_id="u"), "purchase", 9.5)
        assert [e["metadata"]["gate"] for e in captured.exposures("gate")] == ["closed"]
        assert [e["eventName"] for e in captured.custom()] == ["purchase"]


def test_overrides_object_undoes_everything_it_forced(gated: Flask):
    forced = Overrides(gated)
    forced.gate("closed", True)
    forced.config("pricing", {"price": 2})
    forced.layer("layout", {"color": "green"})
    client = gated.test_client()
    assert client.get("/closed").status_code == 200
    assert client.get("/values").text == "2 Buy now green"
    forced.undo()
    assert client.get("/closed").status_code == 404
    assert client.get("/values").text == "5 Buy now blue"
