"""Helpers for event-pipeline tests: a transport that follows a script, and polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from statsig_core.events.transport import EventBatch

__all__ = ["ScriptedTransport", "Send", "wait_until"]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes (a guard against hangs only)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@dataclass(frozen=True)
class Send:
    """One call the logger made to the transport."""

    batch_id: str
    count: int
    attempt: int
    thread: str
    timeout: float | None
    values: tuple[object, ...]


class ScriptedTransport:
    """Fails according to ``script`` (one entry per send: None succeeds, an exception is raised),
    then succeeds. ``block`` makes every send wait until released (a hung API)."""

    def __init__(self, script: Iterable[BaseException | None] = ()) -> None:
        self.script = list(script)
        self.sends: list[Send] = []
        self.delivered: list[EventBatch] = []
        self.block = threading.Event()
        self.block.set()
        self.closed = False
        self._lock = threading.Lock()

    def send(self, batch: EventBatch, timeout: float | None = None) -> None:
        self.block.wait(30)
        values = tuple(event.get("value") for event in batch.events)
        with self._lock:
            self.sends.append(
                Send(
                    batch.id,
                    batch.count,
                    batch.attempts,
                    threading.current_thread().name,
                    timeout,
                    values,
                )
            )
            outcome = self.script.pop(0) if self.script else None
            if outcome is None:
                self.delivered.append(batch)
        if outcome is not None:
            raise outcome

    @property
    def values(self) -> list[object]:
        with self._lock:
            return [event.get("value") for b in self.delivered for event in b.events]

    def close(self) -> None:
        self.closed = True
