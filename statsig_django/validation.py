"""Validation of the ``STATSIG`` setting, key by key, for :mod:`statsig_django.checks`.

Each validator yields ``(id suffix, message, hint)`` problems; ``checks.check_settings`` runs
them all and turns the problems into system-check messages with stable ids.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.utils.module_loading import import_string

from statsig_core import StatsigOptions
from statsig_core.bootstrap import HASH_ALGORITHMS
from statsig_core.options import EVENT_TRANSPORTS
from statsig_core.web import is_valid_cookie_name
from statsig_core.web.endpoints import limit_problems
from statsig_django.conf import COOKIE_DEFAULTS, DEFAULTS, LOG_EVENT_DEFAULTS

__all__ = ["VALIDATORS", "Problem"]

Problem = tuple[str, str, str | None]  # (id suffix, message, hint)

_OPTION_FIELDS = frozenset(f.name for f in dataclasses.fields(StatsigOptions))
# OPTIONS entries that have their own STATSIG key (which wins, so the option would be ignored).
_FIRST_CLASS = {
    "specs_path": "SPECS_FILE",
    "environment": "ENVIRONMENT",
    "event_transport": "EVENT_TRANSPORT",
    "init_timeout": "INIT_TIMEOUT",
}
_SPECS_OPTIONS = ("specs_path", "bootstrap_values", "data_store")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _import(value: Any, what: str) -> tuple[Any, str | None]:
    if callable(value):
        return value, None
    if not isinstance(value, str):
        return None, f"{what} must be a dotted path or a callable, not {type(value).__name__}"
    try:
        return import_string(value), None
    except ImportError as exc:
        return None, f"{what} {value!r} cannot be imported: {exc}"


def _takes(func: Any, count: int) -> bool:
    try:
        inspect.signature(func).bind(*([None] * count))
    except (TypeError, ValueError):
        return False
    return True


def _keys(raw: Mapping[str, Any]) -> Iterator[Problem]:
    for key in raw:
        if key not in DEFAULTS:
            yield "E002", f"STATSIG has an unknown key {key!r}.", f"Known: {', '.join(DEFAULTS)}."


def _credentials(raw: Mapping[str, Any]) -> Iterator[Problem]:
    secret, client_key = raw.get("SERVER_SECRET"), raw.get("CLIENT_KEY")
    if secret is not None and not (isinstance(secret, str) and secret.startswith("secret-")):
        yield "E003", "STATSIG['SERVER_SECRET'] must be a string starting with 'secret-'.", None
    if isinstance(client_key, str) and client_key.startswith("secret-"):
        yield (
            "E004",
            "STATSIG['CLIENT_KEY'] is a server secret; bootstraps would send it to browsers.",
            "Use the project's client key ('client-...') and keep the secret in SERVER_SECRET.",
        )
    elif client_key is not None and not (
        isinstance(client_key, str) and client_key.startswith("client-")
    ):
        yield "E005", "STATSIG['CLIENT_KEY'] must be a string starting with 'client-'.", None


def _specs(raw: Mapping[str, Any]) -> Iterator[Problem]:
    specs_file = raw.get("SPECS_FILE")
    if specs_file is not None and not (
        isinstance(specs_file, str | os.PathLike)
        and os.path.isfile(specs_file)
        and os.access(specs_file, os.R_OK)
    ):
        yield "E006", f"STATSIG['SPECS_FILE'] {specs_file!r} is not a readable file.", None
    options = raw.get("OPTIONS")
    has_specs = isinstance(options, Mapping) and any(options.get(k) for k in _SPECS_OPTIONS)
    if not raw.get("SERVER_SECRET") and not specs_file and not has_specs:
        yield (
            "W002",
            "STATSIG has no SERVER_SECRET and no SPECS_FILE: every check returns its default.",
            "Set SPECS_FILE to a download_config_specs JSON file for local mode.",
        )


def _transport(raw: Mapping[str, Any]) -> Iterator[Problem]:
    transport = raw.get("EVENT_TRANSPORT")
    if transport is not None and transport not in EVENT_TRANSPORTS:
        yield "E007", f"STATSIG['EVENT_TRANSPORT'] must be one of {EVENT_TRANSPORTS}.", None
    elif transport == "celery" and importlib.util.find_spec("celery") is None:
        yield "E008", "STATSIG['EVENT_TRANSPORT'] is 'celery' but Celery is not installed.", None


def _user_builder(raw: Mapping[str, Any]) -> Iterator[Problem]:
    value = raw.get("USER_BUILDER")
    if value is None:
        return
    builder, error = _import(value, "STATSIG['USER_BUILDER']")
    if error is None and not (callable(builder) and _takes(builder, 2)):
        error = "STATSIG['USER_BUILDER'] must be a callable taking (request, default_user)"
    if error is not None:
        yield "E009", f"{error}.", "Signature: (request, default_user) -> StatsigUser."


def _numbers(raw: Mapping[str, Any]) -> Iterator[Problem]:
    if not _is_count(raw.get("TRUSTED_PROXY_COUNT", 0)):
        yield "E010", "STATSIG['TRUSTED_PROXY_COUNT'] must be an integer >= 0.", None
    if not _is_number(raw.get("INIT_TIMEOUT", 0)):
        yield "E012", "STATSIG['INIT_TIMEOUT'] must be a number of seconds >= 0.", None
    if raw.get("BOOTSTRAP_HASH", "djb2") not in HASH_ALGORITHMS:
        yield "E015", f"STATSIG['BOOTSTRAP_HASH'] must be one of {HASH_ALGORITHMS}.", None
    names = raw.get("CLIENT_NAMES")
    if names is not None and (
        isinstance(names, str)
        or not isinstance(names, list | tuple | set | frozenset)
        or not all(isinstance(n, str) for n in names)
    ):
        yield "E016", "STATSIG['CLIENT_NAMES'] must be a list of names (or None for all).", None
    for key in ("ENVIRONMENT", "CLIENT_SCRIPT_URL"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            yield "E018", f"STATSIG[{key!r}] must be a string.", None
    if not isinstance(raw.get("INIT_AT_STARTUP", True), bool):
        yield "E018", "STATSIG['INIT_AT_STARTUP'] must be True or False.", None
    client_options = raw.get("CLIENT_OPTIONS")
    if client_options is not None and not isinstance(client_options, Mapping):
        yield "E018", "STATSIG['CLIENT_OPTIONS'] must be a dict of browser SDK options.", None


def _section(raw: Mapping[str, Any], key: str, known: Mapping[str, Any]) -> Iterator[Problem]:
    section = raw.get(key, {})
    if not isinstance(section, Mapping):
        yield (
            "E011" if key == "STABLE_ID_COOKIE" else "E017",
            f"STATSIG[{key!r}] must be a dict.",
            None,
        )
        return
    for name in section:
        if name not in known:
            yield (
                "E002",
                f"STATSIG[{key!r}] has an unknown key {name!r}.",
                f"Known: {', '.join(known)}.",
            )


def _cookie(raw: Mapping[str, Any]) -> Iterator[Problem]:
    yield from _section(raw, "STABLE_ID_COOKIE", COOKIE_DEFAULTS)
    cookie = raw.get("STABLE_ID_COOKIE", {})
    if not isinstance(cookie, Mapping):
        return
    name = cookie.get("NAME", "statsig_stable_id")
    if not is_valid_cookie_name(name):
        yield "E011", "STATSIG['STABLE_ID_COOKIE']['NAME'] must be a valid cookie name.", None
    if not _is_count(cookie.get("AGE", 0)):
        yield "E011", "STATSIG['STABLE_ID_COOKIE']['AGE'] must be seconds (an integer >= 0).", None
    if not isinstance(cookie.get("ENABLED", True), bool):
        yield "E011", "STATSIG['STABLE_ID_COOKIE']['ENABLED'] must be True or False.", None
    domain = cookie.get("DOMAIN")
    if domain is not None and not isinstance(domain, str):
        yield "E011", "STATSIG['STABLE_ID_COOKIE']['DOMAIN'] must be a string or None.", None
    if cookie.get("CONSENT") is not None:
        consent, error = _import(cookie["CONSENT"], "STATSIG['STABLE_ID_COOKIE']['CONSENT']")
        if error is None and not (callable(consent) and _takes(consent, 1)):
            error = "STATSIG['STABLE_ID_COOKIE']['CONSENT'] must be a callable taking (request)"
        if error is not None:
            yield "E011", f"{error}.", None


def _log_event(raw: Mapping[str, Any]) -> Iterator[Problem]:
    yield from _section(raw, "LOG_EVENT", LOG_EVENT_DEFAULTS)
    section = raw.get("LOG_EVENT", {})
    if not isinstance(section, Mapping):
        return
    for key, wrong in limit_problems(section):
        yield "E017", f"STATSIG['LOG_EVENT'][{key!r}] {wrong}.", None
    if section.get("CSRF_EXEMPT") is True:
        yield (
            "W003",
            "STATSIG['LOG_EVENT']['CSRF_EXEMPT'] is True: any site can post events "
            "attributed to your visitors.",
            "Only enable it for clients that cannot send a CSRF token.",
        )


def _options(raw: Mapping[str, Any]) -> Iterator[Problem]:
    options = raw.get("OPTIONS", {})
    if not isinstance(options, Mapping):
        yield "E013", "STATSIG['OPTIONS'] must be a dict of StatsigOptions fields.", None
        return
    for name in options:
        if name not in _OPTION_FIELDS:
            yield "E013", f"STATSIG['OPTIONS'] has {name!r}, not a StatsigOptions field.", None
        elif name in _FIRST_CLASS:
            key = _FIRST_CLASS[name]
            yield "E013", f"STATSIG['OPTIONS'][{name!r}] is set with STATSIG[{key!r}].", None


VALIDATORS: tuple[Callable[[Mapping[str, Any]], Iterator[Problem]], ...] = (
    _keys,
    _credentials,
    _specs,
    _transport,
    _user_builder,
    _numbers,
    _cookie,
    _log_event,
    _options,
)
