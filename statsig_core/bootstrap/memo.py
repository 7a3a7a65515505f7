"""Evaluate every spec for one user once, however often other specs refer to it.

A bootstrap evaluates every spec for the same user, and specs refer to each other: ``pass_gate``
and ``fail_gate`` conditions evaluate gates, layers evaluate the experiment they delegate to.
:class:`OneUserEvaluator` remembers, per spec, its result and the raw secondary exposures its
nested gates left, so a later reference replays exactly what evaluating it again would have
appended (a failure included: a spec naming a failing gate fails the same way).
"""

from __future__ import annotations

from statsig_core.evaluation.evaluator import Evaluator
from statsig_core.specs.model import Outcome, Spec
from statsig_core.user import StatsigUser

__all__ = ["OneUserEvaluator"]

_NEVER_APPENDED: list[dict[str, str]] = []  # for specs without gate conditions or delegation

Done = tuple[Outcome | Exception, tuple[dict[str, str], ...]]


class OneUserEvaluator(Evaluator):
    """An :class:`Evaluator` for one user and one bootstrap; discard it afterwards.

    With overrides (``include_local_overrides``) nothing is remembered: an override applies
    by name, which the shared memo cannot express, and such bootstraps are rare.
    """

    __slots__ = ("results", "user")

    results: dict[Spec, Done]
    user: StatsigUser

    @classmethod
    def of(
        cls, base: Evaluator, user: StatsigUser, app_id: str | None, overrides: bool
    ) -> OneUserEvaluator:
        made = base.copy_as(cls)
        made.app_id = app_id
        if not overrides:
            made.overrides = None
        made.user = user
        made.results = {}
        return made

    def first(self, spec: Spec) -> Done:
        """Evaluate a spec not in :attr:`results` yet: its result and the raw exposures it left.

        Callers look in ``results`` first; this split keeps the common path to one call.
        """
        if self.overrides is not None:
            by_name = {"feature_gate": self.gate, "dynamic_config": self.config}
            return (by_name.get(spec.kind, self.layer)(self.user, spec.name), ())
        exposures = [] if spec.needs_exposures else _NEVER_APPENDED
        try:
            result: Outcome | Exception = Evaluator._evaluate(self, spec, self.user, exposures)
        except Exception as exc:
            result = exc
        done = self.results[spec] = (result, tuple(exposures))
        return done

    def finish(
        self, spec: Spec, result: Outcome | Exception, nested: tuple[dict[str, str], ...]
    ) -> Outcome:
        """The result as a check returns it: exposures cleaned, a failure reported."""
        if not isinstance(result, Outcome):
            return self._failed(spec, result)
        return self._with_exposures(result, list(nested)) if nested else result

    # -- hooks the rule loop calls --------------------------------------------------------------

    def nested_gate(self, name: str, user: StatsigUser, exposures: list[dict[str, str]]) -> bool:
        spec = self.gates.get(name)
        if spec is None or self.overrides is not None:
            return super().nested_gate(name, user, exposures)
        result, nested = self.results.get(spec) or self.first(spec)
        if not isinstance(result, Outcome):
            raise result
        exposures.extend(nested)
        exposures.append(result.exposure)  # type: ignore[arg-type]  # gates always have one
        return result.bool_value

    def _evaluate(self, spec: Spec, user: StatsigUser, exposures: list[dict[str, str]]) -> Outcome:
        """Reached only for the experiment a layer delegates to: usually already evaluated."""
        if spec.kind != "dynamic_config" or self.overrides is not None:
            return Evaluator._evaluate(self, spec, user, exposures)
        result, nested = self.results.get(spec) or self.first(spec)
        if not isinstance(result, Outcome):
            raise result
        exposures.extend(nested)
        return result
