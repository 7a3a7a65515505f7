"""Shared by the ``statsig_*`` commands: who to evaluate for, and JSON output."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

import orjson
from django.core.management.base import CommandError

from statsig_core import Statsig, StatsigUser
from statsig_django.client import get_statsig

__all__ = ["add_user_arguments", "client", "dumps", "user_from_options"]

_FLAGS = ("user_id", "email", "ip", "user_agent", "country", "locale", "app_version")


def add_user_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="JSON",
        help='the user as JSON in official field names, e.g. \'{"userID": "42"}\'',
    )
    for flag in _FLAGS:
        parser.add_argument(f"--{flag.replace('_', '-')}", dest=flag, metavar="TEXT")
    parser.add_argument(
        "--custom", action="append", default=[], metavar="KEY=VALUE",
        help="a custom attribute (VALUE is read as JSON when it parses, else as text)",
    )  # fmt: skip
    parser.add_argument(
        "--custom-id", action="append", default=[], metavar="TYPE=ID", help="a custom id"
    )


def _pairs(items: list[str], what: str, parse_json: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"{what} must look like KEY=VALUE, not {item!r}")
        if parse_json:
            try:
                out[key] = orjson.loads(value)
            except orjson.JSONDecodeError:
                out[key] = value
        else:
            out[key] = value
    return out


def user_from_options(options: dict[str, Any]) -> StatsigUser:
    """``--user`` JSON, then the single-field flags on top of it."""
    try:
        data = orjson.loads(options["user"]) if options.get("user") else {}
        user = StatsigUser.from_dict(data)
    except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
        raise CommandError(f"--user: {exc}") from None
    changes: dict[str, Any] = {flag: options[flag] for flag in _FLAGS if options.get(flag)}
    custom = _pairs(options.get("custom") or [], "--custom", parse_json=True)
    if custom:
        changes["custom"] = {**(user.custom or {}), **custom}
    custom_ids = _pairs(options.get("custom_id") or [], "--custom-id", parse_json=False)
    if custom_ids:
        changes["custom_ids"] = {**(user.custom_ids or {}), **custom_ids}
    return user.with_changes(**changes) if changes else user


def client() -> Statsig:
    try:
        return get_statsig()
    except Exception as exc:
        raise CommandError(f"Statsig is not available: {exc}") from None


def dumps(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
