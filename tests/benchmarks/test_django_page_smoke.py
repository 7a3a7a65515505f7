"""Smoke test of the ``django`` benchmark suite: both configurations run and report every row.

No timing thresholds (CI machines are noisy); the worker itself refuses to time a page that did
not answer 200, so a passing run means both pages were really served.
"""

from __future__ import annotations

import pytest

from benchmarks._adapters import ADAPTERS
from benchmarks.suites import SUITES

from support.benchmarks import run_quick

pytest.importorskip("django")
pytest.importorskip("waffle")

ROWS = ("django_plain", "django_lite", "django_full", "django_added")


def test_waffle_runs_only_the_django_suite_and_the_django_suite_only_ours_and_waffle():
    waffle, ours, core = ADAPTERS["waffle"], ADAPTERS["ours"], ADAPTERS["core"]
    assert SUITES["django"].runs_for(ours) and SUITES["django"].runs_for(waffle)
    assert not SUITES["django"].runs_for(core)
    assert not SUITES["eval"].runs_for(waffle) and SUITES["eval"].runs_for(ours)


@pytest.mark.slow
def test_quick_run_reports_both_columns_and_the_ratio(tmp_path):
    out = tmp_path / "django.json"
    _, data = run_quick(out, "--suites", "django", "--only", "ours,waffle,core")
    assert [w["sdk"] for w in data["workers"]] == ["ours", "waffle"]  # core does not run it
    rows = {row["key"]: row for row in data["rows"]}
    assert set(rows) == set(ROWS)
    for key in ROWS[:3]:
        for sdk in ("ours", "waffle"):
            assert rows[key]["cells"][sdk]["median"] > 0
        assert rows[key]["ratios"]["ours/waffle"] > 0
