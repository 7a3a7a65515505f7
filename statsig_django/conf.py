"""The ``STATSIG`` setting: one dict, parsed into a typed, cached :class:`StatsigSettings`.

The parsed value is cached and dropped whenever Django's ``setting_changed`` fires for
``STATSIG``, so ``override_settings`` works in tests without re-parsing on every request.
Parsing is lenient (a wrong value falls back to its default); ``statsig_django.checks``
reports every wrong value at start-up instead.

Keys (all optional)::

    STATSIG = {
        # A server secret ("secret-..."): specs and events go through Statsig's API. Without
        # one the client runs in local mode from SPECS_FILE and keeps events local.
        "SERVER_SECRET": None,
        # A client key ("client-..."), put into bootstraps for the browser SDK. Never a secret.
        "CLIENT_KEY": None,
        # A download_config_specs JSON file (v1 or v2): the specs in local mode.
        "SPECS_FILE": None,
        # Environment tier ("production", "staging", ...) seen by environment conditions.
        "ENVIRONMENT": None,
        # Dotted path (or callable) ``(request, default_user) -> StatsigUser`` that replaces or
        # extends the user built from the request. It runs where the first check of the request
        # runs (possibly inside the event loop on ASGI): read ``request`` and
        # ``statsig_django.users.auth_user(request)``, not the ORM.
        "USER_BUILDER": None,
        # "http", "celery" or "local"; None means "http" with a secret, else "local".
        "EVENT_TRANSPORT": None,
        # How many proxies in front of Django append to X-Forwarded-For. 0 ignores the header.
        # Keep 0 when the server already rewrites REMOTE_ADDR from it (uvicorn's
        # --proxy-headers, on by default for 127.0.0.1; gunicorn's forwarded_allow_ips).
        "TRUSTED_PROXY_COUNT": 0,
        # The first-party stable-ID cookie that identifies anonymous visitors.
        "STABLE_ID_COOKIE": {
            "ENABLED": True,
            "NAME": "statsig_stable_id",
            "AGE": 31536000,          # seconds
            "DOMAIN": None,
            # Dotted path (or callable) ``(request) -> bool``; False: no cookie is read or set
            # and an existing one is deleted (consent withdrawn).
            "CONSENT": None,
        },
        # Longest wait for the first specs in a process; the rest loads in the background.
        "INIT_TIMEOUT": 3.0,
        # Initialize in AppConfig.ready() (never in runserver's autoreloader parent);
        # False: on the first check instead.
        "INIT_AT_STARTUP": True,
        # Name hashing in bootstraps and the initialize endpoint: "djb2", "none" or "sha256".
        "BOOTSTRAP_HASH": "djb2",
        # Names of gates, configs, experiments and layers the browser may see (None: all).
        "CLIENT_NAMES": None,
        # Where {% statsig_bootstrap %} loads the browser SDK from when it initializes it:
        # None for the pinned @statsig/js-client on jsDelivr (with SRI), "" when the page
        # loads the SDK itself (e.g. bundled).
        "CLIENT_SCRIPT_URL": None,
        # Extra JSON StatsigOptions for that browser SDK, e.g. {"networkConfig": {"api":
        # "/statsig"}} to send its events to statsig_django.urls instead of to Statsig.
        "CLIENT_OPTIONS": None,
        # The browser event endpoint (statsig_django.urls).
        "LOG_EVENT": {
            "CSRF_EXEMPT": False,     # True only for clients that cannot send a CSRF token
            "MAX_BYTES": 65536,       # request body limit
            "MAX_EVENTS": 100,        # events per request
            "RATE": 120,              # events per minute per visitor (10x per IP)
            "BURST": 60,              # events a visitor may send at once
        },
        # Any other statsig_core.StatsigOptions field, passed through (keys above win).
        "OPTIONS": {},
    }
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from statsig_core.web import StableIdCookie
from statsig_core.web.endpoints import IntakeLimits

if TYPE_CHECKING:
    from django.http import HttpRequest

    from statsig_core import StatsigUser

__all__ = [
    "COOKIE_DEFAULTS",
    "DEFAULTS",
    "LOG_EVENT_DEFAULTS",
    "CookieSettings",
    "LogEventSettings",
    "StatsigSettings",
    "get_settings",
    "raw_settings",
    "resolve_callable",
]

UserBuilder = Callable[["HttpRequest", "StatsigUser"], "StatsigUser"]
Consent = Callable[["HttpRequest"], bool]

COOKIE_DEFAULTS: dict[str, Any] = {
    "ENABLED": True,
    "NAME": "statsig_stable_id",
    "AGE": 365 * 24 * 3600,
    "DOMAIN": None,
    "CONSENT": None,
}
LOG_EVENT_DEFAULTS: dict[str, Any] = {
    "CSRF_EXEMPT": False,
    "MAX_BYTES": IntakeLimits.max_bytes,
    "MAX_EVENTS": IntakeLimits.max_events,
    "RATE": IntakeLimits.rate_per_minute,
    "BURST": IntakeLimits.burst,
}
DEFAULTS: dict[str, Any] = {
    "SERVER_SECRET": None,
    "CLIENT_KEY": None,
    "SPECS_FILE": None,
    "ENVIRONMENT": None,
    "USER_BUILDER": None,
    "EVENT_TRANSPORT": None,
    "TRUSTED_PROXY_COUNT": 0,
    "STABLE_ID_COOKIE": COOKIE_DEFAULTS,
    "INIT_TIMEOUT": 3.0,
    "INIT_AT_STARTUP": True,
    "BOOTSTRAP_HASH": "djb2",
    "CLIENT_NAMES": None,
    "CLIENT_SCRIPT_URL": None,
    "CLIENT_OPTIONS": None,
    "LOG_EVENT": LOG_EVENT_DEFAULTS,
    "OPTIONS": {},
}


@functools.cache
def resolve_callable(value: str | Callable[..., Any]) -> Callable[..., Any]:
    """A callable given directly or as a dotted path, imported once per path."""
    found = import_string(value) if isinstance(value, str) else value
    if not callable(found):
        raise TypeError(f"{value!r} is not callable")
    return found


@dataclass(frozen=True)
class CookieSettings:
    enabled: bool
    cookie: StableIdCookie
    consent: str | Consent | None

    def consent_given(self, request: HttpRequest) -> bool:
        """No consent callable means consent is not required."""
        if self.consent is None:
            return True
        return bool(resolve_callable(self.consent)(request))


@dataclass(frozen=True)
class LogEventSettings(IntakeLimits):
    """``LOG_EVENT``: the endpoint's limits, and whether it skips the CSRF check."""

    csrf_exempt: bool = False


@dataclass(frozen=True)
class StatsigSettings:
    """``settings.STATSIG`` with defaults filled in (see the module docstring for each key)."""

    server_secret: str | None
    client_key: str | None
    specs_file: str | None
    environment: str | None
    user_builder: str | UserBuilder | None
    event_transport: str | None
    trusted_proxy_count: int
    stable_id: CookieSettings
    init_timeout: float
    init_at_startup: bool
    bootstrap_hash: str
    client_names: tuple[str, ...] | None
    client_script_url: str | None  # None: the default URL; "": none
    log_event: LogEventSettings
    options: Mapping[str, Any] = field(default_factory=dict)
    client_options: Mapping[str, Any] | None = None

    def client_signature(self) -> tuple[Any, ...]:
        """What the client is built from: a change here means a new client."""
        return (
            self.server_secret,
            self.specs_file,
            self.environment,
            self.event_transport,
            repr(sorted(self.options.items())),
        )


def raw_settings() -> Mapping[str, Any]:
    value = getattr(settings, "STATSIG", None)
    return value if isinstance(value, Mapping) else {}


def _section(raw: Mapping[str, Any], key: str, defaults: dict[str, Any]) -> dict[str, Any]:
    given = raw.get(key)
    return {**defaults, **given} if isinstance(given, Mapping) else dict(defaults)


def _number(value: Any, default: float) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default
    )


def _text(value: Any) -> str | None:
    return str(value) if value else None


def _script_url(value: Any) -> str | None:
    """None: the core's default URL; "": no script tag (the page loads the SDK)."""
    return None if value is None else str(value or "")


def _names(value: Any) -> tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return None
    return tuple(str(name) for name in value)


@functools.cache
def get_settings() -> StatsigSettings:
    """The parsed ``STATSIG`` setting (cached until ``setting_changed`` fires for it)."""
    raw = raw_settings()
    cookie = _section(raw, "STABLE_ID_COOKIE", COOKIE_DEFAULTS)
    log_event = _section(raw, "LOG_EVENT", LOG_EVENT_DEFAULTS)
    options = raw.get("OPTIONS")
    client_options = raw.get("CLIENT_OPTIONS")
    return StatsigSettings(
        server_secret=_text(raw.get("SERVER_SECRET")),
        client_key=_text(raw.get("CLIENT_KEY")),
        specs_file=_text(raw.get("SPECS_FILE")),
        environment=_text(raw.get("ENVIRONMENT")),
        user_builder=raw.get("USER_BUILDER") or None,
        event_transport=_text(raw.get("EVENT_TRANSPORT")),
        trusted_proxy_count=max(0, int(_number(raw.get("TRUSTED_PROXY_COUNT"), 0))),
        stable_id=CookieSettings(
            enabled=bool(cookie["ENABLED"]),
            cookie=StableIdCookie(
                name=str(cookie["NAME"] or COOKIE_DEFAULTS["NAME"]),
                max_age=int(_number(cookie["AGE"], COOKIE_DEFAULTS["AGE"])),
                domain=_text(cookie["DOMAIN"]),
            ),
            consent=cookie["CONSENT"] or None,
        ),
        init_timeout=max(0.0, _number(raw.get("INIT_TIMEOUT"), DEFAULTS["INIT_TIMEOUT"])),
        init_at_startup=bool(raw.get("INIT_AT_STARTUP", True)),
        bootstrap_hash=str(raw.get("BOOTSTRAP_HASH") or "djb2"),
        client_names=_names(raw.get("CLIENT_NAMES")),
        client_script_url=_script_url(raw.get("CLIENT_SCRIPT_URL")),
        log_event=LogEventSettings(
            csrf_exempt=bool(log_event["CSRF_EXEMPT"]),
            max_bytes=int(_number(log_event["MAX_BYTES"], LOG_EVENT_DEFAULTS["MAX_BYTES"])),
            max_events=int(_number(log_event["MAX_EVENTS"], LOG_EVENT_DEFAULTS["MAX_EVENTS"])),
            rate_per_minute=_number(log_event["RATE"], LOG_EVENT_DEFAULTS["RATE"]),
            burst=int(_number(log_event["BURST"], LOG_EVENT_DEFAULTS["BURST"])),
        ),
        options=dict(options) if isinstance(options, Mapping) else {},
        client_options=dict(client_options) if isinstance(client_options, Mapping) else None,
    )


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STATSIG":
        get_settings.cache_clear()
