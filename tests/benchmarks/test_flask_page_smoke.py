"""Smoke test of the ``flask`` benchmark suite: every configuration runs and reports every row.

No timing thresholds (CI machines are noisy); the worker refuses to time a page that did not
answer 200, so a passing run means every page was really served.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.benchmarks import run_quick

pytest.importorskip("flask")

TIMINGS = ("flask_plain", "flask_gated", "flask_bootstrap")
VALUES = ("flask_added", "flask_added_bootstrap")


@pytest.mark.slow
def test_quick_run_compares_the_extension_with_hand_written_sdk_calls(tmp_path: Path):
    out = tmp_path / "flask.json"
    _, data = run_quick(out, "--suites", "flask", "--only", "ours,core")
    assert [w["sdk"] for w in data["workers"]] == ["core", "ours"]
    rows = {row["key"]: row for row in data["rows"]}
    assert set(rows) == {*TIMINGS, *VALUES}
    for key in TIMINGS:
        assert all(rows[key]["cells"][sdk]["median"] > 0 for sdk in ("ours", "core"))
    assert rows["flask_gated"]["ratios"]["ours/core"] > 0
