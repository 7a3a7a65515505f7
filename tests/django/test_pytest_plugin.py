"""The pytest11 plugin's fixtures, used exactly as a project would use them."""

from __future__ import annotations


def test_plugin_is_registered_through_its_entry_point(request):
    assert request.config.pluginmanager.has_plugin("statsig_django")


def test_statsig_overrides_fixture(client, statsig_overrides):
    statsig_overrides.gate("off_gate", True)
    statsig_overrides.experiment("checkout_copy", {"headline": "Fixture"})
    statsig_overrides.layer("checkout_layer", {"button_color": "black"})
    statsig_overrides.config("pricing", {"price": 0})
    assert client.get("/off/").status_code == 200
    assert client.get("/experiment/param/").content == b"Fixture"
    body = client.get("/template/values/").content
    assert b"color=black" in body and b"price=0" in body


def test_overrides_from_the_previous_test_are_gone(client):
    assert client.get("/off/").status_code == 404


def test_statsig_events_fixture(client, statsig_events):
    client.get("/check/public_gate/")
    client.get("/experiment/object/")
    assert len(statsig_events.exposures("gate")) == 1
    assert len(statsig_events.exposures("config")) == 1
