"""Smoke test of the events benchmark suite for our SDK: it runs and reports every row.

No timing thresholds (CI machines are shared); it checks that the suite, the loopback receiver
subprocess and the adapter still fit together and that every event was delivered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.benchmarks import run_quick

pytestmark = pytest.mark.slow


def test_events_suite_reports_enqueue_cost_and_delivery_for_ours(tmp_path: Path) -> None:
    out = tmp_path / "events.json"
    _, data = run_quick(out, "--suites", "events", "--only", "ours")
    cells = {row["key"]: row["cells"]["ours"] for row in data["rows"]}
    assert cells["log_event"]["median"] > 0
    assert cells["log_event_amortized"]["value"] > 0
    assert cells["event_delivery"]["value"] > 0  # an error cell means events went missing
    [worker] = data["workers"]
    assert worker["status"] == "ok"
