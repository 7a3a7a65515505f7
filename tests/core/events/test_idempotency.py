"""The idempotency record that keeps a redelivered batch from being posted twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from statsig_core.events.idempotency import (
    BUSY,
    CLAIMED,
    DONE,
    MemoryIdempotency,
    RedisIdempotency,
    deliver_once,
    make_store,
)
from statsig_core.events.transport import TransportError

from support.services import redis_url, require_redis


class Posts:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        if self.failures:
            raise self.failures.pop(0)


def test_a_batch_is_posted_once_however_often_it_is_delivered():
    store, post = MemoryIdempotency(), Posts()
    assert deliver_once(store, "b1", post) is True
    assert deliver_once(store, "b1", post) is False
    assert post.count == 1


def test_a_failed_post_releases_its_claim_so_the_retry_can_post():
    store, post = MemoryIdempotency(), Posts(TransportError("503"))
    with pytest.raises(TransportError):
        deliver_once(store, "b1", post)
    assert deliver_once(store, "b1", post) is True
    assert post.count == 2


def test_a_batch_claimed_elsewhere_is_retried_later_not_posted():
    store = MemoryIdempotency()
    assert store.claim("b1") == CLAIMED  # another worker is posting it right now
    with pytest.raises(TransportError) as caught:
        deliver_once(store, "b1", Posts())
    assert caught.value.retryable and caught.value.retry_after


def test_memory_store_is_a_bounded_lru():
    store = MemoryIdempotency(max_ids=3)
    for batch_id in "abcd":
        store.done(batch_id)
    assert store.claim("a") == CLAIMED  # forgotten: the oldest went first
    assert store.claim("d") == DONE


def test_memory_store_forgets_done_ids_after_their_ttl():
    store = MemoryIdempotency(done_ttl=0)
    store.done("b1")
    assert store.claim("b1") == CLAIMED


def test_an_unreachable_store_fails_open():
    class Broken:
        def claim(self, batch_id: str) -> str:
            raise ConnectionError("redis is down")

        done = release = claim

    post = Posts()
    assert deliver_once(Broken(), "b1", post) is True  # posting beats losing the batch
    assert post.count == 1


def test_make_store_picks_memory_without_a_url():
    assert isinstance(make_store(None), MemoryIdempotency)


@pytest.fixture
def redis_stores() -> Iterator[tuple[Any, Any]]:
    """Two stores on the real Redis under a unique prefix: two worker processes, in effect."""
    require_redis()
    prefix = f"statsig:test:{uuid.uuid4().hex}:"
    first = RedisIdempotency(redis_url(), prefix=prefix, done_ttl=60)
    second = RedisIdempotency(redis_url(), prefix=prefix, done_ttl=60)
    yield first, second
    for key in first.client.scan_iter(f"{prefix}*"):
        first.client.delete(key)


def test_redis_store_shares_claims_and_done_marks_between_processes(redis_stores):
    first, second = redis_stores
    post = Posts()
    assert first.claim("b1") == CLAIMED
    assert second.claim("b1") == BUSY
    first.done("b1")
    assert second.claim("b1") == DONE
    assert deliver_once(second, "b1", post) is False and post.count == 0
    assert 0 < first.client.pttl(first.prefix + "b1") <= 60_000


def test_redis_release_frees_only_its_own_claim(redis_stores):
    first, second = redis_stores
    assert first.claim("b1") == CLAIMED
    second.release("b1")  # never claimed it: must not free the first one's claim
    assert second.claim("b1") == BUSY
    first.release("b1")
    assert second.claim("b1") == CLAIMED


def test_redis_store_fails_open_when_redis_is_unreachable():
    store = RedisIdempotency("redis://127.0.0.1:9/0", timeout=0.2)
    post = Posts()
    assert deliver_once(store, "b1", post) is True and post.count == 1
