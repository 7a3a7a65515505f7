"""Keep the specs snapshot and ID lists fed from Statsig's API and a data store, in the background.

Fallback chain, best first: Network, then the data store, then the specs file or bootstrap (loaded
by the client before sync starts), then defaults (Uninitialized). Every source is tried in turn
and a snapshot is only ever replaced by a newer one (or, at equal ``time``, a shared source
replaces a local file), so whatever fails, the last good rules keep serving.

A data store that opts in (``should_be_used_for_querying_updates``) is polled instead of the
network; the network is only asked when the store is unreachable or empty. Otherwise every
process polls the network and writes each update through to the store for cold starts.

Pollers are restarted in a forked child (gunicorn ``--preload``, Celery prefork): the parent's
threads do not survive a fork, and its httpx client and Redis connections are never reused
(both are rebuilt per process).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from typing import Any

import orjson

from statsig_core.data_stores.base import DataStore, StoreKeys
from statsig_core.options import StatsigOptions
from statsig_core.specs.id_list_sync import ListFile, ReadChunk, parse_manifest, sync_lists
from statsig_core.specs.polling import Poller, SyncStatus
from statsig_core.specs.sources import (
    StatsigApi,
    SyncError,
    build_snapshot,
    check_specs,
    read_store,
    stored_specs_time,
    write_store,
)
from statsig_core.specs.store import SpecStore

__all__ = ["SpecsSync"]

logger = logging.getLogger("statsig_core")
_SHARED_SOURCES = ("Network", "DataStore")
_live: weakref.WeakSet[SpecsSync] = weakref.WeakSet()


class SpecsSync:
    """Network and data-store sync for one client. ``start()`` once, ``stop()`` at shutdown."""

    def __init__(
        self, secret: str, options: StatsigOptions, store: SpecStore, session_id: str
    ) -> None:
        self._secret = secret
        self._options = options
        self._store = store
        self._api = StatsigApi(secret, options, session_id)
        self._data_store: DataStore | None = options.data_store
        self._keys = StoreKeys.for_secret(secret, options.specs_api_version)
        self.specs = SyncStatus("specs sync")
        self.id_lists = SyncStatus("ID-list sync")
        # Store health per kind of data, so one kind failing while the other works is still one
        # streak (logged once), not a streak restarted by every success of the other.
        self.stored_specs = SyncStatus("data store (specs)")
        self.stored_lists = SyncStatus("data store (ID lists)")
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._pollers: list[Poller] = []
        self._running = False
        _live.add(self)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, timeout: float) -> tuple[bool, str | None]:
        """Load the data store, start polling, and wait for the first results.

        Returns ``(timed_out, error)``. Waiting ends early when specs arrive, or when the first
        network attempt failed and there is a fallback to serve (or the key is refused).
        """
        if self._data_store is not None:
            self._load_from_store()
        self._running = True
        self._start_pollers()
        return self._wait(timeout)

    def _start_pollers(self) -> None:
        opts = self._options
        plan = [("statsig-specs-sync", opts.specs_sync_interval, self._sync_specs, self.specs)]
        if opts.enable_id_lists:
            interval = opts.id_lists_sync_interval
            plan.append(("statsig-id-list-sync", interval, self._sync_id_lists, self.id_lists))
        self._pollers = [Poller(*args, self._stop, self._notify) for args in plan]
        for poller in self._pollers:
            poller.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._running = False
        self._stop.set()
        deadline = time.monotonic() + timeout
        for poller in self._pollers:
            if poller.thread.is_alive() and poller.thread is not threading.current_thread():
                poller.thread.join(max(0.0, deadline - time.monotonic()))
        self._api.close()
        if self._data_store is not None:
            try:
                self._data_store.shutdown()
            except Exception:
                logger.exception("statsig: data store shutdown failed")

    def _after_fork_in_child(self) -> None:
        """Fresh locks and threads in a forked child; the parent's are gone or unusable."""
        self._store.reset_after_fork()
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._pollers = []
        if self._running:
            self._start_pollers()

    def _notify(self) -> None:
        with self._progress:
            self._progress.notify_all()

    def _wait(self, timeout: float) -> tuple[bool, str | None]:
        deadline = time.monotonic() + timeout
        with self._progress:
            while not self._ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True, self._error() or f"no specs within {timeout:g}s"
                self._progress.wait(remaining)
        return False, self._error()

    def _ready(self) -> bool:
        specs = self.specs
        error = specs.last_error
        specs_done = specs.successes > 0 or (
            error is not None and (error.permanent or self._store.snapshot is not None)
        )
        lists_done = not self._options.enable_id_lists or self.id_lists.attempts > 0
        return specs_done and lists_done

    def _error(self) -> str | None:
        for status in (self.specs, self.id_lists):
            error = status.last_error
            if error is not None:
                return f"{status.what} failed ({error.kind}): {error}"
        return None

    # -- specs --------------------------------------------------------------------------------

    def _polls_store(self, key: str) -> bool:
        store = self._data_store
        if store is None:
            return False
        try:
            return bool(store.should_be_used_for_querying_updates(key))
        except Exception:
            return False

    def _sync_specs(self) -> None:
        if self._polls_store(self._keys.specs):
            try:
                if self._specs_from_store():
                    return
            except SyncError as exc:
                self.stored_specs.failure(exc)
        self._specs_from_network()

    def _specs_from_network(self) -> None:
        current = self._store.snapshot
        since = current.lcut if current is not None and current.source in _SHARED_SOURCES else 0
        body = self._api.fetch_specs(since, self.specs.consecutive_failures)
        payload = check_specs(body, secret=self._secret, min_lcut=self._store.lcut)
        if payload is None or (since and payload["time"] == since):
            return  # nothing new (a server that ignores sinceTime resends the same version)
        if self._store.set_snapshot(build_snapshot(payload, "Network")):
            text = body.decode()
            self._specs_updated(text)
            if self._data_store is not None:
                self._share_specs(text, payload["time"])

    def _specs_from_store(self) -> bool:
        """Install the store's specs if newer; False when the store holds none."""
        raw = self._read_store(self._keys.specs)
        if raw is None:
            self.stored_specs.success()  # reachable, just empty: the network fills it
            return False
        try:
            payload = check_specs(raw, secret=self._secret, min_lcut=0)
        except SyncError as exc:
            raise SyncError(exc.kind, f"stored specs: {exc}") from None
        if payload is None:
            return False
        self.stored_specs.success()
        current = self._store.snapshot
        lcut = payload["time"]
        if current is not None and (
            lcut < current.lcut or (lcut == current.lcut and current.source in _SHARED_SOURCES)
        ):
            return True
        if self._store.set_snapshot(build_snapshot(payload, "DataStore")):
            self._specs_updated(raw.decode())
        return True

    def _specs_updated(self, text: str) -> None:
        callback = self._options.rules_updated_callback
        if callback is not None:
            try:
                callback(text)
            except Exception:
                logger.exception("statsig: rules_updated_callback raised")

    # -- ID lists -----------------------------------------------------------------------------

    def _sync_id_lists(self) -> None:
        if self._polls_store(self._keys.id_lists):
            try:
                if self._id_lists_from_store():
                    return
            except SyncError as exc:
                self.stored_lists.failure(exc)
        attempt = self.id_lists.consecutive_failures
        manifest = parse_manifest(self._api.fetch_id_list_manifest(attempt))

        def read(entry: ListFile, start: int) -> tuple[bytes, bool]:
            if entry.url is None:
                raise SyncError("bad_id_lists", f"ID list {entry.name!r} has no url")
            return self._api.fetch_id_list_file(entry.url, start, attempt)

        errors = self._apply_lists(manifest, read)
        if errors:
            raise errors[0]

    def _id_lists_from_store(self) -> bool:
        """Apply the store's lists; False when it holds none. A list that fails to read keeps
        its contents and is retried next poll, without asking the network."""
        raw = self._read_store(self._keys.id_lists)
        if raw is None:
            self.stored_lists.success()
            return False
        try:
            manifest = parse_manifest(orjson.loads(raw))
        except (orjson.JSONDecodeError, SyncError) as exc:
            raise SyncError("bad_id_lists", f"stored ID-list manifest: {exc}") from None

        def read(entry: ListFile, start: int) -> tuple[bytes, bool]:
            content = self._read_store(self._keys.id_list_file(entry.file_id))
            if content is None or len(content) < entry.size:
                # Files only grow under their fileID: shorter means replaced while we read.
                raise SyncError("data_store", f"stored ID list {entry.name!r} is incomplete")
            return content[start:], True

        errors = self._apply_lists(manifest, read)
        for error in errors:
            self.stored_lists.failure(error)
        if not errors:
            self.stored_lists.success()
        return True

    def _apply_lists(self, manifest: dict[str, ListFile], read: ReadChunk) -> list[SyncError]:
        lists, errors = sync_lists(self._store.id_lists, manifest, read)
        if lists is not None:
            self._store.set_id_lists(lists)
        return errors

    # -- data store ---------------------------------------------------------------------------

    def _load_from_store(self) -> None:
        """Start from the shared cache, so a process boots with good rules while the API is down."""
        loads = [(self._specs_from_store, self.stored_specs)]
        if self._options.enable_id_lists:
            loads.append((self._id_lists_from_store, self.stored_lists))
        for load, status in loads:
            try:
                load()
            except SyncError as exc:
                status.failure(exc)

    def _read_store(self, key: str) -> bytes | None:
        assert self._data_store is not None
        return read_store(self._data_store, key)

    def _share_specs(self, text: str, lcut: int) -> None:
        """Write network specs through to the store, unless it already holds these or newer: a
        process whose download was slow must not put older rules over a newer refresh (the
        check and the write are two steps, so two writers racing can still interleave; readers
        never go back in time either way, and the next refresh repairs the store)."""
        store, key = self._data_store, self._keys.specs
        assert store is not None
        try:
            if stored_specs_time(store, key) < lcut:
                write_store(store, key, text)
        except SyncError as exc:
            self.stored_specs.failure(exc)
        else:
            self.stored_specs.success()

    # -- health -------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        polls_store = self._polls_store(self._keys.specs)
        return {
            "polling": "data_store" if polls_store else "network",
            "specs": self.specs.as_dict(),
            "id_lists": self.id_lists.as_dict() if self._options.enable_id_lists else None,
            "data_store": None
            if self._data_store is None
            else {"specs": self.stored_specs.as_dict(), "id_lists": self.stored_lists.as_dict()},
        }


def _after_fork_in_child() -> None:
    for sync in list(_live):
        sync._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
