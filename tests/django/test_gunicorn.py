"""Under a real gunicorn with ``--preload``: Django is set up (and the client started) in the
master, then two workers fork from it. Each worker must serve gates with a client of its own and,
when gunicorn stops, deliver every exposure it logged exactly once; the master logs none."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.django.specs_data import SPECS

from support.fake_api import FakeStatsigApi, fake_statsig_api
from support.gunicorn import gunicorn_server, visit_concurrently

GATE_EXPOSURE = "statsig::gate_exposure"


@pytest.fixture
def api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as running:
        running.specs = SPECS
        yield running


def test_preloaded_workers_serve_gates_and_each_delivers_its_exposures_once_at_exit(
    api: FakeStatsigApi, tmp_path: Path
):
    app = "tests.django.gunicorn_app:application"
    with gunicorn_server(app, api.url, tmp_path / "gunicorn.log") as (url, server):
        visits = visit_concurrently(f"{url}/worker/")
        pids = {pid for pid, _, _ in visits}
        assert len(pids) == 2 and server.pid not in pids  # both workers served, not the master
        assert all(gate is True for _, gate, _ in visits)
        # The master's client (started by AppConfig.ready) and one per worker, after the fork.
        assert len(api.requests_to("specs")) >= 1 + len(pids)

        server.send_signal(signal.SIGTERM)  # a graceful stop: each worker exits and flushes
        assert server.wait(20) == 0
    exposures = [e for e in api.unique_events if e["eventName"] == GATE_EXPOSURE]
    delivered = sorted(e["user"]["customIDs"]["stableID"] for e in exposures)
    assert delivered == sorted(stable_id for _, _, stable_id in visits)
    assert api.duplicate_batches == 0
    metadata = [dict(e["metadata"]) for e in exposures]
    for entry in metadata:
        entry.pop("initTime")  # each worker's own specs download
    assert len({json.dumps(m, sort_keys=True) for m in metadata}) == 1  # same gate, rule, reason
    assert metadata[0]["reason"] == "Network:Recognized"
