"""The refresh task: one writer fetches from the API into the store, many readers poll the store."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest

from statsig_core import StatsigOptions, StatsigUser
from statsig_core.data_stores.base import MemoryDataStore, StoreKeys
from statsig_core.data_stores.refresh import (
    refresh_data_store,
    register_celery_task,
    run_refresher,
)
from statsig_core.evaluation.hashing import djb2, id_list_hash

from support.fake_api import FakeStatsigApi
from support.specs import cond, dcs, rule, spec
from support.sync_fixtures import wait_until

SECRET = "secret-refresh"
KEYS = StoreKeys.for_secret(SECRET)


def specs(time: int, rule_id: str = "on", **extra: object) -> dict:
    segment = spec(rule(cond("unit_id", "in_segment_list", target="beta"), id="member"))
    gates = {"g": spec(rule(cond(), id=rule_id)), "in_beta": segment}
    return dcs(gates=gates, time=time, **extra)


def refresh(api: FakeStatsigApi, store: MemoryDataStore, **options: object):
    return refresh_data_store(SECRET, store, StatsigOptions(api=api.url, **options))  # type: ignore[arg-type]


def stored_time(store: MemoryDataStore) -> int:
    return json.loads(store.values[KEYS.specs])["time"]


def test_specs_are_written_once_then_only_when_they_change(fake_api: FakeStatsigApi):
    store = MemoryDataStore()
    fake_api.specs = specs(100)
    first = refresh(fake_api, store)
    assert (first.specs_updated, first.lcut, first.errors) == (True, 100, [])
    assert stored_time(store) == 100
    second = refresh(fake_api, store)
    assert (second.specs_updated, second.lcut) == (False, 100)
    assert fake_api.requests_to("specs")[-1].query == {"sinceTime": ["100"]}
    fake_api.specs = specs(200)
    assert refresh(fake_api, store).specs_updated and stored_time(store) == 200


@pytest.mark.parametrize(
    ("serve", "kind"),
    [
        (
            lambda api: setattr(api, "specs", specs(200, hashed_sdk_key_used=djb2("secret-x"))),
            "wrong_key",
        ),
        (lambda api: setattr(api, "specs_body", b'{"time": 200, "feature_gates": {'), "bad_specs"),
        (lambda api: setattr(api, "specs_body", json.dumps(specs(50)).encode()), "stale"),
        (lambda api: api.fail("specs", 503), "http_503"),
    ],
    ids=["other-key", "truncated", "older", "server-error"],
)
def test_bad_downloads_never_reach_the_store(fake_api: FakeStatsigApi, serve: Callable, kind: str):
    store = MemoryDataStore()
    fake_api.specs = specs(100)
    refresh(fake_api, store, enable_id_lists=False)
    serve(fake_api)
    result = refresh(fake_api, store, enable_id_lists=False)
    assert [e.kind for e in result.errors] == [kind]
    assert result.as_dict()["errors"][0].startswith(f"{kind}:")
    assert stored_time(store) == 100


def test_an_unreachable_api_is_reported_not_raised():
    result = refresh_data_store(SECRET, MemoryDataStore(), StatsigOptions(api="http://127.0.0.1:9"))
    assert [e.kind for e in result.errors] == ["connection", "connection"]


def stored_file(store: MemoryDataStore, name: str = "beta") -> str:
    manifest = json.loads(store.values[KEYS.id_lists])
    return store.values[KEYS.id_list_file(manifest[name]["fileID"])]


def test_id_list_files_are_copied_and_extended_with_ranges(fake_api: FakeStatsigApi):
    store = MemoryDataStore()
    fake_api.set_id_list("beta", ["u1", "u2"])
    assert refresh(fake_api, store).id_lists_updated == ["beta"]
    size = len(stored_file(store))
    fake_api.append_id_list("beta", add=["u3"], remove=["u1"])
    assert refresh(fake_api, store).id_lists_updated == ["beta"]
    assert stored_file(store) == "".join(line + "\n" for line in fake_api.id_lists["beta"])
    assert fake_api.requests_to("id_list_file")[-1].headers["Range"] == f"bytes={size}-"
    manifest = json.loads(store.values[KEYS.id_lists])["beta"]
    assert manifest["size"] == len(stored_file(store))
    assert refresh(fake_api, store).id_lists_updated == []


def test_a_replaced_or_removed_list_file_is_blanked(fake_api: FakeStatsigApi):
    store = MemoryDataStore()
    fake_api.set_id_list("beta", ["u1"], creation_time=1, file_id="f1")
    fake_api.set_id_list("old", ["x"], file_id="o1")
    refresh(fake_api, store)
    fake_api.set_id_list("beta", ["u2"], creation_time=2, file_id="f2")
    del fake_api.id_lists["old"]
    refresh(fake_api, store)
    assert set(json.loads(store.values[KEYS.id_lists])) == {"beta"}
    assert store.values[KEYS.id_list_file("f1")] == ""
    assert store.values[KEYS.id_list_file("o1")] == ""
    assert stored_file(store) == f"+{id_list_hash('u2')}\n"


def test_many_reading_clients_cost_one_api_call_per_refresh(fake_api: FakeStatsigApi, networked):
    store = MemoryDataStore(use_for_polling=True)
    fake_api.specs = specs(100, "first")
    fake_api.set_id_list("beta", ["u1"])
    refresh(fake_api, store)
    clients = [networked(SECRET, data_store=store) for _ in range(5)]
    for client in clients:
        assert client.initialize(timeout=5).source == "DataStore"
    user = StatsigUser(user_id="u1")
    assert all(c.check_gate(user, "in_beta") for c in clients)

    fake_api.specs = specs(200, "second")
    fake_api.set_id_list("beta", ["u2"], creation_time=2, file_id="beta-2")
    refresh(fake_api, store)
    for client in clients:
        wait_until(lambda c=client: c.get_feature_gate(user, "g").rule_id == "second", "specs")
        wait_until(lambda c=client: not c.check_gate(user, "in_beta"), "the new list")
    assert len(fake_api.requests_to("specs")) == 2
    assert len(fake_api.requests_to("id_lists")) == 2


def test_the_celery_task_refreshes_the_store_and_schedules_itself(fake_api: FakeStatsigApi):
    celery = pytest.importorskip("celery")
    app = celery.Celery("statsig-test", broker="memory://", backend="cache+memory://")
    app.conf.task_always_eager = True
    store = MemoryDataStore()
    fake_api.specs = specs(100)
    task = register_celery_task(
        app, SECRET, lambda: store, StatsigOptions(api=fake_api.url), every=10
    )
    result = task.delay().get(timeout=10)
    assert (result["specs_updated"], result["lcut"], result["errors"]) == (True, 100, [])
    assert stored_time(store) == 100
    entry = app.conf.beat_schedule["statsig.refresh_data_store"]
    assert (entry["task"], entry["schedule"], entry["options"]) == (
        "statsig.refresh_data_store",
        10,
        {"expires": 10},
    )


def test_the_refresher_loop_keeps_the_store_fresh_until_stopped(fake_api: FakeStatsigApi):
    store = MemoryDataStore()
    fake_api.specs = specs(100)
    fake_api.set_id_list("beta", ["u1"])
    options = StatsigOptions(
        api=fake_api.url, specs_sync_interval=0.01, id_lists_sync_interval=0.01
    )
    stop = threading.Event()
    loop = threading.Thread(target=run_refresher, args=(SECRET, store, options, stop))
    loop.start()
    try:
        wait_until(lambda: KEYS.specs in store.values and KEYS.id_lists in store.values, "writes")
        fake_api.specs = specs(200)
        wait_until(lambda: stored_time(store) == 200, "the next refresh")
    finally:
        stop.set()
        loop.join(5)
    assert not loop.is_alive()
