"""Many threads evaluate while the real poller swaps specs from the fake API 100 times: every
result comes from one whole snapshot, never a mix of two."""

from __future__ import annotations

from statsig_core import StatsigUser

from support.snapshots import SnapshotWatch
from support.specs import versioned
from support.sync_fixtures import wait_until


def test_checks_during_100_polled_swaps_each_see_one_whole_snapshot(fake_api, networked):
    fake_api.specs = versioned(0)
    client = networked(specs_sync_interval=0.001, enable_id_lists=False)
    assert client.initialize(timeout=5).source == "Network"
    with SnapshotWatch(client) as watch:
        for version in range(1, 101):
            fake_api.specs = versioned(version)
            wait_until(lambda v=version: client.health()["lcut"] == 1_000 + v, f"version {version}")
    assert not watch.problems, watch.problems[:5]
    assert watch.checks > 0 and len(watch.seen) > 1
    assert client.get_feature_gate(StatsigUser(user_id="u"), "combo").rule_id == "v100"
    assert client.health()["consecutive_failures"] == 0
