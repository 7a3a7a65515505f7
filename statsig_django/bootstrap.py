"""Bootstrap values for the browser SDK: payload, name filtering, CSP nonce, HTML.

Shared by ``{% statsig_bootstrap %}``, the Jinja2 global, the ``initialize`` endpoint and the
``statsig_bootstrap`` command. The HTML itself (an ``application/json`` data block with
``</script>``-proof escaping, plus an optional initializer carrying the CSP nonce) comes from
``statsig_core.bootstrap.html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from statsig_core.bootstrap import only_names
from statsig_core.web import BoundStatsig
from statsig_django.binding import mark_private
from statsig_django.conf import get_settings

__all__ = ["client_payload", "csp_nonce", "parse_names", "render"]


def parse_names(names: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """A list of names, or a comma/space separated string of them (template friendly)."""
    if names is None:
        return None
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    return tuple(str(name) for name in names)


def client_payload(
    bound: BoundStatsig,
    *,
    hash: str | None = None,
    names: Iterable[str] | str | None = None,
    client_key: str | None = None,
) -> dict[str, Any] | None:
    """This user's bootstrap values, limited to ``names`` (default ``CLIENT_NAMES``)."""
    config = get_settings()
    payload = bound.get_client_initialize_response(
        hash=hash or config.bootstrap_hash, client_sdk_key=client_key or config.client_key
    )
    allowed = parse_names(names) if names is not None else config.client_names
    if payload is None or allowed is None:
        return payload
    return only_names(payload, allowed)


def csp_nonce(request: HttpRequest | None) -> str | None:
    """The request's CSP nonce: django-csp's ``request.csp_nonce``, else Django >= 6.0's."""
    if request is None:
        return None
    nonce = getattr(request, "csp_nonce", None)
    if nonce is None:
        try:
            from django.middleware.csp import get_nonce  # type: ignore[import-not-found, unused-ignore]
        except ImportError:  # Django < 6.0 has no built-in CSP
            return None
        nonce = get_nonce(request)
    return str(nonce) if nonce else None


def render(
    bound: BoundStatsig,
    request: HttpRequest | None = None,
    *,
    init: bool | None = None,
    client_key: str | None = None,
    nonce: str | None = None,
    hash: str | None = None,
    names: Iterable[str] | str | None = None,
    element_id: str = "statsig-bootstrap",
    context_nonce: Any = None,
) -> SafeString:
    """The bootstrap block; with ``init`` (default: when a client key is set) the initializer.

    The initializer's nonce is ``nonce``, else the request's, else ``context_nonce`` (a
    template's ``csp_nonce`` variable); it is only read when the initializer is rendered.

    Marks the response ``Cache-Control: private``: the payload describes this visitor.
    Renders nothing when Statsig is unavailable, so the browser SDK falls back to the network.
    """
    config = get_settings()
    key = client_key or config.client_key
    payload = client_payload(bound, hash=hash, names=names, client_key=key)
    if payload is None:
        return mark_safe("")
    from statsig_core.bootstrap.html import initializer_options, render_bootstrap

    mark_private(request)
    options: dict[str, Any] = {"element_id": element_id}
    if init if init is not None else key is not None:
        found = nonce or csp_nonce(request) or context_nonce
        options.update(
            initializer_options(
                key, str(found) if found else None, config.client_script_url, config.client_options
            )
        )
    return mark_safe(render_bootstrap(payload, **options))
