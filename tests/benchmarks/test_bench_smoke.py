"""Smoke test of the benchmark runner: it runs end to end and reports every row.

Deliberately no timing thresholds: CI machines are noisy and shared. What is checked is that the
runner, its workers and the generated data still fit together, and that the two official SDKs
agree on the generated specs (which proves the data is well-formed for both formats).
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import pytest

from support.benchmarks import REPO, run_quick

pytest.importorskip("statsig")
pytest.importorskip("statsig_python_core")

TIMING_ROWS = {
    "check_gate": "check_gate",
    "get_config": "get_config",
    "get_experiment": "get_experiment",
    "get_layer_get": "get_layer + .get(param)",
    "gcir": "get_client_initialize_response (djb2)",
    "load_empty": "initialize: empty specs",
    "load_bench": "initialize: generated specs",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    return run_quick(out, "--only", "official")


def test_table_lists_every_operation(quick_run: tuple[str, dict[str, Any]]) -> None:
    stdout, _ = quick_run
    table_lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    for label in TIMING_ROWS.values():
        assert any(line.startswith(f"| {label}") for line in table_lines), label
    assert "statsig 0.72 (queued)" in table_lines[0]
    assert "statsig-python-core 0.24" in table_lines[0]


def test_every_official_sdk_reports_positive_numbers(
    quick_run: tuple[str, dict[str, Any]],
) -> None:
    _, data = quick_run
    rows = {row["key"]: row for row in data["rows"]}
    for key in TIMING_ROWS:
        for sdk in ("statsig", "core"):
            cell = rows[key]["cells"][sdk]
            assert cell["median"] > 0, (key, sdk, cell)
            assert cell["p90"] >= cell["median"], (key, sdk, cell)
    for sdk in ("statsig", "core"):
        assert rows["load_bench_first"]["cells"][sdk]["value"] > 0
        # Memory growth is a difference of two RSS readings: finite, sign not guaranteed.
        assert math.isfinite(rows["rss_bench"]["cells"][sdk]["value"])


def test_official_sdks_agree_on_the_generated_specs(
    quick_run: tuple[str, dict[str, Any]],
) -> None:
    stdout, data = quick_run
    sanity = data["sanity"]["sdks"]
    assert sanity["statsig"]["gate_pass_rate"] == sanity["core"]["gate_pass_rate"]
    assert 0.2 < sanity["core"]["gate_pass_rate"] < 0.7
    for sdk in ("statsig", "core"):
        assert sanity[sdk]["gate_mismatches"] == 0
        assert sanity[sdk]["experiment_group_mismatches"] == 0
        assert sanity[sdk]["layer_value_mismatches"] == 0
    assert "WARNING" not in stdout


def test_committed_data_matches_the_generator() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.specs_gen", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, (
        proc.stdout + proc.stderr + "\nregenerate with: python -m benchmarks.specs_gen"
    )
