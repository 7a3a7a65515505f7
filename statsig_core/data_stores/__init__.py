"""Shared caches of specs and ID lists; see :mod:`statsig_core.data_stores.base` for the keys.

``RedisDataStore`` lives in :mod:`statsig_core.data_stores.redis` (it needs the ``redis`` extra).
"""

from statsig_core.data_stores.base import DataStore, DataStoreError, MemoryDataStore

__all__ = ["DataStore", "DataStoreError", "MemoryDataStore"]
