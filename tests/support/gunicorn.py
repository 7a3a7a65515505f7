"""A real gunicorn (``--preload``, two sync workers) serving one of the suite's WSGI apps, with
specs and events going to the fake Statsig API, for the fork-safety tests of both frameworks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from support.net import free_port, wait_until_serving
from support.services import require_module

__all__ = ["Visit", "gunicorn_server", "visit_concurrently"]

REPO = Path(__file__).resolve().parents[2]

#: (worker pid, the gate's value there, the stable id the visitor was given)
Visit = tuple[int, bool, str]


@contextmanager
def gunicorn_server(
    app: str, api_url: str, log_file: Path, *, ready_path: str = "/nothing/"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``(base url, master process)`` once ``ready_path`` answers 200; killed afterwards if the
    test did not stop it. The app reads the fake API's URL from ``STATSIG_TEST_API``."""
    require_module("gunicorn")
    port = free_port()
    env = {
        **os.environ,
        "STATSIG_TEST_API": api_url,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")]),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10", "--no-control-socket"]
    with log_file.open("wb") as log:
        server = subprocess.Popen(
            [*command, app], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(f"{url}{ready_path}", server, log_file)
            yield url, server
        finally:
            if server.poll() is None:
                server.kill()
                server.wait(5)


def visit_concurrently(url: str, count: int = 24, rounds: int = 5) -> list[Visit]:
    """``count`` new visitors (no cookies), four at a time, each held 50 ms by the view so that
    both workers serve some; more rounds (up to ``rounds``) while only one worker has answered,
    as a worker may still be booting on a loaded machine. The view answers
    ``{"pid": ..., "gate": ...}``."""

    def visit(_: int) -> Visit:
        response = httpx.get(url, params={"sleep": "0.05"}, timeout=10)
        body = response.json()
        return body["pid"], body["gate"], response.cookies["statsig_stable_id"]

    visits: list[Visit] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(rounds):
            visits += pool.map(visit, range(count))
            if len({pid for pid, _, _ in visits}) > 1:
                break
    return visits
