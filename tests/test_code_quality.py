"""The repository stays ruff clean, ruff formatted and mypy clean (``python3 dev.py lint``), so
CI refuses a change that breaks any of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support.services import require_module

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("ruff", ["check", "."]),
        ("ruff", ["format", "--check", "."]),
        ("mypy", []),  # the packages, as configured in pyproject.toml
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_the_code_passes(tool: str, args: list[str]) -> None:
    require_module(tool)
    done = subprocess.run(
        [sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
