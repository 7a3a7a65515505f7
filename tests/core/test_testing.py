"""statsig_core.testing: overrides that restore exactly, and the captured-events sink."""

from __future__ import annotations

from statsig_core import StatsigUser
from statsig_core.testing import capture_events, overrides

from support.specs import cond, dcs, rule, spec

USER = StatsigUser(user_id="u", private_attributes={"secret": "s"})
PAYLOAD = dcs(gates={"beta": spec(rule(cond(), id="on"))})


def test_overrides_nest_and_restore(make_statsig):
    client = make_statsig(PAYLOAD)
    client.override_gate("beta", False, user_id="someone-else")
    with overrides(client, gates={"beta": False}, configs={"cfg": {"a": 1}}):
        assert client.check_gate(USER, "beta") is False
        with overrides(client, gates={"beta": True}):
            assert client.check_gate(USER, "beta") is True
        assert client.check_gate(USER, "beta") is False
        assert client.get_config(USER, "cfg").get("a") == 1
    assert client.check_gate(USER, "beta") is True
    assert client.check_gate(StatsigUser(user_id="someone-else"), "beta") is False


def test_captured_events_show_exposures_and_custom_events_without_private_attributes(
    make_statsig,
):
    client = make_statsig(PAYLOAD)
    with capture_events(client) as captured:
        client.check_gate(USER, "beta")
        client.log_event(USER, "purchase", 9.99, {"sku": "A1"})
        (exposure,) = captured.exposures("gate")
        assert exposure["metadata"]["gate"] == "beta"
        (purchase,) = captured.custom()
        assert purchase["value"] == 9.99 and purchase["metadata"] == {"sku": "A1"}
        assert "privateAttributes" not in purchase["user"]
        captured.clear()
        assert captured.events == []
