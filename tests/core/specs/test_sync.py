"""Config sync through the real poller and the fake API: initialize, fallback chain, data-store
modes, polling for console changes, both DCS formats, and the published fixture specs."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser
from statsig_core.data_stores.base import MemoryDataStore, StoreKeys
from statsig_core.specs.compile import compile_specs
from statsig_core.specs.convert import to_v1

from support.fake_api import Fault
from support.specs import cond, dcs, rule, spec
from support.sync_fixtures import FAST, wait_until

SECRET = "secret-test"
USER = StatsigUser(user_id="u1")
DOWN = "http://127.0.0.1:9"  # discard port: connection refused


def specs(time: int, rule_id: str = "on") -> dict:
    return dcs(gates={"g": spec(rule(cond(), id=rule_id))}, time=time)


def stored(time: int, rule_id: str = "stored") -> MemoryDataStore:
    store = MemoryDataStore()
    store.set(StoreKeys.for_secret(SECRET).specs, json.dumps(specs(time, rule_id)))
    return store


def test_initialize_loads_network_specs_and_every_result_says_network(fake_api, networked):
    fake_api.specs = specs(100)
    client = networked()
    details = client.initialize(timeout=5)
    assert (details.source, details.init_success, details.timed_out, details.error) == (
        "Network",
        True,
        False,
        None,
    )
    gate = client.get_feature_gate(USER, "g")
    assert (gate.value, gate.rule_id, gate.evaluation_details.source) == (True, "on", "Network")
    assert gate.evaluation_details.lcut == 100


def test_initialize_returns_at_the_timeout_and_keeps_trying_in_the_background(fake_api, networked):
    fake_api.specs = specs(100)
    fake_api.timeout_sleep = 1.0
    fake_api.fail("specs", "timeout")
    client = networked(request_timeout=0.5)
    details = client.initialize(timeout=0.05)
    assert details.timed_out and not details.init_success
    assert details.source == "Uninitialized" and details.error
    wait_until(lambda: client.health()["source"] == "Network", "the background retry")
    assert client.check_gate(USER, "g")


def test_initialize_never_raises_when_the_api_is_unreachable(networked):
    client = networked(api=DOWN)
    details = client.initialize(timeout=0.3)
    assert not details.init_success and details.source == "Uninitialized"
    assert "connection" in (details.error or "")
    gate = client.get_feature_gate(USER, "g")
    assert (gate.value, gate.evaluation_details.source) == (False, "Uninitialized")


@pytest.mark.parametrize(
    ("network", "store", "local", "source", "rule_id"),
    [
        (True, True, "file", "Network", "on"),
        (False, True, "file", "DataStore", "stored"),
        (False, False, "file", "File", "local"),
        (False, False, "bootstrap", "Bootstrap", "local"),
        (False, False, None, "Uninitialized", ""),
    ],
)
def test_fallback_chain_is_network_then_data_store_then_file_or_bootstrap_then_defaults(
    fake_api, networked, tmp_path, network, store, local, source, rule_id
):
    fake_api.specs = specs(300)
    options: dict = {"api": fake_api.url if network else DOWN}
    if store:
        options["data_store"] = stored(200)
    if local == "file":
        path = tmp_path / "specs.json"
        path.write_text(json.dumps(specs(100, "local")))
        options["specs_path"] = path
    elif local == "bootstrap":
        options["bootstrap_values"] = specs(100, "local")
    client = networked(**options)
    details = client.initialize(timeout=0.5)
    assert details.source == source
    assert details.timed_out == (source == "Uninitialized")  # nothing to serve: waits it out
    gate = client.get_feature_gate(USER, "g")
    assert (gate.rule_id, gate.evaluation_details.source) == (rule_id, source)
    assert client.health()["source"] == source


def test_network_updates_are_written_through_to_the_data_store(fake_api, networked):
    fake_api.specs = specs(100)
    store = MemoryDataStore()
    client = networked(data_store=store)
    client.initialize(timeout=5)
    key = StoreKeys.for_secret(SECRET).specs
    assert json.loads(store.values[key])["time"] == 100
    fake_api.specs = specs(200)
    wait_until(lambda: json.loads(store.values[key])["time"] == 200, "the write-through")
    assert client.health()["sync"]["data_store"]["specs"]["consecutive_failures"] == 0


def test_a_write_through_never_puts_older_specs_over_newer_ones(fake_api, networked):
    fake_api.specs = specs(100)
    store = MemoryDataStore()
    client = networked(data_store=store)
    client.initialize(timeout=5)
    key = StoreKeys.for_secret(SECRET).specs
    store.set(key, json.dumps(specs(300, "refreshed")))  # another process's newer refresh
    fake_api.specs = specs(200, "slow")  # what this process downloads next
    wait_until(lambda: client.get_feature_gate(USER, "g").rule_id == "slow", "the download")
    seen = client.health()["sync"]["specs"]["last_success_at"]
    wait_until(  # a later poll finished, so the download's write-through step is over
        lambda: client.health()["sync"]["specs"]["last_success_at"] > seen, "the next poll"
    )
    assert json.loads(store.values[key])["time"] == 300
    assert client.health()["sync"]["data_store"]["specs"]["consecutive_failures"] == 0


def test_a_polling_data_store_is_read_instead_of_the_network(fake_api, networked):
    fake_api.specs = specs(999)
    store = stored(100)
    store.use_for_polling = True
    client = networked(data_store=store, enable_id_lists=False)
    details = client.initialize(timeout=5)
    assert details.source == "DataStore"
    store.set(StoreKeys.for_secret(SECRET).specs, json.dumps(specs(200, "newer")))
    wait_until(lambda: client.get_feature_gate(USER, "g").rule_id == "newer", "the store update")
    assert fake_api.requests_to("specs") == []
    assert client.health()["sync"]["polling"] == "data_store"


def test_a_polling_data_store_falls_back_to_the_network_when_corrupt(fake_api, networked, caplog):
    caplog.set_level(logging.WARNING, logger="statsig_core")
    fake_api.specs = specs(100)
    store = MemoryDataStore(use_for_polling=True)
    key = StoreKeys.for_secret(SECRET).specs
    store.set(key, '{"time": 5, "feature_gates": {')  # a truncated write
    client = networked(data_store=store, enable_id_lists=False)
    assert client.initialize(timeout=5).source == "Network"
    assert "data store (specs) failed (bad_specs)" in caplog.text
    assert json.loads(store.values[key])["time"] == 100  # repaired by the write-through


def test_a_persistently_corrupt_store_is_logged_once_while_the_network_serves(
    fake_api, networked, caplog
):
    caplog.set_level(logging.WARNING, logger="statsig_core")
    fake_api.specs = specs(100)
    store = MemoryDataStore(use_for_polling=True)
    client = networked(data_store=store)
    client.initialize(timeout=5)
    keys = StoreKeys.for_secret(SECRET)
    store.set(keys.specs, "<garbage>")  # and the network has no update to repair it with
    store.set(keys.id_lists, "{}")  # while the ID-list side of the store keeps working
    polls = len(fake_api.requests_to("specs"))
    wait_until(lambda: len(fake_api.requests_to("specs")) > polls + 5, "network fallbacks")
    assert caplog.text.count("data store (specs) failed (bad_specs)") == 1
    assert client.health()["sync"]["data_store"]["specs"]["consecutive_failures"] >= 5
    assert client.get_feature_gate(USER, "g").evaluation_details.source == "Network"


def test_an_empty_polling_data_store_is_filled_from_the_network_then_polled(fake_api, networked):
    fake_api.specs = specs(100)
    store = MemoryDataStore(use_for_polling=True)
    client = networked(data_store=store, enable_id_lists=False)
    assert client.initialize(timeout=5).source == "Network"
    key = StoreKeys.for_secret(SECRET).specs
    assert json.loads(store.values[key])["time"] == 100
    store.set(key, json.dumps(specs(200, "refreshed")))  # what the refresh task does
    wait_until(lambda: client.get_feature_gate(USER, "g").rule_id == "refreshed", "a store poll")


def test_console_changes_are_picked_up_by_polling(fake_api, networked):
    fake_api.specs = specs(100, "first")
    client = networked()
    client.initialize(timeout=5)
    fake_api.specs = specs(200, "second")
    wait_until(lambda: client.get_feature_gate(USER, "g").rule_id == "second", "the new rules")
    since = [r.query.get("sinceTime") for r in fake_api.requests_to("specs")]
    assert since[0] is None and ["100"] in since


def test_v1_specs_are_polled_from_the_v1_endpoint(fake_api, networked):
    fake_api.specs = to_v1(specs(100))
    client = networked(specs_api_version=1)
    assert client.initialize(timeout=5).source == "Network"
    assert client.check_gate(USER, "g")
    assert all("/v1/download_config_specs/" in r.path for r in fake_api.requests_to("specs"))


def test_the_published_project_specs_load_from_the_fake_api(fake_api, networked, shared_fixtures):
    raw = (shared_fixtures / "eval_proj_dcs.json").read_bytes()
    fake_api.specs = json.loads(raw)
    client = networked()
    details = client.initialize(timeout=10)
    expected = compile_specs(raw)
    assert (details.source, details.spec_count) == ("Network", expected.spec_count)
    assert client.health()["lcut"] == expected.lcut


def test_rules_updated_callback_receives_each_accepted_update(fake_api, networked):
    seen: list[int] = []
    fake_api.specs = specs(100)
    client = networked(rules_updated_callback=lambda text: seen.append(json.loads(text)["time"]))
    client.initialize(timeout=5)
    fake_api.specs = specs(200)
    wait_until(lambda: seen == [100, 200], "two callbacks")


def test_shutdown_stops_the_pollers(fake_api, networked):
    client = networked()
    client.initialize(timeout=5)
    names = {"statsig-specs-sync", "statsig-id-list-sync"}
    assert names <= {t.name for t in threading.enumerate()}
    client.shutdown(timeout=2)
    assert not names & {t.name for t in threading.enumerate() if t.is_alive()}


def test_local_mode_never_touches_the_network(fake_api):
    client = Statsig(SECRET, StatsigOptions(**{**FAST, "api": fake_api.url, "local_mode": True}))
    details = client.initialize(timeout=1)
    client.shutdown(timeout=1)
    assert details.source == "Uninitialized" and fake_api.requests == []


def test_a_refused_key_ends_initialize_early_with_the_reason(fake_api, networked):
    fake_api.fail("specs", *[Fault(status=401)] * 50)
    details = networked().initialize(timeout=30)
    assert not details.timed_out and "HTTP 401" in (details.error or "")
