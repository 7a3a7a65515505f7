"""Each condition type reads the right value; operators follow the official core's coercions."""

from __future__ import annotations

import pytest

from statsig_core import StatsigUser
from statsig_core.evaluation.hashing import sha256_u64

from support.specs import cond, dcs, rule, spec


def check(make_statsig, condition, user, **options) -> bool:
    return make_statsig(dcs(gates={"g": spec(rule(condition))}), **options).check_gate(user, "g")


@pytest.mark.parametrize(
    ("field", "user", "expected"),
    [
        ("email", StatsigUser(user_id="1", email="a@x.io"), True),
        ("EMAIL", StatsigUser(user_id="1", email="a@x.io"), True),
        ("email", StatsigUser(user_id="1", custom={"email": "a@x.io"}), True),
        ("email", StatsigUser(user_id="1", email="", custom={"email": "a@x.io"}), True),
        ("email", StatsigUser(user_id="1", private_attributes={"email": "a@x.io"}), True),
        ("Plan", StatsigUser(user_id="1", custom={"plan": "a@x.io"}), True),
        ("email", StatsigUser(user_id="1"), False),
    ],
)
def test_user_field_lookup_order(make_statsig, field, user, expected):
    assert check(make_statsig, cond("user_field", "any", ["A@X.IO"], field), user) is expected


@pytest.mark.parametrize(
    ("operator", "target", "value", "expected"),
    [
        ("gt", 17, "18", True),
        ("gte", "18", 18, True),
        ("lt", 10, " 5", False),  # the core parses numbers strictly
        ("lt", 10, True, False),  # bools are not numbers
        ("lte", 1e3, "1e3", True),
        ("version_gt", "1.2.3", "1.2.3.1", True),
        ("version_gte", "1.2.3", "1.2.3-beta", True),
        ("version_lt", "2", "1.9.9", True),
        ("version_eq", "1.2", "1.2.0", True),
        ("version_neq", "1.2", "1.2.0", False),
        ("version_gt", "1.0", "1.x", False),
        ("any", ["PRO", 2], "pro", True),
        ("any", [1, 2], 1.0, True),
        ("any_case_sensitive", ["true"], True, True),
        ("any_case_sensitive", ["PRO"], "pro", False),
        ("none", ["pro"], "free", True),
        ("none", ["pro"], None, True),
        ("none_case_sensitive", ["pro"], "PRO", True),
        ("str_starts_with_any", ["AB"], "abc", True),
        ("str_ends_with_any", ["@X.IO"], "me@x.io", True),
        ("str_contains_any", ["mid"], "aMIDz", True),
        ("str_contains_none", ["mid"], "aMIDz", False),
        ("str_contains_none", ["mid"], None, True),
        ("str_matches", r"^\d{3}$", "123", True),
        ("str_matches", r"^\d{3}$", 1234, False),
        ("str_matches", "([", "anything", False),  # invalid regex never matches
        ("eq", 18, "18", True),
        ("eq", "1.0", 1, False),
        ("neq", "a", "b", True),
        ("eq", None, None, True),
        ("array_contains_any", ["1", "x"], [1, 2], True),
        ("array_contains_none", ["x"], ["y"], True),
        ("array_contains_all", [1, 2], [2, 1, 3], True),
        ("not_array_contains_all", [1, 4], [1, 2], True),
        ("array_contains_any", ["x"], "x", False),  # value must be an array
        ("before", 1_700_000_000_000, 1_600_000_000_000, True),
        ("after", "2023-11-14T22:13:20Z", 1_800_000_000_000, True),
        ("on", 1_700_000_000_000, "2023-11-14 00:00:01", True),
    ],
)
def test_operator_semantics(make_statsig, operator, target, value, expected):
    user = StatsigUser(user_id="1", custom={"v": value})
    assert check(make_statsig, cond("user_field", operator, target, "v"), user) is expected


def test_environment_field_reads_the_sdk_tier(make_statsig):
    condition = cond("environment_field", "any", ["staging"], "tier")
    user = StatsigUser(user_id="1")
    assert check(make_statsig, condition, user, environment="staging") is True
    assert check(make_statsig, condition, user, environment="production") is False


def test_unit_id_condition_matches_custom_id_types_case_insensitively(make_statsig):
    condition = cond("unit_id", "any", ["c-1"], id_type="companyID")
    assert check(make_statsig, condition, StatsigUser(custom_ids={"companyid": "c-1"})) is True
    assert check(make_statsig, condition, StatsigUser(custom_ids={"COMPANYID": "c-1"})) is False


def test_user_bucket_hashes_condition_salt_and_unit_id(make_statsig):
    condition = cond("user_bucket", "lt", 300, additionalValues={"salt": "b-salt"})
    for i in range(40):
        expected = sha256_u64(f"b-salt.u{i}") % 1000 < 300
        assert check(make_statsig, condition, StatsigUser(user_id=f"u{i}")) is expected


def test_ip_based_country_falls_back_to_ip_lookup(make_statsig):
    condition = cond("ip_based", "any", ["US"], "country")
    assert check(make_statsig, condition, StatsigUser(user_id="1", ip="8.8.8.8")) is True
    assert (
        check(make_statsig, condition, StatsigUser(user_id="1", ip="8.8.8.8", country="NZ"))
        is False
    )
    assert (
        check(
            make_statsig,
            condition,
            StatsigUser(user_id="1", ip="8.8.8.8"),
            disable_country_lookup=True,
        )
        is False
    )


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("field", "operator", "target"),
    [
        ("os_name", "any", ["ios"]),
        ("os_version", "version_gte", "17.2.0"),
        ("browser_name", "any", ["Mobile Safari"]),
        ("browser_version", "version_eq", "17.2"),
    ],
)
def test_ua_based_parses_the_user_agent(make_statsig, field, operator, target):
    user = StatsigUser(user_id="1", user_agent=IPHONE)
    assert check(make_statsig, cond("ua_based", operator, target, field), user) is True


def test_current_time_compares_now_in_milliseconds(make_statsig):
    user = StatsigUser(user_id="1")
    assert check(make_statsig, cond("current_time", "after", 1_600_000_000_000), user) is True
    assert check(make_statsig, cond("current_time", "gt", 32_503_680_000_000), user) is False


def test_target_app_uses_the_specs_app_id(make_statsig):
    payload = dcs(gates={"g": spec(rule(cond("target_app", "any", ["app-1"])))}, app_id="app-1")
    assert make_statsig(payload).check_gate(StatsigUser(user_id="1"), "g") is True


def test_segment_lists_match_hashed_ids(make_statsig):
    condition = cond("unit_id", "in_segment_list", "beta_users")
    lists = {"beta_users": ["u1", "u2"]}
    assert check(make_statsig, condition, StatsigUser(user_id="u1"), id_lists=lists) is True
    assert check(make_statsig, condition, StatsigUser(user_id="u3"), id_lists=lists) is False
    not_in = cond("unit_id", "not_in_segment_list", "missing_list")
    assert check(make_statsig, not_in, StatsigUser(user_id="u1"), id_lists=lists) is True


def test_multi_pass_gate_follows_the_python_sdk(make_statsig):
    payload = dcs(
        gates={
            "off": spec(rule(cond("user_field", "any", ["x"], "email"), id="r-off")),
            "on": spec(rule(cond(), id="r-on")),
            "any_on": spec(rule(cond("multi_pass_gate", target=["off", "on"]), id="m")),
            "any_off": spec(rule(cond("multi_fail_gate", target=["on"]), id="n")),
        }
    )
    client = make_statsig(payload)
    gate = client.get_feature_gate(StatsigUser(user_id="1"), "any_on")
    assert gate.value is True
    assert [e["gate"] for e in gate.secondary_exposures] == ["off", "on"]
    assert client.check_gate(StatsigUser(user_id="1"), "any_off") is False
