"""Local overrides: force a gate, config, experiment or layer for everyone or for one id.

An override keyed by an id applies to a user whose ``user_id`` equals it, or, failing that, to a
user having it as any custom id value (the official SDKs' lookup order); an override without an
id applies to everyone. Overrides reach nested ``pass_gate``/``fail_gate`` checks too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from statsig_core.user import StatsigUser

__all__ = ["ForcedValues", "LocalOverrides", "OverrideLookup"]

_MISSING: Any = object()
_EVERYONE = None


class LocalOverrides:
    """Thread-safe override tables; readers see plain dicts that writers replace, never mutate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, dict[str, dict[str | None, Any]]] = {
            "gate": {},
            "config": {},
            "layer": {},
        }

    def set(self, kind: str, name: str, value: Any, user_id: str | None = None) -> None:
        with self._lock:
            table = dict(self._tables[kind])
            entry = dict(table.get(name, {}))
            entry[None if user_id is None else str(user_id)] = value
            table[name] = entry
            self._tables[kind] = table

    def remove(self, kind: str, name: str | None = None, user_id: str | None = None) -> None:
        """Remove one override, every override of a name (``user_id`` omitted), or all of a kind."""
        with self._lock:
            table = dict(self._tables[kind])
            if name is None:
                table = {}
            elif name in table:
                entry = dict(table[name])
                entry.pop(None if user_id is None else str(user_id), None)
                if entry:
                    table[name] = entry
                else:
                    del table[name]
            self._tables[kind] = table

    def clear(self) -> None:
        with self._lock:
            self._tables = {kind: {} for kind in self._tables}

    def is_empty(self) -> bool:
        return not any(self._tables.values())

    def lookup(self, kind: str, name: str, user: StatsigUser) -> Any:
        """The override value for this user, or :data:`MISSING`."""
        entry = self._tables[kind].get(name)
        if entry is None:
            return _MISSING
        if user.user_id is not None and user.user_id in entry:
            return entry[user.user_id]
        if user.custom_ids:
            for value in user.custom_ids.values():
                if value in entry:
                    return entry[value]
        return entry.get(_EVERYONE, _MISSING)

    def names(self, kind: str) -> list[str]:
        return list(self._tables[kind])

    def save(self) -> dict[str, dict[str, dict[str | None, Any]]]:
        """The current tables, for :meth:`restore` (tables are replaced on write, never mutated)."""
        return dict(self._tables)

    def restore(self, saved: dict[str, dict[str, dict[str | None, Any]]]) -> None:
        with self._lock:
            self._tables = dict(saved)


class OverrideLookup(Protocol):
    """What the evaluator asks about overrides (kinds: ``gate``, ``config``, ``layer``)."""

    def lookup(self, kind: str, name: str, user: StatsigUser) -> Any: ...

    def is_empty(self) -> bool: ...


class ForcedValues:
    """One session's forced values (a QA page's), looked up before ``fallback`` (the client's own
    overrides): ``{"gate": {name: bool}, "config" | "experiment" | "layer": {name: dict}}``.
    They apply to everyone this lookup serves, so build one per session, never per client."""

    def __init__(
        self, forced: Mapping[str, Mapping[str, Any]], fallback: OverrideLookup | None = None
    ) -> None:
        self._gates = dict(forced.get("gate") or {})
        # Configs and experiments share the evaluator's table (an experiment name wins a tie).
        self._configs = {**(forced.get("config") or {}), **(forced.get("experiment") or {})}
        self._layers = dict(forced.get("layer") or {})
        self._fallback = fallback if fallback is not None and not fallback.is_empty() else None

    def lookup(self, kind: str, name: str, user: StatsigUser) -> Any:
        table = (
            self._gates if kind == "gate" else self._layers if kind == "layer" else self._configs
        )
        if name in table:
            return table[name]
        return self._fallback.lookup(kind, name, user) if self._fallback else _MISSING

    def is_empty(self) -> bool:
        return not (self._gates or self._configs or self._layers or self._fallback)


MISSING = _MISSING
