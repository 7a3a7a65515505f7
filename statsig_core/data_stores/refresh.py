"""Refresh a data store from Statsig's API: the one writer behind many reading web processes.

Run it as a periodic Celery task (:func:`register_celery_task`) or as a small process
(``STATSIG_SERVER_SECRET=... python -m statsig_core.data_stores.refresh --redis-url URL``), and
give web processes the same store with ``use_for_polling=True``: N processes then cost one API
call per interval. Specs are written only after they compile, so a bad download never reaches
the readers; ID-list files are extended with ranged downloads, never fetched whole twice.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from statsig_core.data_stores.base import DataStore, StoreKeys
from statsig_core.options import StatsigOptions
from statsig_core.specs.id_list_sync import ListFile, parse_manifest, start_offset, usable_chunk
from statsig_core.specs.model import IdList
from statsig_core.specs.polling import SyncStatus
from statsig_core.specs.sources import (
    StatsigApi,
    SyncError,
    build_snapshot,
    check_specs,
    read_store,
    stored_specs_time,
    write_store,
)

__all__ = ["RefreshResult", "refresh_data_store", "register_celery_task", "run_refresher"]

logger = logging.getLogger("statsig_core")


@dataclass
class RefreshResult:
    """What one refresh wrote; ``errors`` holds what failed (the rest was still written)."""

    specs_updated: bool = False
    lcut: int | None = None
    id_lists_updated: list[str] = field(default_factory=list)
    errors: list[SyncError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, for a Celery result."""
        return {
            "specs_updated": self.specs_updated,
            "lcut": self.lcut,
            "id_lists_updated": list(self.id_lists_updated),
            "errors": [f"{error.kind}: {error}" for error in self.errors],
        }


def refresh_data_store(
    server_secret: str,
    store: DataStore,
    options: StatsigOptions | None = None,
    *,
    id_lists: bool | None = None,
) -> RefreshResult:
    """Download specs (and ID lists, unless disabled) into ``store``. Never raises for network
    or store trouble: failures are listed in the result."""
    options = options or StatsigOptions()
    keys = StoreKeys.for_secret(server_secret, options.specs_api_version)
    api = StatsigApi(server_secret, options, uuid.uuid4().hex)
    result = RefreshResult()
    try:
        try:
            _refresh_specs(api, store, keys, server_secret, result)
        except SyncError as exc:
            result.errors.append(exc)
        if options.enable_id_lists if id_lists is None else id_lists:
            try:
                _refresh_id_lists(api, store, keys, result)
            except SyncError as exc:
                result.errors.append(exc)
    finally:
        api.close()
    return result


def _refresh_specs(
    api: StatsigApi, store: DataStore, keys: StoreKeys, secret: str, result: RefreshResult
) -> None:
    stored_lcut = stored_specs_time(store, keys.specs)
    body = api.fetch_specs(stored_lcut)
    payload = check_specs(body, secret=secret, min_lcut=stored_lcut)
    if payload is None:
        result.lcut = stored_lcut or None
        return
    build_snapshot(payload, "Network")  # never share specs that readers would refuse
    write_store(store, keys.specs, body.decode())
    result.specs_updated = True
    result.lcut = payload["time"]


def _stored_manifest(store: DataStore, keys: StoreKeys) -> dict[str, ListFile]:
    raw = read_store(store, keys.id_lists)
    try:
        return parse_manifest(orjson.loads(raw)) if raw else {}
    except (orjson.JSONDecodeError, SyncError):
        return {}  # a corrupt manifest is rebuilt from scratch


def _refresh_id_lists(
    api: StatsigApi, store: DataStore, keys: StoreKeys, result: RefreshResult
) -> None:
    remote = parse_manifest(api.fetch_id_list_manifest())
    stored = _stored_manifest(store, keys)
    manifest: dict[str, ListFile] = {}
    retired = [entry.file_id for name, entry in stored.items() if name not in remote]
    for name, entry in remote.items():
        have = stored.get(name)
        try:
            manifest[name] = _refresh_list(api, store, keys, have, entry, result)
        except SyncError as exc:
            result.errors.append(exc)
            if have is not None:
                manifest[name] = have
            continue
        if have is not None and have.file_id != entry.file_id:
            retired.append(have.file_id)
    if manifest != stored:
        write_store(
            store,
            keys.id_lists,
            orjson.dumps({n: e.as_json() for n, e in manifest.items()}).decode(),
        )
    for file_id in retired:  # blanked only after the manifest stopped naming them
        write_store(store, keys.id_list_file(file_id), "")


def _refresh_list(
    api: StatsigApi,
    store: DataStore,
    keys: StoreKeys,
    have: ListFile | None,
    entry: ListFile,
    result: RefreshResult,
) -> ListFile:
    """Extend (or restart) one stored list file; returns its new manifest entry."""
    held = None
    if have is not None:
        held = IdList(
            have.name, creation_time=have.creation_time, file_id=have.file_id, read_bytes=have.size
        )
    start = start_offset(held, entry)
    if start is None:
        assert have is not None
        return have
    old = b""
    if start:
        old = read_store(store, keys.id_list_file(entry.file_id)) or b""
        if len(old) != start:
            start, old = 0, b""  # the stored file does not match its manifest: rebuild it
    if entry.url is None:
        raise SyncError("bad_id_lists", f"ID list {entry.name!r} has no url")
    chunk, from_start = api.fetch_id_list_file(entry.url, start)
    if not from_start:
        start, old = 0, b""
    content = old + usable_chunk(entry, start, chunk)
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise SyncError("bad_id_list", f"ID list {entry.name!r}: not ASCII") from None
    write_store(store, keys.id_list_file(entry.file_id), text)
    result.id_lists_updated.append(entry.name)
    return ListFile(entry.name, entry.file_id, entry.creation_time, len(content))


def _log_streaks(result: RefreshResult, status: SyncStatus) -> None:
    if result.errors:
        for error in result.errors:
            status.failure(error)
    else:
        status.success()


def register_celery_task(
    app: Any,
    server_secret: str,
    store_factory: Callable[[], DataStore],
    options: StatsigOptions | None = None,
    *,
    name: str = "statsig.refresh_data_store",
    every: float | None = 10.0,
) -> Any:
    """Register the refresh as a Celery task on ``app`` (and, with ``every``, a beat entry).

    ``store_factory`` builds the store lazily in each worker process, so no connection is
    shared across Celery's prefork. Beat entries expire after one interval, so a backlog of
    refreshes never piles up behind a busy worker.
    """
    stores: dict[int, DataStore] = {}
    status = SyncStatus("data store refresh")

    def refresh() -> dict[str, Any]:
        pid = os.getpid()
        if pid not in stores:
            stores.clear()
            stores[pid] = store_factory()
        result = refresh_data_store(server_secret, stores[pid], options)
        _log_streaks(result, status)
        return result.as_dict()

    task = app.task(name=name)(refresh)
    if every:
        schedule = dict(app.conf.beat_schedule or {})
        schedule[name] = {"task": name, "schedule": every, "options": {"expires": every}}
        app.conf.beat_schedule = schedule
    return task


def run_refresher(
    server_secret: str,
    store: DataStore,
    options: StatsigOptions | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Refresh until ``stop`` is set: specs every ``specs_sync_interval``, ID lists every
    ``id_lists_sync_interval``. Failures are logged once per streak."""
    options = options or StatsigOptions()
    stop = stop or threading.Event()
    status = SyncStatus("data store refresh")
    lists_due = 0.0
    while True:
        now = time.monotonic()
        with_lists = options.enable_id_lists and now >= lists_due
        result = refresh_data_store(server_secret, store, options, id_lists=with_lists)
        if with_lists:
            lists_due = now + options.id_lists_sync_interval
        _log_streaks(result, status)
        if stop.wait(options.specs_sync_interval):
            return


def main(argv: list[str] | None = None) -> int:
    """``python -m statsig_core.data_stores.refresh``: the secret comes from the environment
    (``STATSIG_SERVER_SECRET``) so it never shows in a process list."""
    parser = argparse.ArgumentParser(description="Keep a Redis data store fresh from Statsig.")
    parser.add_argument("--redis-url", default=os.environ.get("STATSIG_REDIS_URL"))
    parser.add_argument("--api", default=os.environ.get("STATSIG_API"))
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--id-lists-interval", type=float, default=60.0)
    parser.add_argument("--once", action="store_true", help="refresh once and print the result")
    args = parser.parse_args(argv)
    secret = os.environ.get("STATSIG_SERVER_SECRET")
    if not secret or not args.redis_url:
        parser.error("set STATSIG_SERVER_SECRET and --redis-url (or STATSIG_REDIS_URL)")
    from statsig_core.data_stores.redis import RedisDataStore

    store = RedisDataStore(args.redis_url)
    options = StatsigOptions(
        api=args.api,
        specs_sync_interval=args.interval,
        id_lists_sync_interval=args.id_lists_interval,
    )
    if args.once:
        result = refresh_data_store(secret, store, options)
        print(orjson.dumps(result.as_dict()).decode())
        return 1 if result.errors else 0
    logging.basicConfig(level=logging.INFO)
    run_refresher(secret, store, options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
