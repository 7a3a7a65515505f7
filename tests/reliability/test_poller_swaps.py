"""Many threads evaluate while the real poller swaps specs from the fake API 100 times: every
result comes from one whole snapshot, never a mix of two."""

from __future__ import annotations

import threading
import time

from statsig_core import StatsigUser

from support.specs import versioned
from support.sync_fixtures import wait_until


def test_checks_during_100_polled_swaps_each_see_one_whole_snapshot(fake_api, networked):
    fake_api.specs = versioned(0)
    client = networked(specs_sync_interval=0.001, enable_id_lists=False)
    assert client.initialize(timeout=5).source == "Network"
    done = threading.Event()
    problems: list[str] = []
    seen: set[str] = set()
    checks = [0]

    def evaluate() -> None:
        user = StatsigUser(user_id="u")
        while not done.is_set():
            gate = client.get_feature_gate(user, "combo")
            versions = {e["ruleID"] for e in gate.secondary_exposures} | {gate.rule_id}
            if len(versions) != 1 or not gate.value:
                problems.append(f"mixed snapshot: {sorted(versions)}")
            details = gate.evaluation_details
            if f"v{details.lcut - 1_000}" != gate.rule_id:
                problems.append(f"details of lcut {details.lcut} on rules {gate.rule_id}")
            seen.add(gate.rule_id)
            checks[0] += 1
            time.sleep(0)  # let the poller and the fake API have the GIL now and then

    threads = [threading.Thread(target=evaluate) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        for version in range(1, 101):
            fake_api.specs = versioned(version)
            wait_until(lambda v=version: client.health()["lcut"] == 1_000 + v, f"version {version}")
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert not problems, problems[:5]
    assert checks[0] > 0 and len(seen) > 1
    assert client.get_feature_gate(StatsigUser(user_id="u"), "combo").rule_id == "v100"
    assert client.health()["consecutive_failures"] == 0
