"""The in-memory token buckets behind the browser event endpoint."""

from __future__ import annotations

import pytest

from statsig_core.web import throttle
from statsig_core.web.throttle import TokenBuckets


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(throttle.time, "monotonic", lambda: now[0])
    return now


def test_burst_then_refill_at_the_rate(clock):
    buckets = TokenBuckets()
    take = lambda n: buckets.take("k", n, rate_per_second=2, capacity=4)  # noqa: E731
    assert take(4) == 0
    assert take(1) == pytest.approx(0.5)
    clock[0] += 1.0
    assert take(2) == 0 and take(1) > 0


def test_requests_larger_than_the_bucket_never_fit(clock):
    buckets = TokenBuckets()
    assert buckets.take("k", 5, rate_per_second=1, capacity=4) == float("inf")
    assert buckets.take("k", 1, rate_per_second=0, capacity=0) == float("inf")


def test_keys_are_independent_and_memory_is_bounded(clock):
    buckets = TokenBuckets(max_keys=2)
    for key in ("a", "b", "c"):
        assert buckets.take(key, 1, rate_per_second=0, capacity=1) == 0
    assert len(buckets._buckets) == 2
    assert buckets.take("a", 1, rate_per_second=0, capacity=1) == 0  # "a" was forgotten
    assert buckets.take("c", 1, rate_per_second=0, capacity=1) > 0
