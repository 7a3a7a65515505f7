"""ID lists through the real poller: manifest, ranged incremental downloads, restarts, deletes,
and corrupt files that never replace a good list."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from statsig_core import Statsig, StatsigUser

from support.fake_api import FakeStatsigApi
from support.specs import cond, dcs, rule, spec
from support.sync_fixtures import wait_until


def segment_specs(list_name: str = "beta") -> dict:
    gate = spec(rule(cond("unit_id", "in_segment_list", target=list_name), id="member"))
    return dcs(gates={"in_list": gate}, time=100)


def member(client: Statsig, user_id: str) -> bool:
    return client.check_gate(StatsigUser(user_id=user_id), "in_list")


def started(api: FakeStatsigApi, networked: Callable, **options: object) -> Statsig:
    api.specs = segment_specs()
    client = networked(**options)
    client.initialize(timeout=5)
    return client


def test_lists_are_extended_with_ranged_downloads(fake_api: FakeStatsigApi, networked):
    fake_api.set_id_list("beta", ["u1", "u2"])
    client = started(fake_api, networked)
    assert member(client, "u1") and member(client, "u2") and not member(client, "u3")
    first_size = sum(len(line) + 1 for line in fake_api.id_lists["beta"])

    fake_api.append_id_list("beta", add=["u3"], remove=["u1"])
    wait_until(lambda: member(client, "u3") and not member(client, "u1"), "the appended lines")
    ranges = [r.headers.get("Range") for r in fake_api.requests_to("id_list_file")]
    assert ranges[0] == "bytes=0-" and f"bytes={first_size}-" in ranges
    assert client.health()["sync"]["id_lists"]["consecutive_failures"] == 0


def test_a_new_file_id_restarts_the_list_from_scratch(fake_api: FakeStatsigApi, networked):
    fake_api.set_id_list("beta", ["u1"], creation_time=1, file_id="f1")
    client = started(fake_api, networked)
    fake_api.set_id_list("beta", ["u2"], creation_time=2, file_id="f2")
    wait_until(lambda: member(client, "u2") and not member(client, "u1"), "the new file")


def test_an_older_file_in_the_manifest_is_ignored(fake_api: FakeStatsigApi, networked):
    fake_api.set_id_list("beta", ["u1"], creation_time=5, file_id="f5")
    client = started(fake_api, networked)
    fake_api.set_id_list("beta", ["u2"], creation_time=4, file_id="f4")
    polls = len(fake_api.requests_to("id_lists"))
    wait_until(lambda: len(fake_api.requests_to("id_lists")) > polls + 2, "more manifest polls")
    assert member(client, "u1") and not member(client, "u2")


def test_lists_missing_from_the_manifest_are_deleted(fake_api: FakeStatsigApi, networked):
    fake_api.set_id_list("beta", ["u1"])
    client = started(fake_api, networked)
    del fake_api.id_lists["beta"]
    wait_until(lambda: not member(client, "u1"), "the deletion")
    assert client.health()["id_lists"] == 0


def test_a_corrupt_list_file_keeps_the_last_good_list(fake_api: FakeStatsigApi, networked, caplog):
    caplog.set_level(logging.WARNING, logger="statsig_core")
    fake_api.set_id_list("beta", ["u1"])
    client = started(fake_api, networked)
    fake_api.id_lists["beta"].append("<html>oops</html>")
    wait_until(lambda: client.health()["sync"]["id_lists"]["consecutive_failures"] >= 3, "failures")
    assert member(client, "u1")
    assert "bad_id_list" in client.health()["sync"]["id_lists"]["last_error"]
    assert caplog.text.count("failed (bad_id_list)") == 1


def test_a_failing_manifest_keeps_every_list(fake_api: FakeStatsigApi, networked):
    fake_api.set_id_list("beta", ["u1"])
    client = started(fake_api, networked)
    fake_api.fail("id_lists", *[500] * 10_000)
    wait_until(lambda: client.health()["sync"]["id_lists"]["consecutive_failures"] >= 3, "failures")
    assert member(client, "u1")
    fake_api.clear_faults()
    wait_until(lambda: client.health()["sync"]["id_lists"]["consecutive_failures"] == 0, "recovery")


def test_id_lists_can_be_turned_off(fake_api: FakeStatsigApi, networked):
    fake_api.set_id_list("beta", ["u1"])
    client = started(fake_api, networked, enable_id_lists=False)
    assert not member(client, "u1")
    assert fake_api.requests_to("id_lists") == []


def test_the_published_company_id_list_syncs_from_the_fake_api(
    fake_api: FakeStatsigApi, networked, shared_fixtures
):
    content = (shared_fixtures / "company_id_list").read_text()
    meta = json.loads((shared_fixtures / "get_id_lists.json").read_text())["company_id_list"]
    fake_api.id_lists["company_id_list"] = content.splitlines()
    fake_api.id_list_meta["company_id_list"] = {
        "creationTime": meta["creationTime"],
        "fileID": meta["fileID"],
    }
    fake_api.specs = segment_specs("company_id_list")
    client = networked()
    client.initialize(timeout=5)
    lists = client.evaluator.id_lists
    assert lists["company_id_list"].hashes == {line[1:] for line in content.splitlines()}
    assert lists["company_id_list"].file_id == meta["fileID"]
