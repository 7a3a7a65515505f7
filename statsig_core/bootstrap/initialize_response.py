"""``get_client_initialize_response``: every gate, config and layer for one user, for the browser.

The payload is what ``@statsig/js-client`` reads from ``dataAdapter.setData`` (see
docs/deviations.md for where it differs from ``statsig-python-core``). Building it is a
per-page-view cost, so the work that does not depend on the user is done once per snapshot and
hash algorithm (:class:`_Tables`: hashed names, which specs each client app sees, built entries),
and each gate is evaluated once per call however many specs name it in ``pass_gate``.

The returned dict shares its entries (and their ``value`` objects) with that cache and with the
specs snapshot: treat it as read-only, and deep-copy it before editing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from statsig_core.bootstrap.entries import config_entry, gate_entry, layer_entry
from statsig_core.bootstrap.memo import OneUserEvaluator
from statsig_core.errors import StatsigValueError
from statsig_core.evaluation.evaluator import Evaluator
from statsig_core.evaluation.hashing import djb2, hash_name
from statsig_core.specs.model import Outcome, Snapshot, Spec
from statsig_core.user import StatsigUser

__all__ = ["HASH_ALGORITHMS", "BootstrapCache", "client_initialize_response"]

HASH_ALGORITHMS = ("djb2", "none", "sha256")
_HIDDEN_GATE_ENTITIES = frozenset({"segment", "holdout"})  # never sent to clients
_MAX_ENTRIES = 20_000  # built entries kept per snapshot and algorithm

Listed = tuple[tuple[str, Spec], ...]


class _View:
    """The specs one client app sees, in payload order, with their hashed names."""

    __slots__ = ("configs", "gates", "layers", "param_stores")

    def __init__(self, snapshot: Snapshot, app_id: str | None, hasher: Callable[[str], str]):
        def listed(table: Mapping[str, Spec], hidden: frozenset[str] = frozenset()) -> Listed:
            return tuple(
                (hasher(name), spec)
                for name, spec in table.items()
                if spec.entity not in hidden and _visible(spec.target_app_ids, app_id)
            )

        self.gates = listed(snapshot.gates, _HIDDEN_GATE_ENTITIES)
        self.configs = listed(snapshot.configs)
        self.layers = listed(snapshot.layers)
        stores = snapshot.param_stores
        self.param_stores: dict[str, Any] = {}
        if isinstance(stores, Mapping):
            for name, store in stores.items():
                if not isinstance(store, Mapping):
                    continue
                apps = store.get("targetAppIDs")
                if _visible(apps if isinstance(apps, list) else None, app_id):
                    self.param_stores[hasher(str(name))] = store.get("parameters") or {}


def _visible(target_app_ids: frozenset[str] | list[str] | None, app_id: str | None) -> bool:
    """With a client app, only what targets it explicitly; without one, everything."""
    return app_id is None or (target_app_ids is not None and app_id in target_app_ids)


class _Tables:
    """Everything about one (snapshot, hash algorithm) pair that no user changes."""

    __slots__ = (
        "_lock",
        "_views",
        "algorithm",
        "default_environment",
        "entries",
        "hashed",
        "snapshot",
    )

    def __init__(self, snapshot: Snapshot, algorithm: str) -> None:
        self.snapshot = snapshot
        tier = snapshot.default_environment
        self.default_environment = {"tier": tier} if tier else None
        self.algorithm = algorithm
        self.hashed: dict[str, str] = {}
        self.entries: dict[Any, dict[str, Any]] = {}
        self._views: dict[str | None, _View] = {}
        self._lock = threading.Lock()

    def hasher(self, name: str) -> str:
        hashed = self.hashed.get(name)
        if hashed is None:
            hashed = self.hashed[name] = hash_name(name, self.algorithm)
        return hashed

    def view(self, app_id: str | None) -> _View:
        view = self._views.get(app_id)
        if view is None:
            with self._lock:  # hashing every name is the one slow step: do it once
                view = self._views.get(app_id)
                if view is None:
                    view = self._views[app_id] = _View(self.snapshot, app_id, self.hasher)
        return view

    def app_id_for(self, client_sdk_key: str) -> str | None:
        """The client app a key belongs to, from the specs' key maps (None: unknown key)."""
        snapshot = self.snapshot
        app_id = snapshot.sdk_keys_to_app_ids.get(client_sdk_key)
        if app_id is None:
            app_id = snapshot.hashed_sdk_keys_to_app_ids.get(djb2(client_sdk_key))
        return str(app_id) if app_id is not None else None

    def keep(self, key: Any, outcome: Outcome, entry: dict[str, Any]) -> dict[str, Any]:
        """Cache an entry when its outcome is one of the snapshot's shared outcomes.

        ``key`` is the evaluation's raw result, plus the ids of the exposure dicts its nested
        gates left: those dicts belong to the snapshot's outcomes (kept alive by
        :attr:`snapshot`), so equal ids mean equal exposures, as in ``Evaluator``'s own cache.
        """
        if outcome.reason == "Recognized" and not outcome.undelegated_secondary_exposures:
            entries = self.entries
            if len(entries) >= _MAX_ENTRIES:
                entries.clear()
            entries[key] = entry
        return entry


class BootstrapCache:
    """What one client reuses between bootstraps: the user-independent work for its current
    snapshot, per hash algorithm. Owned by the client, so nothing outlives the client and an
    older snapshot is let go as soon as a bootstrap sees the new one."""

    __slots__ = ("_tables",)

    def __init__(self) -> None:
        self._tables: dict[str, _Tables] = {}

    def tables(self, snapshot: Snapshot, algorithm: str) -> _Tables:
        tables = self._tables.get(algorithm)
        if tables is None or tables.snapshot is not snapshot:
            tables = self._tables[algorithm] = _Tables(snapshot, algorithm)
        return tables


def _user_echo(user: StatsigUser, environment: Mapping[str, str] | None) -> dict[str, Any]:
    """The user as the browser client must construct it: no private attributes, no ``userID``
    key for a user without one (``""`` reads as a partial match), and the environment the
    server evaluates in (the user's own, else the SDK's tier, else the specs' default)."""
    echo = dict(user.log_dict)
    env = user.statsig_environment or environment
    if env:
        echo["statsigEnvironment"] = dict(env)
    return echo


def client_initialize_response(
    evaluator: Evaluator,
    user: StatsigUser,
    *,
    hash: str = "djb2",
    client_sdk_key: str | None = None,
    include_local_overrides: bool = False,
    sdk_info: Mapping[str, str] | None = None,
    cache: BootstrapCache | None = None,
) -> dict[str, Any]:
    """Bootstrap values for ``user``: hashed names, each spec evaluated as the server does.

    ``client_sdk_key`` picks the client app (``sdk_keys_to_app_ids`` or
    ``hashed_sdk_keys_to_app_ids`` in the specs): only specs targeting that app are included and
    ``target_app`` conditions see it. A key the specs do not list filters nothing, and its
    ``target_app`` conditions see no app. Without a key they see the specs' own ``app_id``.
    ``cache`` keeps per-snapshot work between calls (see :class:`BootstrapCache`).
    """
    if hash not in HASH_ALGORITHMS:
        raise StatsigValueError(f"unknown hash {hash!r}; use one of {', '.join(HASH_ALGORITHMS)}")
    snapshot = evaluator.snapshot
    if include_local_overrides and evaluator.overrides is not None:
        tables = _Tables(snapshot, hash)  # forced results are built per call: keep none of them
    else:
        tables = (cache or BootstrapCache()).tables(snapshot, hash)
    if client_sdk_key:  # the key's app, or none at all for a key the specs do not list
        app_id = tables.app_id_for(client_sdk_key)
        view = tables.view(app_id)
    else:
        app_id = evaluator.app_id
        view = tables.view(None)
    ev = OneUserEvaluator.of(evaluator, user, app_id, include_local_overrides)
    cached = tables.entries.get
    hasher = tables.hasher
    keep = tables.keep
    done = ev.results.get
    first = ev.first
    finish = ev.finish

    # The three loops are one loop unrolled: this is the per-page-view hot path. A built entry
    # is found by the raw result (+ exposure ids) before the result is even finished.
    gates: dict[str, Any] = {}
    for hashed, spec in view.gates:
        result, nested = done(spec) or first(spec)
        key = (result, *map(id, nested)) if nested else result
        entry = cached(key)
        if entry is None:
            outcome = finish(spec, result, nested)
            entry = keep(key, outcome, gate_entry(hashed, outcome, hasher))
        gates[hashed] = entry

    configs: dict[str, Any] = {}
    for hashed, spec in view.configs:
        result, nested = done(spec) or first(spec)
        key = (result, *map(id, nested)) if nested else result
        entry = cached(key)
        if entry is None:
            outcome = finish(spec, result, nested)
            entry = keep(key, outcome, config_entry(hashed, spec, outcome, hasher))
        configs[hashed] = entry

    layers: dict[str, Any] = {}
    for hashed, spec in view.layers:
        result, nested = done(spec) or first(spec)
        key = (result, *map(id, nested)) if nested else result
        entry = cached(key)
        if entry is None:
            outcome = finish(spec, result, nested)
            entry = keep(key, outcome, layer_entry(hashed, outcome, hasher))
        layers[hashed] = entry

    evaluated_keys: dict[str, Any] = {}
    if user.user_id is not None:
        evaluated_keys["userID"] = user.user_id
    if user.custom_ids:
        evaluated_keys["customIDs"] = dict(user.custom_ids)
    return {
        "feature_gates": gates,
        "dynamic_configs": configs,
        "layer_configs": layers,
        "param_stores": dict(view.param_stores),
        "sdkParams": {},
        "has_updates": True,
        "time": snapshot.lcut,
        "hash_used": hash,
        "user": _user_echo(user, evaluator.environment or tables.default_environment),
        "evaluated_keys": evaluated_keys,
        "sdkInfo": dict(sdk_info or {}),
    }


def only_names(payload: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The payload limited to the entries for ``names`` (so the browser sees nothing else),
    each name hashed the way the payload's ``hash_used`` says."""
    keep = {hash_name(name, str(payload.get("hash_used") or "djb2")) for name in names}
    limited = dict(payload)
    for section in ("feature_gates", "dynamic_configs", "layer_configs"):
        entries = payload.get(section)
        if isinstance(entries, Mapping):
            limited[section] = {key: entry for key, entry in entries.items() if key in keep}
    return limited
