"""Evaluate gates, configs/experiments and layers against one compiled snapshot.

An :class:`Evaluator` is bound to one snapshot and one set of SDK settings; the client builds a
new one whenever the specs, ID lists or overrides change, and every check reads the current one
once, so nested lookups inside a single check can never straddle two snapshots. Semantics follow
the official core (``statsig-python-core``); ``multi_pass_gate``/``multi_fail_gate``, which the
core does not support, follow the pure-Python ``statsig`` SDK.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any, TypeVar

from statsig_core.evaluation.conditions import UnsupportedCondition, unit_id
from statsig_core.evaluation.hashing import first_u64
from statsig_core.overrides import MISSING, OverrideLookup
from statsig_core.specs.model import IdList, Outcome, Rule, Snapshot, Spec
from statsig_core.user import StatsigUser

__all__ = ["Evaluator", "forced_outcome"]

logger = logging.getLogger("statsig_core")

_UNRECOGNIZED_GATE = Outcome(None, None, "", False, False, False, reason="Unrecognized")
_UNRECOGNIZED_CONFIG = Outcome(None, None, "", {}, False, False, reason="Unrecognized")
_NO_EXPOSURES: list[dict[str, str]] = []  # passed to specs that never append (see needs_exposures)
_MAX_VARIANTS = 256
_sha256 = hashlib.sha256
_E = TypeVar("_E", bound="Evaluator")


def _special(spec: Spec, rule_id: str, reason: str) -> Outcome:
    is_gate = spec.kind == "feature_gate"
    return Outcome(spec, None, rule_id, False if is_gate else {}, False, False, reason=reason)


def forced_outcome(kind: str, spec: Spec | None, value: Any) -> Outcome:
    """What a local override of ``value`` evaluates to: a gate's flag, or a config's or
    layer's dict, with rule id ``override`` (``spec`` is None for a name not in the specs)."""
    if kind == "gate":
        flag = bool(value)
        outcome = Outcome(spec, None, "override", flag, flag, flag, reason="LocalOverride")
    else:
        outcome = Outcome(
            spec, None, "override", dict(value or {}), True, True, reason="LocalOverride"
        )
    if spec is None:
        outcome.id_type = "userID"
    return outcome


def _allocated(layer: Spec, experiment: Spec, inner: Outcome) -> Outcome:
    """A layer's result carrying the outcome of the experiment it delegated to."""
    result = inner.copy()
    result.spec = layer
    result.id_type = inner.id_type
    result.allocated_experiment = experiment.name
    result.experiment = experiment
    result.explicit_parameters = experiment.explicit_parameters or ()
    return result


def _clean(exposures: list[dict[str, str]]) -> list[dict[str, str]]:
    """Drop the exposures of ``segment:`` gates; repeats stay, as in the official core."""
    return [e for e in exposures if not e["gate"].startswith("segment:")]


class Evaluator:
    """Evaluation bound to one snapshot, its ID lists, the SDK environment and the overrides."""

    __slots__ = (
        "_forced",
        "app_id",
        "configs",
        "disable_country_lookup",
        "disable_ua_parser",
        "environment",
        "gates",
        "global_custom_fields",
        "id_lists",
        "layers",
        "overrides",
        "snapshot",
    )

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        environment: Mapping[str, str] | None = None,
        id_lists: Mapping[str, IdList] | None = None,
        overrides: OverrideLookup | None = None,
        global_custom_fields: Mapping[str, Any] | None = None,
        disable_country_lookup: bool = False,
        disable_ua_parser: bool = False,
        app_id: str | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.gates = snapshot.gates
        self.configs = snapshot.configs
        self.layers = snapshot.layers
        self.environment = environment
        self.id_lists: Mapping[str, IdList] = id_lists or {}
        self.overrides = overrides if overrides is not None and not overrides.is_empty() else None
        self.global_custom_fields = global_custom_fields or None
        self.disable_country_lookup = disable_country_lookup
        self.disable_ua_parser = disable_ua_parser
        self.app_id = snapshot.app_id if app_id is None else app_id
        # Override results, one per (kind, name, forced value): shared like every other outcome
        # so exposure de-duplication treats them alike. The overrides table keeps each value
        # alive for this evaluator's lifetime (any change builds a new evaluator).
        self._forced: dict[tuple[str, str, int], Outcome] = {}

    def copy_as(self, cls: type[_E]) -> _E:
        """A ``cls`` (this class or a subclass) holding this evaluator's state: the snapshot, ID
        lists and tables are shared, not copied."""
        made = cls.__new__(cls)
        for slot in Evaluator.__slots__:
            setattr(made, slot, getattr(self, slot))
        return made

    def with_overrides(self, overrides: OverrideLookup) -> Evaluator:
        """This evaluator with other overrides: a copy sharing the snapshot and ID lists."""
        copy = self.copy_as(Evaluator)
        copy.overrides = None if overrides.is_empty() else overrides
        copy._forced = {}
        return copy

    # -- public entry points ------------------------------------------------------------------
    # Made by _entry_point() below the class: one body, no extra call per check.

    #: The gate's outcome for ``(user, name)``.
    gate: Callable[[StatsigUser, str], Outcome]
    #: A dynamic config's or experiment's outcome (they share one table).
    config: Callable[[StatsigUser, str], Outcome]
    #: A layer's outcome (delegated to one of its experiments when a rule says so).
    layer: Callable[[StatsigUser, str], Outcome]

    def run(self, spec: Spec, user: StatsigUser) -> Outcome:
        """Evaluate one spec fully: secondary exposures attached, failures turned into results."""
        if not spec.needs_exposures:
            try:
                return self._evaluate(spec, user, _NO_EXPOSURES)
            except Exception as exc:
                return self._failed(spec, exc)
        exposures: list[dict[str, str]] = []
        try:
            outcome = self._evaluate(spec, user, exposures)
        except Exception as exc:
            return self._failed(spec, exc)
        if exposures:
            return self._with_exposures(outcome, exposures)
        return outcome

    def _with_exposures(self, outcome: Outcome, exposures: list[dict[str, str]]) -> Outcome:
        """The outcome carrying these exposures, reusing an identical earlier result if any.

        Exposure dicts belong to the snapshot's outcomes, so their ids identify them for as long
        as the cache (kept on the outcome itself) lives. Overrides create fresh dicts, and
        delegated layer results are per call, so neither is cached.
        """
        cacheable = self.overrides is None and not outcome.undelegated_secondary_exposures
        variants: dict[tuple[int, ...], Outcome] | None = None
        if cacheable:
            key = tuple(map(id, exposures))
            variants = outcome.variants
            if variants is None:
                variants = outcome.variants = {}
            else:
                found = variants.get(key)
                if found is not None:
                    return found
        result = outcome.copy()
        result.secondary_exposures = _clean(exposures)
        spec = outcome.spec
        if spec is not None and spec.kind == "layer" and outcome.allocated_experiment is None:
            # A layer that delegated nowhere reports every exposure as undelegated.
            result.undelegated_secondary_exposures = result.secondary_exposures
        if variants is not None and len(variants) < _MAX_VARIANTS:
            variants[key] = result
        return result

    def _failed(self, spec: Spec, exc: Exception) -> Outcome:
        if isinstance(exc, UnsupportedCondition):
            return _special(spec, "", "Unsupported")
        if isinstance(exc, RecursionError):  # gates passing each other in a loop
            logger.warning("statsig: %r nests gates in a loop; reporting it as an error", spec.name)
            return _special(spec, "", "Error")
        logger.error("statsig: evaluating %r failed", spec.name, exc_info=exc)  # never raise
        return _special(spec, "error", "Error")

    def _override(
        self, overrides: OverrideLookup, kind: str, name: str, spec: Spec | None, user: StatsigUser
    ) -> Outcome | None:
        """The outcome ``overrides`` force on ``name`` for this user, or None."""
        value = overrides.lookup(kind, name, user)
        if value is MISSING:
            return None
        key = (kind, name, id(value))
        outcome = self._forced.get(key)
        if outcome is None:
            outcome = self._forced[key] = forced_outcome(kind, spec, value)
        return outcome

    # -- the rule loop ------------------------------------------------------------------------

    def _evaluate(self, spec: Spec, user: StatsigUser, exposures: list[dict[str, str]]) -> Outcome:
        if spec.invalid is not None:
            raise UnsupportedCondition(spec.invalid)
        if spec.mappings:
            mapped = self._mapped(spec, user, exposures)
            if mapped is not None:
                return mapped
        for rule in spec.rules:
            single = rule.single
            if single is not None:  # most rules have one condition: no inner loop
                if single(user, self, exposures):
                    break
            elif rule.pure:
                for check in rule.checks:
                    if not check(user, self, exposures):
                        break
                else:
                    break
            else:
                # Every condition runs, even after one failed: each nested gate check must leave
                # its secondary exposure, as in the official SDKs.
                matched = True
                for check in rule.checks:
                    if not check(user, self, exposures):
                        matched = False
                if matched:
                    break
        else:
            return spec.default_outcome
        # The first matching rule decides, even when its pass percentage then fails.
        fixed = rule.fixed_outcome  # 0 % and 100 % rules without a delegate need no hashing
        if fixed is not None:
            return fixed
        delegate = rule.config_delegate
        if delegate is not None:
            experiment = self.configs.get(delegate)
            if experiment is not None:
                return self._delegate(spec, rule, experiment, user, exposures)
        threshold = rule.threshold
        if threshold >= 10_000:
            return rule.pass_outcome
        if threshold <= 0:
            return rule.fail_outcome
        id_type = rule.id_type_lower
        unit = user.user_id if id_type == "userid" else unit_id(user, rule.id_type, id_type)
        if (
            first_u64(_sha256((rule.hash_prefix + (unit or "")).encode()).digest())[0] % 10_000
            < threshold
        ):
            return rule.pass_outcome
        return rule.fail_outcome

    def _rule_passes(self, rule: Rule, user: StatsigUser, exposures: list[dict[str, str]]) -> bool:
        """All conditions (every one runs, for exposures), then the rule's pass percentage."""
        matched = True
        for check in rule.checks:
            if not check(user, self, exposures):
                matched = False
        if not matched or rule.threshold <= 0:
            return False
        if rule.threshold >= 10_000:
            return True
        unit = unit_id(user, rule.id_type, rule.id_type_lower) or ""
        return first_u64(_sha256((rule.hash_prefix + unit).encode()).digest())[0] % 10_000 < (
            rule.threshold
        )

    def _mapped(
        self, spec: Spec, user: StatsigUser, exposures: list[dict[str, str]]
    ) -> Outcome | None:
        """A config mapping that applies: the result of the spec it points to, labelled."""
        now = time.time_ns() // 1_000_000
        table = {"feature_gate": self.gates, "layer": self.layers}.get(spec.kind, self.configs)
        for new_name, rules in spec.mappings:
            for start, rule in rules:
                if start > now or not self._rule_passes(rule, user, exposures):
                    continue
                target = table.get(new_name)
                if target is None or target is spec:
                    continue
                inner = self._evaluate(target, user, exposures)
                result = rule.delegated.get(inner)
                if result is None:
                    result = inner.copy()
                    result.override_config_name = new_name
                    if inner.exposure is not None:  # a pass_gate on it names the gate asked for
                        result.exposure = {**inner.exposure, "gate": spec.name}
                    rule.delegated[inner] = result
                return result
        return None

    def _delegate(
        self,
        layer: Spec,
        rule: Rule,
        experiment: Spec,
        user: StatsigUser,
        exposures: list[dict[str, str]],
    ) -> Outcome:
        """A layer rule hands the evaluation to one of its experiments (an override of that
        experiment included, as in the official core)."""
        undelegated = _clean(exposures) if exposures else None
        overrides = self.overrides
        forced = None
        if overrides is not None:
            forced = self._override(overrides, "config", experiment.name, experiment, user)
        if forced is not None:  # not cached on the shared rule: it belongs to this evaluator
            result = _allocated(layer, experiment, forced)
        else:
            inner = self._evaluate(experiment, user, exposures)
            cached = rule.delegated.get(inner)
            if cached is None:
                cached = rule.delegated[inner] = _allocated(layer, experiment, inner)
            result = cached
        if undelegated:
            result = result.copy()
            result.undelegated_secondary_exposures = undelegated
        return result

    # -- nested gates -------------------------------------------------------------------------

    def nested_gate(self, name: str, user: StatsigUser, exposures: list[dict[str, str]]) -> bool:
        """Evaluate a gate named by ``pass_gate``/``fail_gate`` and record its exposure."""
        if self.overrides is not None:
            forced = self.overrides.lookup("gate", name, user)
            if forced is not MISSING:
                flag = bool(forced)
                exposures.append(
                    {"gate": name, "gateValue": "true" if flag else "false", "ruleID": "override"}
                )
                return flag
        spec = self.gates.get(name)
        if spec is None:
            return False
        outcome = self._evaluate(spec, user, exposures)
        exposures.append(outcome.exposure)  # type: ignore[arg-type]  # gates always have one
        return outcome.bool_value

    def multi_gate(
        self,
        gates: list[tuple[str, dict[str, str]]],
        want: bool,
        user: StatsigUser,
        exposures: list[dict[str, str]],
    ) -> bool:
        """``multi_pass_gate``/``multi_fail_gate`` as the pure-Python SDK evaluates them.

        ``gates`` pairs each name with the exposure a missing gate leaves. Each gate is evaluated
        on its own (its nested exposures are not kept), one exposure per gate reached, stopping
        at the first gate whose value is ``want``.
        """
        for name, missing_exposure in gates:
            spec = self.gates.get(name)
            if spec is None:
                exposures.append(missing_exposure)
                value = False
            else:
                outcome = self._evaluate(spec, user, [])
                exposures.append(outcome.exposure)  # type: ignore[arg-type]  # gates have one
                value = outcome.bool_value
            if value is want:
                return True
        return False


def _entry_point(kind: str, table: str, unrecognized: Outcome) -> Callable[..., Outcome]:
    """``Evaluator.gate``/``config``/``layer``: overrides, then the spec, then its rules."""
    get_table = attrgetter(table)

    def evaluate(self: Evaluator, user: StatsigUser, name: str) -> Outcome:
        specs = get_table(self)
        overrides = self.overrides
        if overrides is not None:
            forced = self._override(overrides, kind, name, specs.get(name), user)
            if forced is not None:
                return forced
        spec = specs.get(name)
        if spec is None:
            return unrecognized
        if spec.needs_exposures:
            return self.run(spec, user)
        try:  # the common case, without run()'s frame
            return self._evaluate(spec, user, _NO_EXPOSURES)
        except Exception as exc:
            return self._failed(spec, exc)

    evaluate.__name__ = evaluate.__qualname__ = kind
    return evaluate


Evaluator.gate = _entry_point("gate", "gates", _UNRECOGNIZED_GATE)
Evaluator.config = _entry_point("config", "configs", _UNRECOGNIZED_CONFIG)
Evaluator.layer = _entry_point("layer", "layers", _UNRECOGNIZED_CONFIG)
