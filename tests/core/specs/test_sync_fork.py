"""Pollers survive a fork (gunicorn --preload, Celery prefork): the child restarts them with its
own threads and its own httpx client, and picks up new specs by itself."""

from __future__ import annotations

import json
import os
import select
import threading
import time

import pytest

from support.specs import cond, dcs, rule, spec

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def specs(time_ms: int) -> dict:
    return dcs(gates={"g": spec(rule(cond(), id=f"v{time_ms}"))}, time=time_ms)


def run_in_child(body) -> dict:
    """Fork, run ``body()`` in the child, and return the JSON it reports through a pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.write(write_fd, json.dumps(body()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        report = os.read(read_fd, 65536) if ready else b""
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    assert report, "the child reported nothing"
    return json.loads(report)


def test_a_forked_child_restarts_polling_with_its_own_http_client(fake_api, networked):
    fake_api.specs = specs(100)
    client = networked(enable_id_lists=False)
    client.initialize(timeout=5)
    sync = client._sync
    assert sync is not None and sync._api.pool.pid == os.getpid()
    parent = os.getpid()

    def child() -> dict:
        deadline = time.monotonic() + 15
        while client.health()["lcut"] != 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        return {
            "pid": os.getpid(),
            "lcut": client.health()["lcut"],
            "http_client_pid": sync._api.pool.pid,
            "threads": [t.name for t in threading.enumerate()],
        }

    timer = threading.Timer(0.2, lambda: setattr(fake_api, "specs", specs(200)))
    timer.start()
    report = run_in_child(child)
    timer.join()
    assert report["lcut"] == 200
    assert report["http_client_pid"] == report["pid"] != parent
    assert "statsig-specs-sync" in report["threads"]
    assert client.health()["lcut"] == 200  # the parent kept polling too


def test_a_child_forked_after_shutdown_does_not_poll(fake_api, networked):
    fake_api.specs = specs(100)
    client = networked(enable_id_lists=False)
    client.initialize(timeout=5)
    client.shutdown(timeout=1)
    report = run_in_child(lambda: {"threads": [t.name for t in threading.enumerate()]})
    assert "statsig-specs-sync" not in report["threads"]
