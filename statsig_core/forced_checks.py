"""Checks that see one session's forced values (QA overrides), nested specs and bootstrap too.

Made by :meth:`Statsig.forced_checks` from the client's current evaluator, with the forced values
looked up first (:class:`~statsig_core.overrides.ForcedValues`): a ``pass_gate`` on a forced gate
sees the forced value exactly as it would see the client's own ``override_gate``. Nothing here
logs an exposure. Make one per request, since the client's specs may change between requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from statsig_core.overrides import ForcedValues
from statsig_core.results import DynamicConfig, Experiment, FeatureGate, Layer

if TYPE_CHECKING:
    from statsig_core.client import Statsig
    from statsig_core.user import StatsigUser

__all__ = ["ForcedChecks"]


class ForcedChecks:
    """``get_feature_gate``, ``get_config``, ``get_experiment``, ``get_layer`` and
    ``get_client_initialize_response`` for values forced on top of the client's."""

    def __init__(self, client: Statsig, forced: Mapping[str, Mapping[str, Any]]) -> None:
        evaluator, details = client._bound
        self._client = client
        self._bound = (evaluator.with_overrides(ForcedValues(forced, evaluator.overrides)), details)
        # A bootstrap leaves the client's own overrides out, as a plain one does.
        self._for_bootstrap = evaluator.with_overrides(ForcedValues(forced))

    def get_feature_gate(self, user: StatsigUser, name: str) -> FeatureGate:
        return FeatureGate(name, *self._client._evaluate("g", user, name, False, self._bound))

    def get_config(self, user: StatsigUser, name: str) -> DynamicConfig:
        return DynamicConfig(name, *self._client._evaluate("c", user, name, False, self._bound))

    def get_experiment(self, user: StatsigUser, name: str) -> Experiment:
        return Experiment(name, *self._client._evaluate("c", user, name, False, self._bound))

    def get_layer(self, user: StatsigUser, name: str) -> Layer:
        outcome, details = self._client._evaluate("l", user, name, False, self._bound)
        return Layer(name, outcome, details, user, None)  # no parameter exposures either

    def get_client_initialize_response(
        self, user: StatsigUser, hash: str = "djb2", client_sdk_key: str | None = None
    ) -> dict[str, Any] | None:
        return self._client._initialize_response(
            self._for_bootstrap, user, hash, client_sdk_key, include_local_overrides=True
        )
