"""Both official SDKs agree on the edge-case corpus, except where we documented why not.

This proves three things at once: the corpus loads in both SDKs and exercises what it claims,
the oracle harness is faithful enough to reproduce the notes, and statsig-sdk-notes.md §8 plus
FINDINGS.md list *every* disagreement. An expectation that no longer holds fails too, so the
documents cannot silently go stale when an SDK is upgraded.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("statsig")
pytest.importorskip("statsig_python_core")

try:  # the repo's pytest config puts tests/ on sys.path; share one oracle module per run
    from conformance import oracles
except ImportError:  # run from elsewhere: pytest put this directory on sys.path
    import oracles  # type: ignore[no-redef]

CORPUS = Path(__file__).resolve().parent / "corpus"
SECTIONS = ("gates", "configs", "experiments", "layers")
GCIR_SECTION = {
    "gates": "feature_gates",
    "configs": "dynamic_configs",
    "experiments": "dynamic_configs",
    "layers": "layer_configs",
}
REJECTED_BY_LEGACY = frozenset({"no_ids_email_only", "empty_user"})
ENVIRONMENTS: tuple[str | None, ...] = (None, "staging")


@dataclass(frozen=True)
class Expected:
    """One documented disagreement: why, which result fields, and for which users."""

    reason: str
    fields: frozenset[str] = frozenset({"value", "rule_id"})
    users: frozenset[str] | None = None  # None: any user may differ (at least one must)


def _users(*labels: str) -> frozenset[str]:
    return frozenset(labels)


VR = frozenset({"value", "rule_id"})
R = frozenset({"rule_id"})
V = frozenset({"value"})
SE = frozenset({"secondary_exposures"})
VRS = VR | SE

# (section, spec) -> Expected, valid in every run. "§8" = statsig-sdk-notes.md section 8,
# "F<n>" = tests/conformance/FINDINGS.md.
EXPECTED: dict[tuple[str, str], Expected] = {
    # --- spec-level semantics
    ("gates", "gate_return_value_false"): Expected("§8 returnValue false: core honours it", V),
    ("gates", "pct_0_default_true"): Expected("§8 pass 0% + defaultValue true: core true", V),
    ("gates", "gate_default_true_no_match"): Expected(
        "F2 no rule matched: core returns defaultValue == true", V
    ),
    ("gates", "gate_default_true_no_rules"): Expected("F2 as above, spec without rules", V),
    ("gates", "gate_disabled_matching_rule"): Expected(
        "§8/F3 disabled: core still evaluates rules", VR
    ),
    ("gates", "gate_disabled_default_true"): Expected(
        "F3 disabled: core uses the matched rule (returnValue false)", R
    ),
    ("configs", "config_disabled_matching_rule"): Expected("§8/F3 disabled config", VR),
    ("layers", "layer_disabled_with_delegate"): Expected(
        "F3 disabled layer: core still delegates",
        frozenset({"value", "rule_id", "group_name", "allocated_experiment"}),
    ),
    # --- unsupported conditions and their propagation
    ("gates", "type_multi_pass_gate"): Expected("§8 multi_pass_gate unsupported in core", VRS),
    ("gates", "type_multi_fail_gate"): Expected("§8 multi_fail_gate unsupported in core", VRS),
    ("gates", "pass_gate_on_multi_pass_gate"): Expected(
        "F4 pass_gate on an unsupported gate makes the caller unsupported in core", VRS
    ),
    ("gates", "pass_gate_on_unsupported_gate"): Expected(
        "F4 same, the nested gate has an unknown operator (legacy: exposure ruleID '')", R | SE
    ),
    ("gates", "op_upper_case_operator"): Expected(
        "F4 'ANY' operator: core unsupported, legacy condition false", R
    ),
    ("gates", "type_upper_case_condition_type"): Expected(
        "F4 'USER_FIELD' type: core unsupported, legacy case-insensitive", VR
    ),
    # --- missing gates and exposure lists
    ("gates", "missing_pass_gate"): Expected(
        "§8 pass_gate on a missing gate: exposure only in legacy", SE
    ),
    ("gates", "missing_fail_gate"): Expected("§8 as above with fail_gate", SE),
    ("gates", "missing_gate_after_exposure"): Expected("§8 legacy erases earlier exposures", SE),
    ("configs", "config_missing_gate"): Expected("§8 legacy erases earlier exposures", SE),
    ("gates", "gate_many_rules_exposures"): Expected(
        "F1 core does not de-duplicate server-side secondary exposures", SE
    ),
    # --- numeric coercion
    ("gates", "op_gt_number"): Expected(
        "§8 non-numeric string: legacy error; F6 ' 30 ' parses only in legacy",
        users=_users("age_non_numeric_string", "age_string_with_spaces"),
    ),
    ("gates", "op_gte_number"): Expected(
        "§8/F6 as op_gt_number", users=_users("age_non_numeric_string", "age_string_with_spaces")
    ),
    ("gates", "op_gt_string_target"): Expected(
        "§8/F6 as op_gt_number", users=_users("age_non_numeric_string", "age_string_with_spaces")
    ),
    ("gates", "op_lt_number"): Expected(
        "§8 legacy error on 'abc'; F6 bool is not a number in core",
        users=_users("age_non_numeric_string", "age_bool"),
    ),
    ("gates", "op_lte_number"): Expected(
        "§8/F6 as op_lt_number", users=_users("age_non_numeric_string", "age_bool")
    ),
    ("gates", "op_gte_target_with_spaces"): Expected(
        "§8 target ' 30' is not numeric in core (+ legacy error / spaced value)",
        users=_users("age_non_numeric_string", "age_string_with_spaces", "age_thirty_int"),
    ),
    # --- equality and stringification
    ("gates", "op_eq_number_vs_string"): Expected(
        "§8 eq '18' vs 18", users=_users("age_numeric_string")
    ),
    ("gates", "op_any_case_sensitive_bool_string"): Expected(
        "§8 True stringifies to 'true' in core, 'True' in legacy", users=_users("full_profile")
    ),
    ("gates", "op_any_number_targets"): Expected(
        "§8/F8 1.0 stringifies to '1' in core", users=_users("level_float_one")
    ),
    ("gates", "op_none_number_targets"): Expected(
        "§8/F8 as op_any_number_targets", users=_users("level_float_one")
    ),
    ("gates", "op_any_empty_string_target"): Expected(
        "F5 core matches a missing value against target ''"
    ),
    ("gates", "op_str_contains_any_sharp_s_casefold"): Expected(
        "F9 legacy casefolds (ß == ss), core lower-cases", users=_users("email_non_ascii")
    ),
    ("gates", "op_str_contains_any_sharp_s_target"): Expected(
        "F9 as above, ß in the target", users=_users("email_sharp_s_upper")
    ),
    ("gates", "op_str_contains_any_scalar_target"): Expected(
        "F10 scalar target: legacy iterates its characters, core is false",
        users=_users(
            "full_profile",
            "canada_lowercase_country",
            "email_empty_falls_back_to_custom",
            "email_upper_case",
            "email_non_ascii",
            "email_sharp_s_upper",
            "email_emoji",
            "email_in_id_list",
        ),
    ),
    ("gates", "op_str_matches_invalid_regex"): Expected(
        "F10 invalid regex: legacy error, core false",
        R,
        users=_users(
            "full_profile",
            "canada_lowercase_country",
            "email_empty_falls_back_to_custom",
            "email_upper_case",
            "email_non_ascii",
            "email_sharp_s_upper",
            "email_emoji",
            "email_in_id_list",
        ),
    ),
    ("gates", "op_version_gt_numeric_target"): Expected(
        "F11 core ignores non-string version targets",
        users=_users("version_major_only", "version_double_digit_minor"),
    ),
    # --- dates
    ("gates", "op_before_iso_target"): Expected("§8 ISO target: legacy error", VR),
    ("gates", "op_before_ms"): Expected(
        "§8 ISO value: legacy error", R, users=_users("signup_iso_string")
    ),
    ("gates", "op_after_ms"): Expected(
        "§8 ISO value: legacy error", R, users=_users("signup_iso_string")
    ),
    ("gates", "op_on_ms"): Expected(
        "§8 ISO value: legacy error", users=_users("signup_iso_string")
    ),
    ("gates", "op_after_seconds_target"): Expected(
        "§8 seconds target read as ms by core (+ legacy error on ISO value)",
        users=_users(
            "full_profile",
            "signup_seconds_past",
            "signup_iso_string",
            "signup_same_utc_day_noon",
            "signup_numeric_string_ms",
        ),
    ),
    ("gates", "type_current_time_before_seconds_target"): Expected(
        "§8 seconds target read as ms by core"
    ),
    # --- fields, environment, ip
    ("gates", "field_alias_ip_address"): Expected(
        "F14 ip_address is no alias in core", users=_users("ip_alias_field")
    ),
    ("gates", "field_alias_user_id"): Expected(
        "F14 core reads custom.user_id first", users=_users("user_id_alias_in_custom")
    ),
    ("gates", "type_environment_field_Tier_capitalised"): Expected(
        "§8 field 'Tier': legacy KeyError -> error; F13 core falls back by lower-case"
    ),
    ("gates", "type_ip_based_country_none"): Expected("§8 none with unknown country: core true"),
}

# Differences that exist only in one run (environment option set or not).
ENV_EXPECTED: dict[str | None, dict[tuple[str, str], Expected]] = {
    None: {
        ("gates", "type_environment_field_tier_none"): Expected(
            "F13 user env without 'tier': core falls back to default_environment",
            users=_users("env_capitalised_key"),
        ),
    },
    "staging": {
        ("gates", "type_environment_field_tier_none"): Expected(
            "F13 legacy's tier option replaces the user's environment, core's does not",
            users=_users("env_production_upper_value"),
        ),
        ("gates", "type_environment_field_tier_any"): Expected(
            "F13 as above", users=_users("env_production_upper_value")
        ),
    },
}


def djb2(name: str) -> str:
    """The bootstrap hash both SDKs use (over code points, see the notes §4.1)."""
    value = 0
    for char in name:
        value = (value * 31 + ord(char)) & 0xFFFFFFFF
    return str(value)


def _load(name: str) -> Any:
    return json.loads((CORPUS / name).read_text("utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _utc() -> Iterator[None]:
    """Legacy `on` compares local-time calendar days (F12); pin the zone so runs are stable."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


@pytest.fixture(scope="module")
def corpus() -> dict[str, Any]:
    return {
        "dcs": _load("edge_cases_v2.json"),
        "users": _load("edge_case_users.json"),
        "id_lists": _load("id_lists.json"),
    }


@pytest.fixture(scope="module")
def runs(corpus: dict[str, Any]) -> dict[str | None, tuple[list[dict], list[dict]]]:
    out = {}
    for env in ENVIRONMENTS:
        kwargs = {"environment": env, "id_lists": corpus["id_lists"]}
        out[env] = (
            oracles.evaluate_with_core(corpus["dcs"], corpus["users"], **kwargs),
            oracles.evaluate_with_legacy(corpus["dcs"], corpus["users"], **kwargs),
        )
    return out


def _differences(core: list[dict], legacy: list[dict]) -> dict[tuple[str, str], dict[str, set]]:
    """(section, name) -> {"users": labels that differ, "fields": fields that differ}."""
    found: dict[tuple[str, str], dict[str, set]] = {}
    for mine, theirs in zip(core, legacy, strict=True):
        if "error" in mine or "error" in theirs:
            continue
        for section in SECTIONS:
            for name, entry in mine[section].items():
                other = theirs[section][name]
                if entry != other:
                    slot = found.setdefault((section, name), {"users": set(), "fields": set()})
                    slot["users"].add(mine["label"])
                    slot["fields"] |= {f for f in entry if entry[f] != other.get(f)}
    return found


def test_corpus_covers_every_condition_type_and_operator(corpus: dict[str, Any]) -> None:
    conditions = corpus["dcs"]["condition_map"].values()
    types = {c["type"] for c in conditions}
    operators = {c["operator"] for c in conditions if c["operator"]}
    assert types >= {
        "public",
        "pass_gate",
        "fail_gate",
        "multi_pass_gate",
        "multi_fail_gate",
        "ip_based",
        "ua_based",
        "user_field",
        "environment_field",
        "current_time",
        "user_bucket",
        "unit_id",
        "target_app",
    }
    assert operators >= {
        "gt",
        "gte",
        "lt",
        "lte",
        "version_gt",
        "version_gte",
        "version_lt",
        "version_lte",
        "version_eq",
        "version_neq",
        "any",
        "none",
        "any_case_sensitive",
        "none_case_sensitive",
        "str_starts_with_any",
        "str_ends_with_any",
        "str_contains_any",
        "str_contains_none",
        "str_matches",
        "eq",
        "neq",
        "before",
        "after",
        "on",
        "in_segment_list",
        "not_in_segment_list",
        "array_contains_any",
        "array_contains_none",
        "array_contains_all",
        "not_array_contains_all",
    }
    assert len(corpus["users"]) >= 60


def test_user_rejections(runs: dict[str | None, tuple[list[dict], list[dict]]]) -> None:
    core, legacy = runs[None]
    assert {r["label"] for r in legacy if "error" in r} == REJECTED_BY_LEGACY
    assert not [r["label"] for r in core if "error" in r], "core evaluates every user"


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda e: f"environment={e}")
def test_oracles_agree_except_documented(
    env: str | None, runs: dict[str | None, tuple[list[dict], list[dict]]]
) -> None:
    core, legacy = runs[env]
    expected = {**EXPECTED, **ENV_EXPECTED[env]}
    found = _differences(core, legacy)

    unexplained = {
        key: {"users": sorted(d["users"])[:5], "fields": sorted(d["fields"])}
        for key, d in found.items()
        if key not in expected or not d["fields"] <= expected[key].fields
    }
    assert not unexplained, f"undocumented disagreements: {unexplained}"

    stale = {}
    for key, exp in expected.items():
        got = found.get(key, {"users": set(), "fields": set()})["users"]
        if (exp.users is None and not got) or (exp.users is not None and got != exp.users):
            stale[key] = {"expected": sorted(exp.users or ["<any>"]), "got": sorted(got)}
    assert not stale, f"documented disagreements that no longer hold: {stale}"

    total = sum(
        len(mine[s])
        for mine, theirs in zip(core, legacy, strict=True)
        if "error" not in theirs
        for s in SECTIONS
    )
    differing = sum(len(d["users"]) for d in found.values())
    print(
        f"\n[environment={env}] {total} evaluations, {total - differing} identical, "
        f"{differing} documented differences in {len(found)} specs"
    )
    assert total - differing > 10_000


def test_client_initialize_responses(
    corpus: dict[str, Any], runs: dict[str | None, tuple[list[dict], list[dict]]]
) -> None:
    """Same entries and results as the evaluations, plus the documented GCIR-only gaps."""
    core, legacy = runs[None]
    dcs = corpus["dcs"]
    unsupported = {
        djb2(n)
        for n in (
            "op_unknown_operator",
            "type_unknown_condition_type",
            "config_unsupported_operator",
        )
    }
    layered = {djb2(n) for n in dcs["experiment_to_layer"]}
    differing = {(GCIR_SECTION[s], djb2(n)) for s, n in EXPECTED}
    differing |= {(GCIR_SECTION[s], djb2(n)) for s, n in ENV_EXPECTED[None]}
    for mine, theirs in zip(core, legacy, strict=True):
        if "error" in theirs:
            continue
        a, b = mine["client_initialize_response"], theirs["client_initialize_response"]
        if b is None:  # legacy GCIR raises on the same KeyError as §8 'Tier'
            assert mine["label"] == "env_capitalised_key"
            continue
        assert a["hash_used"] == b["hash_used"] == "djb2"
        assert a["time"] == b["time"] == dcs["time"]
        assert b["generator"] == "statsig-python-sdk" and "generator" not in a
        for section in ("feature_gates", "dynamic_configs", "layer_configs"):
            # §8: core lists unsupported specs, legacy omits them; neither lists segments
            assert set(a[section]) - set(b[section]) <= unsupported
            assert set(b[section]) <= set(a[section])
            for key, entry in b[section].items():
                if (section, key) in differing:
                    continue
                other = a[section][key]
                assert other["rule_id"] == entry["rule_id"], (mine["label"], section, key)
                assert other["secondary_exposures"] == entry["secondary_exposures"]
                if key not in layered:  # §8: legacy merges layer defaults into the value
                    assert other["value"] == entry["value"], (mine["label"], section, key)
                if section != "feature_gates":
                    assert other.get("group_name") == entry.get("group_name")
        for key in layered:  # §8 GCIR: `passed` only in legacy for experiments
            assert "passed" in b["dynamic_configs"][key]
            assert "passed" not in a["dynamic_configs"][key]
            assert a["dynamic_configs"][key]["explicit_parameters"]


def test_core_gcir_exposures_are_the_deduplicated_server_lists(
    runs: dict[str | None, tuple[list[dict], list[dict]]],
) -> None:
    """F1: the core's bootstrap de-duplicates what its exposure events carry verbatim."""
    core, _ = runs[None]
    for result in core:
        gcir = result["client_initialize_response"]
        for name, entry in result["gates"].items():
            if name.startswith("segment:") or djb2(name) not in gcir["feature_gates"]:
                continue
            deduped: list[dict] = []
            for exposure in entry["secondary_exposures"]:
                hashed = {**exposure, "gate": djb2(exposure["gate"])}  # GCIR hashes gate names
                if hashed not in deduped:
                    deduped.append(hashed)
            assert gcir["feature_gates"][djb2(name)]["secondary_exposures"] == deduped


def test_target_app_filtering(corpus: dict[str, Any]) -> None:
    """F15: with both key maps present the core only consults the hashed one."""
    user = [{"userID": "u1", "_label": "u1"}]
    dcs, lists = corpus["dcs"], corpus["id_lists"]

    def gates(fn: Any, key: str) -> set[str]:
        gcir = fn(dcs, user, id_lists=lists, client_sdk_key=key, hash="none")[0]
        return set(gcir["client_initialize_response"]["feature_gates"])

    for fn in (oracles.evaluate_with_core, oracles.evaluate_with_legacy):
        assert gates(fn, "client-edge-mobile") == {"target_app_mobile_only_gate"}
    assert gates(oracles.evaluate_with_legacy, "client-edge-web") == {"target_app_web_only_gate"}
    assert len(gates(oracles.evaluate_with_core, "client-edge-web")) > 100
