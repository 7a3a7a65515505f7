"""Events suite: what logging a custom event costs the caller, and how fast events get delivered.

Each SDK posts its events over loopback HTTP to a receiver in another process
(``benchmarks._receiver``), which counts the events carrying the benchmark's name. Rows:

* ``log_event``: median (p90) per call over batches of 10 calls, while the SDK's own background
  delivery runs (``log_event(user, name, value, metadata)``; the pure-Python SDK wraps the
  arguments in its ``StatsigEvent``, which is part of its API's cost).
* ``log_event_amortized``: one clock around a stream of calls, divided by the number of calls:
  includes everything the logging thread pays over time (GIL hand-offs to the sender, wake-ups).
* ``event_delivery``: events per second from the first call of that stream until the receiver
  has counted them all, after one ``flush``. The pure-Python SDK's design (batches sent by two
  threads, one per interval) bounds its number; the row shows what each design delivers.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from benchmarks import _timing
from benchmarks._adapters import SpecsSource
from benchmarks._receiver import Receiver
from benchmarks.specs_gen import USERS_PATH, V2_PATH

__all__ = ["events_worker"]

EVENT_NAME = "bench_event"
METADATA = {"sku": "A1", "page": "checkout"}
CALLS = (50_000, 5_000)  # (full, quick), per phase
DELIVERY_TIMEOUT_S = 120.0
SEED = 7_331 + 5


def _plan(users: list[Any], calls: int, rng: random.Random) -> list[tuple[Any, str, str, Any]]:
    """(user, name, value, metadata) per call; values are strings, which every SDK accepts."""
    return [(users[rng.randrange(len(users))], EVENT_NAME, str(i), METADATA) for i in range(calls)]


def events_worker(ctx: Any) -> dict[str, Any]:
    """Time ``log_event`` and event delivery for one SDK (``ctx`` is a ``WorkerContext``)."""
    calls = CALLS[1 if ctx.quick else 0]
    receiver = Receiver(EVENT_NAME)
    try:
        adapter = ctx.adapter_cls(SpecsSource(V2_PATH))
        adapter.events_url = receiver.url
        adapter.start()
        users = [adapter.make_user(u) for u in json.loads(USERS_PATH.read_text("utf-8"))]
        rng = random.Random(SEED)
        rows: list[dict[str, Any]] = []

        per_call = _timing.run_batches(
            adapter.log_event, _timing.chunk(_plan(users, calls, rng), _timing.BATCH)
        )
        adapter.flush_events()
        delivered = receiver.wait_for(calls, DELIVERY_TIMEOUT_S)
        rows.append(
            {
                "key": "log_event",
                "unit": "µs",
                "label": "log_event (per call)",
                **_timing.summarize(_timing.per_call_ns(per_call, [_timing.BATCH] * len(per_call))),
            }
        )

        stream = _plan(users, calls, rng)
        log = adapter.log_event
        _timing.settle()
        started = time.perf_counter()
        for user, name, value, metadata in stream:
            log(user, name, value, metadata)
        logged = time.perf_counter()
        adapter.flush_events()
        delivered = receiver.wait_for(2 * calls, DELIVERY_TIMEOUT_S) and delivered
        finished = time.perf_counter()
        rows.append(
            {
                "key": "log_event_amortized",
                "unit": "µs",
                "value": (logged - started) * 1e6 / calls,
                "label": f"log_event, amortized over {calls:,} calls",
            }
        )
        throughput: dict[str, Any] = {"value": calls / (finished - started) / 1000}
        if not delivered:
            throughput = {"error": f"receiver counted {receiver.count()} of {2 * calls} events"}
        rows.append(
            {
                "key": "event_delivery",
                "unit": "k events/s",
                "label": "event delivery throughput (higher is better)",
                **throughput,
            }
        )
        return {"rows": rows, "info": {"calls_per_phase": calls, "received": receiver.count()}}
    finally:
        receiver.stop()
