"""Checks on many threads while specs are swapped never see half of one snapshot."""

from __future__ import annotations

from statsig_core import Statsig, StatsigOptions, StatsigUser

from support.snapshots import SnapshotWatch
from support.specs import versioned


def test_concurrent_checks_during_100_swaps_each_see_one_whole_snapshot():
    client = Statsig(None, StatsigOptions(bootstrap_values=versioned(0), disable_all_logging=True))
    client.initialize()
    with SnapshotWatch(client) as watch:
        for version in range(1, 101):
            client.load_specs(versioned(version))
    assert not watch.problems, watch.problems[:5]
    assert watch.checks > 0
    assert client.get_feature_gate(StatsigUser(user_id="u"), "combo").rule_id == "v100"
