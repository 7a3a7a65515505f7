"""Bootstrap values for the browser SDK: the visitor's payload and the HTML that carries it.

Shared by the ``statsig_bootstrap()`` Jinja global and the ``initialize`` endpoint of
:mod:`statsig_flask.endpoints`. The HTML itself (an ``application/json`` data block with
``</script>``-proof escaping, plus an optional initializer carrying the CSP nonce) comes from
``statsig_core.bootstrap.html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from jinja2.runtime import Context
from markupsafe import Markup

from statsig_core.bootstrap import only_names
from statsig_flask.extension import get_state, mark_bootstrapped, request_statsig

__all__ = ["client_payload", "statsig_bootstrap"]


def client_payload(
    names: Iterable[str] | str | None = None, hash: str | None = None
) -> dict[str, Any] | None:
    """The request's visitor's bootstrap values, limited to ``names`` (default
    ``STATSIG_CLIENT_NAMES``); ``None`` when no client is available."""
    settings = get_state().settings
    payload = request_statsig().get_client_initialize_response(
        hash=hash or settings.bootstrap_hash, client_sdk_key=settings.client_key
    )
    if names is None:
        names = settings.client_names
    if payload is None or names is None:
        return payload
    return only_names(payload, [names] if isinstance(names, str) else names)


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
    payload = client_payload(names=names)
    if payload is None:
        return Markup("")
    from statsig_core.bootstrap.html import initializer_options, render_bootstrap

    options: dict[str, Any] = {"element_id": element_id, "global_name": global_name}
    if init and settings.client_key:
        options.update(
            initializer_options(
                settings.client_key,
                _nonce(context, nonce),
                settings.client_script_url,
                settings.client_options,
            )
        )
    mark_bootstrapped()
    return Markup(render_bootstrap(payload, **options))  # escaped by the core: safe HTML
