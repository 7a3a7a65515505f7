"""Timing loops and summary statistics shared by every suite.

Why batches: one ``perf_counter_ns`` pair costs about 0.1 µs, which is noise next to a 30 µs
call but a sizeable share of a sub-microsecond one. Timing ``BATCH`` consecutive calls and
dividing keeps the clock's cost under a few per cent while still giving thousands of samples for a
median and a p90. The p90 is therefore a p90 of 10-call means: it shows slow stretches (GC,
background threads) but smooths single-call outliers.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

BATCH = 10


def per_call_ns(batches_ns: Sequence[int], batch_sizes: Sequence[int]) -> list[float]:
    """Per-call nanoseconds of each batch."""
    return [t / n for t, n in zip(batches_ns, batch_sizes, strict=True)]


def summarize(samples: Sequence[float], divisor: float = 1000.0) -> dict[str, float]:
    """Median, p90 and mean of ``samples / divisor`` (ns -> µs by default), plus the count."""
    ordered = sorted(samples)
    p90_index = min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))
    return {
        "median": statistics.median(ordered) / divisor,
        "p90": ordered[p90_index] / divisor,
        "mean": statistics.fmean(ordered) / divisor,
        "samples": float(len(ordered)),
    }


def run_batches(fn: Callable[..., Any], batches: Sequence[Sequence[tuple[Any, ...]]]) -> list[int]:
    """Call ``fn(*args)`` for every args tuple, timing each batch as a whole (ns per batch).

    The loop is specialised by arity so no time is spent on ``*args`` unpacking in the timed
    region; ``fn`` is the SDK's bound method or a one-line wrapper.
    """
    clock = time.perf_counter_ns
    out: list[int] = []
    append = out.append
    arity = len(batches[0][0]) if batches and batches[0] else 0
    if arity == 1:
        for batch in batches:
            t0 = clock()
            for (a,) in batch:
                fn(a)
            append(clock() - t0)
    elif arity == 2:
        for batch in batches:
            t0 = clock()
            for a, b in batch:
                fn(a, b)
            append(clock() - t0)
    elif arity == 3:
        for batch in batches:
            t0 = clock()
            for a, b, c in batch:
                fn(a, b, c)
            append(clock() - t0)
    elif arity == 4:
        for batch in batches:
            t0 = clock()
            for a, b, c, d in batch:
                fn(a, b, c, d)
            append(clock() - t0)
    else:
        raise ValueError(f"unsupported arity {arity}")
    return out


def chunk(items: Sequence[tuple[Any, ...]], size: int) -> list[list[tuple[Any, ...]]]:
    """Split a call plan into timing batches of ``size`` calls."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def rss_bytes() -> int:
    """Resident set size of this process (Linux ``/proc``; falls back to peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            resident_pages = int(fh.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - non-Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def settle() -> None:
    """Collect garbage before a measurement so earlier work is not billed to it."""
    gc.collect()
