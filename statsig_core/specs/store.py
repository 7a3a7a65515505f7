"""Holds the current specs snapshot and ID lists and swaps them atomically.

Writers (file load, network poller, data-store reader) hand over complete snapshots; an older
snapshot than the current one is refused, so a stale cache or a delayed response can never roll
the rules back. Readers only ever see one whole snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from statsig_core.specs.model import IdList, Snapshot

__all__ = ["SpecStore"]


class SpecStore:
    """The single place the client reads specs from."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        self._lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.id_lists: Mapping[str, IdList] = {}

    def set_snapshot(self, snapshot: Snapshot) -> bool:
        """Install ``snapshot`` unless it is older than the current one; True if installed."""
        with self._lock:
            current = self.snapshot
            if current is not None and snapshot.lcut < current.lcut:
                return False
            self.snapshot = snapshot
        self._on_change()
        return True

    def set_id_lists(self, id_lists: Mapping[str, IdList]) -> None:
        with self._lock:
            self.id_lists = dict(id_lists)
        self._on_change()

    def reset_after_fork(self) -> None:
        """In a forked child: a swap in flight at the fork would leave the lock held forever."""
        self._lock = threading.Lock()

    @property
    def lcut(self) -> int:
        snapshot = self.snapshot
        return snapshot.lcut if snapshot is not None else 0
