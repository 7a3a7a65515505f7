"""Run the benchmark runner the way a user would, for the smoke tests in ``tests/benchmarks``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["REPO", "run_quick"]

REPO = Path(__file__).resolve().parents[2]


def run_quick(out: Path, *args: str) -> tuple[str, dict[str, Any]]:
    """``python -m benchmarks.run --quick ARGS --json OUT``: its stdout and JSON report, after
    asserting that it succeeded (its output is the failure message)."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", *args, "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text(encoding="utf-8"))
