"""The data-store interface: a shared cache of specs and ID lists for many processes.

One process (or a periodic Celery task, see :mod:`statsig_core.data_stores.refresh`) downloads
from Statsig and writes the store; every web process reads it, so N processes cost one API call
per interval. A store is only ever touched from background threads and ``initialize()``; it may
raise on any error (the sync layer catches everything, logs once per failure streak and falls
back), but evaluation never waits on it.

Keys (``{key}`` is :func:`key_hash` of the server secret, so projects can share one server):

* ``statsig|/v2/download_config_specs|plain_text|{key}``: the download_config_specs JSON exactly
  as the API sent it (``/v1/`` when ``specs_api_version=1``); it must contain an integer ``time``.
* ``statsig|/v1/get_id_lists|plain_text|{key}``: the ID-list manifest,
  ``{name: {"name", "fileID", "creationTime", "size"}}`` where ``size`` is the stored byte count.
* ``statsig|/v1/download_id_list_file|plain_text|{key}|{fileID}``: one list file's ``+id``/``-id``
  lines. A file only ever grows under its ``fileID``; a replaced file is blanked.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

from statsig_core.evaluation.hashing import sha256_base64

__all__ = ["DataStore", "DataStoreError", "MemoryDataStore", "StoreKeys", "key_hash"]


class DataStoreError(Exception):
    """The store could not be read or written (unreachable, timed out, refused)."""


class DataStore(ABC):
    """A key-value cache shared by processes. Values are text (JSON or list files)."""

    @abstractmethod
    def get(self, key: str) -> str | bytes | None:
        """The value under ``key``, or None when absent. May raise on errors."""

    @abstractmethod
    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``. May raise on errors."""

    def shutdown(self) -> None:  # noqa: B027 (optional hook; most stores hold nothing)
        """Release connections; called by ``Statsig.shutdown()``."""

    def should_be_used_for_querying_updates(self, key: str) -> bool:
        """True makes polling read ``key`` from this store instead of the network.

        Say True in web processes when something else (the refresh task) keeps the store fresh;
        False (the default) polls the network and writes specs through to the store.
        """
        return False


def key_hash(server_secret: str) -> str:
    """Names keys after the secret without putting the secret itself in the store."""
    return sha256_base64(server_secret)


@dataclass(frozen=True)
class StoreKeys:
    """The documented key names for one server secret and DCS version."""

    specs: str
    id_lists: str
    _file_prefix: str

    @classmethod
    def for_secret(cls, server_secret: str, specs_api_version: int = 2) -> StoreKeys:
        digest = key_hash(server_secret)
        return cls(
            specs=f"statsig|/v{specs_api_version}/download_config_specs|plain_text|{digest}",
            id_lists=f"statsig|/v1/get_id_lists|plain_text|{digest}",
            _file_prefix=f"statsig|/v1/download_id_list_file|plain_text|{digest}|",
        )

    def id_list_file(self, file_id: str) -> str:
        return self._file_prefix + file_id


class MemoryDataStore(DataStore):
    """A dict-backed store for tests and single-process setups."""

    def __init__(self, *, use_for_polling: bool = False) -> None:
        self.values: dict[str, str] = {}
        self.use_for_polling = use_for_polling
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self.values[key] = value

    def should_be_used_for_querying_updates(self, key: str) -> bool:
        return self.use_for_polling
