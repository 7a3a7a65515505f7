"""Opt-in endpoints for browser SDKs pointed at this server (``include("statsig_django.urls")``).

* ``initialize`` returns the bootstrap values of the *request's* visitor (``private, no-store``).
  It only reads, so it needs no CSRF token.
* ``log_event`` accepts browser events into the event pipeline. POST only, CSRF protected
  unless ``LOG_EVENT["CSRF_EXEMPT"]``; body size, event count and a per-visitor (and 10x
  per-IP) token bucket are limited (see :mod:`statsig_core.web.endpoints`). Events are
  attributed to the request's user; a user the browser puts in the body is ignored.
* ``overrides`` is a page where active staff list every gate, config, experiment and layer of
  the loaded specs with their own current value, and force values for their own session (see
  :mod:`statsig_django.overrides`). Anyone else gets a 404, whatever the method or CSRF token.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from statsig_core.web.endpoints import EventIntake, initialize_answer, requested_hash, too_large
from statsig_django.binding import bind
from statsig_django.bootstrap import client_payload
from statsig_django.conf import get_settings
from statsig_django.overrides import OverrideError, apply_form, is_staff, sections
from statsig_django.users import auth_user

__all__ = ["initialize", "log_event", "overrides"]

intake = EventIntake()


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def initialize(request: HttpRequest) -> HttpResponse:
    payload = client_payload(bind(request), hash=requested_hash(_post_body(request)))
    status, body = initialize_answer(payload)
    response = _json(body, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _post_body(request: HttpRequest) -> bytes:
    return request.body if request.method == "POST" else b""


def _log_event(request: HttpRequest) -> HttpResponse:
    limits = get_settings().log_event
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    result = too_large(declared, limits)  # refused before Django reads the body
    if result is None:
        bound = bind(request)
        result = intake.accept(
            request.body,
            limits,
            user_id=bound.user.user_id,
            stable_id_cookie=request.COOKIES.get(get_settings().stable_id.cookie.name),
            ip=bound.user.ip or request.META.get("REMOTE_ADDR"),
        )
        for name, value, metadata in result.events:
            bound.log_event(name, value, metadata)
    response = _json(result.body, status=result.status)
    if result.retry_after is not None:
        response["Retry-After"] = str(result.retry_after)
    return response


_csrf_protected_log_event = csrf_protect(_log_event)


@csrf_exempt  # checked below, unless LOG_EVENT["CSRF_EXEMPT"] says otherwise
@require_POST
def log_event(request: HttpRequest) -> HttpResponse:
    if get_settings().log_event.csrf_exempt:
        return _log_event(request)
    return _csrf_protected_log_event(request)


def _overrides_page(request: HttpRequest) -> HttpResponse:
    bound = bind(request)
    error = None
    if request.method == "POST":
        try:
            apply_form(request, bound.statsig)
        except OverrideError as exc:
            error = str(exc)
        else:
            return HttpResponseRedirect(request.get_full_path())
    context = {"sections": sections(bound), "has_overrides": bool(bound.overrides), "error": error}
    return render(request, "statsig_django/overrides.html", context, status=400 if error else 200)


_csrf_protected_overrides_page = csrf_protect(_overrides_page)


@csrf_exempt  # checked below, once the user is known to be staff: others must only see a 404
@never_cache
def overrides(request: HttpRequest) -> HttpResponse:
    if not is_staff(auth_user(request)):
        raise Http404
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _csrf_protected_overrides_page(request)
