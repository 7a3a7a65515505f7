"""Per-session QA overrides: staff force gates and values for their own session only.

They live in ``request.session`` under :data:`SESSION_KEY` (so ``django.contrib.sessions`` is
needed; check ``statsig_django.W004``) and reach ``request.statsig`` only while the session's
user is active staff, so a session of anyone else that carries the key gets none. Every change
is audited: the :data:`~statsig_django.signals.override_changed` signal, an admin ``LogEntry``
on the user (when ``django.contrib.admin`` is installed) and an INFO line on the
``statsig_django`` logger. The page itself is :func:`statsig_django.views.overrides`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from django.apps import apps
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from statsig_core.web import BoundStatsig
from statsig_django.signals import override_changed
from statsig_django.users import auth_user

if TYPE_CHECKING:
    from statsig_core import Statsig

__all__ = [
    "KINDS",
    "SESSION_KEY",
    "OverrideError",
    "apply_form",
    "is_staff",
    "known_names",
    "sections",
    "session_overrides",
    "stored",
]

logger = logging.getLogger("statsig_django")

SESSION_KEY = "statsig_overrides"
KINDS = ("gate", "config", "experiment", "layer")
MAX_VALUE_CHARS = 16 * 1024
_TITLES = {
    "gate": _("Feature gates"),
    "config": _("Dynamic configs"),
    "experiment": _("Experiments"),
    "layer": _("Layers"),
}

Table = dict[str, dict[str, Any]]


class OverrideError(ValueError):
    """A form the page cannot apply; the message is shown to the staff member."""


@dataclass(frozen=True)
class Row:
    name: str
    value: str  # JSON of what the user gets now, override included
    rule_id: str
    forced: str | None  # JSON of this session's override
    known: bool  # in the loaded specs (a stale override may not be)


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    rows: list[Row]


def is_staff(user: Any) -> bool:
    """Active staff, as Django's ``staff_member_required`` decides."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def _clean(raw: Any) -> Table:
    """Only well-formed entries (gates: bool, the rest: dict), whatever the session holds."""
    if not isinstance(raw, Mapping):
        return {}
    cleaned: Table = {}
    for kind in KINDS:
        table = raw.get(kind)
        if isinstance(table, Mapping):
            wanted = bool if kind == "gate" else dict
            entries = {str(n): v for n, v in table.items() if isinstance(v, wanted)}
            if entries:
                cleaned[kind] = entries
    return cleaned


def stored(request: HttpRequest) -> Table:
    """This session's overrides, whoever its user is."""
    session = getattr(request, "session", None)
    return _clean(session.get(SESSION_KEY)) if session is not None else {}


def session_overrides(request: HttpRequest) -> Table | None:
    """What ``request.statsig`` applies: the session's overrides, for active staff only."""
    if not is_staff(auth_user(request)):
        return None
    return stored(request) or None


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _log_entry(user: Any, message: str) -> None:
    from django.contrib.admin.models import CHANGE, LogEntry

    entries = LogEntry.objects
    if hasattr(entries, "log_actions"):  # Django >= 5.1
        entries.log_actions(user.pk, [user], CHANGE, message, single_object=True)
        return
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(user, for_concrete_model=False)
    entries.log_action(user.pk, content_type.pk, user.pk, str(user), CHANGE, message)


def _audit(request: HttpRequest, kind: str, name: str, value: Any) -> None:
    user = request.user
    shown = "cleared" if value is None else f"= {_dumps(value)}"
    message = f"Statsig session override: {kind} {name!r} {shown}"
    if apps.is_installed("django.contrib.admin") and apps.is_installed(
        "django.contrib.contenttypes"
    ):
        _log_entry(user, message)
    logger.info("statsig: %s (user %s)", message, user.pk)
    override_changed.send(
        sender=user.__class__, request=request, user=user, kind=kind, name=name, value=value
    )


def _change(request: HttpRequest, kind: str, name: str, value: Any) -> None:
    """Set one override, or clear it with ``value=None``; audit it if anything changed."""
    overrides = stored(request)
    table = overrides.setdefault(kind, {})
    if value is None:
        if table.pop(name, None) is None:
            return
    else:
        table[name] = value
    remaining = {k: v for k, v in overrides.items() if v}
    if remaining:
        request.session[SESSION_KEY] = remaining
    else:
        request.session.pop(SESSION_KEY, None)
    _audit(request, kind, name, value)


def _parse(kind: str, text: str) -> bool | dict[str, Any]:
    if len(text) > MAX_VALUE_CHARS:
        raise OverrideError(f"The value is over {MAX_VALUE_CHARS} characters.")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise OverrideError("The value is not valid JSON.") from None
    if kind == "gate" and isinstance(value, bool):
        return value
    if kind != "gate" and isinstance(value, dict):
        return value
    raise OverrideError("A gate takes true or false; the other kinds take a JSON object.")


def known_names(statsig: Statsig | None) -> dict[str, set[str]]:
    """Every name in the loaded specs, by kind (experiments are configs marked as such)."""
    if statsig is None:
        return {kind: set() for kind in KINDS}
    evaluator = statsig.evaluator
    configs = evaluator.configs
    experiments = {name for name, spec in configs.items() if spec.entity == "experiment"}
    return {
        "gate": set(evaluator.gates),
        "config": set(configs) - experiments,
        "experiment": experiments,
        "layer": set(evaluator.layers),
    }


def apply_form(request: HttpRequest, statsig: Statsig | None) -> None:
    """Apply the page's POST: ``action`` is ``set``, ``clear`` or ``clear_all``."""
    data = request.POST
    action = data.get("action")
    if action == "clear_all":
        for kind, table in stored(request).items():
            for name in table:
                _change(request, kind, name, None)
        return
    kind, name = data.get("kind", ""), data.get("name", "")
    if kind not in KINDS or action not in ("set", "clear"):
        raise OverrideError("Unknown kind or action.")
    if action == "clear":
        _change(request, kind, name, None)
    elif name not in known_names(statsig)[kind]:
        raise OverrideError(f"There is no {kind} {name!r} in the loaded specs.")
    else:
        _change(request, kind, name, _parse(kind, data.get("value", "")))


def sections(bound: BoundStatsig) -> list[Section]:
    """One section per kind: every known or overridden name with the user's value now.

    Values come from :meth:`BoundStatsig.peek`, so listing them logs no exposure.
    """
    known = known_names(bound.statsig)
    forced = bound.overrides
    listed = []
    for kind in KINDS:
        mine = forced.get(kind, {})
        rows = []
        for name in sorted(known[kind] | set(mine)):
            result = bound.peek(kind, name)
            rows.append(
                Row(
                    name=name,
                    value=_dumps(result.value),
                    rule_id=result.rule_id,
                    forced=_dumps(mine[name]) if name in mine else None,
                    known=name in known[kind],
                )
            )
        listed.append(Section(kind, str(_TITLES[kind]), rows))
    return listed
