"""A connection (HTTP pool, Redis client) made lazily in each process that uses it.

Web servers and Celery fork workers after the parent may already have opened connections; a
child that wrote to its parent's sockets would interleave bytes with it. So every process makes
its own on first use, and a child drops the inherited one without closing it (closing would shut
sockets the parent still uses).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["ProcessLocal"]


class _Closeable(Protocol):
    def close(self) -> None: ...


T = TypeVar("T", bound=_Closeable)


class ProcessLocal(Generic[T]):
    """``get()`` returns this process's object, made by ``factory`` on first use."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._pid = 0
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        """The process that made the current object (0: none made yet)."""
        return self._pid

    def current(self) -> T | None:
        """The object this process made, if it made one (without making it)."""
        return self._value if self._pid == os.getpid() else None

    def get(self) -> T:
        pid = os.getpid()
        value = self._value
        if value is None or self._pid != pid:
            with self._lock:
                if self._value is None or self._pid != pid:
                    self._value = self._factory()
                    self._pid = pid
                value = self._value
        return value

    def close(self) -> None:
        """Close this process's object; the next ``get()`` makes a new one."""
        with self._lock:
            value, self._value = self._value, None
        if value is not None and self._pid == os.getpid():
            value.close()
