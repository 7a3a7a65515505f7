"""Embed bootstrap values in a page so the browser SDK starts with them: no request, no flicker.

The payload carries user-controlled text (user fields, custom values) and spec values, so it is
written where nothing in it can end the ``<script>`` element or start a comment: inside a
``type="application/json"`` data block (never executed, so CSP ``script-src`` does not apply)
with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX`` escapes, which JSON parsers
read back unchanged. Only the small initialiser executes; it carries the CSP nonce. Django and
Flask both render through :func:`render_bootstrap`, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

import orjson

from statsig_core.errors import StatsigValueError

__all__ = ["DEFAULT_CLIENT_SCRIPT_URL", "bootstrap_json", "initializer_options", "render_bootstrap"]

JS_CLIENT_VERSION = "3.33.5"  # the version the test-suite runs bootstraps through
DEFAULT_CLIENT_SCRIPT_URL = (
    f"https://cdn.jsdelivr.net/npm/@statsig/js-client@{JS_CLIENT_VERSION}"
    "/build/statsig-js-client.min.js"
)
# Subresource integrity of that exact file (as published on npm), so a compromised CDN cannot
# serve the page other code. Only sent with the default URL.
DEFAULT_CLIENT_SCRIPT_INTEGRITY = (
    "sha384-7qruGDfkOFQkUBVMV2NVuQW0wVZ5vvvFzTt5iGPZVO4bXwb+4DqbsRa40UXMJqP9"
)

_SCRIPT_SAFE = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def bootstrap_json(payload: Mapping[str, Any] | str) -> str:
    """JSON text that is safe anywhere inside a ``<script>`` element (or as a JS literal).

    A string is taken to be JSON text already (e.g. another SDK's bootstrap) and only escaped.
    Those five characters can only occur inside JSON strings, where the escapes mean the same.
    """
    if isinstance(payload, str):
        text = payload
    else:
        try:
            text = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # an integer beyond 64 bits, a lone surrogate from a JSON request...
            text = json.dumps(payload, separators=(",", ":"))  # ASCII: surrogates as escapes
    return text.translate(_SCRIPT_SAFE)


def _attribute(value: str) -> str:
    return escape(value, quote=True)


def _initialiser(
    element_id: str,
    client_key: str,
    user: Mapping[str, Any] | None,
    global_name: str,
    client_options: Mapping[str, Any] | None = None,
) -> str:
    """JavaScript that starts ``@statsig/js-client`` from the data block, offline.

    The client is built with the bootstrap's own user (or ``user``) and that user's
    ``statsigEnvironment``, so its identity check reads ``Bootstrap:Recognized``.
    ``client_options`` (JSON) go into the client's ``StatsigOptions``; the environment wins.
    """
    return (
        "(function(){"
        f"var e=document.getElementById({bootstrap_json(json.dumps(element_id))}),"
        "S=window.Statsig;"
        "if(!e||!S||!S.StatsigClient){"
        'console.error("statsig: bootstrap data or @statsig/js-client missing");return;}'
        "var t=e.textContent,"
        f"u={bootstrap_json(_js_value(user))}||JSON.parse(t).user||{{}},"
        f"o=Object.assign({bootstrap_json(_js_value(client_options or {}))},"
        "u.statsigEnvironment?{environment:u.statsigEnvironment}:{}),"
        f"c=new S.StatsigClient({bootstrap_json(json.dumps(client_key))},u,o);"
        "c.dataAdapter.setData(t);c.initializeSync();"
        f"window[{bootstrap_json(json.dumps(global_name))}]=c;"
        "})();"
    )


def _js_value(user: Mapping[str, Any] | None) -> str:
    return "null" if user is None else orjson.dumps(user, option=orjson.OPT_NON_STR_KEYS).decode()


def initializer_options(
    client_key: str | None,
    nonce: str | None,
    script_url_setting: str | None,
    client_options: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """:func:`render_bootstrap`'s initializer arguments from a framework's settings, where a
    script URL of ``None`` means the pinned default and ``""`` means the page loads the SDK."""
    options: dict[str, Any] = {"client_key": client_key, "nonce": nonce}
    if script_url_setting is not None:
        options["client_script_url"] = script_url_setting or None
    if client_options:
        options["client_options"] = client_options
    return options


def render_bootstrap(
    payload: Mapping[str, Any] | str,
    *,
    element_id: str = "statsig-bootstrap",
    client_key: str | None = None,
    nonce: str | None = None,
    client_script_url: str | None = DEFAULT_CLIENT_SCRIPT_URL,
    user: Mapping[str, Any] | None = None,
    global_name: str = "statsigClient",
    client_options: Mapping[str, Any] | None = None,
) -> str:
    """HTML for the bootstrap: a JSON data block, plus (with ``client_key``) the client library
    and an initialiser that stores a ready client on ``window[global_name]``.

    ``client_script_url=None`` leaves loading ``@statsig/js-client`` to the page. ``nonce`` goes
    on both executable scripts. ``client_options`` are extra JSON ``StatsigOptions`` for the
    browser client, e.g. ``{"networkConfig": {"api": "/statsig"}}`` to send its events through
    this server (``statsig_django.urls``) rather than to Statsig. Raises
    :class:`StatsigValueError` for a server secret: it must never reach a page.
    """
    if client_key is not None and client_key.startswith("secret-"):
        raise StatsigValueError(
            "a server secret ('secret-...') must never be sent to browsers; use a client key"
        )
    html = (
        f'<script type="application/json" id="{_attribute(element_id)}">'
        f"{bootstrap_json(payload)}</script>"
    )
    if not client_key:
        return html
    nonce_attribute = f' nonce="{_attribute(nonce)}"' if nonce else ""
    if client_script_url is not None:
        integrity = (
            f' integrity="{DEFAULT_CLIENT_SCRIPT_INTEGRITY}" crossorigin="anonymous"'
            if client_script_url == DEFAULT_CLIENT_SCRIPT_URL
            else ""
        )
        html += (
            f'\n<script src="{_attribute(client_script_url)}"{integrity}{nonce_attribute}></script>'
        )
    script = _initialiser(element_id, client_key, user, global_name, client_options)
    return html + f"\n<script{nonce_attribute}>{script}</script>"
