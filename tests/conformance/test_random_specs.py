"""Random specs and random users (hypothesis): ours and statsig-python-core must agree on all.

The generator mixes every condition type the core supports with targets and user values chosen
to sit on the coercion edges (numbers as strings, floats that print as integers, bools, empty
strings, non-ASCII, seconds vs milliseconds, versions with suffixes, object-shaped lists).
``multi_*_gate`` is left to the corpus: there we follow the other official SDK on purpose.
"""

from __future__ import annotations

from typing import Any

import pytest
from conformance.differential import Comparison, compare, evaluate_with_ours, record_counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("statsig_python_core")

from conformance import oracles

SCALARS: list[Any] = [
    "a", "A", "ab", "", "1", "1.0", "18", " 18", "true", "TRUE", "ß", "SS", "😀x", "é",
    "x@statsig.com", "US", "us", 0, 1, 1.0, 1.5, -2, 18, 18.0, 1e21, True, False, None,
    "1.2.3", "1.2.3-beta", "2", "1.2.3.4", "v1", "1700000000", 1_700_000_000,
    1_700_000_000_000, "2023-11-14T22:13:20Z", "2023-11-14 22:13:20", "2023-11-14",
]  # fmt: skip
LISTS = st.lists(st.sampled_from(SCALARS), min_size=0, max_size=4)
FIELDS = ["v", "V", "w", "email", "Email", "country", "appVersion", "app_version", "userID",
          "locale", "user_agent", "tier"]  # fmt: skip
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
]
OPERATORS = {
    "list": ["any", "none", "any_case_sensitive", "none_case_sensitive", "str_starts_with_any",
             "str_ends_with_any", "str_contains_any", "str_contains_none", "array_contains_any",
             "array_contains_none", "array_contains_all", "not_array_contains_all"],
    "scalar": ["gt", "gte", "lt", "lte", "eq", "neq", "version_gt", "version_gte", "version_lt",
               "version_lte", "version_eq", "version_neq", "before", "after", "on",
               "str_matches"],
}  # fmt: skip
REGEXES = ["^a", "A$", "\\d+", "^$", "ß", "(", "x@"]


@st.composite
def conditions(draw: st.DrawFn, earlier_gates: list[str]) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["user_field"] * 6
            + ["unit_id", "user_bucket", "environment_field", "current_time", "public"]
            + ["ip_based", "ua_based"]
            + (["pass_gate", "fail_gate"] * 2 if earlier_gates else [])
        )
    )
    condition: dict[str, Any] = {"type": kind, "idType": draw(st.sampled_from(
        ["userID", "stableID", "StableID", "companyID"]))}  # fmt: skip
    if kind in ("pass_gate", "fail_gate"):
        condition["targetValue"] = draw(st.sampled_from([*earlier_gates, "missing_gate"]))
        return condition
    if kind == "public":
        return condition
    shape = draw(st.sampled_from(["list", "scalar"]))
    operator = draw(st.sampled_from(OPERATORS[shape]))
    if operator == "str_matches":
        target: Any = draw(st.sampled_from(REGEXES))
    elif shape == "list":
        target = draw(LISTS)
        if kind == "user_bucket" and target and draw(st.booleans()):
            target = {str(draw(st.integers(0, 999))): True for _ in range(3)}
    else:
        target = draw(st.sampled_from(SCALARS))
    condition.update(operator=operator, targetValue=target)
    if kind == "user_field":
        condition["field"] = draw(st.sampled_from(FIELDS))
    elif kind == "ip_based":
        condition["field"] = "country"
    elif kind == "ua_based":
        condition["field"] = draw(st.sampled_from(["os_name", "browser_name", "os_version",
                                                   "browser_version"]))  # fmt: skip
    elif kind == "environment_field":
        condition["field"] = draw(st.sampled_from(["tier", "Tier", "region"]))
    elif kind == "user_bucket":
        condition["additionalValues"] = {"salt": draw(st.sampled_from(["s1", "s2"]))}
    return condition


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    gates: dict[str, Any] = {}
    condition_map: dict[str, Any] = {}

    def rules(earlier: list[str], values: st.SearchStrategy[Any]) -> list[dict[str, Any]]:
        out = []
        for index in range(draw(st.integers(0, 3))):
            refs = []
            for _ in range(draw(st.integers(1, 3))):
                ref = f"c{len(condition_map)}"
                condition_map[ref] = draw(conditions(earlier))
                refs.append(ref)
            out.append(
                {
                    "name": f"r{index}",
                    "id": f"rule{len(condition_map)}",
                    "salt": draw(st.sampled_from(["", "salt", "ß"])),
                    "passPercentage": draw(st.sampled_from([0, 100, 100, 50, 33.33, 0.5])),
                    "conditions": refs,
                    "returnValue": draw(values),
                    "idType": draw(st.sampled_from(["userID", "stableID"])),
                    "groupName": draw(st.sampled_from([None, "Control", "Test"])),
                    "isExperimentGroup": draw(st.booleans()),
                }
            )
        return out

    for index in range(draw(st.integers(3, 12))):
        name = draw(st.sampled_from([f"gate_{index}", f"segment:s{index}", f"Gäte {index}"]))
        gates[name] = {
            "type": "feature_gate",
            "salt": f"salt{index}",
            "enabled": draw(st.booleans()) or draw(st.booleans()),
            "defaultValue": draw(st.sampled_from([False, False, True])),
            "idType": "userID",
            "entity": "segment" if name.startswith("segment:") else "feature_gate",
            "rules": rules(list(gates), st.sampled_from([True, True, False])),
        }
    payload = st.fixed_dictionaries({"p": st.sampled_from(SCALARS)})
    configs = {
        f"exp_{i}": {
            "type": "dynamic_config",
            "salt": f"e{i}",
            "enabled": True,
            "defaultValue": {"p": "default"},
            "idType": "userID",
            "entity": draw(st.sampled_from(["experiment", "dynamic_config"])),
            "isActive": draw(st.booleans()),
            "explicitParameters": ["p"],
            "rules": rules(list(gates), payload),
        }
        for i in range(draw(st.integers(0, 3)))
    }
    layers = {
        "layer": {
            "type": "dynamic_config",
            "salt": "l",
            "enabled": True,
            "defaultValue": {"p": "layer"},
            "idType": "userID",
            "entity": "layer",
            "rules": [
                {**rule, "configDelegate": draw(st.sampled_from([*configs, "gone"]))}
                for rule in rules(list(gates), payload)
            ],
        }
    }
    return {
        "has_updates": True,
        "time": 1,
        "feature_gates": gates,
        "dynamic_configs": configs,
        "layer_configs": layers,
        "condition_map": condition_map,
        "experiment_to_layer": {},
        "default_environment": draw(st.sampled_from([None, "production"])),
    }


@st.composite
def users(draw: st.DrawFn) -> dict[str, Any]:
    user: dict[str, Any] = {"userID": draw(st.sampled_from(["u1", "u2", "ß", "😀", "1"]))}
    optional = {
        "email": st.sampled_from(["a@statsig.com", "B@X.io", ""]),
        "country": st.sampled_from(["US", "us", "NZ"]),
        "appVersion": st.sampled_from(["1.2.3", "2", "1.2.3-beta", "x"]),
        "ip": st.sampled_from(["8.8.8.8", "81.2.69.142", "::1"]),
        "userAgent": st.sampled_from(USER_AGENTS),
        "locale": st.sampled_from(["en_US", "fr"]),
        "custom": st.dictionaries(
            st.sampled_from(FIELDS), st.sampled_from(SCALARS) | LISTS, max_size=4
        ),
        "customIDs": st.dictionaries(
            st.sampled_from(["stableID", "stableid", "companyID"]),
            st.sampled_from(["s1", "s2", "C1"]),
            max_size=2,
        ),
        "statsigEnvironment": st.sampled_from([{"tier": "staging"}, {"Tier": "dev"}, {}]),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            user[key] = draw(strategy)
    return user


TOTAL = Comparison()


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(dcs=specs(), people=st.lists(users(), min_size=3, max_size=12),
       environment=st.sampled_from([None, "staging"]))  # fmt: skip
def test_random_specs_and_users_agree_with_the_core(
    dcs: dict[str, Any], people: list[dict[str, Any]], environment: str | None
) -> None:
    for index, person in enumerate(people):
        person["_label"] = f"user{index}"
    ours = evaluate_with_ours(dcs, people, environment=environment)
    core = oracles.evaluate_with_core(dcs, people, environment=environment)
    result = compare(ours, core)
    assert result.unexpected(()) == []
    TOTAL.add(result)
    record_counts("random_specs", TOTAL, 0)
