"""A client bound to one request's user: what ``request.statsig`` and Flask's ``g`` expose.

Within one request each name is evaluated once and logs one exposure, however many templates,
decorators and views ask for it; the user is built only when something first needs it; and
nothing raises into the request when Statsig is unavailable (defaults come back instead).

Optional *overrides* (a staff member's per-session QA choices) force values as the client's own
``override_gate`` would: in the named checks, in every spec that nests a forced gate
(``pass_gate``, ``fail_gate``) and in this user's bootstrap. While a session forces anything,
none of its checks logs an exposure: a QA session is not an experiment subject.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from statsig_core.evaluation.evaluator import forced_outcome
from statsig_core.overrides import MISSING, ForcedValues
from statsig_core.results import DynamicConfig, EvaluationDetails, Experiment, FeatureGate, Layer
from statsig_core.specs.model import Outcome
from statsig_core.user import StatsigUser

if TYPE_CHECKING:
    from statsig_core.client import Statsig
    from statsig_core.forced_checks import ForcedChecks

__all__ = ["BoundStatsig", "EvaluationRecord", "Overrides"]

logger = logging.getLogger("statsig_core")

#: ``{"gate": {name: bool}, "config" | "experiment" | "layer": {name: dict}}``
Overrides = Mapping[str, Mapping[str, Any]]

_UNAVAILABLE = EvaluationDetails("Uninitialized", "Unrecognized")
# Configs and experiments share one table in Statsig, so either kind's override serves both.


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation made during a request, for debug panels and structured logs."""

    kind: str
    name: str
    value: Any
    rule_id: str
    group_name: str | None
    reason: str


def _result(kind: str, name: str, outcome: Outcome, details: EvaluationDetails) -> Any:
    """The public result object of ``kind``, with no exposure logger behind it."""
    if kind == "gate":
        return FeatureGate(name, outcome, details)
    if kind == "layer":
        return Layer(name, outcome, details, StatsigUser(), None)
    return (Experiment if kind == "experiment" else DynamicConfig)(name, outcome, details)


def _fallback(kind: str, name: str) -> Any:
    value: Any = False if kind == "gate" else {}
    outcome = Outcome(None, None, "", value, False, False, reason="Unrecognized")
    return _result(kind, name, outcome, _UNAVAILABLE)


_FORCED_WITHOUT_CLIENT = EvaluationDetails("Uninitialized", "LocalOverride")


class BoundStatsig:
    """Checks for one user, memoized: one evaluation and one exposure per name.

    ``overrides`` may be a callable, called once on the first check, so a request that checks
    nothing never reads where they are kept (a session).
    """

    def __init__(
        self,
        statsig: Statsig | None,
        user: StatsigUser | Callable[[], StatsigUser],
        overrides: Overrides | Callable[[], Overrides | None] | None = None,
    ) -> None:
        self.statsig = statsig
        self._user = user if isinstance(user, StatsigUser) else None
        self._user_factory = None if isinstance(user, StatsigUser) else user
        self._overrides = None if callable(overrides) else overrides
        self._overrides_factory = overrides if callable(overrides) else None
        self._memo: dict[tuple[str, str], Any] = {}
        self._forced_checks: ForcedChecks | None = None
        self.evaluations: list[EvaluationRecord] = []

    @property
    def user(self) -> StatsigUser:
        """The request's user, built on first use."""
        if self._user is None:
            factory = self._user_factory
            try:
                self._user = factory() if factory is not None else StatsigUser()
            except Exception:
                logger.exception("statsig: building the request's user failed; using an empty one")
                self._user = StatsigUser()
        return self._user

    @property
    def overrides(self) -> Overrides:
        """The forced values, resolved on first use (a failing factory means none)."""
        if self._overrides is None:
            factory, self._overrides_factory = self._overrides_factory, None
            try:
                self._overrides = (factory() if factory is not None else None) or {}
            except Exception:
                logger.exception("statsig: reading the overrides failed; using none")
                self._overrides = {}
        return self._overrides

    def _forced(self, kind: str, name: str) -> Any:
        """Without a client: the forced value of a named check, found and built as the
        evaluator finds and builds it with a client (:class:`ForcedValues`)."""
        table = kind if kind in ("gate", "layer") else "config"
        value = ForcedValues(self.overrides).lookup(table, name, self.user)
        if value is MISSING:
            return None
        return _result(kind, name, forced_outcome(table, None, value), _FORCED_WITHOUT_CLIENT)

    def _qa_checks(self) -> ForcedChecks | None:
        """The checks that see this session's forced values; None when it forces nothing."""
        if self._forced_checks is None and self.statsig is not None and self.overrides:
            self._forced_checks = self.statsig.forced_checks(self.overrides)
        return self._forced_checks

    def _evaluate(self, kind: str, name: str, log_exposure: bool) -> Any:
        statsig = self.statsig
        if statsig is None:
            forced = self._forced(kind, name)
            return forced if forced is not None else _fallback(kind, name)
        user = self.user
        qa = self._qa_checks()
        if qa is not None:
            if kind == "gate":
                return qa.get_feature_gate(user, name)
            if kind == "config":
                return qa.get_config(user, name)
            if kind == "experiment":
                return qa.get_experiment(user, name)
            return qa.get_layer(user, name)
        if kind == "gate":
            return statsig.get_feature_gate(user, name, log_exposure)
        if kind == "config":
            return statsig.get_config(user, name, log_exposure)
        if kind == "experiment":
            return statsig.get_experiment(user, name, log_exposure)
        return statsig.get_layer(user, name, log_exposure)

    def peek(self, kind: str, name: str) -> Any:
        """What a check of ``kind`` would return, logging and recording nothing.

        For staff tools that list every name: showing a page of them is no exposure.
        """
        found = self._memo.get((kind, name))
        return found if found is not None else self._evaluate(kind, name, log_exposure=False)

    def _get(self, kind: str, name: str) -> Any:
        key = (kind, name)
        found = self._memo.get(key)
        if found is not None:
            return found
        result = self._evaluate(kind, name, log_exposure=True)
        self._memo[key] = result
        value = result.value if kind != "layer" else result.get_values()
        self.evaluations.append(
            EvaluationRecord(
                kind,
                name,
                value,
                result.rule_id,
                result.group_name,
                result.evaluation_details.detailed_reason,
            )
        )
        return result

    def check_gate(self, name: str) -> bool:
        return bool(self._get("gate", name).value)

    def gate_passes(self, name: str) -> bool:
        """``check_gate`` as decorators and template tags spell it: ``"!name"`` means "off"."""
        if name.startswith("!"):
            return not self.check_gate(name[1:])
        return self.check_gate(name)

    def get_feature_gate(self, name: str) -> FeatureGate:
        return self._get("gate", name)  # type: ignore[no-any-return]

    def get_config(self, name: str) -> DynamicConfig:
        return self._get("config", name)  # type: ignore[no-any-return]

    def get_experiment(self, name: str) -> Experiment:
        return self._get("experiment", name)  # type: ignore[no-any-return]

    def get_layer(self, name: str) -> Layer:
        return self._get("layer", name)  # type: ignore[no-any-return]

    def log_event(
        self,
        event_name: str,
        value: str | int | float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if self.statsig is None:
            return
        try:
            self.statsig.log_event(self.user, event_name, value, metadata)
        except Exception:
            logger.exception("statsig: log_event(%r) failed", event_name)

    def get_client_initialize_response(
        self, hash: str = "djb2", client_sdk_key: str | None = None
    ) -> dict[str, Any] | None:
        """This user's bootstrap values (memoized per hash and client key), evaluated with the
        forced values of :attr:`overrides`, so a QA session's browser sees what its server-side
        checks see."""
        key = ("bootstrap", f"{hash}|{client_sdk_key}")
        if key in self._memo:
            return self._memo[key]  # type: ignore[no-any-return]
        payload = None
        qa = self._qa_checks()
        build = getattr(qa or self.statsig, "get_client_initialize_response", None)
        if build is not None:
            payload = build(self.user, hash=hash, client_sdk_key=client_sdk_key)
        self._memo[key] = payload
        return payload
