"""A loopback ``log_event`` receiver in its own process, for the events suite.

It decodes each body (gzip or plain JSON) and counts the events with the benchmark's event name,
so every SDK is measured the same way. Being a separate process, its parsing never competes with
the measured SDK for the GIL. ``GET /count`` answers ``{"events": n}``.

Run: ``python -m benchmarks._receiver EVENT_NAME``; it prints its port on the first line.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Receiver"]


class Receiver:
    """Controls a receiver subprocess from a worker."""

    def __init__(self, event_name: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._receiver", event_name],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def count(self) -> int:
        with urllib.request.urlopen(f"{self.url}/count", timeout=5) as response:
            return int(json.loads(response.read())["events"])

    def wait_for(self, total: int, timeout: float, stall: float = 10.0) -> bool:
        """Poll until ``total`` events arrived; False after ``timeout``, or once the count has
        not grown for ``stall`` seconds (an SDK that dropped events would never get there)."""
        now = time.monotonic()
        deadline, last_count, last_change = now + timeout, -1, now
        while (count := self.count()) < total:
            now = time.monotonic()
            if count != last_count:
                last_count, last_change = count, now
            if now > deadline or now - last_change > stall:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(5)


def _serve(event_name: str) -> None:
    lock = threading.Lock()
    counted = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with lock:
                self._answer(json.dumps({"events": counted[0]}).encode())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            try:
                events = json.loads(body).get("events") or []
            except ValueError:
                events = []
            mine = sum(1 for event in events if event.get("eventName") == event_name)
            with lock:
                counted[0] += mine
            self._answer(b'{"success": true}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    _serve(sys.argv[1])
