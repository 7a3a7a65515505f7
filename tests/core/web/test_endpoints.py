"""The framework-free halves of the browser SDK's endpoints: the hash an initialize body asks
for, and the checks on an event post (size, shape, visitor and IP rate limits)."""

from __future__ import annotations

import orjson
import pytest

from statsig_core.web.endpoints import (
    IP_FACTOR,
    EventIntake,
    IntakeLimits,
    limit_problems,
    requested_hash,
)

STABLE = "0b5e6a8e-6a8e-4b5e-9a8e-0b5e6a8e6a8e"


def body(count: int = 1) -> bytes:
    return orjson.dumps({"events": [{"eventName": "e", "value": 1}] * count})


def post(intake: EventIntake, limits: IntakeLimits, raw: bytes | None = None, **who: object):
    sender = {"user_id": None, "stable_id_cookie": None, "ip": "198.51.100.1", **who}
    return intake.accept(body() if raw is None else raw, limits, **sender)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"hash": "none"}', "none"),
        (b'{"hash": "sha256", "user": {}}', "sha256"),
        (b'{"hash": "md5"}', None),
        (b'["hash"]', None),
        (b"not json", None),
        (b"", None),
    ],
)
def test_only_hashes_we_make_are_honoured(raw: bytes, expected: str | None):
    assert requested_hash(raw) == expected


def test_accepted_events_come_back_to_be_logged():
    result = post(EventIntake(), IntakeLimits(), body(3))
    assert (result.status, result.body) == (202, {"success": True, "accepted": 3})
    assert result.events == [("e", 1, None)] * 3 and result.retry_after is None


def test_oversized_and_malformed_bodies_log_nothing():
    limits = IntakeLimits(max_bytes=64, max_events=2)
    too_big = post(EventIntake(), limits, body(3))
    assert (too_big.status, too_big.events) == (413, [])
    assert "64 bytes" in too_big.body["error"]
    too_many = post(EventIntake(), IntakeLimits(max_events=2), body(3))
    assert too_many.status == 400 and "at most 2 events" in too_many.body["error"]
    assert post(EventIntake(), limits, b"{").status == 400


def test_a_visitor_over_the_rate_waits_and_is_told_how_long():
    intake, limits = EventIntake(), IntakeLimits(rate_per_minute=60, burst=5)
    assert post(intake, limits, body(5), user_id="u1").status == 202
    limited = post(intake, limits, user_id="u1")
    assert (limited.status, limited.retry_after, limited.events) == (429, 1, [])
    assert post(intake, limits, user_id="u2").status == 202  # someone else on the same IP


def test_a_stable_id_cookie_counts_as_the_visitor_only_when_it_is_one():
    intake, limits = EventIntake(), IntakeLimits(rate_per_minute=0, burst=1)
    assert post(intake, limits, stable_id_cookie=STABLE).status == 202
    assert post(intake, limits, stable_id_cookie=STABLE).status == 429
    # Made-up cookie values do not each get a fresh visitor bucket: only the IP's applies.
    statuses = [post(intake, limits, stable_id_cookie=f"x{n}").status for n in range(IP_FACTOR)]
    assert statuses == [202] * (IP_FACTOR - 1) + [429]  # the first post above spent one


def test_a_zero_rate_refuses_forever_once_the_burst_is_spent():
    intake, limits = EventIntake(), IntakeLimits(rate_per_minute=0, burst=1)
    post(intake, limits, user_id="u1")
    assert post(intake, limits, user_id="u1").retry_after == 3600


def test_clear_forgets_every_bucket():
    intake, limits = EventIntake(), IntakeLimits(rate_per_minute=0, burst=1)
    post(intake, limits, user_id="u1")
    intake.clear()
    assert post(intake, limits, user_id="u1").status == 202


def test_limit_settings_are_checked_key_by_key_with_defaults_for_absent_keys():
    assert limit_problems({}) == []
    assert limit_problems({"MAX_BYTES": 1, "MAX_EVENTS": 2, "BURST": 3, "RATE": 0.5}) == []
    bad = {"MAX_BYTES": 0, "MAX_EVENTS": True, "BURST": 2.5, "RATE": -1}
    assert limit_problems(bad) == [
        ("MAX_BYTES", "must be an integer > 0"),
        ("MAX_EVENTS", "must be an integer > 0"),
        ("BURST", "must be an integer > 0"),
        ("RATE", "must be events per minute (>= 0)"),
    ]
