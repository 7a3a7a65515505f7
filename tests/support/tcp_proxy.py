"""A loopback TCP proxy whose link can be cut and restored, to fake an outage of a shared service.

Tests must not stop the machine's Redis (or broker), so they talk to it through a proxy and cut
the proxy instead::

    with TcpProxy("127.0.0.1", 6379) as proxy:
        client = redis.Redis(port=proxy.port)
        proxy.cut()        # open connections are reset, new ones refused: "Redis is down"
        proxy.cut("hang")  # ... or accepted and never answered: a network partition (timeouts)
        proxy.restore()    # traffic flows again

It is a plain thread-per-connection byte pump; fine for tests, not for production traffic.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

__all__ = ["TcpProxy"]

_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST instead of FIN


class TcpProxy:
    """Forwards ``host:port`` (an ephemeral loopback port) to ``target_host:target_port``."""

    def __init__(self, target_host: str, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.05)
        self.host, self.port = self._listener.getsockname()[:2]
        self._mode = "up"  # "up" | "reset" | "hang"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._closed = threading.Event()
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    @property
    def is_up(self) -> bool:
        return self._mode == "up"

    def cut(self, mode: str = "reset") -> None:
        """Drop all open connections; new ones are reset (``"reset"``) or held mute (``"hang"``)."""
        if mode not in ("reset", "hang"):
            raise ValueError("mode is 'reset' or 'hang'")
        with self._lock:
            self._mode = mode
        self._drop_all()

    def restore(self) -> None:
        """Let new connections through again (mute ones held during a hang are dropped)."""
        self._drop_all()
        with self._lock:
            self._mode = "up"

    def close(self) -> None:
        self._closed.set()
        self._thread.join(1)
        self._listener.close()
        self._drop_all()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):  # already closed
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
        sock.close()

    def _drop_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._drop(sock)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            client.settimeout(None)
            with self._lock:
                mode = self._mode
            if mode == "reset":
                self._drop(client)
            elif mode == "hang":
                self._track(client)
            else:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            self._drop(client)
            return
        upstream.settimeout(None)
        self._track(client)
        self._track(upstream)
        if not self.is_up:  # cut while we were connecting
            self._drop(client)
            self._drop(upstream)
            return
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        self._drop(source)
        self._drop(sink)
