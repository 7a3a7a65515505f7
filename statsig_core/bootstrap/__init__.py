"""Bootstrap values for the browser SDK: the client initialize response and its safe embedding."""

from __future__ import annotations

from statsig_core.bootstrap.html import DEFAULT_CLIENT_SCRIPT_URL, bootstrap_json, render_bootstrap
from statsig_core.bootstrap.initialize_response import (
    HASH_ALGORITHMS,
    client_initialize_response,
    only_names,
)

__all__ = [
    "DEFAULT_CLIENT_SCRIPT_URL",
    "HASH_ALGORITHMS",
    "bootstrap_json",
    "client_initialize_response",
    "only_names",
    "render_bootstrap",
]
