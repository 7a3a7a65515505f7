"""Faults and bad input from the API: the last good snapshot keeps serving, each failure kind is
logged once per streak and shows in ``health()``, and sync recovers by itself."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import orjson
import pytest

from statsig_core import StatsigUser
from statsig_core.evaluation.hashing import djb2

from support.fake_api import FakeStatsigApi
from support.specs import cond, dcs, rule, spec
from support.sync_fixtures import wait_until

USER = StatsigUser(user_id="u1")
MANY = 10_000  # faults queued: the streak lasts until the test clears them


def specs(time: int, rule_id: str, **extra: object) -> dict:
    return dcs(gates={"g": spec(rule(cond(), id=rule_id))}, time=time, **extra)


def serve_500(api: FakeStatsigApi) -> None:
    api.fail("specs", *[500] * MANY)


def serve_timeouts(api: FakeStatsigApi) -> None:
    api.timeout_sleep = 0.4
    api.fail("specs", *["timeout"] * MANY)


def serve_truncated(api: FakeStatsigApi) -> None:
    api.specs = specs(200, "bad")
    api.fail("specs", *["truncate"] * MANY)


def serve_401(api: FakeStatsigApi) -> None:
    api.fail("specs", *[401] * MANY)


def serve_403(api: FakeStatsigApi) -> None:
    api.fail("specs", *[403] * MANY)


def serve_other_key(api: FakeStatsigApi) -> None:
    api.specs = specs(200, "bad", hashed_sdk_key_used=djb2("secret-someone-else"))


def serve_older(api: FakeStatsigApi) -> None:
    api.specs_body = json.dumps(specs(50, "bad")).encode()


def serve_html(api: FakeStatsigApi) -> None:
    api.specs_body = b"<html><body>502 Bad Gateway</body></html>"


def serve_not_specs(api: FakeStatsigApi) -> None:
    api.specs_body = b'{"time": 300, "message": "maintenance"}'


@pytest.mark.parametrize(
    ("inject", "kind"),
    [
        (serve_500, "http_500"),
        (serve_timeouts, "timeout"),
        (serve_truncated, "bad_specs"),
        (serve_401, "unauthorized"),
        (serve_403, "unauthorized"),
        (serve_other_key, "wrong_key"),
        (serve_older, "stale"),
        (serve_html, "bad_specs"),
        (serve_not_specs, "bad_specs"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_a_failing_update_keeps_the_last_good_snapshot_logs_once_and_recovers(
    fake_api: FakeStatsigApi,
    networked: Callable,
    caplog: pytest.LogCaptureFixture,
    inject: Callable[[FakeStatsigApi], None],
    kind: str,
):
    fake_api.specs = specs(100, "good")
    client = networked(request_timeout=0.2, enable_id_lists=False)
    client.initialize(timeout=5)
    caplog.set_level(logging.INFO, logger="statsig_core")
    inject(fake_api)

    wait_until(lambda: client.health()["consecutive_failures"] >= 3, "a streak of failures")
    health = client.health()
    assert health["sync"]["specs"]["last_error"].startswith(f"{kind}:")
    assert (health["source"], health["lcut"]) == ("Network", 100)
    gate = client.get_feature_gate(USER, "g")
    assert (gate.rule_id, gate.evaluation_details.source, gate.evaluation_details.lcut) == (
        "good",
        "Network",
        100,
    )
    streak_logs = [r for r in caplog.records if f"failed ({kind})" in r.getMessage()]
    assert len(streak_logs) == 1 and streak_logs[0].levelno == logging.WARNING

    fake_api.clear_faults()
    fake_api.specs_body = None
    fake_api.specs = specs(400, "new")
    wait_until(lambda: client.get_feature_gate(USER, "g").rule_id == "new", "the new rules")
    wait_until(lambda: client.health()["consecutive_failures"] == 0, "the streak to end")
    assert "recovered after" in caplog.text


def test_has_updates_false_is_a_successful_no_op(fake_api: FakeStatsigApi, networked: Callable):
    fake_api.specs = specs(100, "good")
    client = networked(enable_id_lists=False)
    client.initialize(timeout=5)
    first_success = client.health()["last_successful_sync"]
    wait_until(lambda: len(fake_api.requests_to("specs")) >= 5, "several polls")
    wait_until(lambda: client.health()["last_successful_sync"] > first_success, "a later success")
    health = client.health()
    assert (health["consecutive_failures"], health["lcut"]) == (0, 100)
    assert client.get_feature_gate(USER, "g").evaluation_details.received_at is not None


def test_a_20_megabyte_specs_payload_loads(fake_api: FakeStatsigApi, networked: Callable):
    targets = [f"someone-{i:05d}@example.com" for i in range(720)]
    gates = {
        f"gate_{i:04d}": spec(rule(cond("user_field", "any", target=targets, field="email")))
        for i in range(1_000)
    }
    body = orjson.dumps(dcs(gates=gates, time=100))
    assert len(body) > 20_000_000
    fake_api.specs_body = body
    client = networked(enable_id_lists=False, request_timeout=30)
    details = client.initialize(timeout=60)
    assert (details.source, details.spec_count) == ("Network", 1_000)
    user = StatsigUser(user_id="x", email="someone-00042@example.com")
    received = client.get_feature_gate(user, "gate_0999").evaluation_details.received_at
    polls = len(fake_api.requests_to("specs"))
    wait_until(lambda: len(fake_api.requests_to("specs")) > polls + 2, "more polls")
    gate = client.get_feature_gate(user, "gate_0999")
    assert gate.value and gate.evaluation_details.received_at == received  # not recompiled
