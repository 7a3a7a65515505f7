"""Benchmark suites: what each worker process measures.

A suite is one worker function (runs inside a fresh subprocess for one SDK configuration and one
variant, returns rows) plus one entry in ``SUITES``. The parent (``benchmarks.run``) is generic:
it spawns a worker per (suite, variant, SDK), then lays every returned row out as a table row with
one column per SDK. To add e.g. a Django page suite, write ``def page_worker(ctx) -> dict`` that
returns ``{"rows": [...], "info": {...}}`` and register ``Suite("page", page_worker)``.

A row is ``{"key", "label", "unit", "median", "p90"}`` for timings or ``{"key", "label", "unit",
"value"}`` for single numbers; ``key`` must be stable (the README table and ``--json`` use it).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import _timing
from benchmarks._adapters import Adapter, SpecsSource
from benchmarks.django_page import django_page_worker
from benchmarks.events import events_worker
from benchmarks.flask_page import flask_page_worker
from benchmarks.specs_gen import USERS_PATH, V2_PATH

SEED = 7_331
EVAL_PROJ_PATH = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "fixtures"
    / "statsig-server-core"
    / "eval_proj_dcs.json"
)


@dataclass(frozen=True)
class WorkerContext:
    """Everything a worker function gets: the adapter class to build, the variant, the mode."""

    adapter_cls: type[Adapter]
    variant: str
    quick: bool
    workdir: Path


@dataclass(frozen=True)
class Suite:
    """A named worker function and the variants it runs (one subprocess per variant and SDK)."""

    name: str
    worker: Callable[[WorkerContext], dict[str, Any]]
    variants: Callable[[], list[str]] = field(default=lambda: ["default"])
    description: str = ""
    #: The SDK keys it runs for; ``None``: every configuration without a ``suites`` limit.
    sdks: tuple[str, ...] | None = None

    def runs_for(self, adapter: type[Adapter]) -> bool:
        if self.sdks is not None:
            return adapter.key in self.sdks
        return adapter.suites is None


# --- evaluation suite --------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One timed operation: which names it draws, how many calls, how they are batched."""

    key: str
    label: str
    names: str | None
    calls: int
    quick_calls: int
    batch: int = _timing.BATCH


EVAL_OPS: tuple[Op, ...] = (
    Op("check_gate", "check_gate", "gates", 40_000, 4_000),
    Op("get_config", "get_config", "configs", 20_000, 2_000),
    Op("get_experiment", "get_experiment", "experiments", 20_000, 2_000),
    Op("get_layer_get", "get_layer + .get(param)", "layers", 20_000, 2_000),
    Op("gcir", "get_client_initialize_response (djb2)", None, 400, 40, batch=1),
)
WARMUP_FRACTION = 0.1
SANITY_GATE_CALLS = (5_000, 2_000)  # (full, quick)
SANITY_OTHER_CALLS = (2_000, 500)


@dataclass(frozen=True)
class BenchNames:
    """Entity names of the benchmark specs, in file order (so plans are stable)."""

    gates: list[str]
    configs: list[str]
    experiments: list[str]
    layers: list[str]
    layer_params: dict[str, list[str]]

    @classmethod
    def from_v2(cls, specs: dict[str, Any]) -> BenchNames:
        configs = specs["dynamic_configs"]
        layers = specs["layer_configs"]
        return cls(
            gates=sorted(specs["feature_gates"]),
            configs=sorted(n for n, s in configs.items() if s.get("entity") != "experiment"),
            experiments=sorted(n for n, s in configs.items() if s.get("entity") == "experiment"),
            layers=sorted(layers),
            layer_params={n: sorted(s["defaultValue"]) for n, s in layers.items()},
        )


def call_plan(
    op_key: str, kind: str | None, names: BenchNames, n_users: int, calls: int, seed: int
) -> list[tuple[int, ...]]:
    """(user index, name index[, param index]) triples from a seeded RNG.

    Depends only on the op, the specs and the seed, never on the SDK, so every SDK makes the
    same calls in the same order.
    """
    rng = random.Random(f"{seed}:{op_key}")
    if kind is None:
        return [(rng.randrange(n_users),) for _ in range(calls)]
    pool: list[str] = getattr(names, kind)
    if kind != "layers":
        return [(rng.randrange(n_users), rng.randrange(len(pool))) for _ in range(calls)]
    plan = []
    for _ in range(calls):
        layer = rng.randrange(len(pool))
        plan.append(
            (rng.randrange(n_users), layer, rng.randrange(len(names.layer_params[pool[layer]])))
        )
    return plan


def _resolve(
    plan: Sequence[tuple[int, ...]], kind: str | None, users: Sequence[Any], names: BenchNames
) -> list[tuple[Any, ...]]:
    """Turn index tuples into the actual (user object, name[, param]) arguments."""
    if kind is None:
        return [(users[p[0]],) for p in plan]
    pool: list[str] = getattr(names, kind)
    if kind != "layers":
        return [(users[u], pool[n]) for u, n in plan]
    return [(users[u], pool[n], names.layer_params[pool[n]][p]) for u, n, p in plan]


def _op_function(adapter: Adapter, op: Op) -> Callable[..., Any]:
    return {
        "check_gate": adapter.check_gate,
        "get_config": adapter.get_config,
        "get_experiment": adapter.get_experiment,
        "get_layer_get": adapter.layer_get,
        "gcir": adapter.gcir,
    }[op.key]


def eval_worker(ctx: WorkerContext) -> dict[str, Any]:
    """Time the five evaluation calls on the generated specs, then record a sanity sample."""
    specs = SpecsSource(V2_PATH)
    specs.prepare()
    names = BenchNames.from_v2(json.loads(specs.v2_text))
    users_data = json.loads(USERS_PATH.read_text(encoding="utf-8"))

    adapter = ctx.adapter_cls(specs)
    t0 = time.perf_counter()
    adapter.start()
    init_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    users = [adapter.make_user(u) for u in users_data]
    users_us = (time.perf_counter() - t0) * 1e6 / len(users)

    rows: list[dict[str, Any]] = []
    for op in EVAL_OPS:
        row: dict[str, Any] = {"key": op.key, "label": op.label, "unit": "µs"}
        try:
            row.update(_time_op(adapter, op, users, names, ctx.quick))
        except Exception as exc:  # an SDK still missing one API must not hide the others
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)

    sanity = _sanity(adapter, users, names, ctx.quick)
    return {
        "rows": rows,
        "sanity": sanity,
        "info": {
            "init_ms": init_ms,
            "user_construct_us": users_us,
            "users": len(users),
            "specs": specs.spec_count(),
        },
    }


def _time_op(
    adapter: Adapter, op: Op, users: Sequence[Any], names: BenchNames, quick: bool
) -> dict[str, Any]:
    """Warm up on one seeded plan, then time another in batches; returns the row's numbers."""
    calls = op.quick_calls if quick else op.calls
    fn = _op_function(adapter, op)
    warm = call_plan(
        op.key, op.names, names, len(users), max(5, int(calls * WARMUP_FRACTION)), SEED + 1
    )
    timed = call_plan(op.key, op.names, names, len(users), calls, SEED)
    warm_batches = _timing.chunk(_resolve(warm, op.names, users, names), op.batch)
    batches = _timing.chunk(_resolve(timed, op.names, users, names), op.batch)
    _timing.run_batches(fn, warm_batches)
    _timing.settle()
    batch_ns = _timing.run_batches(fn, batches)
    stats = _timing.summarize(_timing.per_call_ns(batch_ns, [len(b) for b in batches]))
    return {"calls": calls, "batch": op.batch, **stats}


def _sanity(
    adapter: Adapter, users: Sequence[Any], names: BenchNames, quick: bool
) -> dict[str, Any]:
    """Results on fixed samples, so the parent can check the SDKs agree (not timed)."""
    n_gates = SANITY_GATE_CALLS[1 if quick else 0]
    n_other = SANITY_OTHER_CALLS[1 if quick else 0]
    gate_plan = _resolve(
        call_plan("sanity_gate", "gates", names, len(users), n_gates, SEED + 2),
        "gates",
        users,
        names,
    )
    exp_plan = _resolve(
        call_plan("sanity_exp", "experiments", names, len(users), n_other, SEED + 2),
        "experiments",
        users,
        names,
    )
    layer_plan = _resolve(
        call_plan("sanity_layer", "layers", names, len(users), n_other, SEED + 2),
        "layers",
        users,
        names,
    )
    parts: dict[str, Callable[[], Any]] = {
        "gate_bits": lambda: "".join(
            "1" if adapter.check_gate(u, g) else "0" for u, g in gate_plan
        ),
        "experiment_groups": lambda: [
            adapter.group_name(adapter.get_experiment(u, e)) for u, e in exp_plan
        ],
        "layer_values": lambda: [
            json.dumps(adapter.layer_get(u, la, p)) for u, la, p in layer_plan
        ],
    }
    out: dict[str, Any] = {}
    for key, compute in parts.items():
        try:
            out[key] = compute()
        except Exception:  # reported as "n/a" by the parent, like a failed timing row
            out[key] = None
    return out


# --- load suite --------------------------------------------------------------------------------

LOAD_INSTANCES = (5, 2)  # (full, quick) instances kept alive per specs payload


def load_variants() -> list[str]:
    """The generated specs always; the real project's specs when ``../shared`` is present."""
    return ["bench", "eval_proj"] if EVAL_PROJ_PATH.exists() else ["bench"]


def _empty_specs(workdir: Path) -> SpecsSource:
    path = workdir / "empty_dcs_v2.json"
    path.write_text(
        json.dumps(
            {
                "has_updates": True,
                "time": 1_718_000_000_000,
                "feature_gates": {},
                "dynamic_configs": {},
                "layer_configs": {},
                "condition_map": {},
                "experiment_to_layer": {},
                "id_lists": {},
            }
        ),
        encoding="utf-8",
    )
    return SpecsSource(path)


def _timed_start(adapter: Adapter) -> tuple[float, int]:
    """(init milliseconds, RSS growth in bytes) of one ``start()``."""
    _timing.settle()
    rss0 = _timing.rss_bytes()
    t0 = time.perf_counter()
    adapter.start()
    elapsed_ms = (time.perf_counter() - t0) * 1000
    _timing.settle()
    return elapsed_ms, _timing.rss_bytes() - rss0


def load_worker(ctx: WorkerContext) -> dict[str, Any]:
    """Initialise time and memory per specs payload.

    The first ``start()`` in the process pays one-time costs (UA tables, country database,
    imports) and is reported on its own. Then N instances with empty specs and N with the payload
    are started alternately and all kept alive, so freed memory cannot be reused; the median of
    (payload instance RSS growth - empty instance RSS growth) is what the specs themselves cost
    (per-instance costs such as the pure-Python SDK's country table cancel out), scaled to 1,000
    specs. Expect about ±20 %: the growth is around a megabyte, near allocator granularity.
    """
    path = V2_PATH if ctx.variant == "bench" else EVAL_PROJ_PATH
    specs = SpecsSource(path)
    specs.prepare()
    empty = _empty_specs(ctx.workdir)
    empty.prepare()
    n_specs = specs.spec_count()
    n = LOAD_INSTANCES[1 if ctx.quick else 0]

    alive: list[Adapter] = []
    first_ms, _ = _timed_start(_keep(alive, ctx.adapter_cls(specs)))
    empty_runs: list[tuple[float, int]] = []
    spec_runs: list[tuple[float, int]] = []
    for _ in range(n):  # interleaved, so slow drift in the allocator hits both sides alike
        empty_runs.append(_timed_start(_keep(alive, ctx.adapter_cls(empty))))
        spec_runs.append(_timed_start(_keep(alive, ctx.adapter_cls(specs))))

    specs_cost = statistics.median(s[1] - e[1] for s, e in zip(spec_runs, empty_runs, strict=True))
    per_1k_mib = specs_cost / n_specs * 1000 / 2**20
    label = "generated specs" if ctx.variant == "bench" else "eval_proj_dcs.json"
    times = [t for t, _ in spec_runs]
    rows = [
        {
            "key": f"load_{ctx.variant}_first",
            "unit": "ms",
            "value": first_ms,
            "label": f"initialize, first in process: {label} ({n_specs} specs)",
        },
        {
            "key": f"load_{ctx.variant}",
            "unit": "ms",
            **_timing.summarize(times, divisor=1.0),
            "label": f"initialize: {label} ({n_specs} specs)",
        },
        {
            "key": f"rss_{ctx.variant}",
            "unit": "MiB",
            "value": per_1k_mib,
            "label": f"RSS growth per 1,000 specs: {label}",
        },
    ]
    if ctx.variant == "bench":
        rows.insert(
            0,
            {
                "key": "load_empty",
                "unit": "ms",
                **_timing.summarize([t for t, _ in empty_runs], divisor=1.0),
                "label": "initialize: empty specs (fixed cost)",
            },
        )
    return {
        "rows": rows,
        "info": {
            "specs": n_specs,
            "instances": n,
            "init_ms": times,
            "empty_rss_bytes": [r for _, r in empty_runs],
            "specs_rss_bytes": [r for _, r in spec_runs],
        },
    }


def _keep(alive: list[Adapter], adapter: Adapter) -> Adapter:
    alive.append(adapter)
    return adapter


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("eval", eval_worker, description="per-call cost of the five evaluation APIs"),
        Suite(
            "load",
            load_worker,
            variants=load_variants,
            description="initialise time and memory per specs payload",
        ),
        Suite(
            "flask",
            flask_page_worker,
            description="request time of a gated Flask page, with and without Statsig",
        ),
        Suite(
            "events",
            events_worker,
            description="log_event cost per call and event delivery throughput",
        ),
        Suite(
            "django",
            django_page_worker,
            sdks=("ours", "waffle"),
            description="request time of one gated Django page: statsig_django vs waffle",
        ),
    )
}
