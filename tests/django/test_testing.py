"""statsig_django.testing: overrides as context manager, decorator and class decorator."""

from __future__ import annotations

import pytest
from django.test import SimpleTestCase

from statsig_core import StatsigUser
from statsig_django.client import get_statsig
from statsig_django.testing import (
    capture_events,
    override_config,
    override_experiment,
    override_gate,
    override_layer,
)

USER = StatsigUser(user_id="7")


def gate(name: str) -> bool:
    return get_statsig().check_gate(USER, name)


def test_context_manager_forces_and_restores():
    with override_gate("off_gate", True):
        assert gate("off_gate") is True
        with override_gate("off_gate", False):
            assert gate("off_gate") is False
        assert gate("off_gate") is True
    assert gate("off_gate") is False


def test_every_kind_can_be_overridden():
    client = get_statsig()
    with (
        override_config("pricing", {"price": 1}),
        override_experiment("checkout_copy", {"headline": "Hi"}),
        override_layer("checkout_layer", {"button_color": "red"}),
    ):
        assert client.get_config(USER, "pricing").get("price") == 1
        assert client.get_experiment(USER, "checkout_copy").get("headline") == "Hi"
        assert client.get_layer(USER, "checkout_layer").get("button_color") == "red"
    assert client.get_config(USER, "pricing").get("price") == 12.5


def test_override_for_one_user_only():
    with override_gate("off_gate", True, user_id="7"):
        assert gate("off_gate") is True
        assert get_statsig().check_gate(StatsigUser(user_id="8"), "off_gate") is False


@override_gate("off_gate", True)
def test_function_decorator():
    assert gate("off_gate") is True


@pytest.mark.asyncio
@override_gate("off_gate", True)
async def test_async_function_decorator(async_client):
    assert (await async_client.get("/off/")).status_code == 200


def test_decorated_function_restores_afterwards():
    assert gate("off_gate") is False


@override_gate("off_gate", True)
@override_experiment("checkout_copy", {"headline": "Class-wide"})
class ClassDecoratorTests(SimpleTestCase):
    def test_view_sees_the_overrides(self):
        self.assertEqual(self.client.get("/off/").status_code, 200)
        self.assertEqual(self.client.get("/experiment/param/").content, b"Class-wide")

    def test_still_applied_to_every_test(self):
        self.assertTrue(gate("off_gate"))


def test_class_decorator_restored_after_the_class():
    assert gate("off_gate") is False


def test_overrides_show_as_local_overrides_in_views(client):
    with override_gate("off_gate", True):
        request = client.get("/check/off_gate/").wsgi_request
    assert request.statsig.evaluations[0].reason.endswith("LocalOverride")


def test_capture_events_collects_exposures_and_custom_events(client):
    with capture_events() as events:
        client.get("/check/public_gate/")
        client.post(
            "/statsig/log_event",
            '{"events": [{"eventName": "clicked"}]}',
            content_type="application/json",
        )
        assert [e["metadata"]["gate"] for e in events.exposures("gate")] == ["public_gate"]
        assert [e["eventName"] for e in events.custom()] == ["clicked"]
