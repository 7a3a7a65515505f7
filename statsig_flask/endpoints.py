"""Opt-in endpoints for a browser SDK pointed at this app instead of at Statsig::

    from statsig_flask.endpoints import blueprint
    app.register_blueprint(blueprint, url_prefix="/statsig")

Then the browser SDK's ``networkConfig.api`` is ``"/statsig"``: it appends ``/initialize`` and
``/rgstr`` itself.

* ``initialize`` (GET or POST) returns the bootstrap values of the *request's* visitor, limited
  to ``STATSIG_CLIENT_NAMES``, marked ``private, no-store``; 503 when Statsig is unavailable. It
  only reads, and the user in the SDK's body is ignored.
* ``overrides/`` is the QA page where people ``STATSIG_QA_ACCESS`` admits list every gate,
  config, experiment and layer with their own current value and force values for their own
  session (:mod:`statsig_flask.qa_overrides`); anyone else gets a 404.
* ``log_event`` (and ``rgstr``, the SDK's name for it) takes browser events into the event
  pipeline for the request's user. Body size, event count and a per-visitor (and 10x per-IP)
  token bucket are limited by ``STATSIG_LOG_EVENT``, with the rules of Django's ``log_event``
  view (:mod:`statsig_core.web.endpoints`).

Flask has no CSRF token of its own and the SDK's ``fetch``/``sendBeacon`` cannot send one, so
posts that a browser marks as coming from another site are refused (403): a ``Sec-Fetch-Site``
other than ``same-origin``/``none``, or (from browsers too old to send that) an ``Origin``
whose host is not this one. A client that is not a browser sends neither and is let through: it
has no visitor's cookies to ride on. For ``log_event``, ``STATSIG_LOG_EVENT =
{"ALLOW_CROSS_SITE": True}`` turns the check off; the override page always makes it, and sends
Flask-WTF's ``csrf_token()`` too when the app has it. With Flask-WTF's ``CSRFProtect``, exempt
the event view (``csrf.exempt(statsig_flask.endpoints.log_event)``, both of its paths): the
check above stands in for the token the SDK cannot send.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Response, abort, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from statsig_core.web.endpoints import EventIntake, initialize_answer, requested_hash, too_large
from statsig_core.web.qa_overrides import OverrideError, sections
from statsig_flask.bootstrap import client_payload
from statsig_flask.extension import get_state, request_statsig
from statsig_flask.qa_overrides import apply_form, has_access

__all__ = ["blueprint", "intake"]

blueprint = Blueprint("statsig", __name__, template_folder="templates")
#: This process's rate-limit buckets, shared by every app that registers the blueprint.
intake = EventIntake()

_SAME_SITE_FETCH = ("same-origin", "none")
_MAX_INITIALIZE_BODY = 64 * 1024


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


@blueprint.route("/initialize", methods=["GET", "POST"])
def initialize() -> Response:
    # The SDK sends its user and wanted hash: a few KiB. More is not read (and then not JSON).
    body = request.stream.read(_MAX_INITIALIZE_BODY) if request.method == "POST" else b""
    status, answer = initialize_answer(client_payload(hash=requested_hash(body)))
    response = _json(answer, status=status)
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


def _is_cross_site() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in _SAME_SITE_FETCH
    # Older browsers: the Origin's host. Its scheme is not compared, since behind a TLS proxy
    # without ProxyFix the app sees http while the page is https.
    origin = request.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc != request.host


@blueprint.post("/log_event")
@blueprint.post("/rgstr")
def log_event() -> Response:
    settings = get_state().settings
    limits = settings.log_event
    if not limits.allow_cross_site and _is_cross_site():
        return _json({"error": "cross-site event posts are refused"}, status=403)
    result = too_large(request.content_length, limits)  # refused before the body is read
    if result is None:
        bound = request_statsig()
        result = intake.accept(
            request.stream.read(limits.max_bytes + 1),
            limits,
            user_id=bound.user.user_id,
            stable_id_cookie=request.cookies.get(settings.cookie.name),
            ip=bound.user.ip or request.remote_addr,
        )
        for name, value, metadata in result.events:
            bound.log_event(name, value, metadata)
    response = _json(result.body, status=result.status)
    if result.retry_after is not None:
        response.headers["Retry-After"] = str(result.retry_after)
    return response


@blueprint.route("/overrides/", methods=["GET", "POST"])
def overrides() -> ResponseReturnValue:
    """The QA override page; a 404 for anyone ``STATSIG_QA_ACCESS`` does not admit."""
    if not has_access(get_state().settings.qa_access):
        abort(404)
    if request.method == "POST" and _is_cross_site():
        abort(403)
    bound = request_statsig()
    error = None
    if request.method == "POST":
        try:
            apply_form(request.form, bound.statsig, bound.user.user_id)
        except OverrideError as exc:
            error = str(exc)
        else:
            return redirect(request.url, code=303)
    page = render_template(
        "statsig_flask/overrides.html",
        sections=sections(bound),
        has_overrides=bool(bound.overrides),
        error=error,
    )
    response = make_response(page, 400 if error else 200)
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response
