"""A fake Statsig API on loopback: serves specs and ID lists, records events, injects faults.

It is a real HTTP server (``http.server`` on 127.0.0.1, an ephemeral port, one thread per
connection) so the SDK's real httpx code paths run: headers, gzip bodies, timeouts, resets.

Routes (``{key}`` is any SDK key):

* ``GET /v{1,2}/download_config_specs/{key}.json[?sinceTime=N]``: the current specs
  (``api.specs``), or ``{"has_updates": false}`` when ``sinceTime`` >= their ``time``.
* ``POST /v1/get_id_lists`` and ``GET /v1/get_id_lists/{key}.json``: the ID-list manifest built
  from ``api.id_lists`` (each list served from ``/id_lists/{name}``, honouring ``Range``).
* ``POST /v1/log_event``: records each batch (``api.batches``, and its ``STATSIG-BATCH-ID``
  header in ``api.batch_ids``); gzip bodies are decoded. ``api.unique_events`` counts a batch id
  once, as a receiver that de-duplicates would.

Faults are queued per route with :meth:`FakeStatsigApi.fail`; each request to the route takes
the next fault, if any: an HTTP status (optionally with ``Retry-After``), ``"timeout"`` (sleep
past the client's timeout), ``"reset"`` (close the socket without answering) or ``"truncate"``
(send half of a JSON body). ``Fault(..., accept=True)`` on ``log_event`` records the batch first,
so the client sees a failure for a batch the server did take (its answer was "lost").
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeStatsigApi", "Fault", "RecordedRequest", "fake_statsig_api"]


@dataclass
class Fault:
    """One injected failure for the next request to a route."""

    status: int | None = None
    retry_after: float | None = None
    kind: str | None = None  # "timeout" | "reset" | "truncate"
    delay: float = 0.0
    accept: bool = False  # log_event only: record the batch, then fail anyway


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _hashed(raw_id: str) -> str:
    return base64.b64encode(hashlib.sha256(raw_id.encode()).digest()).decode()[:8]


class FakeStatsigApi:
    """State and controls of one fake server. Use :func:`fake_statsig_api` to run it."""

    def __init__(self) -> None:
        self.specs: dict[str, Any] = {"has_updates": True, "time": 1, "feature_gates": {}}
        self.specs_body: bytes | None = None  # when set, served verbatim (malformed tests)
        self.id_lists: dict[str, list[str]] = {}  # name -> list-file lines ("+hash"/"-hash")
        self.id_list_meta: dict[str, dict[str, Any]] = {}  # name -> creationTime/fileID
        self.requests: list[RecordedRequest] = []
        self.batches: list[dict[str, Any]] = []
        self.batch_ids: list[str | None] = []  # STATSIG-BATCH-ID of each recorded batch
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.timeout_sleep = 5.0
        self.url = ""
        self._lock = threading.Lock()

    # -- controls -----------------------------------------------------------------------------

    def fail(self, route: str, *faults: Fault | int | str) -> None:
        """Queue faults for ``specs``, ``id_lists``, ``id_list_file`` or ``log_event``."""
        for fault in faults:
            if isinstance(fault, int):
                fault = Fault(status=fault)
            elif isinstance(fault, str):
                fault = Fault(kind=fault)
            self._faults[route].append(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_id_list(
        self, name: str, raw_ids: list[str], *, creation_time: int = 1, file_id: str | None = None
    ) -> None:
        """Replace a list with these raw ids (hashed as Statsig does)."""
        self.id_lists[name] = [f"+{_hashed(i)}" for i in raw_ids]
        self.id_list_meta[name] = {"creationTime": creation_time, "fileID": file_id or f"{name}-1"}

    def append_id_list(self, name: str, add: list[str] = (), remove: list[str] = ()) -> None:  # type: ignore[assignment]
        self.id_lists[name] += [f"+{_hashed(i)}" for i in add] + [f"-{_hashed(i)}" for i in remove]

    @property
    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for batch in self.batches for event in batch.get("events", [])]

    @property
    def unique_events(self) -> list[dict[str, Any]]:
        """Events of the first recorded copy of each batch id (batches without an id all count)."""
        with self._lock:
            seen: set[str] = set()
            out = []
            for batch_id, batch in zip(self.batch_ids, self.batches, strict=True):
                if batch_id is not None and batch_id in seen:
                    continue
                if batch_id is not None:
                    seen.add(batch_id)
                out.extend(batch.get("events", []))
            return out

    @property
    def duplicate_batches(self) -> int:
        """Recorded batches whose id had been recorded before (redeliveries)."""
        with self._lock:
            ids = [i for i in self.batch_ids if i is not None]
            return len(ids) - len(set(ids))

    def requests_to(self, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if _route(r.path) == route]

    # -- internals ----------------------------------------------------------------------------

    def _next_fault(self, route: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(route)
            return queue.popleft() if queue else None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _accept_batch(self, request: RecordedRequest) -> None:
        batch_id = next(
            (v for k, v in request.headers.items() if k.lower() == "statsig-batch-id"), None
        )
        with self._lock:
            self.batches.append(request.json())
            self.batch_ids.append(batch_id)

    def _manifest(self) -> dict[str, Any]:
        out = {}
        for name, lines in self.id_lists.items():
            size = len("".join(line + "\n" for line in lines).encode())
            meta = self.id_list_meta.get(name, {"creationTime": 1, "fileID": f"{name}-1"})
            out[name] = {
                "name": name,
                "size": size,
                "url": f"{self.url}/id_lists/{name}",
                "creationTime": meta["creationTime"],
                "fileID": meta["fileID"],
            }
        return out


def _route(path: str) -> str:
    if "download_config_specs" in path:
        return "specs"
    if "get_id_lists" in path:
        return "id_lists"
    if path.startswith("/id_lists/"):
        return "id_list_file"
    if path.endswith("/log_event"):
        return "log_event"
    return "unknown"


def _handler(api: FakeStatsigApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr
            return None

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Content-Encoding") == "gzip" and body:
                body = gzip.decompress(body)
            return body

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _apply_fault(self, route: str, body: bytes) -> bool:
            """Serve the next fault for ``route``; True if it replaced the normal answer."""
            return self._serve_fault(api._next_fault(route), body)

        def _serve_fault(self, fault: Fault | None, body: bytes) -> bool:
            if fault is None:
                return False
            if fault.delay:
                time.sleep(fault.delay)
            if fault.kind == "timeout":
                time.sleep(api.timeout_sleep)
                self.close_connection = True
                return True
            if fault.kind == "reset":
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.close_connection = True
                self.connection.close()
                return True
            if fault.kind == "truncate":
                self._send(200, body[: max(1, len(body) // 2)])
                return True
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            if fault.status is not None:
                self._send(fault.status, b'{"error": "injected"}', headers)
                return True
            return False

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            body = self._body() if method == "POST" else b""
            request = RecordedRequest(
                method,
                parts.path,
                parse_qs(parts.query),
                {k: v for k, v in self.headers.items()},
                body,
            )
            api._record(request)
            route = _route(parts.path)
            if route == "specs":
                self._serve_specs(request)
            elif route == "id_lists":
                payload = json.dumps(api._manifest()).encode()
                if not self._apply_fault("id_lists", payload):
                    self._send(200, payload)
            elif route == "id_list_file":
                self._serve_list(parts.path.rsplit("/", 1)[-1])
            elif route == "log_event":
                fault = api._next_fault("log_event")
                if fault is None or fault.accept or (fault.status is None and fault.kind is None):
                    api._accept_batch(request)
                if not self._serve_fault(fault, b"{}"):
                    self._send(202, b'{"success": true}')
            else:
                self._send(404, b'{"error": "unknown route"}')

        def _serve_specs(self, request: RecordedRequest) -> None:
            if api.specs_body is not None:
                payload = api.specs_body
            else:
                since = int(request.query.get("sinceTime", ["0"])[0] or 0)
                current = api.specs
                if since and since >= int(current.get("time", 0)):
                    payload = b'{"has_updates": false}'
                else:
                    payload = json.dumps(current).encode()
            if not self._apply_fault("specs", payload):
                self._send(200, payload)

        def _serve_list(self, name: str) -> None:
            lines = api.id_lists.get(name)
            if lines is None:
                self._send(404, b"")
                return
            content = "".join(line + "\n" for line in lines).encode()
            start = 0
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes="):
                start = int(ranged[6:].split("-")[0] or 0)
            chunk = content[start:]
            if not self._apply_fault("id_list_file", chunk):
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(chunk)))
                self.end_headers()
                self.wfile.write(chunk)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


@contextmanager
def fake_statsig_api() -> Iterator[FakeStatsigApi]:
    """Run a fake API for the duration of the block; ``api.url`` is its base URL."""
    api = FakeStatsigApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="fake-statsig-api", daemon=True
    )
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
