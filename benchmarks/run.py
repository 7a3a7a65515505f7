"""Run the benchmark suites for each SDK configuration and print one comparison table.

Usage (from the repository root)::

    python -m benchmarks.run                 # full run: statsig (queued), core, ours
    python -m benchmarks.run --quick         # a few seconds per worker, for smoke tests
    python -m benchmarks.run --only official --suites eval --json out.json

Every (suite, variant, SDK) runs in its own subprocess (``benchmarks._worker``), one after the
other, so SDK imports and background threads never overlap. This module only schedules, collects
and formats; what is measured lives in ``benchmarks.suites``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._adapters import ADAPTERS
from benchmarks.suites import SUITES

REPO_ROOT = Path(__file__).resolve().parents[1]
SDK_ORDER = ("statsig", "statsig-local", "core", "ours", "waffle")
SDK_GROUPS: dict[str, tuple[str, ...]] = {
    "default": ("statsig", "core", "ours", "waffle"),
    "official": ("statsig", "core"),
    "all": SDK_ORDER,
}
RATIOS = (("ours", "core"), ("ours", "statsig"), ("ours", "waffle"))
SANITY_REFERENCE = ("core", "statsig", "statsig-local", "ours")
WORKER_TIMEOUT_S = (900, 120)  # (full, quick)


def parse_only(text: str) -> list[str]:
    """``--only`` value -> SDK keys in display order; accepts keys and group names."""
    chosen: set[str] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part in SDK_GROUPS:
            chosen.update(SDK_GROUPS[part])
        elif part in ADAPTERS:
            chosen.add(part)
        else:
            known = ", ".join([*SDK_GROUPS, *ADAPTERS])
            raise argparse.ArgumentTypeError(f"unknown SDK or group {part!r} (known: {known})")
    return [k for k in SDK_ORDER if k in chosen]


def parse_suites(text: str) -> list[str]:
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown suite(s) {unknown} (known: {list(SUITES)})")
    return names


def run_worker(suite: str, variant: str, sdk: str, quick: bool, tmp: Path) -> dict[str, Any]:
    """Run one worker subprocess and return its result (status ok / skipped / error)."""
    workdir = tmp / f"{suite}-{variant}-{sdk}"
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "result.json"
    log = workdir / "worker.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONHASHSEED"] = "0"
    cmd = [
        sys.executable,
        "-m",
        "benchmarks._worker",
        "--suite",
        suite,
        "--sdk",
        sdk,
        "--variant",
        variant,
        "--out",
        str(out),
        *(["--quick"] if quick else []),
    ]
    timeout = WORKER_TIMEOUT_S[1 if quick else 0]
    started = time.perf_counter()
    base = {"suite": suite, "variant": variant, "sdk": sdk}
    try:
        with log.open("w", encoding="utf-8") as fh:
            # cwd is a scratch dir: anything an SDK writes locally (event sinks) lands there.
            proc = subprocess.run(
                cmd,
                cwd=workdir,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
    except subprocess.TimeoutExpired:
        return {
            **base,
            "status": "error",
            "message": f"timed out after {timeout} s",
            "log_tail": _tail(log),
            "seconds": time.perf_counter() - started,
        }
    if not out.exists():
        return {
            **base,
            "status": "error",
            "message": f"worker exited {proc.returncode}",
            "log_tail": _tail(log),
            "seconds": time.perf_counter() - started,
        }
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["wall_seconds"] = time.perf_counter() - started
    if result.get("status") == "error":
        result["log_tail"] = _tail(log)
    return result


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- table -------------------------------------------------------------------------------------


def build_rows(results: Sequence[dict[str, Any]], sdks: Sequence[str]) -> list[dict[str, Any]]:
    """Merge the workers' rows by key, keeping the order in which rows first appear."""
    rows: dict[str, dict[str, Any]] = {}
    for result in results:
        if result.get("status") != "ok":
            continue
        for row in result.get("rows", []):
            merged = rows.setdefault(
                row["key"],
                {"key": row["key"], "label": row["label"], "unit": row["unit"], "cells": {}},
            )
            if "error" in row:
                cell: dict[str, Any] = {"error": row["error"]}
            elif "median" in row:
                cell = {"median": row["median"], "p90": row["p90"]}
            else:
                cell = {"value": row["value"]}
            merged["cells"][result["sdk"]] = cell
    for row in rows.values():
        row["ratios"] = {}
        for num, den in RATIOS:
            if num in sdks and den in sdks:
                a, b = _headline(row["cells"].get(num)), _headline(row["cells"].get(den))
                row["ratios"][f"{num}/{den}"] = a / b if a is not None and b else None
    return list(rows.values())


def _headline(cell: dict[str, Any] | None) -> float | None:
    if cell is None or "error" in cell:
        return None
    return float(cell["median"] if "median" in cell else cell["value"])


def fmt(x: float | None) -> str:
    """Three significant figures, enough for noisy timings and short enough for a table."""
    if x is None:
        return "-"
    magnitude = abs(x)
    if magnitude >= 100:
        return f"{x:.0f}"
    if magnitude >= 10:
        return f"{x:.1f}"
    if magnitude >= 1:
        return f"{x:.2f}"
    return f"{x:.2g}"


def fmt_ratio(r: float | None) -> str:
    """Ratios always with two decimals (0.54x), tiny ones with two significant digits."""
    if r is None:
        return "-"
    return f"{r:.2f}x" if r >= 0.01 else f"{r:.2g}x"


def render_table(
    rows: Sequence[dict[str, Any]], sdks: Sequence[str], labels: dict[str, str]
) -> str:
    ratio_keys = [f"{n}/{d}" for n, d in RATIOS if n in sdks and d in sdks]
    header = ["operation", "unit", *(labels[s] for s in sdks), *ratio_keys]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|",
    ]
    for row in rows:
        cells = []
        for sdk in sdks:
            cell = row["cells"].get(sdk)
            if cell is None:
                cells.append("-")
            elif "error" in cell:
                cells.append("n/a")
            elif "median" in cell:
                cells.append(f"{fmt(cell['median'])} ({fmt(cell['p90'])})")
            else:
                cells.append(fmt(cell["value"]))
        ratios = [fmt_ratio(row["ratios"].get(k)) for k in ratio_keys]
        lines.append("| " + " | ".join([row["label"], row["unit"], *cells, *ratios]) + " |")
    return "\n".join(lines)


# --- sanity ------------------------------------------------------------------------------------


def compare_sanity(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Gate pass rate per SDK and disagreements with a reference SDK on the same samples."""
    samples = {
        r["sdk"]: r["sanity"] for r in results if r.get("status") == "ok" and r.get("sanity")
    }
    if not samples:
        return {}
    reference = next(k for k in SANITY_REFERENCE if k in samples)
    ref = samples[reference]
    per_sdk: dict[str, Any] = {}
    for sdk, s in samples.items():
        bits = s.get("gate_bits")
        per_sdk[sdk] = {
            "gate_calls": len(bits) if bits else 0,
            "gate_pass_rate": bits.count("1") / len(bits) if bits else None,
            "gate_mismatches": _mismatches(bits, ref.get("gate_bits")),
            "experiment_group_mismatches": _mismatches(
                s.get("experiment_groups"), ref.get("experiment_groups")
            ),
            "layer_value_mismatches": _mismatches(s.get("layer_values"), ref.get("layer_values")),
        }
    return {"reference": reference, "sdks": per_sdk}


def _mismatches(a: Sequence[Any] | None, b: Sequence[Any] | None) -> int | None:
    """Positions where two result lists differ; None when either side could not be computed."""
    if a is None or b is None:
        return None
    return sum(1 for x, y in zip(a, b, strict=False) if x != y) + abs(len(a) - len(b))


MISMATCH_KEYS = ("gate_mismatches", "experiment_group_mismatches", "layer_value_mismatches")


def _count(n: int | None) -> str:
    return "n/a" if n is None else str(n)


def render_sanity(sanity: dict[str, Any], sdks: Sequence[str], labels: dict[str, str]) -> str:
    if not sanity:
        return "Sanity: no evaluation results."
    ref = sanity["reference"]
    lines = [
        f"Sanity (same seeded samples for every SDK; mismatches counted against {labels[ref]}):",
        "",
        "| SDK | gate pass rate | gate mismatches | experiment group mismatches "
        "| layer value mismatches |",
        "|---|---:|---:|---:|---:|",
    ]
    for sdk in sdks:
        s = sanity["sdks"].get(sdk)
        if s is None:
            continue
        rate = s["gate_pass_rate"]
        shown = "n/a" if rate is None else f"{100 * rate:.1f} % of {s['gate_calls']}"
        counts = [_count(s[k]) for k in MISMATCH_KEYS]
        lines.append(f"| {labels[sdk]} | {shown} | " + " | ".join(counts) + " |")
    bad = [labels[k] for k, s in sanity["sdks"].items() if any(s[m] for m in MISMATCH_KEYS)]
    if bad:
        lines += ["", "WARNING: results differ from the reference for: " + ", ".join(bad)]
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def collect(sdks: Sequence[str], suites: Sequence[str], quick: bool) -> dict[str, Any]:
    """Run every worker and return the JSON-ready payload (rows, sanity, per-worker status)."""
    started = time.perf_counter()
    info = machine_info()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="statsig-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        for suite_name in suites:
            suite = SUITES[suite_name]
            for variant in suite.variants():
                for sdk in (k for k in sdks if suite.runs_for(ADAPTERS[k])):
                    result = run_worker(suite_name, variant, sdk, quick, tmp)
                    results.append(result)
                    _progress(result)
    return {
        "meta": {
            **info,
            "mode": "quick" if quick else "full",
            "sdks": list(sdks),
            "labels": {k: ADAPTERS[k].label for k in sdks},
            "versions": {
                r["sdk"]: r.get("sdk_version", "") for r in results if r.get("status") == "ok"
            },
            "suites": list(suites),
            "total_seconds": time.perf_counter() - started,
        },
        "rows": build_rows(results, sdks),
        "sanity": compare_sanity(results),
        "workers": [{k: v for k, v in r.items() if k not in {"sanity", "rows"}} for r in results],
    }


def render(payload: dict[str, Any]) -> str:
    """The report printed after a run, and by ``--from-json`` for the README."""
    meta, rows = payload["meta"], payload["rows"]
    sdks, labels = meta["sdks"], meta["labels"]
    versions = ", ".join(f"{labels[k]} = {v}" for k, v in meta["versions"].items() if v)
    out = [
        f"# statsig-web benchmark ({meta['mode']} mode)",
        "",
        f"Python {meta['python']} on {meta['cpus']} CPU(s) {meta['cpu_model']}; {versions}.",
        "Timings: median (p90) per call over batches of calls; see benchmarks/README.md.",
        "",
        render_table(rows, sdks, labels),
        "",
        render_sanity(payload["sanity"], sdks, labels),
    ]
    for row in rows:
        for sdk, cell in row["cells"].items():
            if "error" in cell:
                out += ["", f"N/A: {row['label']} for {labels[sdk]}: {cell['error']}"]
    for r in payload["workers"]:
        if r.get("status") == "ok":
            continue
        out += [
            "",
            f"{r['status'].upper()}: {r['suite']}/{r['variant']} for "
            f"{labels[r['sdk']]}: {r.get('message', '')}",
        ]
        if r.get("status") == "error" and r.get("log_tail"):
            out.append("    " + r["log_tail"].replace("\n", "\n    "))
    out += ["", f"Total runtime {meta['total_seconds']:.1f} s."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Compare statsig_core with the official Statsig Python SDKs.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="about a tenth of the calls; for smoke tests, not for numbers",
    )
    parser.add_argument(
        "--only",
        type=parse_only,
        default=list(SDK_GROUPS["default"]),
        metavar="SDKS",
        help="comma list of SDK keys (statsig, statsig-local, core, ours) or "
        "groups (default, official, all); default: statsig,core,ours",
    )
    parser.add_argument(
        "--suites",
        type=parse_suites,
        default=list(SUITES),
        metavar="NAMES",
        help=f"comma list of suites; default: {','.join(SUITES)}",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="print the report of an earlier --json file instead of running",
    )
    args = parser.parse_args(argv)

    if args.from_json:
        print(render(json.loads(args.from_json.read_text(encoding="utf-8"))))
        return 0
    payload = collect(args.only, args.suites, args.quick)
    print(render(payload))
    if args.json:
        args.json.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 1 if any(r.get("status") == "error" for r in payload["workers"]) else 0


def _progress(result: dict[str, Any]) -> None:
    seconds = result.get("wall_seconds", result.get("seconds", 0.0))
    print(
        f"[{result['suite']}/{result['variant']}] {result['sdk']}: {result['status']} "
        f"({seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
