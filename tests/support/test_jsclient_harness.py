"""Proves the js-client harness itself, using bootstraps made by the official Rust core.

If the real ``@statsig/js-client`` reads a ``statsig-python-core`` bootstrap back with exactly the
values and rule ids the core evaluates, the harness (install, case plumbing, result reading) is
sound, and later tests can trust it to judge statsig-web's own bootstrap. The reason strings and
identity rules asserted here are the client's behaviour that statsig-web must design around.
"""

from __future__ import annotations

import copy
import json
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import jsclient, jsclient_fixtures
from .jsclient import (
    REPO_ROOT,
    JsClient,
    pack_cases,
    pinned_version,
    prepare_js_client,
    run_js_client_document,
)
from .services import require_module, skip_or_fail

# Bound here so pytest finds the fixture in this module (a conftest would do the same job).
js_client = jsclient_fixtures.js_client

EVAL_PROJ = REPO_ROOT.parent / "shared" / "fixtures" / "statsig-server-core" / "eval_proj_dcs.json"
CLIENT_KEY = "client-harness-test"
RECOGNIZED = "Bootstrap:Recognized"
STABLE_ID_MISMATCH = "BootstrapStableIDMismatch:Recognized"
PARTIAL_MATCH = "BootstrapPartialUserMatch:Recognized"
UNRECOGNIZED = "Bootstrap:Unrecognized"
NO_VALUES = "NoValues"

UA_CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
UA_FIREFOX_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0"
)
UA_CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
UA_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)


# ------------------------------------------------------------------------------------------------
# Name hashing, written out here so the tests can say which variant the client and the core use.


def djb2_utf16(name: str) -> str:
    """djb2 over UTF-16 code units: what the JS client computes (charCodeAt)."""
    value = 0
    raw = name.encode("utf-16-le")
    for index in range(0, len(raw), 2):
        value = (value * 31 + int.from_bytes(raw[index : index + 2], "little")) & 0xFFFFFFFF
    return str(value)


def djb2_code_points(name: str) -> str:
    """djb2 over Unicode code points: what the official Python SDKs compute."""
    value = 0
    for char in name:
        value = (value * 31 + ord(char)) & 0xFFFFFFFF
    return str(value)


# ------------------------------------------------------------------------------------------------
# The oracle: statsig-python-core, offline, fed a specs document through its data-store hook.


class CoreOracle:
    """One offline statsig-python-core instance over a DCS v2 document."""

    def __init__(self, specs: str, environment: str | None = None) -> None:
        core = require_module("statsig_python_core")
        data_store = require_module("statsig_python_core.data_store")

        class SpecsStore(data_store.DataStore):  # type: ignore[name-defined,misc]
            """Serves the specs text for the DCS key, nothing else (no id lists)."""

            def get(self, key: str) -> Any:
                if "download_config_specs" in key:
                    return data_store.DataStoreResponse(result=specs, time=1)
                return None

        self._core = core
        options = core.StatsigOptions(
            disable_network=True,
            data_store=SpecsStore(),
            disable_all_logging=True,
            wait_for_country_lookup_init=True,
            wait_for_user_agent_init=True,
            output_log_level="none",
            environment=environment,
        )
        self.statsig = core.Statsig("secret-harness-test", options)
        details = self.statsig.initialize_with_details().result()
        if not details.is_config_spec_ready:
            raise AssertionError(f"statsig-python-core did not load the specs: {details.source}")

    def close(self) -> None:
        self.statsig.shutdown().wait()

    def user(self, spec: dict[str, Any]) -> Any:
        """Build a core StatsigUser from a user written in the JS client's field names."""
        return self._core.StatsigUser(
            user_id=spec.get("userID"),
            email=spec.get("email"),
            ip=spec.get("ip"),
            country=spec.get("country"),
            locale=spec.get("locale"),
            app_version=spec.get("appVersion"),
            user_agent=spec.get("userAgent"),
            custom=spec.get("custom"),
            custom_ids=spec.get("customIDs"),
            private_attributes=spec.get("privateAttributes"),
        )

    def bootstrap(self, user: dict[str, Any], hash_name: str = "djb2") -> dict[str, Any]:
        raw = self.statsig.get_client_initialize_response(
            self.user(user), hash=hash_name, client_sdk_key=CLIENT_KEY
        )
        return dict(json.loads(raw))

    def names(self) -> dict[str, list[str]]:
        s = self.statsig
        return {
            "gates": sorted(s.get_feature_gate_list()),
            "configs": sorted(s.get_dynamic_config_list() + s.get_autotune_list()),
            "experiments": sorted(s.get_experiment_list()),
            "layers": sorted(s.get_layer_list()),
        }

    def expected(
        self,
        user: dict[str, Any],
        names: dict[str, list[str]],
        layer_params: dict[str, list[str]],
        hash_name: str = "djb2",
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """What the core itself evaluates for every name, in the harness's result shape."""
        hashed = djb2_utf16 if hash_name == "djb2" else str
        s, u = self.statsig, self.user(user)
        out: dict[str, dict[str, dict[str, Any]]] = {
            "gates": {},
            "configs": {},
            "experiments": {},
            "layers": {},
        }
        for name in names["gates"]:
            gate = s.get_feature_gate(u, name)
            out["gates"][name] = {"value": gate.value, "ruleID": gate.rule_id}
        for name in names["configs"]:
            config = s.get_dynamic_config(u, name)
            out["configs"][name] = {"value": config.value, "ruleID": config.rule_id}
        for name in names["experiments"]:
            exp = s.get_experiment(u, name)
            out["experiments"][name] = {
                "value": exp.value,
                "ruleID": exp.rule_id,
                "groupName": exp.group_name,
            }
        for name in names["layers"]:
            layer = s.get_layer(u, name)
            values = layer.get_value()
            allocated = layer.allocated_experiment_name or None
            out["layers"][name] = {
                "ruleID": layer.rule_id,
                "groupName": layer.group_name,
                "allocatedExperimentName": hashed(allocated) if allocated else None,
                "params": {p: values.get(p) for p in layer_params[name]},
            }
        return out


@pytest.fixture(scope="module")
def inline_oracle() -> Iterator[CoreOracle]:
    oracle = CoreOracle(json.dumps(INLINE_SPECS))
    yield oracle
    oracle.close()


@pytest.fixture(scope="module")
def eval_proj_oracle() -> Iterator[CoreOracle]:
    if not EVAL_PROJ.is_file():
        pytest.skip(f"{EVAL_PROJ} is absent (it is shared project data, not part of the repo)")
    oracle = CoreOracle(EVAL_PROJ.read_text(encoding="utf-8"))
    yield oracle
    oracle.close()


# ------------------------------------------------------------------------------------------------
# Inline DCS v2 specs: small, but with every entity kind, percentage rollouts on userID and
# stableID, a nested gate (secondary exposures), experiment groups, a layer that delegates to an
# experiment with explicit parameters, and names outside ASCII (one of them outside the BMP).

ROCKET_GATE = "launch_\U0001f680"  # non-BMP: one code point, two UTF-16 code units
ACCENT_GATE = "caf\u00e9_banner"  # BMP, non-ASCII: code points and code units agree


def _cond(kind: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": kind,
        "targetValue": None,
        "operator": None,
        "field": None,
        "additionalValues": {},
        "idType": "userID",
    }
    base.update(fields)
    return base


def _rule(rule_id: str, conditions: list[str], value: Any, pct: float = 100, **extra: Any) -> dict:
    rule = {
        "name": rule_id,
        "id": rule_id,
        "salt": f"{rule_id}-salt",
        "passPercentage": pct,
        "conditions": conditions,
        "returnValue": value,
        "idType": "userID",
    }
    rule.update(extra)
    return rule


def _gate(salt: str, rules: list[dict[str, Any]], id_type: str = "userID") -> dict[str, Any]:
    return {
        "type": "feature_gate",
        "salt": salt,
        "enabled": True,
        "defaultValue": False,
        "rules": rules,
        "idType": id_type,
        "entity": "feature_gate",
        "version": 1,
    }


INLINE_SPECS: dict[str, Any] = {
    "has_updates": True,
    "time": 1_700_000_000_000,
    "response_format": "dcs-v2",
    "condition_map": {
        "public": _cond("public"),
        "staff_email": _cond(
            "user_field",
            field="email",
            operator="str_ends_with_any",
            targetValue=["@example.com"],
        ),
        "pro_plan": _cond("user_field", field="plan", operator="any", targetValue=["pro"]),
        "is_staff": _cond("pass_gate", targetValue="staff_only"),
        "bucket_low": _cond(
            "user_bucket",
            operator="lt",
            targetValue=500,
            additionalValues={"salt": "checkout-copy-salt"},
        ),
        "layer_bucket_low": _cond(
            "user_bucket",
            operator="lt",
            targetValue=500,
            additionalValues={"salt": "layered-exp-salt"},
        ),
    },
    "feature_gates": {
        "staff_only": _gate("staff-salt", [_rule("staff_rule", ["staff_email"], True)]),
        "half_rollout": _gate("half-salt", [_rule("half_rule", ["public"], True, pct=50)]),
        "device_rollout": _gate(
            "device-salt",
            [_rule("device_rule", ["public"], True, pct=50, idType="stableID")],
            id_type="stableID",
        ),
        "staff_and_pro": _gate("snp-salt", [_rule("snp_rule", ["is_staff", "pro_plan"], True)]),
        ROCKET_GATE: _gate("rocket-salt", [_rule("rocket_rule", ["public"], True)]),
        ACCENT_GATE: _gate("accent-salt", [_rule("accent_rule", ["public"], True)]),
    },
    "dynamic_configs": {
        "pricing": {
            "type": "dynamic_config",
            "salt": "pricing-salt",
            "enabled": True,
            "defaultValue": {"price": 9.99, "currency": "EUR"},
            "rules": [_rule("pro_pricing", ["pro_plan"], {"price": 19.99, "currency": "EUR"})],
            "idType": "userID",
            "entity": "dynamic_config",
            "version": 3,
        },
        "checkout_copy": {
            "type": "dynamic_config",
            "salt": "checkout-copy-salt",
            "enabled": True,
            "defaultValue": {"headline": "Buy now"},
            "rules": [
                _rule(
                    "copy_control",
                    ["bucket_low"],
                    {"headline": "Buy now"},
                    groupName="Control",
                    isExperimentGroup=True,
                ),
                _rule(
                    "copy_test",
                    ["public"],
                    {"headline": "Get it today"},
                    groupName="Test",
                    isExperimentGroup=True,
                ),
            ],
            "idType": "userID",
            "entity": "experiment",
            "isActive": True,
            "version": 2,
        },
        "layered_exp": {
            "type": "dynamic_config",
            "salt": "layered-exp-salt",
            "enabled": True,
            "defaultValue": {"button_color": "blue", "button_size": "m"},
            "rules": [
                _rule(
                    "layered_control",
                    ["layer_bucket_low"],
                    {"button_color": "blue", "button_size": "m"},
                    groupName="Control",
                    isExperimentGroup=True,
                ),
                _rule(
                    "layered_test",
                    ["public"],
                    {"button_color": "green", "button_size": "m"},
                    groupName="Green",
                    isExperimentGroup=True,
                ),
            ],
            "idType": "userID",
            "entity": "experiment",
            "isActive": True,
            "hasSharedParams": True,
            "explicitParameters": ["button_color"],
            "version": 5,
        },
    },
    "layer_configs": {
        "checkout_layer": {
            "type": "dynamic_config",
            "salt": "checkout-layer-salt",
            "enabled": True,
            "defaultValue": {"button_color": "blue", "button_size": "m"},
            "rules": [
                _rule(
                    "experimentAssignment",
                    ["public"],
                    {"button_color": "blue", "button_size": "m"},
                    configDelegate="layered_exp",
                ),
            ],
            "idType": "userID",
            "entity": "layer",
            "version": 1,
        },
        "quiet_layer": {
            "type": "dynamic_config",
            "salt": "quiet-layer-salt",
            "enabled": True,
            "defaultValue": {"banner": "off"},
            "rules": [],
            "idType": "userID",
            "entity": "layer",
            "version": 1,
        },
    },
    "experiment_to_layer": {"layered_exp": "checkout_layer"},
}

INLINE_LAYER_PARAMS = {
    "checkout_layer": ["button_color", "button_size", "no_such_param"],
    "quiet_layer": ["banner", "no_such_param"],
}


def inline_names(oracle: CoreOracle) -> dict[str, list[str]]:
    """Every inline name except the emoji gate, which core bootstraps cannot serve (see below)."""
    names = oracle.names()
    assert ROCKET_GATE in names["gates"]
    names["gates"].remove(ROCKET_GATE)
    return names


def inline_users(count: int) -> list[dict[str, Any]]:
    """Deterministic users that land on both sides of every inline rule."""
    rng = random.Random(7)
    users = []
    for index in range(count):
        user: dict[str, Any] = {
            "userID": f"user-{index}",
            "customIDs": {"stableID": f"stable-{rng.randrange(10**9)}"},
        }
        if index % 2 == 0:
            user["email"] = f"u{index}@example.com" if index % 4 == 0 else f"u{index}@mail.test"
        if index % 3 != 0:
            user["custom"] = {"plan": "pro" if index % 3 == 1 else "free"}
        users.append(user)
    return users


def eval_proj_users() -> list[dict[str, Any]]:
    """Users aimed at the eval_proj conditions, plus a spread of generated ones for buckets."""
    users: list[dict[str, Any]] = [
        {
            "userID": "a-user",
            "email": "daniel@statsig.com",
            "customIDs": {"stableID": "12345", "companyID": "123"},
        },
        {
            "userID": "123",
            "email": "jkw@statsig.com",
            "country": "US",
            "ip": "1.0.0.0",
            "locale": "en_US",
            "appVersion": "1.3",
            "userAgent": UA_CHROME_ANDROID,
            "custom": {"level": 9, "newUser": "true", "Foo": "Bar", "bigInt": 9223372036854775807},
            "customIDs": {"stableID": "s-2", "random_id": "abc", "companyID": "12345"},
        },
        {
            "userID": "uncool-user",
            "email": "someone@gmail.com",
            "country": "NZ",
            "userAgent": UA_CHROME_WINDOWS,
            "appVersion": "1.1.1-beta",
            "customIDs": {"stableID": "s-3", "companyID": "bad-employee"},
        },
        {
            "userID": "user-in-test-1",
            "userAgent": UA_FIREFOX_MAC,
            "ip": "101.100.159.200",
            "custom": {"level": 4, "device_model": "123", "plays_league": "yes"},
            "customIDs": {"stableID": "s-4"},
        },
        {
            "userID": "this_user_fails",
            "locale": "en_GB",
            "email": "x@meta.com",
            "userAgent": UA_IPHONE,
            "customIDs": {"stableID": "s-5"},
        },
        {
            "userID": "override_targeted_exp_in_layer_with_holdout_control",
            "customIDs": {"stableID": "s-6"},
        },
        {
            "userID": "user-in-test-2",
            "email": "someone@statsig.io",
            "country": "CA",
            "appVersion": "4.2",
            "customIDs": {"stableID": "s-7", "random_id": "123"},
        },
    ]
    rng = random.Random(11)
    emails = ["a@statsig.com", "b@gmail.com", "c@meta.com", "d@example.org", None]
    countries = ["US", "NZ", "CA", "CH", "DE", None]
    agents = [UA_CHROME_WINDOWS, UA_FIREFOX_MAC, UA_CHROME_ANDROID, UA_IPHONE, None]
    for index in range(40):
        user: dict[str, Any] = {
            "userID": f"gen-{index}-{rng.randrange(10**6)}",
            "customIDs": {"stableID": f"gen-stable-{index}"},
        }
        for key, choices in (("email", emails), ("country", countries), ("userAgent", agents)):
            pick = rng.choice(choices)
            if pick is not None:
                user[key] = pick
        if index % 3 == 0:
            user["custom"] = {"level": rng.randrange(12), "newUser": rng.choice(["true", "no"])}
        if index % 4 == 0:
            user["customIDs"]["companyID"] = rng.choice(["123", "12345", "bad-employee", "9"])
        if index % 5 == 0:
            user["customIDs"]["random_id"] = rng.choice(["123", "abc", f"r{index}"])
        users.append(user)
    return users


# ------------------------------------------------------------------------------------------------
# Shared assertions


def make_case(
    case_id: str,
    bootstrap: dict[str, Any] | str,
    user: dict[str, Any],
    names: dict[str, list[str]],
    layer_params: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    case: dict[str, Any] = {
        "id": case_id,
        "client_key": CLIENT_KEY,
        "bootstrap": bootstrap,
        "user": user,
        "gates": names.get("gates", []),
        "configs": names.get("configs", []),
        "experiments": names.get("experiments", []),
        "layers": {name: (layer_params or {}).get(name, []) for name in names.get("layers", [])},
    }
    case.update(extra)
    return case


def all_reasons(result: dict[str, Any]) -> set[str]:
    return {
        entry["reason"]
        for kind in ("gates", "configs", "experiments", "layers")
        for entry in result[kind].values()
    }


def assert_same_as_core(result: dict[str, Any], expected: dict[str, Any], label: str) -> None:
    """Every value and rule id the client read equals what the core evaluated."""
    mismatches = []
    for kind, entries in expected.items():
        for name, want in entries.items():
            got = result[kind][name]
            for field, value in want.items():
                if got.get(field) != value:
                    mismatches.append(
                        f"{kind}/{name}.{field}: js={got.get(field)!r} core={value!r}"
                    )
    assert not mismatches, f"{label}: {len(mismatches)} mismatches, e.g. {mismatches[:8]}"


def layer_params_from(specs: dict[str, Any]) -> dict[str, list[str]]:
    """Every parameter a layer or its experiments define, plus one that exists nowhere."""
    params: dict[str, set[str]] = {
        name: set(spec.get("defaultValue") or {}) for name, spec in specs["layer_configs"].items()
    }
    for exp, layer in (specs.get("experiment_to_layer") or {}).items():
        spec = specs["dynamic_configs"].get(exp)
        if spec and layer in params:
            params[layer].update(spec.get("defaultValue") or {})
            for rule in spec.get("rules", []):
                if isinstance(rule.get("returnValue"), dict):
                    params[layer].update(rule["returnValue"])
    return {name: [*sorted(found), "no_such_param"] for name, found in params.items()}


# ------------------------------------------------------------------------------------------------
# The pin itself (no Node needed)


def test_package_json_pins_an_exact_version() -> None:
    version = pinned_version()
    assert re.fullmatch(r"3\.\d+\.\d+", version), f"pin an exact 3.x version, got {version!r}"


def test_lock_file_matches_the_pin() -> None:
    harness = Path(__file__).with_name("jsclient")
    manifest = json.loads((harness / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((harness / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    assert packages[""]["dependencies"] == manifest["dependencies"]
    assert packages["node_modules/@statsig/js-client"]["version"] == pinned_version()
    assert packages["node_modules/@statsig/client-core"]["version"] == pinned_version()
    assert all("integrity" in meta for key, meta in packages.items() if key)


def test_unavailable_tools_give_a_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(jsclient.shutil, "which", lambda name: None)
    setup = jsclient._prepare(tmp_path)
    assert setup.modules is None and "node is not installed" in (setup.reason or "")
    monkeypatch.setattr(jsclient.shutil, "which", lambda name: None if name == "npm" else name)
    monkeypatch.setattr(jsclient, "_node_problem", lambda node: None)
    setup = jsclient._prepare(tmp_path)
    assert setup.modules is None and "npm is not installed" in (setup.reason or "")


def test_pack_cases_sends_a_shared_bootstrap_once() -> None:
    shared = {"has_updates": True}
    twin = {"has_updates": True}  # equal but not the same object: sent inline
    packed = pack_cases(
        [
            {"id": "a", "bootstrap": shared},
            {"id": "b", "bootstrap": shared},
            {"id": "c", "bootstrap": twin},
            {"id": "d", "bootstrap": "{}"},
        ]
    )
    assert packed["bootstraps"] == {"b0": shared}
    assert [c.get("bootstrap_ref") for c in packed["cases"]] == ["b0", "b0", None, None]
    assert packed["cases"][2]["bootstrap"] is twin


def test_skip_or_fail_follows_the_services_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATSIG_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("node missing")
    monkeypatch.setenv("STATSIG_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="node missing"):
        skip_or_fail("node missing")


def test_djb2_variants_differ_only_outside_the_bmp() -> None:
    assert djb2_utf16("staff_only") == djb2_code_points("staff_only")
    assert djb2_utf16(ACCENT_GATE) == djb2_code_points(ACCENT_GATE)
    assert djb2_utf16(ROCKET_GATE) != djb2_code_points(ROCKET_GATE)


# ------------------------------------------------------------------------------------------------
# The client reads core bootstraps exactly as the core evaluates them


@pytest.mark.services
def test_client_reads_core_bootstrap_of_eval_proj(
    js_client: JsClient, eval_proj_oracle: CoreOracle
) -> None:
    specs = json.loads(EVAL_PROJ.read_text(encoding="utf-8"))
    names = eval_proj_oracle.names()
    params = layer_params_from(specs)
    users = eval_proj_users()
    cases, expected = [], []
    for index, user in enumerate(users):
        bootstrap = eval_proj_oracle.bootstrap(user)
        assert bootstrap["hash_used"] == "djb2"
        cases.append(make_case(f"eval-{index}", bootstrap, user, names, params))
        expected.append(eval_proj_oracle.expected(user, names, params))
    results = js_client.run(cases)
    for case, result, want in zip(cases, results, expected, strict=True):
        assert result["error"] is None, result["error"]
        assert all_reasons(result) == {RECOGNIZED}, (case["id"], all_reasons(result))
        assert_same_as_core(result, want, case["id"])
    # The users really do exercise the rules, not just the defaults.
    rule_ids = {entry["ruleID"] for result in results for entry in result["experiments"].values()}
    assert len(rule_ids) > 20
    assert any(g["value"] for r in results for g in r["gates"].values())


@pytest.mark.services
def test_client_reads_core_bootstrap_of_inline_specs(
    js_client: JsClient, inline_oracle: CoreOracle
) -> None:
    names = inline_names(inline_oracle)  # the emoji gate is covered by test_non_bmp_names
    users = inline_users(60)
    cases = [
        make_case(f"inline-{i}", inline_oracle.bootstrap(u), u, names, INLINE_LAYER_PARAMS)
        for i, u in enumerate(users)
    ]
    results = js_client.run(cases)
    for user, case, result in zip(users, cases, results, strict=True):
        assert all_reasons(result) == {RECOGNIZED}, (case["id"], all_reasons(result))
        want = inline_oracle.expected(user, names, INLINE_LAYER_PARAMS)
        assert_same_as_core(result, want, case["id"])
        assert result["layers"]["checkout_layer"]["params"]["no_such_param"] is None
    # Both sides of every split were seen.
    for gate in ("staff_only", "half_rollout", "device_rollout", "staff_and_pro"):
        assert {r["gates"][gate]["value"] for r in results} == {True, False}, gate
    assert {r["experiments"]["checkout_copy"]["groupName"] for r in results} == {"Control", "Test"}
    assert {r["layers"]["checkout_layer"]["params"]["button_color"] for r in results} == {
        "blue",
        "green",
    }


@pytest.mark.services
def test_layer_exposures_carry_the_allocated_experiment(
    js_client: JsClient, inline_oracle: CoreOracle
) -> None:
    user = inline_users(1)[0]
    names = {"layers": ["checkout_layer"]}
    result = js_client.run_one(
        make_case(
            "exposures",
            inline_oracle.bootstrap(user),
            user,
            names,
            INLINE_LAYER_PARAMS,
            exposures=True,
        )
    )
    layer = result["layers"]["checkout_layer"]
    assert layer["allocatedExperimentName"] == djb2_utf16("layered_exp")
    explicit = layer["exposures"]["button_color"]["metadata"]
    implicit = layer["exposures"]["button_size"]["metadata"]
    assert explicit["allocatedExperiment"] == djb2_utf16("layered_exp")
    assert explicit["isExplicitParameter"] == "true"
    assert implicit["allocatedExperiment"] == ""
    assert implicit["isExplicitParameter"] == "false"
    assert explicit["reason"] == RECOGNIZED


@pytest.mark.services
def test_hash_none_is_read_too(js_client: JsClient, inline_oracle: CoreOracle) -> None:
    names = inline_oracle.names()
    user = inline_users(3)[2]
    bootstrap = inline_oracle.bootstrap(user, hash_name="none")
    assert bootstrap["hash_used"] == "none"
    assert "staff_only" in bootstrap["feature_gates"]
    result = js_client.run_one(make_case("none", bootstrap, user, names, INLINE_LAYER_PARAMS))
    assert all_reasons(result) == {RECOGNIZED}
    want = inline_oracle.expected(user, names, INLINE_LAYER_PARAMS, hash_name="none")
    assert_same_as_core(result, want, "none")


@pytest.mark.services
def test_sha256_names_are_never_found(js_client: JsClient, inline_oracle: CoreOracle) -> None:
    names = inline_oracle.names()
    user = inline_users(1)[0]
    bootstrap = inline_oracle.bootstrap(user, hash_name="sha256")
    assert bootstrap["hash_used"] == "sha256"
    result = js_client.run_one(make_case("sha", bootstrap, user, names, INLINE_LAYER_PARAMS))
    assert all_reasons(result) == {UNRECOGNIZED}
    assert all(g["value"] is False and g["ruleID"] == "" for g in result["gates"].values())
    assert all(c["value"] == {} for c in result["configs"].values())
    assert result["layers"]["checkout_layer"]["params"]["button_color"] is None


@pytest.mark.services
def test_non_bmp_names(js_client: JsClient, inline_oracle: CoreOracle) -> None:
    """The core hashes code points; the client hashes UTF-16 units and misses emoji names."""
    user = inline_users(1)[0]
    names = {"gates": [ROCKET_GATE, ACCENT_GATE]}
    core_boot = inline_oracle.bootstrap(user)
    gates = core_boot["feature_gates"]
    assert djb2_code_points(ROCKET_GATE) in gates
    assert djb2_utf16(ROCKET_GATE) not in gates
    fixed = copy.deepcopy(core_boot)
    fixed["feature_gates"][djb2_utf16(ROCKET_GATE)] = fixed["feature_gates"].pop(
        djb2_code_points(ROCKET_GATE)
    )
    raw = inline_oracle.bootstrap(user, hash_name="none")
    as_core, as_fixed, as_raw = js_client.run(
        [
            make_case("core-djb2", core_boot, user, names),
            make_case("utf16-djb2", fixed, user, names),
            make_case("none", raw, user, names),
        ]
    )
    assert as_core["gates"][ROCKET_GATE] == {
        "value": False,
        "ruleID": "",
        "reason": UNRECOGNIZED,
        "idType": None,
    }
    assert as_core["gates"][ACCENT_GATE]["reason"] == RECOGNIZED
    for result in (as_fixed, as_raw):
        assert result["gates"][ROCKET_GATE]["reason"] == RECOGNIZED
        assert result["gates"][ROCKET_GATE]["value"] is True
        assert result["gates"][ROCKET_GATE]["ruleID"] == "rocket_rule"


# ------------------------------------------------------------------------------------------------
# Identity: which bootstrap user / client user pairs the client accepts, and with which reason


def _identity_case(
    oracle: CoreOracle,
    case_id: str,
    server_user: dict[str, Any],
    client_user: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    return make_case(
        case_id, oracle.bootstrap(server_user), client_user, {"gates": ["staff_only"]}, **extra
    )


STAFF = {"userID": "u-1", "email": "u1@example.com"}
STABLE = {"customIDs": {"stableID": "stable-1"}}
OTHER_STABLE = {"customIDs": {"stableID": "stable-2"}}

IDENTITY_CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
    # id, server user, client user, extra case fields, expected reason
    ("same-with-stable", {**STAFF, **STABLE}, {**STAFF, **STABLE}, {}, RECOGNIZED),
    ("same-no-stable", STAFF, STAFF, {}, STABLE_ID_MISMATCH),
    ("same-no-stable-disabled", STAFF, STAFF, {"disable_stable_id": True}, RECOGNIZED),
    (
        "stable-disabled-both-have-it",
        {**STAFF, **STABLE},
        {**STAFF, **STABLE},
        {"disable_stable_id": True},
        STABLE_ID_MISMATCH,
    ),
    ("client-lacks-stable", {**STAFF, **STABLE}, STAFF, {}, NO_VALUES),
    ("server-lacks-stable", STAFF, {**STAFF, **STABLE}, {}, NO_VALUES),
    ("other-stable", {**STAFF, **STABLE}, {**STAFF, **OTHER_STABLE}, {}, NO_VALUES),
    ("other-user-id", {**STAFF, **STABLE}, {**STAFF, **STABLE, "userID": "u-2"}, {}, NO_VALUES),
    (
        "extra-custom-id",
        {**STAFF, **STABLE},
        {**STAFF, "customIDs": {"stableID": "stable-1", "companyID": "c"}},
        {},
        NO_VALUES,
    ),
    ("client-extra-email", {"userID": "u-1", **STABLE}, {**STAFF, **STABLE}, {}, PARTIAL_MATCH),
    (
        "client-other-country",
        {**STAFF, **STABLE, "country": "US"},
        {**STAFF, **STABLE, "country": "NZ"},
        {},
        PARTIAL_MATCH,
    ),
    (
        "client-private-attributes",
        {**STAFF, **STABLE},
        {**STAFF, **STABLE, "privateAttributes": {"secret": "x"}},
        {},
        RECOGNIZED,
    ),
    (
        "server-private-attributes",
        {**STAFF, **STABLE, "privateAttributes": {"secret": "x"}},
        {**STAFF, **STABLE, "privateAttributes": {"secret": "x"}},
        {},
        RECOGNIZED,
    ),
    ("no-user-id-absent-on-client", STABLE, STABLE, {}, PARTIAL_MATCH),
    ("no-user-id-empty-on-client", STABLE, {"userID": "", **STABLE}, {}, RECOGNIZED),
]


@pytest.mark.services
@pytest.mark.parametrize("case_id", [case[0] for case in IDENTITY_CASES])
def test_identity_rules(js_client: JsClient, inline_oracle: CoreOracle, case_id: str) -> None:
    _, server, client, extra, reason = next(c for c in IDENTITY_CASES if c[0] == case_id)
    result = js_client.run_one(_identity_case(inline_oracle, case_id, server, client, **extra))
    gate = result["gates"]["staff_only"]
    assert gate["reason"] == reason
    if reason == NO_VALUES:
        assert (gate["value"], gate["ruleID"]) == (False, "")
    else:
        # The values are used whenever the identity matched, whatever the warning.
        assert gate["value"] is ("email" in server)
        assert gate["ruleID"] == ("staff_rule" if "email" in server else "default")


@pytest.mark.services
def test_identity_rules_in_one_process(js_client: JsClient, inline_oracle: CoreOracle) -> None:
    """The same table run as one batch with a shared key: no case may leak into the next."""
    cases = [
        _identity_case(inline_oracle, case_id, server, client, **extra)
        for case_id, server, client, extra, _ in IDENTITY_CASES
    ]
    results = js_client.run(cases + cases[::-1])
    reasons = [reason for *_, reason in IDENTITY_CASES]
    got = [r["gates"]["staff_only"]["reason"] for r in results]
    assert got == reasons + reasons[::-1]
    sdk_keys = {r["sdk_key"] for r in results}
    assert len(sdk_keys) == len(results)
    assert all(key.startswith(CLIENT_KEY) for key in sdk_keys)


@pytest.mark.services
def test_server_tier_needs_the_client_environment(js_client: JsClient) -> None:
    oracle = CoreOracle(json.dumps(INLINE_SPECS), environment="staging")
    try:
        user = {**STAFF, **STABLE}
        bootstrap = oracle.bootstrap(user)
    finally:
        oracle.close()
    assert bootstrap["user"]["statsigEnvironment"] == {"tier": "staging"}
    names = {"gates": ["staff_only"]}
    plain, with_env = js_client.run(
        [
            make_case("no-env", bootstrap, user, names),
            make_case("env", bootstrap, user, names, options={"environment": {"tier": "staging"}}),
        ]
    )
    assert plain["gates"]["staff_only"]["reason"] == PARTIAL_MATCH
    assert with_env["gates"]["staff_only"]["reason"] == RECOGNIZED
    assert with_env["gates"]["staff_only"]["value"] is True


@pytest.mark.services
def test_private_attributes_left_in_the_bootstrap_are_a_partial_match(
    js_client: JsClient, inline_oracle: CoreOracle
) -> None:
    user = {**STAFF, **STABLE}
    bootstrap = inline_oracle.bootstrap({**user, "privateAttributes": {"secret": "x"}})
    assert "privateAttributes" not in bootstrap["user"]  # the core strips them
    leaky = copy.deepcopy(bootstrap)
    leaky["user"]["privateAttributes"] = {"secret": "x"}
    result = js_client.run_one(
        make_case(
            "leaky",
            leaky,
            {**user, "privateAttributes": {"secret": "x"}},
            {"gates": ["staff_only"]},
        )
    )
    assert result["gates"]["staff_only"]["reason"] == PARTIAL_MATCH


# ------------------------------------------------------------------------------------------------
# Malformed payloads and the harness's own guarantees


@pytest.mark.services
def test_malformed_bootstraps(js_client: JsClient, inline_oracle: CoreOracle) -> None:
    user = {**STAFF, **STABLE}
    good = inline_oracle.bootstrap(user)
    no_has_updates = {k: v for k, v in good.items() if k != "has_updates"}
    no_user = {k: v for k, v in good.items() if k != "user"}
    stale = {**good, "has_updates": False}
    no_time = {k: v for k, v in good.items() if k != "time"}
    names = {"gates": ["staff_only"]}
    results = js_client.run(
        [
            make_case("no-has-updates", no_has_updates, user, names),
            make_case("no-user", no_user, user, names),
            make_case("has-updates-false", stale, user, names),
            make_case("not-json", "{not json", user, names),
            make_case("no-time", no_time, user, names),
        ]
    )
    by_id = {r["id"]: r for r in results}
    for case_id in ("no-has-updates", "no-user", "has-updates-false", "not-json"):
        assert by_id[case_id]["gates"]["staff_only"]["reason"] == NO_VALUES, case_id
    messages = " | ".join(log["message"] for log in by_id["no-user"]["logs"])
    assert "StatsigUser not found" in messages
    messages = " | ".join(log["message"] for log in by_id["no-has-updates"]["logs"])
    assert "Failed to parse" in messages
    assert by_id["no-time"]["gates"]["staff_only"]["reason"] == RECOGNIZED
    assert all(r["error"] is None for r in results)


@pytest.mark.services
def test_a_thousand_cases_in_one_process(js_client: JsClient, inline_oracle: CoreOracle) -> None:
    names = inline_names(inline_oracle)
    users = inline_users(50)
    boots = [inline_oracle.bootstrap(u) for u in users]
    cases = [
        make_case(f"bulk-{i}", boots[i % 50], users[i % 50], names, INLINE_LAYER_PARAMS)
        for i in range(1000)
    ]
    started = time.perf_counter()
    document = run_js_client_document(cases)
    wall = time.perf_counter() - started
    assert len(document["results"]) == 1000
    assert all(all_reasons(r) == {RECOGNIZED} for r in document["results"])
    assert document["stray_logs"] == [] and document["stray_network_attempts"] == []
    assert wall < 30, f"1000 cases took {wall:.1f}s; the harness must stay in one process"


@pytest.mark.services
def test_install_is_reused_while_the_lock_is_unchanged(js_client: JsClient) -> None:
    again = prepare_js_client(refresh=True)
    assert again.modules == js_client.modules
    assert again.installed_now is False
    assert again.version == pinned_version()


@pytest.mark.services
def test_awkward_json_survives_the_trip(js_client: JsClient) -> None:
    """Brackets and quotes inside strings, non-ASCII, control characters, big numbers."""
    awkward = {
        "text": 'a"]}{[\\ \\"',
        "emoji": "\U0001f680 \u00fcn\u00efc\u00f6de",
        "control": "\u0000\n\t\u2028",
        "nested": [[{"]": "}"}], []],
        "numbers": [1.5, -0.0, 2**53, 1e-7],
        "nothing": None,
    }
    user = {"userID": 'u"]{', "customIDs": {"stableID": "s}"}}
    bootstrap = {
        "has_updates": True,
        "time": 1,
        "user": user,
        "feature_gates": {},
        "dynamic_configs": {
            djb2_utf16("cfg"): {"value": awkward, "rule_id": 'r"]}', "secondary_exposures": []}
        },
        "layer_configs": {},
    }
    names = {"configs": ["cfg"]}
    text = json.dumps(bootstrap)
    results = js_client.run(
        [
            make_case('inline "]}', bootstrap, user, names),
            make_case("as-string", json.dumps(bootstrap), user, names),
            make_case("shared-1", text, user, names),
            make_case("shared-2", text, user, names),
        ]
    )
    assert [r["id"] for r in results] == ['inline "]}', "as-string", "shared-1", "shared-2"]
    for result in results:
        config = result["configs"]["cfg"]
        assert config["reason"] == RECOGNIZED
        assert config["value"] == awkward
        assert config["ruleID"] == 'r"]}'


@pytest.mark.services
def test_client_warnings_are_captured_per_case(
    js_client: JsClient, inline_oracle: CoreOracle
) -> None:
    user = {"userID": "u-9", **STABLE}
    case = make_case("device", inline_oracle.bootstrap(user), user, {"gates": ["device_rollout"]})
    case["user"] = {"userID": "u-9", **STABLE}
    bootstrap = case["bootstrap"]
    bootstrap["feature_gates"][djb2_utf16("device_rollout")]["id_type"] = "companyID"
    result = js_client.run_one(case)
    assert result["gates"]["device_rollout"]["idType"] == "companyID"
    assert any('id_type "companyID"' in log["message"] for log in result["logs"])
    assert result["network_attempts"] == []
