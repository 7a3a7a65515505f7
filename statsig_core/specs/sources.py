"""Fetch specs and ID lists from Statsig's API over httpx, and check what comes back.

Every failure becomes a :class:`SyncError` with a short ``kind`` (``timeout``, ``http_503``,
``bad_specs``, ...) so the sync layer can log each kind once per failure streak and show it in
``health()``. Messages never contain the server secret (it is part of the specs URL).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import orjson

from statsig_core import __version__
from statsig_core.errors import SpecsFormatError
from statsig_core.evaluation.hashing import djb2
from statsig_core.events.http import parse_retry_after
from statsig_core.options import StatsigOptions
from statsig_core.process_local import ProcessLocal
from statsig_core.specs.compile import NoUpdates, compile_specs, parse_specs
from statsig_core.specs.model import Snapshot

if TYPE_CHECKING:
    from statsig_core.data_stores.base import DataStore

__all__ = [
    "SDK_TYPE",
    "StatsigApi",
    "SyncError",
    "build_snapshot",
    "check_specs",
    "read_store",
    "write_store",
]

SDK_TYPE = "statsig-web"


class SyncError(Exception):
    """One failed sync attempt. ``permanent`` failures (a wrong key) will not fix themselves."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.permanent = permanent


def check_specs(body: bytes | str, *, secret: str, min_lcut: int) -> dict[str, Any] | None:
    """Decode a download_config_specs body; None for ``has_updates: false``.

    Refuses (with :class:`SyncError`) malformed JSON, a payload without ``time``, one made for
    another key (``hashed_sdk_key_used``), and one older than ``min_lcut``.
    """
    try:
        payload = parse_specs(body)
    except NoUpdates:
        return None
    except SpecsFormatError as exc:
        raise SyncError("bad_specs", str(exc)) from None
    lcut = payload.get("time")
    if not isinstance(lcut, int) or isinstance(lcut, bool):
        raise SyncError("bad_specs", f"specs have no integer 'time' (got {lcut!r})")
    hashed = payload.get("hashed_sdk_key_used")
    if hashed is not None and str(hashed) != djb2(secret):
        raise SyncError(
            "wrong_key", "specs were made for another server key (hashed_sdk_key_used differs)"
        )
    if lcut < min_lcut:
        raise SyncError("stale", f"specs time {lcut} is older than the current {min_lcut}")
    return payload


def read_store(store: DataStore, key: str) -> bytes | None:
    """A data store value as bytes; any failure of the store becomes a ``data_store`` error."""
    try:
        value = store.get(key)
    except Exception as exc:
        raise SyncError("data_store", f"read failed: {type(exc).__name__}: {exc}") from None
    return value.encode() if isinstance(value, str) else value


def write_store(store: DataStore, key: str, value: str) -> None:
    try:
        store.set(key, value)
    except Exception as exc:
        raise SyncError("data_store", f"write failed: {type(exc).__name__}: {exc}") from None


def stored_specs_time(store: DataStore, key: str) -> int:
    """The ``time`` of the specs a store holds; 0 when it holds none or nothing readable (so a
    full download overwrites it). Store failures raise a ``data_store`` :class:`SyncError`."""
    stored = read_store(store, key)
    try:
        return int(orjson.loads(stored).get("time", 0)) if stored else 0
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return 0


def build_snapshot(payload: Mapping[str, Any], source: str) -> Snapshot:
    try:
        return compile_specs(payload, source=source)
    except SpecsFormatError as exc:
        raise SyncError("bad_specs", str(exc)) from None


class StatsigApi:
    """The API calls config sync makes. One httpx client per process, never shared by a fork."""

    def __init__(self, secret: str, options: StatsigOptions, session_id: str) -> None:
        self._secret = secret
        self._options = options
        self._session_id = session_id
        self.pool = ProcessLocal(lambda: httpx.Client(timeout=options.request_timeout))

    def close(self) -> None:
        self.pool.close()

    def headers(self, attempt: int) -> dict[str, str]:
        """The headers the official SDKs send on every request."""
        service = self._options.service_name or "unknown"
        return {
            "Content-Type": "application/json",
            "User-Agent": f"{SDK_TYPE}/{__version__} statsig-sdk-type/{SDK_TYPE} "
            f"statsig-sdk-version/{__version__} statsig-service/{service}",
            "STATSIG-API-KEY": self._secret,
            "STATSIG-CLIENT-TIME": str(int(time.time() * 1000)),
            "STATSIG-SERVER-SESSION-ID": self._session_id,
            "STATSIG-SDK-TYPE": SDK_TYPE,
            "STATSIG-SDK-VERSION": __version__,
            "STATSIG-RETRY": str(attempt),
            "x-request-service": service,
        }

    def _request(
        self, what: str, method: str, url: str, attempt: int, **kwargs: Any
    ) -> httpx.Response:
        headers = self.headers(attempt)
        headers.update(kwargs.pop("headers", {}))
        try:
            response = self.pool.get().request(method, url, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise SyncError("timeout", f"{what}: timed out") from None
        except httpx.HTTPError as exc:
            raise SyncError("connection", f"{what}: {type(exc).__name__}") from None
        status = response.status_code
        if status in (401, 403):
            raise SyncError(
                "unauthorized",
                f"{what}: HTTP {status}; is the server secret right?",
                permanent=True,
            )
        if status >= 300:
            raise SyncError(
                f"http_{status}",
                f"{what}: HTTP {status}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    def fetch_specs(self, since: int, attempt: int = 0) -> bytes:
        """The raw download_config_specs body (changes after ``since`` when it is not 0)."""
        url = f"{self._options.endpoint('specs')}/{self._secret}.json"
        params = {"sinceTime": str(since)} if since else None
        return self._request("download_config_specs", "GET", url, attempt, params=params).content

    def fetch_id_list_manifest(self, attempt: int = 0) -> Any:
        """``{name: {name, size, url, creationTime, fileID}}`` (GET on the CDN, else POST)."""
        url = self._options.endpoint("id_lists")
        if "statsigcdn" in (urlsplit(url).hostname or ""):
            response = self._request("get_id_lists", "GET", f"{url}/{self._secret}.json", attempt)
        else:
            metadata = {
                "sdkType": SDK_TYPE,
                "sdkVersion": __version__,
                "sessionID": self._session_id,
            }
            response = self._request(
                "get_id_lists",
                "POST",
                url,
                attempt,
                content=orjson.dumps({"statsigMetadata": metadata}),
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SyncError("bad_id_lists", f"get_id_lists: invalid JSON: {exc}") from None

    def fetch_id_list_file(self, url: str, start: int, attempt: int = 0) -> tuple[bytes, bool]:
        """Bytes of a list file from ``start``; the flag is False when the server ignored the
        range and sent the whole file."""
        response = self._request(
            "ID list file",
            "GET",
            url,
            attempt,
            headers={"Range": f"bytes={start}-", "Accept-Encoding": "identity"},
        )
        return response.content, start == 0 or response.status_code == 206
