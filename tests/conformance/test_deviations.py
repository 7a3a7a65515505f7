"""Deliberate differences from statsig-python-core, each measured against the core itself.

docs/deviations.md lists them with their reasons; a test here fails if a difference grows,
shrinks or disappears, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conformance.differential import evaluate_with_ours

pytest.importorskip("statsig_python_core")

from conformance import oracles

UA_FIELDS = ("os_name", "os_version", "browser_name", "browser_version")
# Measured on Statsig's published UA cases (docs/deviations.md); a change shows up here.
DIFFERING_AGENTS = 15


def _user_agents(folder: Path) -> list[str]:
    """Statsig's published cases: the keys of ua_string_cases.json and the first column of
    test_must_pass_user_agents.txt (after its header)."""
    agents = set(json.loads((folder / "ua_string_cases.json").read_text()))
    lines = (folder / "test_must_pass_user_agents.txt").read_text().splitlines()[1:]
    agents |= {line.split("|", 1)[0].strip() for line in lines if line.strip()}
    return sorted(agent for agent in agents if agent)


def _disagreements(agents: list[str]) -> list[tuple[str, str, str | None]]:
    """(agent, field, our value) wherever the core's parse differs from ours.

    One gate per agent and field asks the core ``field any_case_sensitive [our value]`` (``""``
    when we have none: the core reads a missing value as ``""``), so a false gate means the
    core parsed something else.
    """
    from statsig_core.evaluation.ua import ua_field

    gates, condition_map, ours = {}, {}, {}
    for index, agent in enumerate(agents):
        for field in UA_FIELDS:
            name = f"{index}:{field}"
            ours[name] = (agent, field, ua_field(agent, field))
            condition_map[name] = {"type": "ua_based", "operator": "any_case_sensitive",
                                   "field": field, "targetValue": [ours[name][2] or ""],
                                   "idType": "userID"}  # fmt: skip
            gates[name] = {"type": "feature_gate", "salt": name, "enabled": True,
                           "defaultValue": False, "idType": "userID",
                           "entity": "feature_gate",
                           "rules": [{"name": name, "id": name, "salt": name,
                                      "passPercentage": 100, "conditions": [name],
                                      "returnValue": True, "idType": "userID"}]}  # fmt: skip
    dcs = {"has_updates": True, "time": 1, "feature_gates": gates, "dynamic_configs": {},
           "layer_configs": {}, "condition_map": condition_map,
           "experiment_to_layer": {}}  # fmt: skip
    users = [{"userID": "u", "userAgent": a, "_label": str(i)} for i, a in enumerate(agents)]
    differing = []
    for index, result in enumerate(oracles.evaluate_with_core(dcs, users)):
        for field in UA_FIELDS:
            name = f"{index}:{field}"
            if not result["gates"][name]["value"]:
                differing.append(ours[name])
    return differing


def test_user_agent_parsing_differs_from_the_core_only_on_known_agents(
    shared_fixtures: Path,
) -> None:
    """ua-parser (uap-core) against the core's own parser, on Statsig's published UA cases.

    docs/deviations.md: 15 of 247 agents parse differently in some field (CFNetwork apps,
    Chromecast, Brave on iOS, in-app browsers...); common desktop and mobile browsers agree.
    """
    agents = _user_agents(shared_fixtures)
    assert len(agents) > 200
    differing = _disagreements(agents)
    agents_differing = {agent for agent, _field, _value in differing}
    assert 0 < len(agents_differing) <= DIFFERING_AGENTS, sorted(agents_differing)
    for common in ("Chrome/140", "Firefox/", "Edg/140"):
        assert not any(common in agent and "Mozilla/5.0 (Windows" in agent
                       for agent in agents_differing)  # fmt: skip


def _gate(rule: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    body = {"type": "feature_gate", "salt": "s", "enabled": True, "defaultValue": False,
            "idType": "userID", "entity": "feature_gate",
            "rules": [rule] if rule else []}  # fmt: skip
    body.update(spec)
    return body


def test_specs_the_core_refuses_load_here() -> None:
    """The core rejects a whole specs file without ``experiment_to_layer``, or with a condition
    lacking ``idType``; we load it (``idType`` defaults to userID). A rule without
    ``returnValue`` makes the core drop that spec; we evaluate it (a gate passes)."""
    rule = {"name": "r", "id": "r", "salt": "r", "passPercentage": 100, "conditions": ["pub"],
            "idType": "userID"}  # fmt: skip
    dcs = {"has_updates": True, "time": 1, "condition_map": {"pub": {"type": "public"}},
           "feature_gates": {"no_return_value": _gate(rule)},
           "dynamic_configs": {}, "layer_configs": {}}  # fmt: skip
    users = [{"userID": "u", "_label": "u"}]
    (ours,) = evaluate_with_ours(dcs, users)
    assert ours["gates"]["no_return_value"] == {
        "value": True, "rule_id": "r", "secondary_exposures": []
    }  # fmt: skip
    with pytest.raises(RuntimeError, match="did not accept the specs"):
        oracles.evaluate_with_core(dcs, users)
