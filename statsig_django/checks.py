"""System checks (``manage.py check --tag statsig``) with stable ids.

=====================  ====================================================================
``statsig_django.E001``  ``STATSIG`` is not a dict.
``statsig_django.E002``  Unknown key in ``STATSIG`` (or in one of its sub-dicts): a typo.
``statsig_django.E003``  ``SERVER_SECRET`` is not a ``"secret-..."`` string.
``statsig_django.E004``  ``CLIENT_KEY`` is a server secret: it would be sent to browsers.
``statsig_django.E005``  ``CLIENT_KEY`` is not a ``"client-..."`` string.
``statsig_django.E006``  ``SPECS_FILE`` is not a readable file.
``statsig_django.E007``  ``EVENT_TRANSPORT`` is not ``"http"``, ``"celery"`` or ``"local"``.
``statsig_django.E008``  ``EVENT_TRANSPORT`` is ``"celery"`` but Celery is not installed.
``statsig_django.E009``  ``USER_BUILDER`` cannot be imported or does not take
                         ``(request, default_user)``.
``statsig_django.E010``  ``TRUSTED_PROXY_COUNT`` is not a non-negative integer.
``statsig_django.E011``  ``STABLE_ID_COOKIE`` has a wrong value (or its ``CONSENT`` callable
                         cannot be imported).
``statsig_django.E012``  ``INIT_TIMEOUT`` is not a non-negative number.
``statsig_django.E013``  ``OPTIONS`` is not a dict of ``StatsigOptions`` fields, or repeats a
                         first-class key.
``statsig_django.E014``  ``StatsigMiddleware`` comes before ``AuthenticationMiddleware``.
``statsig_django.E015``  ``BOOTSTRAP_HASH`` is not ``"djb2"``, ``"none"`` or ``"sha256"``.
``statsig_django.E016``  ``CLIENT_NAMES`` is not a list of names.
``statsig_django.E017``  ``LOG_EVENT`` has a wrong value.
``statsig_django.E018``  A text key (``ENVIRONMENT``, ``CLIENT_SCRIPT_URL``) is not a string,
                        ``CLIENT_OPTIONS`` is not a dict,
                         or ``INIT_AT_STARTUP`` is not a bool.
``statsig_django.W001``  ``StatsigMiddleware`` is not installed.
``statsig_django.W002``  No ``SERVER_SECRET`` and no specs: every check returns its default.
``statsig_django.W003``  ``LOG_EVENT["CSRF_EXEMPT"]``: any site can post events for visitors.
``statsig_django.W004``  The overrides page is routed but sessions (``django.contrib.sessions``
                         and ``SessionMiddleware``) are not enabled.
=====================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.urls import URLResolver, get_resolver
from django.utils.module_loading import import_string

from statsig_django.validation import VALIDATORS, Problem

__all__ = ["check_middleware", "check_overrides_page", "check_settings"]

_OURS = "statsig_django.middleware.StatsigMiddleware"
_AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
_SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
_OVERRIDES_VIEW = "statsig_django.views.overrides"


def _message(problem: Problem) -> CheckMessage:
    code, msg, hint = problem
    kind = Warning if code.startswith("W") else Error
    return kind(msg, hint=hint, id=f"statsig_django.{code}")


@register("statsig")
def check_settings(**kwargs: Any) -> list[CheckMessage]:
    """Every ``STATSIG`` problem at once, each naming the key."""
    raw = getattr(settings, "STATSIG", {})
    if not isinstance(raw, Mapping):
        return [_message(("E001", "The STATSIG setting must be a dict.", None))]
    problems: list[Problem] = []
    for validate in VALIDATORS:
        problems.extend(validate(raw))
    return [_message(problem) for problem in problems]


def _is(path: str, target: str) -> bool:
    if path == target:
        return True
    try:
        cls, base = import_string(path), import_string(target)
    except Exception:  # ImportError, or RuntimeError: auth's models without contrib.auth
        return False
    return isinstance(cls, type) and issubclass(cls, base)


@register("statsig")
def check_middleware(**kwargs: Any) -> list[CheckMessage]:
    """The middleware is installed, and after the one that sets ``request.user``."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    ours = next((i for i, path in enumerate(middleware) if _is(path, _OURS)), None)
    if ours is None:
        return [
            Warning(
                "StatsigMiddleware is not in MIDDLEWARE: no stable-ID cookie, and anonymous "
                "visitors all share one bucket.",
                hint=f"Add {_OURS!r} after {_AUTH!r}.",
                id="statsig_django.W001",
            )
        ]
    auth = next((i for i, path in enumerate(middleware) if _is(path, _AUTH)), None)
    if auth is not None and auth > ours:
        return [
            Error(
                "StatsigMiddleware comes before AuthenticationMiddleware, so it cannot see "
                "request.user.",
                hint=f"Move {_OURS!r} after {_AUTH!r}.",
                id="statsig_django.E014",
            )
        ]
    return []


def _routes(patterns: list[Any], view: str) -> bool:
    """Whether a URLconf routes ``view`` (matched by dotted path, so decorating it is fine)."""
    return any(
        _routes(entry.url_patterns, view)
        if isinstance(entry, URLResolver)
        else entry.lookup_str == view
        for entry in patterns
    )


@register("statsig")
def check_overrides_page(**kwargs: Any) -> list[CheckMessage]:
    """The overrides page keeps its state in the session, so it needs sessions enabled."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if apps.is_installed("django.contrib.sessions") and any(_is(m, _SESSIONS) for m in middleware):
        return []
    routed = getattr(settings, "ROOT_URLCONF", None) and _routes(
        get_resolver().url_patterns, _OVERRIDES_VIEW
    )
    if not routed:
        return []
    return [
        Warning(
            "The Statsig overrides page is routed but sessions are not enabled: staff cannot "
            "set overrides and none are applied.",
            hint=f"Add 'django.contrib.sessions' to INSTALLED_APPS and {_SESSIONS!r} to "
            "MIDDLEWARE, or remove the route.",
            id="statsig_django.W004",
        )
    ]
