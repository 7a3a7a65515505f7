"""Compiled, immutable specs: what evaluation reads.

A snapshot is built once per specs update (see :mod:`statsig_core.specs.compile`) and never
changes afterwards, so any number of threads can evaluate against it without locks; an update
swaps the whole snapshot reference. Every way an evaluation can end is precomputed as an
:class:`Outcome`, so the common case (no secondary exposures) allocates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statsig_core.evaluation.evaluator import Evaluator
    from statsig_core.user import StatsigUser

__all__ = [
    "EMPTY_EXPOSURES",
    "CompiledCondition",
    "Condition",
    "IdList",
    "Outcome",
    "Rule",
    "Snapshot",
    "Spec",
]

# A condition: (user, evaluator, secondary-exposure list) -> passed.
Condition = Callable[["StatsigUser", "Evaluator", list[dict[str, str]]], bool]
EMPTY_EXPOSURES: tuple[dict[str, str], ...] = ()


class Outcome:
    """One possible end of an evaluation, shared by every evaluation that ends there.

    Fields mirror the official result objects. ``passed`` is "a rule matched and its pass
    percentage passed"; ``bool_value`` is what a gate returns.
    """

    __slots__ = (
        "allocated_experiment",
        "bool_value",
        "experiment",
        "explicit_parameters",
        "exposure",
        "group_name",
        "id_type",
        "is_experiment_group",
        "override_config_name",
        "passed",
        "reason",
        "rule",
        "rule_id",
        "secondary_exposures",
        "spec",
        "undelegated_secondary_exposures",
        "value",
        "variants",
    )

    def __init__(
        self,
        spec: Spec | None,
        rule: Rule | None,
        rule_id: str,
        value: Any,
        bool_value: bool,
        passed: bool,
        reason: str = "Recognized",
    ) -> None:
        self.spec = spec
        self.rule = rule
        self.rule_id = rule_id
        self.value = value
        self.bool_value = bool_value
        self.passed = passed
        self.reason = reason
        self.group_name: str | None = rule.group_name if rule is not None else None
        self.is_experiment_group = bool(rule.is_experiment_group) if rule is not None else False
        self.id_type = spec.id_type if spec is not None else ""
        self.explicit_parameters: tuple[str, ...] | None = (
            spec.explicit_parameters if spec is not None else None
        )
        self.allocated_experiment: str | None = None
        self.experiment: Spec | None = None  # the experiment a layer delegated to
        self.override_config_name: str | None = None  # set when a config mapping redirected
        # How a gate's outcome appears as a secondary exposure when reached through
        # pass_gate/fail_gate (configs and layers are never reached that way).
        self.exposure: dict[str, str] | None = (
            {
                "gate": spec.name if spec is not None else "",
                "gateValue": "true" if bool_value else "false",
                "ruleID": rule_id,
            }
            if spec is None or spec.kind == "feature_gate"
            else None
        )
        self.secondary_exposures: tuple[dict[str, str], ...] | list[dict[str, str]] = (
            EMPTY_EXPOSURES
        )
        self.undelegated_secondary_exposures: tuple[dict[str, str], ...] | list[dict[str, str]] = (
            EMPTY_EXPOSURES
        )
        # This outcome with each distinct list of secondary exposures seen so far, keyed by the
        # ids of the (snapshot-owned) exposure dicts, so repeat evaluations allocate nothing.
        self.variants: dict[tuple[int, ...], Outcome] | None = None

    def copy(self) -> Outcome:
        """A shallow copy, for results that differ from the shared outcome (exposures, layers)."""
        duplicate = Outcome.__new__(Outcome)
        for slot in Outcome.__slots__:
            object.__setattr__(duplicate, slot, getattr(self, slot))
        duplicate.variants = None
        return duplicate

    @property
    def name(self) -> str:
        return self.spec.name if self.spec is not None else ""

    def __repr__(self) -> str:
        return (
            f"Outcome({self.name!r}, rule_id={self.rule_id!r}, value={self.value!r}, "
            f"reason={self.reason!r})"
        )


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A prepared condition plus what ``explain`` needs to show how it decided."""

    raw: Mapping[str, Any]
    check: Condition
    # (user, evaluator) -> the value the operator saw; None for gate/public conditions.
    read_value: Callable[[StatsigUser, Evaluator], Any] | None
    # True if evaluating it can append secondary exposures or flag the spec unsupported, so it
    # must run even after an earlier condition of its rule failed.
    has_side_effects: bool


class Rule:
    """One rule of a spec with its salts pre-joined and its outcomes precomputed."""

    __slots__ = (
        "checks",
        "conditions",
        "config_delegate",
        "delegated",
        "fail_outcome",
        "fixed_outcome",
        "group_name",
        "hash_prefix",
        "id",
        "id_type",
        "id_type_lower",
        "is_experiment_group",
        "pass_outcome",
        "pass_percentage",
        "pure",
        "return_value",
        "sampling_rate",
        "single",
        "threshold",
    )

    def __init__(
        self,
        raw: Mapping[str, Any],
        spec_salt: str,
        conditions: tuple[CompiledCondition, ...],
    ) -> None:
        self.id: str = str(raw.get("id", ""))
        salt = raw.get("salt")
        self.hash_prefix = f"{spec_salt}.{salt if salt is not None else self.id}."
        self.pass_percentage = float(raw.get("passPercentage", 0) or 0)
        self.threshold = self.pass_percentage * 100
        self.conditions = conditions
        self.checks = tuple(c.check for c in conditions)
        # One condition: the rule matches exactly when it does (runs it once either way).
        self.single = self.checks[0] if len(self.checks) == 1 else None
        self.pure = not any(c.has_side_effects for c in conditions)
        self.return_value = raw.get("returnValue")
        self.id_type: str = str(raw.get("idType") or "userID")
        self.id_type_lower = self.id_type.lower()
        self.group_name: str | None = raw.get("groupName")
        self.is_experiment_group: bool = bool(raw.get("isExperimentGroup", False))
        self.config_delegate: str | None = raw.get("configDelegate") or None
        self.sampling_rate: int | None = raw.get("samplingRate")
        # Layer results per outcome of the delegated experiment, filled in as they are reached.
        self.delegated: dict[Outcome, Outcome] = {}
        self.pass_outcome: Outcome
        self.fail_outcome: Outcome
        # The outcome when matching needs no hashing and no delegation (0 % or 100 %).
        self.fixed_outcome: Outcome | None = None


class Spec:
    """A feature gate, dynamic config/experiment or layer, compiled."""

    __slots__ = (
        "default_outcome",
        "default_value",
        "enabled",
        "entity",
        "explicit_parameters",
        "forward_all_exposures",
        "has_shared_params",
        "id_type",
        "invalid",
        "is_active",
        "is_device_based",
        "kind",
        "layer",
        "mappings",
        "name",
        "needs_exposures",
        "rules",
        "salt",
        "target_app_ids",
        "version",
    )

    def __init__(self, name: str, kind: str, raw: Mapping[str, Any]) -> None:
        self.name = name
        self.kind = kind  # "feature_gate" | "dynamic_config" | "layer"
        self.entity: str = str(raw.get("entity") or kind)
        self.salt: str = str(raw.get("salt", ""))
        self.enabled = raw.get("enabled", True) is not False
        self.default_value = raw.get("defaultValue")
        self.id_type: str = str(raw.get("idType") or "userID")
        self.version: int | None = raw.get("version")
        self.is_active: bool | None = raw.get("isActive")
        self.has_shared_params = bool(raw.get("hasSharedParams", False))
        params = raw.get("explicitParameters")
        self.explicit_parameters: tuple[str, ...] | None = (
            tuple(params) if isinstance(params, list) else None
        )
        apps = raw.get("targetAppIDs")
        self.target_app_ids: frozenset[str] | None = (
            frozenset(apps) if isinstance(apps, list) else None
        )
        self.forward_all_exposures = bool(raw.get("forwardAllExposures", False))
        self.is_device_based = bool(raw.get("isDeviceBased", False))
        self.layer: str | None = None
        self.rules: tuple[Rule, ...] = ()
        # Config mappings (DCS ``overrides``): (new spec name, ((start time ms, rule), ...)).
        self.mappings: tuple[tuple[str, tuple[tuple[int, Rule], ...]], ...] = ()
        self.invalid: str | None = None  # why the spec could not be compiled, if it could not
        # False when no rule can produce secondary exposures (no gate conditions, no delegation).
        self.needs_exposures = True
        self.default_outcome: Outcome

    @property
    def is_gate(self) -> bool:
        return self.kind == "feature_gate"

    def __repr__(self) -> str:
        return f"Spec({self.name!r}, kind={self.kind!r}, rules={len(self.rules)})"


class IdList:
    """One ID list (segment): a set of 8-character hashed ids, plus download bookkeeping."""

    __slots__ = ("creation_time", "file_id", "hashes", "name", "read_bytes", "url")

    def __init__(
        self,
        name: str,
        hashes: frozenset[str] | set[str] = frozenset(),
        *,
        creation_time: int = 0,
        file_id: str | None = None,
        url: str | None = None,
        read_bytes: int = 0,
    ) -> None:
        self.name = name
        self.hashes = hashes
        self.creation_time = creation_time
        self.file_id = file_id
        self.url = url
        self.read_bytes = read_bytes


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything evaluation reads for one specs update."""

    gates: Mapping[str, Spec]
    configs: Mapping[str, Spec]
    layers: Mapping[str, Spec]
    lcut: int
    source: str
    received_at: int
    experiment_to_layer: Mapping[str, str] = field(default_factory=dict)
    app_id: str | None = None
    default_environment: str | None = None
    sdk_keys_to_app_ids: Mapping[str, str] = field(default_factory=dict)
    hashed_sdk_keys_to_app_ids: Mapping[str, str] = field(default_factory=dict)
    config_mappings: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    sdk_configs: Mapping[str, Any] = field(default_factory=dict)
    session_replay_info: Mapping[str, Any] | None = None
    param_stores: Mapping[str, Any] = field(default_factory=dict)

    @property
    def spec_count(self) -> int:
        return len(self.gates) + len(self.configs) + len(self.layers)
