"""Per-session QA overrides with the framework taken out: the table a session keeps, the
changes the override page's form asks for, and the rows the page lists.

A table is ``{"gate": {name: bool}, "config" | "experiment" | "layer": {name: dict}}``, kept in
the framework's session and handed to :class:`~statsig_core.web.BoundStatsig` as its
``overrides``. Who may see the page and use the overrides, where the table is stored and how a
change is audited are the framework's business (``statsig_django.overrides``,
``statsig_flask.qa_overrides``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from statsig_core.web.bound import BoundStatsig

if TYPE_CHECKING:
    from statsig_core import Statsig

__all__ = [
    "KINDS",
    "MAX_VALUE_CHARS",
    "TITLES",
    "Change",
    "OverrideError",
    "Row",
    "Section",
    "Table",
    "apply_to_session",
    "change_message",
    "clean_table",
    "dumps",
    "form_changes",
    "known_names",
    "sections",
    "with_change",
]

KINDS = ("gate", "config", "experiment", "layer")
MAX_VALUE_CHARS = 16 * 1024
TITLES = {
    "gate": "Feature gates",
    "config": "Dynamic configs",
    "experiment": "Experiments",
    "layer": "Layers",
}

Table = dict[str, dict[str, Any]]
#: ``(kind, name, value)``; ``None`` clears the override.
Change = tuple[str, str, Any]


class OverrideError(ValueError):
    """A form the page cannot apply; the message is shown to the person using it."""


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


def clean_table(raw: Any) -> Table:
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


def with_change(table: Table, kind: str, name: str, value: Any) -> Table | None:
    """A new table with the change made (empty kinds dropped); ``None`` when clearing an
    override that was not there, which changes nothing and needs no audit."""
    changed = {k: dict(v) for k, v in table.items()}
    entries = changed.setdefault(kind, {})
    if value is None:
        if entries.pop(name, None) is None:
            return None
    else:
        entries[name] = value
    return {k: v for k, v in changed.items() if v}


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


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


def form_changes(form: Mapping[str, str], current: Table, statsig: Statsig | None) -> list[Change]:
    """What the page's POST asks for: ``action`` is ``set`` (a name of the loaded specs, with
    its JSON ``value``), ``clear`` or ``clear_all``. Raises :class:`OverrideError`."""
    action = form.get("action")
    if action == "clear_all":
        return [(kind, name, None) for kind, table in current.items() for name in table]
    kind, name = form.get("kind", ""), form.get("name", "")
    if kind not in KINDS or action not in ("set", "clear"):
        raise OverrideError("Unknown kind or action.")
    if action == "clear":
        return [(kind, name, None)]
    if name not in known_names(statsig)[kind]:
        raise OverrideError(f"There is no {kind} {name!r} in the loaded specs.")
    return [(kind, name, _parse(kind, form.get("value", "")))]


def change_message(kind: str, name: str, value: Any) -> str:
    """The audit line of one change (``value`` ``None``: cleared)."""
    shown = "cleared" if value is None else f"= {dumps(value)}"
    return f"Statsig session override: {kind} {name!r} {shown}"


def apply_to_session(
    form: Mapping[str, str],
    session: MutableMapping[str, Any],
    key: str,
    statsig: Statsig | None,
    audit: Callable[[str, str, Any], None],
) -> None:
    """Apply the page's POST (:func:`form_changes`) to the table kept in ``session[key]`` of a
    Django or Flask session (dropped when it empties), calling ``audit(kind, name, value)`` for
    each change that changed something. Raises :class:`OverrideError` before changing
    anything."""
    for kind, name, value in form_changes(form, clean_table(session.get(key)), statsig):
        changed = with_change(clean_table(session.get(key)), kind, name, value)
        if changed is None:
            continue
        if changed:
            session[key] = changed
        else:
            session.pop(key, None)
        audit(kind, name, value)


def sections(bound: BoundStatsig, titles: Mapping[str, str] = TITLES) -> list[Section]:
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
                    value=dumps(result.value),
                    rule_id=result.rule_id,
                    forced=dumps(mine[name]) if name in mine else None,
                    known=name in known[kind],
                )
            )
        listed.append(Section(kind, str(titles[kind]), rows))
    return listed
