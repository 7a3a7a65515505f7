"""The data-store interface: documented key names and the in-memory store."""

from __future__ import annotations

from statsig_core.data_stores.base import MemoryDataStore, StoreKeys, key_hash
from statsig_core.evaluation.hashing import sha256_base64


def test_keys_follow_the_documented_names_and_never_contain_the_secret():
    secret = "secret-abc123"
    digest = sha256_base64(secret)
    keys = StoreKeys.for_secret(secret)
    assert keys.specs == f"statsig|/v2/download_config_specs|plain_text|{digest}"
    assert keys.id_lists == f"statsig|/v1/get_id_lists|plain_text|{digest}"
    assert keys.id_list_file("F1") == f"statsig|/v1/download_id_list_file|plain_text|{digest}|F1"
    assert all(secret not in key for key in (keys.specs, keys.id_lists, keys.id_list_file("F")))
    assert key_hash(secret) == digest


def test_v1_specs_live_under_their_own_key():
    assert "/v1/download_config_specs|" in StoreKeys.for_secret("secret-x", 1).specs


def test_projects_sharing_a_server_get_separate_keys():
    assert StoreKeys.for_secret("secret-a").specs != StoreKeys.for_secret("secret-b").specs


def test_memory_store_round_trips_and_opts_into_polling_only_when_asked():
    store = MemoryDataStore()
    assert store.get("k") is None
    store.set("k", "v")
    assert store.get("k") == "v"
    assert not store.should_be_used_for_querying_updates("k")
    assert MemoryDataStore(use_for_polling=True).should_be_used_for_querying_updates("k")
    store.shutdown()
