"""Trusted-proxy IPs, Accept-Language and stable-ID rules shared by Django and Flask."""

from __future__ import annotations

import pytest

from statsig_core.web import (
    StableIdChoice,
    StableIdCookie,
    choose_stable_id,
    client_ip,
    is_valid_cookie_name,
    is_valid_stable_id,
    new_stable_id,
    preferred_locale,
)


@pytest.mark.parametrize(
    ("remote", "xff", "proxies", "expected"),
    [
        ("10.0.0.1", "6.6.6.6", 0, "10.0.0.1"),  # no trusted proxy: header ignored (spoofing)
        ("10.0.0.1", "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # client-typed entry skipped
        ("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        ("10.0.0.1", "203.0.113.7", 2, "10.0.0.1"),  # fewer hops than proxies
        ("10.0.0.1", "not-an-ip", 1, None),
        ("10.0.0.1", "[2001:db8::1]:443", 1, "2001:db8::1"),
        ("10.0.0.1", "203.0.113.7:8080", 1, "203.0.113.7"),
        (None, None, 0, None),
    ],
)
def test_client_ip_trusts_only_configured_proxy_hops(remote, xff, proxies, expected):
    assert client_ip(remote, xff, proxies) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr-CH"),
        ("en;q=0.5, de", "de"),
        ("*, es;q=0.1", "es"),
        ("x;q=0, <script>", None),
        ("", None),
    ],
)
def test_preferred_locale_takes_the_highest_weight(header, expected):
    assert preferred_locale(header) == expected


def test_stable_ids_are_uuid4_and_only_those_are_accepted_back():
    minted = new_stable_id()
    assert is_valid_stable_id(minted)
    for bad in (None, "", "abc", minted.upper(), minted + "x", "<script>"):
        assert not is_valid_stable_id(bad)


def test_cookie_attributes_are_httponly_lax_and_secure_on_https():
    attrs = StableIdCookie().attributes(secure=True)
    assert attrs["httponly"] is True and attrs["samesite"] == "Lax" and attrs["secure"] is True
    assert StableIdCookie().attributes(secure=False)["secure"] is False


def test_choosing_a_stable_id_keeps_ours_replaces_others_and_honours_consent():
    ours = new_stable_id()
    assert choose_stable_id(ours, consented=True, can_set=True) == StableIdChoice(ours)
    fresh = choose_stable_id("forged", consented=True, can_set=True)
    assert fresh.minted and is_valid_stable_id(fresh.value) and fresh.value != ours
    assert choose_stable_id("forged", consented=True, can_set=False) == StableIdChoice(None)
    assert choose_stable_id(ours, consented=False, can_set=True) == StableIdChoice(
        None, delete=True
    )
    assert choose_stable_id(None, consented=False, can_set=True) == StableIdChoice(None)


@pytest.mark.parametrize(
    "name", ["", "bad name", "a;b", "a,b", "a=b", 'a"b', "a\\b", "a\tb", "a\nb"]
)
def test_cookie_names_that_would_split_or_break_the_header_are_refused(name):
    assert not is_valid_cookie_name(name)
    assert is_valid_cookie_name("statsig_stable_id")
