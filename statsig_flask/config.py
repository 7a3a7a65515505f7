"""The ``STATSIG_*`` config keys: defaults, validation, and the typed settings built from them.

Everything is checked once, in ``init_app``, and every problem is reported together: a typo in a
config file should fail the app at start-up with a message naming the key, not at the first
request with a traceback from deep inside the core.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from statsig_core import StatsigOptions, StatsigUser, StatsigValueError
from statsig_core.bootstrap import HASH_ALGORITHMS
from statsig_core.options import EVENT_TRANSPORTS
from statsig_core.web import StableIdCookie, is_valid_cookie_name
from statsig_core.web.endpoints import IntakeLimits, limit_problems

__all__ = ["DEFAULTS", "LogEventSettings", "Settings", "load_settings", "resolve_user_loader"]

UserLoader = Callable[[StatsigUser], StatsigUser]

#: Every key the extension reads, with its default (``app.config.setdefault``).
DEFAULTS: dict[str, Any] = {
    "STATSIG_SERVER_SECRET": None,
    "STATSIG_CLIENT_KEY": None,
    "STATSIG_SPECS_FILE": None,
    "STATSIG_ENVIRONMENT": None,
    "STATSIG_EVENT_TRANSPORT": None,
    "STATSIG_TRUSTED_PROXY_COUNT": 0,
    "STATSIG_STABLE_ID_COOKIE_ENABLED": True,
    "STATSIG_STABLE_ID_COOKIE_CONSENT": None,
    "STATSIG_STABLE_ID_COOKIE_NAME": "statsig_stable_id",
    "STATSIG_STABLE_ID_COOKIE_MAX_AGE": 365 * 24 * 3600,
    "STATSIG_STABLE_ID_COOKIE_DOMAIN": None,
    "STATSIG_USER_LOADER": None,
    "STATSIG_INIT_TIMEOUT": None,
    "STATSIG_BOOTSTRAP_HASH": "djb2",
    "STATSIG_CLIENT_NAMES": None,
    "STATSIG_CLIENT_SCRIPT_URL": None,
    "STATSIG_CLIENT_OPTIONS": None,
    "STATSIG_OPTIONS": None,
    "STATSIG_LOG_EVENT": None,
    "STATSIG_QA_ACCESS": None,
}
_LOG_EVENT_KEYS = {
    "MAX_BYTES": "max_bytes",
    "MAX_EVENTS": "max_events",
    "RATE": "rate_per_minute",
    "BURST": "burst",
    "ALLOW_CROSS_SITE": "allow_cross_site",
}

_OPTION_FIELDS = frozenset(f.name for f in dataclasses.fields(StatsigOptions))
_SPECS_OPTIONS = ("specs_path", "bootstrap_values", "data_store")


@dataclass(frozen=True)
class LogEventSettings(IntakeLimits):
    """``STATSIG_LOG_EVENT``: the browser event endpoint's limits, and whether it takes posts
    from other sites (see :mod:`statsig_flask.endpoints`)."""

    allow_cross_site: bool = False


@dataclass(frozen=True)
class Settings:
    """One app's validated Statsig settings (``app.extensions["statsig"].settings``)."""

    server_secret: str | None
    client_key: str | None
    options: StatsigOptions
    trusted_proxy_count: int
    cookie: StableIdCookie
    cookie_enabled: bool
    cookie_consent: Callable[[], bool] | None
    user_loader: UserLoader | None
    bootstrap_hash: str
    client_names: tuple[str, ...] | None
    client_script_url: str | None
    client_options: Mapping[str, Any] | None = None
    log_event: LogEventSettings = LogEventSettings()
    qa_access: Callable[[], bool] | None = None


def _import_callable(value: object) -> Callable[..., Any]:
    """A callable given directly or as a dotted path; raises ``ValueError``."""
    found = value
    if isinstance(value, str):
        module_name, _, attr = value.rpartition(".")
        try:
            found = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ValueError(f"cannot import {value!r}: {exc}") from None
    if not callable(found):
        raise ValueError(f"{value!r} is not callable")
    return found


def _check_arity(function: Callable[..., Any], args: tuple[Any, ...], what: str) -> None:
    try:
        inspect.signature(function).bind(*args)
    except TypeError:
        raise ValueError(f"{function!r} must accept {what}") from None
    except ValueError:  # builtins without a signature: trust them
        pass


def resolve_user_loader(value: object) -> UserLoader:
    """A callable (or the dotted path of one) taking the default user; raises ``ValueError``."""
    loader = _import_callable(value)
    _check_arity(loader, (StatsigUser(),), "one argument, the default StatsigUser")
    return loader


def load_settings(config: dict[str, Any]) -> Settings:
    """Apply the defaults to ``config`` and validate it; one ``StatsigValueError`` lists all."""
    for key, default in DEFAULTS.items():
        config.setdefault(key, default)
    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(f"{key}: {message}")

    secret = config["STATSIG_SERVER_SECRET"]
    if secret is not None and (not isinstance(secret, str) or not secret.startswith("secret-")):
        problem("STATSIG_SERVER_SECRET", "a server secret starts with 'secret-'")
    client_key = config["STATSIG_CLIENT_KEY"]
    if client_key is not None:
        if not isinstance(client_key, str):
            problem("STATSIG_CLIENT_KEY", "must be a string ('client-...')")
        elif client_key.startswith("secret-"):
            problem(
                "STATSIG_CLIENT_KEY",
                "this is a server secret; it would be embedded in every page. "
                "Use the project's client key ('client-...')",
            )

    option_values = _option_values(config["STATSIG_OPTIONS"], problem)
    specs_file = config["STATSIG_SPECS_FILE"]
    if specs_file is not None:
        if not isinstance(specs_file, str | Path):
            problem("STATSIG_SPECS_FILE", "must be a path")
        elif not Path(specs_file).is_file():
            problem("STATSIG_SPECS_FILE", f"{specs_file} is not a file")
        else:
            option_values["specs_path"] = specs_file
    if secret is None and not any(option_values.get(k) is not None for k in _SPECS_OPTIONS):
        problem(
            "STATSIG_SPECS_FILE",
            "no specs source: set STATSIG_SERVER_SECRET (Statsig's API) or "
            "STATSIG_SPECS_FILE (a download_config_specs JSON file, local mode)",
        )

    environment = config["STATSIG_ENVIRONMENT"]
    if environment is not None:
        if isinstance(environment, str) and environment:
            option_values["environment"] = environment
        else:
            problem("STATSIG_ENVIRONMENT", "must be a tier name such as 'production'")

    transport = config["STATSIG_EVENT_TRANSPORT"]
    if transport is not None:
        _check_transport(transport, problem)
        option_values["event_transport"] = transport

    proxies = config["STATSIG_TRUSTED_PROXY_COUNT"]
    if type(proxies) is not int or proxies < 0:
        problem("STATSIG_TRUSTED_PROXY_COUNT", "must be a whole number of proxies, 0 or more")

    cookie = _cookie(config, problem)
    enabled = config["STATSIG_STABLE_ID_COOKIE_ENABLED"]
    if not isinstance(enabled, bool):
        problem("STATSIG_STABLE_ID_COOKIE_ENABLED", "must be True or False")
    consent = None
    if config["STATSIG_STABLE_ID_COOKIE_CONSENT"] is not None:
        try:
            consent = _import_callable(config["STATSIG_STABLE_ID_COOKIE_CONSENT"])
            _check_arity(consent, (), "no arguments (it reads flask.request)")
        except ValueError as exc:
            problem("STATSIG_STABLE_ID_COOKIE_CONSENT", str(exc))

    loader = None
    if config["STATSIG_USER_LOADER"] is not None:
        try:
            loader = resolve_user_loader(config["STATSIG_USER_LOADER"])
        except ValueError as exc:
            problem("STATSIG_USER_LOADER", str(exc))

    timeout = config["STATSIG_INIT_TIMEOUT"]
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            problem("STATSIG_INIT_TIMEOUT", "must be a number of seconds above 0")
        else:
            option_values["init_timeout"] = float(timeout)

    if config["STATSIG_BOOTSTRAP_HASH"] not in HASH_ALGORITHMS:
        problem("STATSIG_BOOTSTRAP_HASH", f"must be one of {', '.join(HASH_ALGORITHMS)}")
    names = config["STATSIG_CLIENT_NAMES"]
    if names is not None and (
        not isinstance(names, list | tuple | set | frozenset)
        or not all(isinstance(n, str) for n in names)
    ):
        problem("STATSIG_CLIENT_NAMES", "must be a list of gate/config/experiment/layer names")
    script_url = config["STATSIG_CLIENT_SCRIPT_URL"]
    if script_url is not None and not isinstance(script_url, str):
        problem("STATSIG_CLIENT_SCRIPT_URL", "must be a URL string")
    client_options = config["STATSIG_CLIENT_OPTIONS"]
    if client_options is not None and not isinstance(client_options, Mapping):
        problem("STATSIG_CLIENT_OPTIONS", "must be a dict of browser StatsigOptions")

    log_event = _log_event(config["STATSIG_LOG_EVENT"], problem)
    qa_access = None
    if config["STATSIG_QA_ACCESS"] is not None:
        try:
            qa_access = _import_callable(config["STATSIG_QA_ACCESS"])
            _check_arity(qa_access, (), "no arguments (it reads flask.request or current_user)")
        except ValueError as exc:
            problem("STATSIG_QA_ACCESS", str(exc))
        if not config.get("SECRET_KEY"):
            problem("STATSIG_QA_ACCESS", "needs SECRET_KEY: the overrides live in Flask's session")

    if problems:
        raise StatsigValueError(
            "statsig_flask: invalid configuration:\n  - " + "\n  - ".join(problems)
        )
    return Settings(
        server_secret=secret,
        client_key=client_key,
        options=StatsigOptions(**option_values),
        trusted_proxy_count=proxies,
        cookie=cookie,
        cookie_enabled=enabled,
        cookie_consent=consent,
        user_loader=loader,
        bootstrap_hash=config["STATSIG_BOOTSTRAP_HASH"],
        client_names=tuple(names) if names is not None else None,
        client_script_url=script_url,
        client_options=dict(client_options) if client_options else None,
        log_event=log_event,
        qa_access=qa_access,
    )


def _log_event(raw: object, problem: Callable[[str, str], None]) -> LogEventSettings:
    """The Django ``LOG_EVENT`` rules (statsig_django.E017), with Flask's key name."""
    if raw is None:
        return LogEventSettings()
    if not isinstance(raw, Mapping):
        problem("STATSIG_LOG_EVENT", "must be a dict (MAX_BYTES, MAX_EVENTS, RATE, BURST, ...)")
        return LogEventSettings()
    unknown = sorted(set(raw) - set(_LOG_EVENT_KEYS))
    if unknown:
        problem("STATSIG_LOG_EVENT", f"unknown key(s): {', '.join(map(str, unknown))}")
    for key, wrong in limit_problems(raw):
        problem("STATSIG_LOG_EVENT", f"{key} {wrong}")
    if not isinstance(raw.get("ALLOW_CROSS_SITE", False), bool):
        problem("STATSIG_LOG_EVENT", "ALLOW_CROSS_SITE must be True or False")
    # Bad values are listed above and fail init_app; the settings built here are then unused.
    return LogEventSettings(
        **{_LOG_EVENT_KEYS[k]: v for k, v in raw.items() if k in _LOG_EVENT_KEYS}
    )


def _option_values(raw: object, problem: Callable[[str, str], None]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problem("STATSIG_OPTIONS", "must be a dict of StatsigOptions fields")
        return {}
    unknown = sorted(set(raw) - _OPTION_FIELDS)
    if unknown:
        problem("STATSIG_OPTIONS", f"unknown StatsigOptions field(s): {', '.join(unknown)}")
    return {k: v for k, v in raw.items() if k in _OPTION_FIELDS}


def _check_transport(transport: object, problem: Callable[[str, str], None]) -> None:
    if isinstance(transport, str):
        if transport not in EVENT_TRANSPORTS:
            problem(
                "STATSIG_EVENT_TRANSPORT",
                f"unknown transport {transport!r}; use {', '.join(map(repr, EVENT_TRANSPORTS))} "
                "or an EventTransport instance",
            )
        elif transport == "celery" and importlib.util.find_spec("celery") is None:
            problem("STATSIG_EVENT_TRANSPORT", "'celery' needs Celery: statsig-web[celery]")
    elif not all(callable(getattr(transport, m, None)) for m in ("send", "close")):
        problem("STATSIG_EVENT_TRANSPORT", "an object transport needs send(batch) and close()")


def _cookie(config: Mapping[str, Any], problem: Callable[[str, str], None]) -> StableIdCookie:
    name = config["STATSIG_STABLE_ID_COOKIE_NAME"]
    max_age = config["STATSIG_STABLE_ID_COOKIE_MAX_AGE"]
    domain = config["STATSIG_STABLE_ID_COOKIE_DOMAIN"]
    if not is_valid_cookie_name(name):
        problem("STATSIG_STABLE_ID_COOKIE_NAME", "must be a non-empty cookie name")
        name = DEFAULTS["STATSIG_STABLE_ID_COOKIE_NAME"]
    if type(max_age) is not int or max_age <= 0:
        problem("STATSIG_STABLE_ID_COOKIE_MAX_AGE", "must be a positive number of seconds")
        max_age = DEFAULTS["STATSIG_STABLE_ID_COOKIE_MAX_AGE"]
    if domain is not None and not isinstance(domain, str):
        problem("STATSIG_STABLE_ID_COOKIE_DOMAIN", "must be a domain string")
        domain = None
    return StableIdCookie(name=name, max_age=max_age, domain=domain)
