"""Run ours and an official SDK on the same specs and users; report every field that differs.

Shared by the differential tests. ``compare`` walks the neutral result format (the one
``statsig-core eval`` prints and the oracles return) and counts every value it compares, so a
test can both assert zero unexpected differences and report how much it checked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from statsig_core import Statsig, StatsigOptions, StatsigUser
from statsig_core.introspection import evaluate_all

__all__ = ["Comparison", "compare", "evaluate_with_ours", "record_counts"]

SECTIONS = ("gates", "configs", "experiments", "layers")
COUNTS_FILE = Path(__file__).resolve().parents[2] / "test-artifacts" / "conformance-counts.json"


def evaluate_with_ours(
    dcs: Mapping[str, Any],
    users: list[dict[str, Any]],
    *,
    environment: str | None = None,
    id_lists: Mapping[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Our results in the oracles' format (no exposures logged, nothing on the network)."""
    options = StatsigOptions(
        bootstrap_values=dcs,
        environment=environment,
        id_lists=id_lists,
        disable_all_logging=True,
    )
    statsig = Statsig(None, options)
    statsig.initialize()
    out = []
    for user in users:
        fields = {k: v for k, v in user.items() if not k.startswith("_")}
        result = evaluate_all(statsig, StatsigUser.from_dict(fields))
        result["label"] = user.get("_label", "")
        out.append(result)
    return out


@dataclass
class Comparison:
    """Every compared field, and the ones that differed: ``(section, spec, field, user)``."""

    checked: int = 0
    differences: list[tuple[str, str, str, str, Any, Any]] = field(default_factory=list)

    def add(self, other: Comparison) -> None:
        self.checked += other.checked
        self.differences.extend(other.differences)

    def unexpected(self, allowed: Iterable[tuple[str, str]]) -> list[str]:
        """Differences outside the ``(section, spec)`` pairs listed as deliberate deviations."""
        allowed = set(allowed)
        return [
            f"{user}: {section} {name!r} {name_field}: ours {ours!r} != theirs {theirs!r}"
            for section, name, name_field, user, ours, theirs in self.differences
            if (section, name) not in allowed
        ]


def compare(
    ours: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    *,
    only: set[tuple[str, str]] | None = None,
    skip: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> Comparison:
    """Compare every field the official SDK reported, user by user."""
    result = Comparison()
    for mine, other in zip(ours, theirs, strict=True):
        if other.get("error"):  # the official SDK refused this user (legacy: no ids)
            continue
        label = str(other.get("label", mine.get("label", "")))
        for section in SECTIONS:
            for name, expected in other.get(section, {}).items():
                key = (section, name)
                if key in skip or (only is not None and key not in only):
                    continue
                got = mine[section].get(name, {})
                for name_field, value in expected.items():
                    result.checked += 1
                    if got.get(name_field) != value:
                        result.differences.append(
                            (section, name, name_field, label, got.get(name_field), value)
                        )
    return result


def record_counts(name: str, comparison: Comparison, deviations: int) -> None:
    """Keep the figures for the closing notes (``test-artifacts/conformance-counts.json``)."""
    COUNTS_FILE.parent.mkdir(exist_ok=True)
    try:
        counts = json.loads(COUNTS_FILE.read_text())
    except (OSError, ValueError):  # absent, or being rewritten by a concurrent run
        counts = {}
    counts[name] = {
        "checked": comparison.checked,
        "agreed": comparison.checked - len(comparison.differences),
        "deliberate_deviations": deviations,
    }
    partial = COUNTS_FILE.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(counts, indent=2, sort_keys=True))
    partial.replace(COUNTS_FILE)  # atomic: readers never see half a file
