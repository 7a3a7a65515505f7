"""Under a real gunicorn with ``--preload``: Django is set up (and the client started) in the
master, then two workers fork from it. Each worker must serve gates with a client of its own and,
when gunicorn stops, deliver every exposure it logged exactly once; the master logs none."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.django.specs_data import SPECS

from support.fake_api import FakeStatsigApi, fake_statsig_api
from support.net import free_port
from support.services import require_module

REPO = Path(__file__).resolve().parents[2]
GATE_EXPOSURE = "statsig::gate_exposure"


@pytest.fixture
def api() -> Iterator[FakeStatsigApi]:
    with fake_statsig_api() as running:
        running.specs = SPECS
        yield running


@pytest.fixture
def gunicorn(api: FakeStatsigApi, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    require_module("gunicorn")
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    env = {
        **os.environ,
        "STATSIG_TEST_API": api.url,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")]),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10", "--no-control-socket"]
    server = subprocess.Popen(
        [*command, "tests.django.gunicorn_app:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/nothing/", timeout=2).status_code == 200:  # checks nothing
                break
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text())
        time.sleep(0.1)
    try:
        yield url, server
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(5)
        log.close()


def visit(url: str) -> tuple[int, bool, str]:
    """One new visitor (no cookies): (worker pid, the gate's value, the stable id it was given)."""
    response = httpx.get(f"{url}/worker/", params={"sleep": "0.05"}, timeout=10)
    body = response.json()
    return body["pid"], body["gate"], response.cookies["statsig_stable_id"]


def test_preloaded_workers_serve_gates_and_each_delivers_its_exposures_once_at_exit(
    api: FakeStatsigApi, gunicorn: tuple[str, subprocess.Popen[bytes]]
):
    url, server = gunicorn
    with ThreadPoolExecutor(max_workers=4) as pool:
        visits = list(pool.map(lambda _: visit(url), range(24)))

    pids = {pid for pid, _, _ in visits}
    assert len(pids) == 2 and server.pid not in pids  # both workers served, never the master
    assert all(gate is True for _, gate, _ in visits)
    # The master's client (started by AppConfig.ready) and one per worker, built after the fork.
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
