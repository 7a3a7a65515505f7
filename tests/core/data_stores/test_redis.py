"""The Redis data store against the real Redis, through a cuttable proxy for outages."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from statsig_core.data_stores.base import DataStoreError
from statsig_core.data_stores.redis import RedisDataStore

from support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.services


@pytest.fixture
def proxy(redis_server: tuple[str, int]) -> Iterator[TcpProxy]:
    with TcpProxy(*redis_server) as running:
        yield running


@pytest.fixture
def key(redis_server: tuple[str, int]) -> Iterator[str]:
    import redis

    name = f"statsig-test|{uuid.uuid4().hex}"
    yield name
    direct = redis.Redis(host=redis_server[0], port=redis_server[1])
    direct.delete(name)
    direct.close()


def store_via(proxy: TcpProxy, **kwargs: object) -> RedisDataStore:
    return RedisDataStore(f"redis://{proxy.host}:{proxy.port}/0", **kwargs)  # type: ignore[arg-type]


def test_values_round_trip(proxy: TcpProxy, key: str):
    store = store_via(proxy)
    assert store.get(key) is None
    store.set(key, '{"time": 1}')
    assert store.get(key) == b'{"time": 1}'
    store.shutdown()


def test_a_callers_client_is_used_and_left_open(redis_server: tuple[str, int], key: str):
    import redis

    client = redis.Redis(host=redis_server[0], port=redis_server[1], decode_responses=True)
    store = RedisDataStore(client=client, use_for_polling=True)
    store.set(key, "x")
    assert store.get(key) == b"x"
    assert store.should_be_used_for_querying_updates(key)
    store.shutdown()
    assert client.ping()
    client.close()


def test_exactly_one_of_url_or_client_is_required():
    with pytest.raises(ValueError):
        RedisDataStore()


@pytest.mark.parametrize("mode", ["reset", "hang"])
def test_an_outage_raises_data_store_error_and_the_store_reconnects_after(
    proxy: TcpProxy, key: str, mode: str
):
    store = store_via(proxy, timeout=1.0)  # bounds the "hang"; healthy ops have room to spare
    store.set(key, "before")
    proxy.cut(mode)
    with pytest.raises(DataStoreError):
        store.get(key)
    proxy.restore()
    assert store.get(key) == b"before"


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(
    proxy: TcpProxy, key: str
):
    store = store_via(proxy)
    store.set(key, "shared")
    assert proxy.accepted == 1
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.write(write_fd, store.get(key) or b"")
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert os.read(read_fd, 100) == b"shared"
    os.close(read_fd)
    assert store.get(key) == b"shared"
    assert proxy.accepted == 2  # the child's own connection; the parent's was never touched
