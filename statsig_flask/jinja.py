"""Jinja helpers: the ``{% if_gate %}`` tag, check globals, a ``gate_on`` test and the bootstrap.

Every helper goes through the request's memoized checks, so a template asking about the same
gate ten times evaluates it (and logs its exposure) once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from statsig_core import DynamicConfig, Experiment, Layer
from statsig_core.web import BoundStatsig
from statsig_core.web.jinja import IfGateExtension
from statsig_flask.bootstrap import statsig_bootstrap
from statsig_flask.extension import current_statsig, gate_passes, request_statsig

__all__ = ["StatsigExtension", "install_jinja"]


class StatsigExtension(IfGateExtension):
    """``{% if_gate "name" %}...{% else %}...{% endif_gate %}`` for the current request."""

    def bound(self, context: Context) -> BoundStatsig:
        return request_statsig()


def get_config(name: str) -> DynamicConfig:
    return request_statsig().get_config(name)


def get_experiment(name: str) -> Experiment:
    return request_statsig().get_experiment(name)


def get_layer(name: str) -> Layer:
    return request_statsig().get_layer(name)


@pass_context
def _bootstrap_global(context: Context, *args: Any, **kwargs: Any) -> Markup:
    """``statsig_bootstrap()`` in templates: the context lets it find a ``csp_nonce()``."""
    return statsig_bootstrap(*args, context=context, **kwargs)


def install_jinja(app: Flask) -> None:
    """Add the tag, the globals and the ``gate_on`` test to the app's Jinja environment."""
    env = app.jinja_env
    env.add_extension(StatsigExtension)
    env.globals.update(
        statsig=current_statsig,
        check_gate=gate_passes,
        get_config=get_config,
        get_experiment=get_experiment,
        get_layer=get_layer,
        statsig_bootstrap=_bootstrap_global,
    )
    env.tests["gate_on"] = gate_passes
