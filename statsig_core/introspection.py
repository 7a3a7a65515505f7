"""Evaluate everything for a user, and explain one check: for the CLI, tests and debug tools.

Nothing here logs exposures: these are read-only looks at what the evaluator decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from statsig_core.evaluation.conditions import UnsupportedCondition, unit_id
from statsig_core.evaluation.hashing import sha256_u64

if TYPE_CHECKING:
    from statsig_core.client import Statsig
    from statsig_core.specs.model import Outcome, Rule, Spec
    from statsig_core.user import StatsigUser

__all__ = ["ConditionTrace", "Explanation", "RuleTrace", "evaluate_all", "explain"]

KINDS = ("gate", "config", "experiment", "layer")


def _config_entry(outcome: Outcome) -> dict[str, Any]:
    return {
        "value": outcome.value,
        "rule_id": outcome.rule_id,
        "group_name": outcome.group_name,
        "secondary_exposures": list(outcome.secondary_exposures),
    }


def evaluate_all(statsig: Statsig, user: StatsigUser) -> dict[str, Any]:
    """Every gate, config, experiment and layer for ``user``, in the CLI's ``eval`` format."""
    evaluator = statsig.evaluator
    gates = {}
    for name in evaluator.gates:
        outcome = evaluator.gate(user, name)
        gates[name] = {
            "value": outcome.bool_value,
            "rule_id": outcome.rule_id,
            "secondary_exposures": list(outcome.secondary_exposures),
        }
    configs: dict[str, Any] = {}
    experiments: dict[str, Any] = {}
    for name, spec in evaluator.configs.items():
        target = experiments if spec.entity == "experiment" else configs
        target[name] = _config_entry(evaluator.config(user, name))
    layers = {}
    for name in evaluator.layers:
        outcome = evaluator.layer(user, name)
        entry = _config_entry(outcome)
        entry["allocated_experiment"] = outcome.allocated_experiment
        entry["undelegated_secondary_exposures"] = list(outcome.undelegated_secondary_exposures)
        layers[name] = entry
    return {"gates": gates, "configs": configs, "experiments": experiments, "layers": layers}


@dataclass
class ConditionTrace:
    """One condition as evaluated: what it read, what it compared against, and the verdict."""

    type: str
    operator: str | None
    field: str | None
    target: Any
    value: Any
    passed: bool | None
    note: str | None = None


@dataclass
class RuleTrace:
    rule_id: str
    conditions: list[ConditionTrace]
    matched: bool
    pass_percentage: float
    bucket: int | None = None
    delegate: str | None = None


@dataclass
class Explanation:
    """Why a check came out as it did: every rule tried, and the final result."""

    kind: str
    name: str
    value: Any
    rule_id: str
    group_name: str | None
    reason: str
    decided_by: str
    rules: list[RuleTrace] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _trace_rule(statsig: Statsig, rule: Rule, user: StatsigUser) -> RuleTrace:
    evaluator = statsig.evaluator
    traces = []
    matched = True
    for condition in rule.conditions:
        raw = condition.raw
        value = note = None
        try:
            if condition.read_value is not None:
                value = condition.read_value(user, evaluator)
            passed: bool | None = condition.check(user, evaluator, [])
        except UnsupportedCondition as exc:
            passed, note = None, f"unsupported: {exc}"
        if not passed:
            matched = False
        traces.append(
            ConditionTrace(
                type=str(raw.get("type")),
                operator=raw.get("operator"),
                field=raw.get("field"),
                target=raw.get("targetValue"),
                value=value,
                passed=passed,
                note=note,
            )
        )
    trace = RuleTrace(rule.id, traces, matched, rule.pass_percentage, delegate=rule.config_delegate)
    if matched and 0 < rule.threshold < 10_000:
        unit = unit_id(user, rule.id_type, rule.id_type_lower) or ""
        trace.bucket = sha256_u64(rule.hash_prefix + unit) % 10_000
    return trace


def explain(statsig: Statsig, user: StatsigUser, kind: str, name: str) -> Explanation:
    """Trace a ``gate``, ``config``, ``experiment`` or ``layer`` check rule by rule."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    evaluator = statsig.evaluator
    if kind == "gate":
        table, outcome = evaluator.gates, evaluator.gate(user, name)
    elif kind == "layer":
        table, outcome = evaluator.layers, evaluator.layer(user, name)
    else:
        table, outcome = evaluator.configs, evaluator.config(user, name)
    spec: Spec | None = table.get(name)
    rules: list[RuleTrace] = []
    decided_by = "not in the specs"
    if outcome.reason == "LocalOverride":
        decided_by = "a local override"
    elif spec is not None:
        decided_by = "no rule matched: the default value"
        for rule in spec.rules:
            trace = _trace_rule(statsig, rule, user)
            rules.append(trace)
            if trace.matched:
                decided_by = f"rule {rule.id!r}"
                if trace.delegate:
                    decided_by += f" (delegated to experiment {trace.delegate!r})"
                elif trace.bucket is not None:
                    verdict = "passes" if trace.bucket < rule.threshold else "fails"
                    decided_by += (
                        f": bucket {trace.bucket} of 10000 {verdict} "
                        f"the {rule.pass_percentage}% rollout"
                    )
                break
        if not spec.enabled and decided_by.startswith("no rule"):
            decided_by = "the spec is disabled: the default value"
    return Explanation(
        kind=kind,
        name=name,
        value=outcome.bool_value if kind == "gate" else outcome.value,
        rule_id=outcome.rule_id,
        group_name=outcome.group_name,
        reason=outcome.reason,
        decided_by=decided_by,
        rules=rules,
    )
