"""Jinja helpers: the ``{% if_gate %}`` tag, check globals, a ``gate_on`` test and the bootstrap.

Every helper goes through the request's memoized checks, so a template asking about the same
gate ten times evaluates it (and logs its exposure) once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from statsig_core import DynamicConfig, Experiment, Layer
from statsig_core.bootstrap import only_names
from statsig_core.web import BoundStatsig
from statsig_core.web.jinja import IfGateExtension
from statsig_flask.extension import (
    current_statsig,
    gate_passes,
    get_state,
    mark_bootstrapped,
    request_statsig,
)

__all__ = ["StatsigExtension", "install_jinja", "statsig_bootstrap"]


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


def _nonce(context: Context | None, explicit: str | None) -> str | None:
    """The CSP nonce: given, else Flask-Talisman's (``request.csp_nonce`` / ``csp_nonce()``)."""
    if explicit is not None:
        return explicit
    found = getattr(request, "csp_nonce", None)
    if not found and context is not None:
        helper = context.get("csp_nonce")
        found = helper() if callable(helper) else helper
    return str(found) if found else None


def statsig_bootstrap(
    names: Iterable[str] | None = None,
    *,
    init: bool = True,
    nonce: str | None = None,
    element_id: str = "statsig-bootstrap",
    global_name: str = "statsigClient",
    context: Context | None = None,
) -> Markup:
    """The visitor's bootstrap as a JSON data block, plus (``init`` and a client key configured)
    the browser SDK and a small initialiser carrying the CSP nonce.

    ``names`` (default ``STATSIG_CLIENT_NAMES``) limits what the browser sees. The response is
    marked ``Cache-Control: private`` since it carries this visitor's values. Empty when no
    client is available, so the browser SDK falls back to the network.
    """
    settings = get_state().settings
    payload = request_statsig().get_client_initialize_response(
        hash=settings.bootstrap_hash, client_sdk_key=settings.client_key
    )
    if payload is None:
        return Markup("")
    from statsig_core.bootstrap.html import render_bootstrap

    if names is None:
        names = settings.client_names
    if names is not None:
        payload = only_names(payload, [names] if isinstance(names, str) else names)
    options: dict[str, Any] = {"element_id": element_id, "global_name": global_name}
    if init and settings.client_key:
        options["client_key"] = settings.client_key
        options["nonce"] = _nonce(context, nonce)
        if settings.client_script_url is not None:  # "": the page loads the SDK itself
            options["client_script_url"] = settings.client_script_url or None
        if settings.client_options:
            options["client_options"] = settings.client_options
    mark_bootstrapped()
    return Markup(render_bootstrap(payload, **options))  # escaped by the core: safe HTML


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
