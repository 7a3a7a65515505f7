"""Our payload against ``statsig-python-core``'s, field by field, on the same specs and users.

Every difference allowed here is one listed in docs/deviations.md ("Bootstrap") and is asserted
as exactly that difference. Where our *server* evaluation already differs from the core's (the
evaluator's own deviations, tested with the conformance suite), the bootstrap must follow our
server instead, so those entries are compared with our server result rather than the core.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from statsig_core import Statsig, StatsigUser, __version__
from statsig_core.evaluation.hashing import hash_name
from statsig_core.introspection import evaluate_all

from support.services import require_module
from support.spec_users import users_for_specs
from support.specs import cond, dcs, rule, spec

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "conformance" / "corpus"
SECTIONS = {"feature_gates": "gates", "dynamic_configs": None, "layer_configs": "layers"}
SESSION_REPLAY = {
    "can_record_session",
    "recording_blocked",
    "session_recording_rate",
    "passes_session_recording_targeting",
    "session_recording_event_triggers",
    "session_recording_exposure_triggers",
}


def _code_point_djb2(name: str) -> str:
    """The core's djb2, over code points (the JS client hashes UTF-16 code units)."""
    value = 0
    for char in name:
        value = (value * 31 + ord(char)) & 0xFFFFFFFF
    return str(value)


def _corpus(name: str, shared: Callable[[], Path]) -> dict[str, Any]:
    if name == "edge_cases":
        if not (CORPUS / "edge_cases_v2.json").is_file():
            pytest.skip("the conformance corpus is not written yet")
        specs = json.loads((CORPUS / "edge_cases_v2.json").read_text())
        users = json.loads((CORPUS / "edge_case_users.json").read_text())
        lists = json.loads((CORPUS / "id_lists.json").read_text())
        return {"specs": specs, "users": users, "id_lists": lists, "tier": None}
    if name == "eval_proj":
        specs = json.loads((shared() / "eval_proj_dcs.json").read_text())
        return {"specs": specs, "users": users_for_specs(specs, 60), "tier": "production"}
    if name == "target_apps":
        specs = json.loads((shared() / "dcs_target_app_filtering.json").read_text())
        return {"specs": specs, "users": users_for_specs(specs, 5), "tier": None}
    data = REPO / "benchmarks" / "data"
    users = json.loads((data / "bench_users.json").read_text())[:80]
    return {
        "specs": json.loads((data / "bench_dcs_v2.json").read_text()),
        "users": users,
        "tier": "production",
    }


def _server_agrees(ours: dict[str, Any], core: dict[str, Any], section: str) -> bool:
    fields = ["value", "rule_id", "group_name", "secondary_exposures"]
    if section == "layers":
        fields.append("allocated_experiment")
    return all(ours.get(f) == core.get(f) for f in fields)


def _kind_of(specs: dict[str, Any], table: str, name: str) -> str | None:
    if table == "dynamic_configs":
        entity = specs["dynamic_configs"][name].get("entity")
        return "experiments" if entity == "experiment" else "configs"
    return SECTIONS[table]


def _compare(
    statsig: Statsig,
    specs: dict[str, Any],
    raw_user: dict[str, Any],
    core: dict[str, Any],
    algorithm: str,
    key: str | None,
) -> tuple[list[str], int, int]:
    """Differences beyond the listed ones, and how many entries were compared with the core
    and how many with our own server (where the two evaluators disagree)."""
    user = StatsigUser.from_dict(raw_user)
    ours = statsig.get_client_initialize_response(user, hash=algorithm, client_sdk_key=key)
    ours = json.loads(json.dumps(ours))
    theirs = copy.deepcopy(core["client_initialize_response"])
    server = evaluate_all(statsig, user)
    problems: list[str] = []

    # -- top level: sdkInfo, the user echo, pa_hash and session replay are listed deviations
    assert ours.pop("sdkInfo") == {
        "sdkType": "statsig-web",
        "sdkVersion": __version__,
        "sessionId": statsig.session_id,
    }
    assert theirs.pop("sdkInfo")["sdkType"] == "statsig-server-core-python"
    if user.user_id is None:
        assert "userID" not in ours["user"] and theirs["user"].pop("userID") == ""
    assert "pa_hash" not in ours
    assert ("pa_hash" in theirs) == bool(user.private_attributes)
    theirs.pop("pa_hash", None)
    assert not SESSION_REPLAY & set(ours)
    for field in SESSION_REPLAY:
        theirs.pop(field, None)
    for field in set(ours) | set(theirs):
        if field not in SECTIONS and ours.get(field) != theirs.get(field):
            problems.append(f"top-level {field}: {ours.get(field)!r} != {theirs.get(field)!r}")

    # -- entries
    agreed = followed_server = 0
    for table in SECTIONS:
        cmab = set(specs.get("cmab_configs") or {}) if table == "dynamic_configs" else set()
        for name in cmab:  # CMAB configs are not supported: the core lists them, we do not
            assert hash_name(name, algorithm) not in ours[table]
            theirs[table].pop(_code_point_djb2(name) if algorithm == "djb2" else name, None)
        for name in specs[table]:
            mine = ours[table].pop(hash_name(name, algorithm), None)
            core_key = _code_point_djb2(name) if algorithm == "djb2" else hash_name(name, algorithm)
            other = theirs[table].pop(core_key, None)
            if mine is None or other is None:
                if (mine is None) != (other is None):
                    problems.append(f"{table} {name!r} listed by one side only")
                continue
            kind = _kind_of(specs, table, name)
            if not _server_agrees(server[kind][name], core[kind][name], kind):
                followed_server += 1
                expected = server[kind][name]
                if (mine["value"], mine["rule_id"]) != (expected["value"], expected["rule_id"]):
                    problems.append(f"{table} {name!r} differs from our own server")
                continue
            if other.get("value") is None and table == "dynamic_configs" and other["rule_id"] == "":
                assert mine["value"] == {}  # unsupported config: {} like our server, core null
                other["value"] = {}
            other["name"] = mine["name"]  # the hashed name itself (non-BMP names differ)
            agreed += 1
            if mine != other:
                problems.append(f"{table} {name!r}: ours {mine} != core {other}")
        if ours[table] or theirs[table]:
            problems.append(f"{table}: unexpected names {set(ours[table])} {set(theirs[table])}")
    return problems, agreed, followed_server


@pytest.mark.parametrize(
    ("corpus", "algorithm", "key"),
    [
        ("bench", "djb2", None),
        ("bench", "none", None),
        ("bench", "sha256", None),
        ("eval_proj", "djb2", None),
        ("edge_cases", "djb2", None),
        ("edge_cases", "none", "client-edge-mobile"),
        ("edge_cases", "djb2", "client-not-listed"),
        ("target_apps", "none", "client-super-key"),
        ("target_apps", "djb2", None),
    ],
)
def test_payload_matches_statsig_python_core_except_listed_deviations(
    make_statsig, request, corpus, algorithm, key
):
    require_module("statsig_python_core")
    from conformance.oracles import evaluate_with_core

    data = _corpus(corpus, lambda: request.getfixturevalue("shared_fixtures"))
    specs = data["specs"]
    statsig = make_statsig(specs, environment=data["tier"], id_lists=data.get("id_lists"))
    core = evaluate_with_core(
        specs,
        data["users"],
        environment=data["tier"],
        id_lists=data.get("id_lists"),
        client_sdk_key=key,
        hash=algorithm,
    )
    problems: list[str] = []
    compared = own = 0
    for raw, theirs in zip(data["users"], core, strict=True):
        assert "error" not in theirs, theirs.get("error")
        found, agreed, followed = _compare(statsig, specs, raw, theirs, algorithm, key)
        problems.extend(f"{theirs['label']}: {p}" for p in found)
        compared += agreed
        own += followed
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:15])
    # most entries are compared with the core itself, not with our evaluator
    assert compared > 4 * own, (compared, own)


def test_a_key_in_the_plain_map_filters_even_beside_a_hashed_map(make_statsig):
    """The core consults only ``hashed_sdk_keys_to_app_ids`` when the specs carry it, so a key
    listed in ``sdk_keys_to_app_ids`` gets every spec there; we honour both maps."""
    require_module("statsig_python_core")
    from conformance.oracles import evaluate_with_core

    specs = dcs(
        gates={
            "web": spec(rule(cond(), id="w"), targetAppIDs=["app_web"]),
            "mobile": spec(rule(cond(), id="m"), targetAppIDs=["app_mobile"]),
            "server": spec(rule(cond(), id="s")),
        },
        experiment_to_layer={},
        sdk_keys_to_app_ids={"client-web": "app_web"},
        hashed_sdk_keys_to_app_ids={"1517009840": "app_mobile"},
    )
    core = evaluate_with_core(specs, [{"userID": "u"}], client_sdk_key="client-web", hash="none")
    theirs = core[0]["client_initialize_response"]["feature_gates"]
    ours = make_statsig(specs).get_client_initialize_response(
        StatsigUser("u"), hash="none", client_sdk_key="client-web"
    )["feature_gates"]
    assert set(theirs) == {"web", "mobile", "server"}
    assert set(ours) == {"web"}


def test_forced_entries_differ_only_in_the_listed_fields(make_statsig):
    """``include_local_overrides`` on both sides, compared entry by entry."""
    core = require_module("statsig_python_core")
    data_store = require_module("statsig_python_core.data_store")
    specs = dcs(
        gates={
            "base": spec(rule(cond(), id="r")),
            "needs": spec(rule(cond("pass_gate", target="base"), id="n")),
        },
        configs={
            "cfg": spec(rule(cond(), id="c", return_value={"a": 1}), kind="dynamic_config"),
            "exp": spec(
                rule(cond(), id="g", groupName="G", isExperimentGroup=True, return_value={"x": 1}),
                kind="dynamic_config",
                entity="experiment",
                isActive=True,
            ),
            "exp2": spec(
                rule(cond(), id="g2", groupName="G", isExperimentGroup=True, return_value={"y": 1}),
                kind="dynamic_config",
                entity="experiment",
                isActive=True,
                hasSharedParams=True,
                explicitParameters=["y"],
            ),
        },
        layers={
            "lay": spec(rule(cond(), id="al", configDelegate="exp"), kind="layer"),
            # Not overridden itself: it delegates to an overridden experiment.
            "lay2": spec(rule(cond(), id="al2", configDelegate="exp2"), kind="layer"),
        },
        experiment_to_layer={"exp": "lay", "exp2": "lay2"},
    )

    class Specs(data_store.DataStore):  # type: ignore[misc,name-defined]
        def get(self, key: str) -> Any:
            if "download_config_specs" in key:
                return data_store.DataStoreResponse(result=json.dumps(specs), time=1)
            return None

    options = core.StatsigOptions(
        disable_network=True, data_store=Specs(), disable_all_logging=True, output_log_level="none"
    )
    theirs_sdk = core.Statsig("secret-parity-test", options)
    theirs_sdk.initialize().wait()
    ours_sdk = make_statsig(specs)
    for sdk in (theirs_sdk, ours_sdk):
        sdk.override_gate("base", False)
        sdk.override_layer("lay", {"x": 5})
    theirs_sdk.override_dynamic_config("cfg", {"a": 2})
    theirs_sdk.override_experiment("exp", {"x": 9})
    theirs_sdk.override_experiment("exp2", {"y": 7})
    ours_sdk.override_config("cfg", {"a": 2})
    ours_sdk.override_config("exp", {"x": 9})
    ours_sdk.override_config("exp2", {"y": 7})
    try:
        theirs = json.loads(
            theirs_sdk.get_client_initialize_response(
                core.StatsigUser(user_id="u"), hash="none", include_local_overrides=True
            )
        )
    finally:
        theirs_sdk.shutdown().wait()
    ours = ours_sdk.get_client_initialize_response(
        StatsigUser("u"), hash="none", include_local_overrides=True
    )
    differences = {
        (table, name, field): (entry.get(field, "<absent>"), ours[table][name].get(field))
        for table in SECTIONS
        for name, entry in theirs[table].items()
        for field in set(entry) | set(ours[table][name])
        if entry.get(field, "<absent>") != ours[table][name].get(field, "<absent>")
    }
    assert differences == {
        ("feature_gates", "base", "id_type"): ("<absent>", "userID"),
        ("dynamic_configs", "cfg", "id_type"): ("", "userID"),
        ("dynamic_configs", "cfg", "passed"): (False, True),
        ("dynamic_configs", "exp", "id_type"): ("", "userID"),
        ("dynamic_configs", "exp", "is_experiment_active"): (False, True),
        ("layer_configs", "lay", "id_type"): ("", "userID"),
        ("dynamic_configs", "exp2", "id_type"): ("", "userID"),
        ("dynamic_configs", "exp2", "is_experiment_active"): (False, True),
        ("dynamic_configs", "exp2", "explicit_parameters"): ("<absent>", ["y"]),
        ("dynamic_configs", "exp2", "is_in_layer"): ("<absent>", True),
        ("layer_configs", "lay2", "is_experiment_active"): (False, True),
    }
    assert ours["layer_configs"]["lay2"]["value"] == {"y": 7}  # the override, through delegation
    assert ours["feature_gates"]["needs"]["value"] is False  # the nested check saw the override
