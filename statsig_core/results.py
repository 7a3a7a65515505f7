"""What checks return: gates, configs, experiments and layers, with evaluation details."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from statsig_core.specs.model import Outcome
    from statsig_core.user import StatsigUser

    # (kind, user, name, outcome, details, parameter): EventLogger.exposure's signature.
    ExposureLogger = Callable[[str, StatsigUser, str, Outcome, "EvaluationDetails", str], None]

__all__ = [
    "DynamicConfig",
    "EvaluationDetails",
    "Experiment",
    "FeatureGate",
    "InitializeDetails",
    "Layer",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True, eq=False)
class EvaluationDetails:
    """Where a result came from and why it is what it is.

    ``source`` is where the specs came from (``Network``, ``DataStore``, ``Bootstrap``, ``File``,
    ``Uninitialized``); ``reason`` is ``Recognized``, ``Unrecognized``, ``Unsupported``,
    ``LocalOverride`` or ``Error``. ``lcut`` is the specs' last config update time (ms).
    """

    source: str
    reason: str
    lcut: int | None = None
    received_at: int | None = None

    @property
    def detailed_reason(self) -> str:
        return f"{self.source}:{self.reason}"

    def __str__(self) -> str:
        return self.detailed_reason


def _own(value: T) -> T:
    """Values are shared with the specs snapshot; hand callers a copy they may mutate."""
    if isinstance(value, dict | list):
        return copy.deepcopy(value)
    return value


class _Result:
    """What every check result has: its name, rule, group, unit type, exposures and details.

    Results wrap the shared (immutable) outcome of the evaluation, so building one is cheap.
    """

    __slots__ = ("_outcome", "evaluation_details", "name")

    def __init__(self, name: str, outcome: Outcome, details: EvaluationDetails) -> None:
        self.name = name
        self._outcome = outcome
        self.evaluation_details = details

    @property
    def rule_id(self) -> str:
        return self._outcome.rule_id

    @property
    def group_name(self) -> str | None:
        return self._outcome.group_name

    @property
    def id_type(self) -> str:
        return self._outcome.id_type

    @property
    def secondary_exposures(self) -> list[dict[str, str]]:
        return [dict(e) for e in self._outcome.secondary_exposures]


class FeatureGate(_Result):
    """A gate check's result. ``bool(gate)`` is its value."""

    __slots__ = ()

    @property
    def value(self) -> bool:
        return self._outcome.bool_value

    def __bool__(self) -> bool:
        return self._outcome.bool_value

    def __repr__(self) -> str:
        return (
            f"FeatureGate(name={self.name!r}, value={self.value}, rule_id={self.rule_id!r}, "
            f"reason={self.evaluation_details.detailed_reason!r})"
        )


class DynamicConfig(_Result):
    """A dynamic config's result: a JSON object read with :meth:`get`."""

    __slots__ = ()

    @property
    def value(self) -> dict[str, Any]:
        return _own(self._outcome.value)

    @property
    def passed(self) -> bool:
        """A rule matched and its pass percentage passed."""
        return self._outcome.passed

    @property
    def is_user_in_experiment(self) -> bool:
        return self._outcome.is_experiment_group

    @property
    def is_experiment_active(self) -> bool:
        spec = self._outcome.spec
        return bool(spec is not None and spec.is_active)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._outcome.value
        if key in value:
            found = value[key]
            return default if found is None else _own(found)
        return default

    def get_typed(self, key: str, default: T) -> T:
        """Like :meth:`get`, but the default wins when the stored value has another type."""
        found = self.get(key, default)
        if default is not None and not isinstance(found, type(default)):
            return default
        if isinstance(found, bool) and not isinstance(default, bool) and default is not None:
            return default
        return found  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, rule_id={self.rule_id!r}, "
            f"group_name={self.group_name!r}, value={self._outcome.value!r})"
        )


class Experiment(DynamicConfig):
    """An experiment's result; ``group_name`` says which group the user is in."""

    __slots__ = ()


class Layer(_Result):
    """A layer's result. Reading a parameter with :meth:`get` logs the layer exposure for it."""

    __slots__ = ("_log", "_user")

    def __init__(
        self,
        name: str,
        outcome: Outcome,
        details: EvaluationDetails,
        user: StatsigUser,
        log_exposure: ExposureLogger | None,
    ) -> None:
        super().__init__(name, outcome, details)
        self._user = user
        self._log = log_exposure

    @property
    def allocated_experiment_name(self) -> str | None:
        return self._outcome.allocated_experiment

    allocated_experiment = allocated_experiment_name

    @property
    def explicit_parameters(self) -> list[str]:
        return list(self._outcome.explicit_parameters or ())

    @property
    def undelegated_secondary_exposures(self) -> list[dict[str, str]]:
        return [dict(e) for e in self._outcome.undelegated_secondary_exposures]

    def get(self, key: str, default: Any = None) -> Any:
        value = self._outcome.value
        found = value.get(key) if isinstance(value, dict) else None
        if found is None:
            return default
        if self._log is not None:
            self._log("l", self._user, self.name, self._outcome, self.evaluation_details, key)
        return _own(found)

    def get_typed(self, key: str, default: T) -> T:
        """Like :meth:`get`; logs an exposure only when the stored value has the default's type."""
        value = self._outcome.value
        found = value.get(key) if isinstance(value, dict) else None
        if found is None or (default is not None and not isinstance(found, type(default))):
            return default
        if self._log is not None:
            self._log("l", self._user, self.name, self._outcome, self.evaluation_details, key)
        return _own(found)  # type: ignore[no-any-return]

    def get_values(self) -> dict[str, Any]:
        """All parameters, without logging any exposure."""
        return _own(self._outcome.value) if isinstance(self._outcome.value, dict) else {}

    @property
    def value(self) -> dict[str, Any]:
        return self.get_values()

    def __repr__(self) -> str:
        return (
            f"Layer(name={self.name!r}, rule_id={self.rule_id!r}, group_name={self.group_name!r}, "
            f"allocated_experiment={self.allocated_experiment_name!r})"
        )


@dataclass(frozen=True, slots=True)
class InitializeDetails:
    """How ``initialize()`` went. It never raises for network trouble; look here instead."""

    duration_ms: float
    source: str
    init_success: bool
    store_populated: bool
    error: str | None = None
    timed_out: bool = False
    spec_count: int = 0
