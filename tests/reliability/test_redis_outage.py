"""Redis as the shared specs cache, against the real server through a cuttable proxy: down at
start, down mid-run, back again. Clients keep serving good rules throughout and say where their
rules came from; N web processes cost one API call per refresh while Redis is up."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser
from statsig_core.data_stores.base import StoreKeys, key_hash
from statsig_core.data_stores.redis import RedisDataStore
from statsig_core.data_stores.refresh import main, refresh_data_store

from support.fake_api import FakeStatsigApi
from support.specs import cond, dcs, rule, spec
from support.sync_fixtures import wait_until
from support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.services
USER = StatsigUser(user_id="u1")


def specs(time: int, rule_id: str) -> dict:
    return dcs(gates={"g": spec(rule(cond(), id=rule_id))}, time=time)


@pytest.fixture
def secret(redis_server: tuple[str, int]) -> Iterator[str]:
    """A secret per test; its keys are deleted from the shared Redis afterwards."""
    import redis

    value = f"secret-{uuid.uuid4().hex}"
    yield value
    direct = redis.Redis(host=redis_server[0], port=redis_server[1])
    for found in direct.scan_iter(match=f"statsig|*{key_hash(value)}*"):
        direct.delete(found)
    direct.close()


@pytest.fixture
def proxy(redis_server: tuple[str, int]) -> Iterator[TcpProxy]:
    with TcpProxy(*redis_server) as running:
        yield running


def redis_store(proxy: TcpProxy, **kwargs: object) -> RedisDataStore:
    """A web process's store, through the proxy. The 1 s timeout bounds a "hang" outage while
    leaving room for a loaded CI machine, where 0.2 s once failed a healthy read."""
    return RedisDataStore(f"redis://{proxy.host}:{proxy.port}/0", timeout=1.0, **kwargs)  # type: ignore[arg-type]


def direct_store(redis_server: tuple[str, int]) -> RedisDataStore:
    """Straight to Redis with a relaxed timeout: what stands for the refresh task in another
    process, whose own link is not under test (a busy machine must not fail its writes)."""
    host, port = redis_server
    return RedisDataStore(f"redis://{host}:{port}/0", timeout=5)


def rule_of(client: Statsig) -> tuple[str, str]:
    gate = client.get_feature_gate(USER, "g")
    return gate.rule_id, gate.evaluation_details.source


def refresh(api: FakeStatsigApi, secret: str, redis_server: tuple[str, int]) -> None:
    result = refresh_data_store(secret, direct_store(redis_server), StatsigOptions(api=api.url))
    assert result.errors == []


def test_api_down_at_start_boots_from_redis(
    fake_api: FakeStatsigApi, networked, proxy, secret, redis_server
):
    fake_api.specs = specs(100, "cached")
    refresh(fake_api, secret, redis_server)
    client = networked(secret, api="http://127.0.0.1:9", data_store=redis_store(proxy))
    details = client.initialize(timeout=2)
    assert (details.source, details.timed_out) == ("DataStore", False)
    assert rule_of(client) == ("cached", "DataStore")
    assert "connection" in client.health()["sync"]["specs"]["last_error"]


def test_redis_down_at_start_falls_back_to_the_network_then_redis_takes_over(
    fake_api: FakeStatsigApi, networked, proxy, secret, caplog, redis_server
):
    caplog.set_level(logging.WARNING, logger="statsig_core")
    fake_api.specs = specs(100, "network")
    proxy.cut()
    client = networked(secret, data_store=redis_store(proxy, use_for_polling=True))
    assert client.initialize(timeout=5).source == "Network"
    assert rule_of(client) == ("network", "Network")
    wait_until(
        lambda: client.health()["sync"]["data_store"]["specs"]["consecutive_failures"] >= 3, "fails"
    )
    assert caplog.text.count("data store (specs) failed (data_store)") == 1

    proxy.restore()
    wait_until(
        lambda: client.health()["sync"]["data_store"]["specs"]["consecutive_failures"] == 0, "ok"
    )
    key = StoreKeys.for_secret(secret).specs
    direct_store(redis_server).set(key, json.dumps(specs(200, "refreshed")))  # a refresh task
    wait_until(lambda: rule_of(client) == ("refreshed", "DataStore"), "the Redis poll")


@pytest.mark.parametrize("outage", ["reset", "hang"])
def test_redis_down_mid_run_keeps_good_rules_and_recovers(
    fake_api: FakeStatsigApi, networked, proxy, secret, outage, redis_server
):
    fake_api.specs = specs(100, "first")
    refresh(fake_api, secret, redis_server)
    clients = [
        networked(secret, data_store=redis_store(proxy, use_for_polling=True)) for _ in range(3)
    ]
    for client in clients:
        assert client.initialize(timeout=5).source == "DataStore"
    assert fake_api.requests_to("specs") and len(fake_api.requests_to("specs")) == 1

    proxy.cut(outage)
    for client in clients:
        wait_until(
            lambda c=client: c.health()["sync"]["data_store"]["specs"]["consecutive_failures"],
            "a failure",
        )
        assert rule_of(client)[0] == "first"  # last good rules keep serving
    fake_api.specs = specs(200, "during")  # a console change while Redis is down
    for client in clients:
        wait_until(lambda c=client: rule_of(c) == ("during", "Network"), "the network fallback")

    proxy.restore()
    marker, writer = json.dumps(specs(250, "back")), direct_store(redis_server)
    key = StoreKeys.for_secret(secret).specs

    def all_read_the_marker() -> bool:
        # Re-written each time: a client's write-through from the outage may land after ours
        # (readers never go back in time; the next refresh repairs the store).
        writer.set(key, marker)
        return all(rule_of(c) == ("back", "DataStore") for c in clients)

    wait_until(all_read_the_marker, "every specs poller reading Redis again")
    fake_api.specs = specs(300, "after")
    refresh(fake_api, secret, redis_server)
    for client in clients:
        # Usually read from Redis; a poll that failed in between falls back to the API, which
        # already serves the same version, and a same-version store read then changes nothing.
        wait_until(lambda c=client: rule_of(c)[0] == "after", "the refreshed rules")
    calls = len(fake_api.requests_to("specs"))
    polls_before = [c.health()["sync"]["specs"]["last_success_at"] for c in clients]
    for client, before in zip(clients, polls_before, strict=True):
        wait_until(
            lambda c=client, b=before: c.health()["sync"]["specs"]["last_success_at"] > b, ""
        )
    assert len(fake_api.requests_to("specs")) == calls  # polling Redis again, not the API


def test_network_updates_are_shared_through_redis_for_cold_starts(
    fake_api: FakeStatsigApi, networked, proxy, secret
):
    fake_api.specs = specs(100, "shared")
    writer = networked(secret, data_store=redis_store(proxy))
    assert writer.initialize(timeout=5).source == "Network"
    stored = redis_store(proxy).get(StoreKeys.for_secret(secret).specs)
    assert stored is not None and json.loads(stored)["time"] == 100
    cold = networked(secret, api="http://127.0.0.1:9", data_store=redis_store(proxy))
    assert cold.initialize(timeout=2).source == "DataStore"


def test_the_refresh_command_fills_redis(
    fake_api: FakeStatsigApi, proxy, secret, monkeypatch, capsys
):
    fake_api.specs = specs(100, "cli")
    fake_api.set_id_list("beta", ["u1"])
    monkeypatch.setenv("STATSIG_SERVER_SECRET", secret)
    url = f"redis://{proxy.host}:{proxy.port}/0"
    assert main(["--once", "--redis-url", url, "--api", fake_api.url]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["specs_updated"], report["lcut"], report["id_lists_updated"]) == (
        True,
        100,
        ["beta"],
    )
    keys = StoreKeys.for_secret(secret)
    assert json.loads(redis_store(proxy).get(keys.id_lists) or b"{}")["beta"]["size"] > 0
