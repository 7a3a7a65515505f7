"""Checks on many threads while specs are swapped never see half of one snapshot."""

from __future__ import annotations

import threading

from statsig_core import Statsig, StatsigOptions, StatsigUser

from support.specs import versioned


def test_concurrent_checks_during_100_swaps_each_see_one_whole_snapshot():
    client = Statsig(None, StatsigOptions(bootstrap_values=versioned(0), disable_all_logging=True))
    client.initialize()
    done = threading.Event()
    problems: list[str] = []
    checks = [0]

    def evaluate() -> None:
        user = StatsigUser(user_id="u")
        while not done.is_set():
            gate = client.get_feature_gate(user, "combo")
            versions = {e["ruleID"] for e in gate.secondary_exposures} | {gate.rule_id}
            if len(versions) != 1 or not gate.value:
                problems.append(f"mixed snapshot: {versions}")
            checks[0] += 1

    threads = [threading.Thread(target=evaluate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for version in range(1, 101):
        client.load_specs(versioned(version))
    done.set()
    for thread in threads:
        thread.join()
    assert not problems
    assert checks[0] > 0
    assert client.get_feature_gate(StatsigUser(user_id="u"), "combo").rule_id == "v100"
