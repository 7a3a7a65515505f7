"""One bootstrap entry per evaluated spec, in the shape ``@statsig/js-client`` reads.

An entry is fully determined by the outcome (shared, immutable), its secondary exposures and the
name hashing, so :mod:`statsig_core.bootstrap.initialize_response` builds each one once and reuses
it. Field choices follow ``statsig-python-core`` 0.24; docs/deviations.md lists where we differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from statsig_core.specs.model import Outcome, Spec

__all__ = ["config_entry", "gate_entry", "hashed_exposures", "layer_entry"]

Hasher = Callable[[str], str]


def hashed_exposures(exposures: Sequence[dict[str, str]], hasher: Hasher) -> list[dict[str, str]]:
    """Secondary exposures with gate names hashed like every other name in the payload.

    Evaluation keeps repeats (as the core's check results do); the core's bootstrap lists each
    ``gate|gateValue|ruleID`` once, first occurrence kept, and so does ours.
    """
    seen: set[tuple[str, str, str]] = set()
    out = []
    for e in exposures:
        key = (e["gate"], e["gateValue"], e["ruleID"])
        if key not in seen:
            seen.add(key)
            out.append(
                {"gate": hasher(e["gate"]), "gateValue": e["gateValue"], "ruleID": e["ruleID"]}
            )
    return out


def _is_device_based(id_type: str) -> bool:
    """Device-based means unit-typed on the stable id, which the browser client owns."""
    return id_type.lower() == "stableid"


def gate_entry(name: str, outcome: Outcome, hasher: Hasher) -> dict[str, Any]:
    return {
        "name": name,
        "value": outcome.bool_value,
        "rule_id": outcome.rule_id,
        "id_type": outcome.id_type,
        "secondary_exposures": hashed_exposures(outcome.secondary_exposures, hasher),
    }


def config_entry(name: str, spec: Spec, outcome: Outcome, hasher: Hasher) -> dict[str, Any]:
    """Dynamic configs, experiments and autotunes (they share the ``dynamic_configs`` table)."""
    entry: dict[str, Any] = {
        "name": name,
        "value": outcome.value,
        "rule_id": outcome.rule_id,
        "group": outcome.rule_id,
        "id_type": outcome.id_type,
        "is_device_based": _is_device_based(outcome.id_type),
        "secondary_exposures": hashed_exposures(outcome.secondary_exposures, hasher),
    }
    entity = spec.entity
    if entity == "dynamic_config":
        entry["passed"] = outcome.passed
    if outcome.group_name is not None and entity != "dynamic_config":
        entry["group_name"] = outcome.group_name
    if entity == "experiment":
        entry["is_user_in_experiment"] = outcome.is_experiment_group
        entry["is_experiment_active"] = spec.is_active is True
        if spec.has_shared_params:
            entry["is_in_layer"] = True
            entry["explicit_parameters"] = list(spec.explicit_parameters or ())
    return entry


def layer_entry(name: str, outcome: Outcome, hasher: Hasher) -> dict[str, Any]:
    """A layer; when a rule delegated to an experiment, that experiment's allocation too."""
    entry: dict[str, Any] = {
        "name": name,
        "value": outcome.value,
        "rule_id": outcome.rule_id,
        "group": outcome.rule_id,
        "id_type": outcome.id_type,
        "is_device_based": _is_device_based(outcome.id_type),
        "explicit_parameters": [],
        "secondary_exposures": hashed_exposures(outcome.secondary_exposures, hasher),
        # Without a delegation every exposure counts as undelegated (the evaluator sets that);
        # the browser client attaches these to parameters the experiment does not own.
        "undelegated_secondary_exposures": hashed_exposures(
            outcome.undelegated_secondary_exposures, hasher
        ),
    }
    if outcome.group_name is not None:
        entry["group_name"] = outcome.group_name
    experiment = outcome.experiment
    if outcome.allocated_experiment is not None and experiment is not None:
        entry["allocated_experiment_name"] = hasher(outcome.allocated_experiment)
        entry["explicit_parameters"] = list(outcome.explicit_parameters or ())
        entry["is_experiment_active"] = experiment.is_active is True
        entry["is_user_in_experiment"] = outcome.is_experiment_group
    return entry
