"""Fork safety with a real ``os.fork()``: the child gets its own sender thread and HTTP pool, and
the parent's pending events are sent once, by the parent."""

from __future__ import annotations

import os
import sys

import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser

from support.events import wait_until
from support.fake_api import fake_statsig_api
from support.specs import dcs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

USER = StatsigUser(user_id="u")


def _child(client: Statsig) -> int:
    """Runs in the forked child; returns its exit status (it must never return into pytest)."""
    event_logger = client.event_logger
    assert event_logger is not None
    if event_logger.stats().pending != 0 or event_logger._thread is not None:
        return 3  # inherited the parent's events or its (dead) thread
    for i in range(5):  # a full batch: only a running background thread can send it
        client.log_event(USER, "child", f"c{i}")
    if not wait_until(lambda: event_logger.stats().sent == 5, timeout=20):
        return 4
    return 0


def test_forked_child_sends_only_its_own_events_from_its_own_thread():
    with fake_statsig_api() as api:
        options = StatsigOptions(
            bootstrap_values=dcs(),
            event_transport="http",
            api=api.url,
            event_queue_size=5,
            event_flush_interval=3600,
        )
        client = Statsig(None, options)
        client.initialize()
        for i in range(5):
            client.log_event(USER, "parent", f"early{i}")
        assert wait_until(lambda: client.health()["events"]["sent"] == 5)  # pool now open
        for i in range(3):
            client.log_event(USER, "parent", f"p{i}")  # pending at the fork
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is its exit status
            status = 1
            try:
                status = _child(client)
            finally:
                os._exit(status)
        _, wait_status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(wait_status) == 0
        for i in range(3, 5):
            client.log_event(USER, "parent", f"p{i}")
        assert wait_until(lambda: client.health()["events"]["sent"] == 10)
        client.shutdown()
        values = sorted(e["value"] for e in api.events)
        assert values == sorted(
            [f"early{i}" for i in range(5)]
            + [f"p{i}" for i in range(5)]
            + [f"c{i}" for i in range(5)]
        )
        assert len(api.batch_ids) == 3 and api.duplicate_batches == 0
