"""``statsig_django.jinja2.StatsigExtension``: the template tags for Django's Jinja2 backend.

Add it to the backend's ``OPTIONS["extensions"]``; then::

    {% if_gate "new_checkout" %}...{% else %}...{% endif_gate %}   {# also: if_gate not name #}
    {% if "new_checkout" is gate_on %}...{% endif %}
    {{ get_config("pricing").get("price", 9.99) }}
    {{ get_experiment("checkout_copy").group_name }}
    {{ get_layer("checkout_layer").get("button_color", "blue") }}
    {{ statsig_bootstrap(names=["new_checkout"]) }}

All of them use the template's ``statsig`` variable, else ``request.statsig`` (the backend
puts ``request`` in the context), else an anonymous user.
"""

from __future__ import annotations

from typing import Any

from jinja2.environment import Environment
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from statsig_core.results import DynamicConfig, Experiment, Layer
from statsig_core.web import BoundStatsig
from statsig_core.web.jinja import IfGateExtension
from statsig_django import bootstrap
from statsig_django.binding import bound_for_context

__all__ = ["StatsigExtension"]


def _bound(context: Context) -> BoundStatsig:
    return bound_for_context(context.get)


@pass_context
def check_gate(context: Context, name: str) -> bool:
    """Is the gate on (``"!name"`` negates)?"""
    return _bound(context).gate_passes(name)


@pass_context
def get_config(context: Context, name: str) -> DynamicConfig:
    return _bound(context).get_config(name)


@pass_context
def get_experiment(context: Context, name: str) -> Experiment:
    return _bound(context).get_experiment(name)


@pass_context
def get_layer(context: Context, name: str) -> Layer:
    return _bound(context).get_layer(name)


@pass_context
def statsig_bootstrap(context: Context, **options: Any) -> Markup:
    """Same options as ``{% statsig_bootstrap %}`` (init, client_key, nonce, hash, names...)."""
    html = bootstrap.render(
        _bound(context), context.get("request"), context_nonce=context.get("csp_nonce"), **options
    )
    return Markup(html)


class StatsigExtension(IfGateExtension):
    """The ``if_gate`` block tag, the ``gate_on`` test and the Statsig globals."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals.update(
            check_gate=check_gate,
            get_config=get_config,
            get_experiment=get_experiment,
            get_layer=get_layer,
            statsig_bootstrap=statsig_bootstrap,
        )
        environment.tests["gate_on"] = check_gate

    def bound(self, context: Context) -> BoundStatsig:
        return _bound(context)
