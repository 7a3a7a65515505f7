"""Differential-testing oracles: run the two official Statsig Python SDKs offline.

``evaluate_with_core`` drives ``statsig-python-core`` 0.24 (the Rust core, DCS v2) and
``evaluate_with_legacy`` drives the pure-Python ``statsig`` 0.72 (DCS v1). Both return one dict
per user in the neutral format our ``statsig-core eval`` CLI prints, so tests compare dicts::

    {"label", "gates": {name: {value, rule_id, secondary_exposures}},
     "configs"/"experiments": {name: {value, rule_id, group_name, secondary_exposures}},
     "layers": {name: {value, rule_id, group_name, allocated_experiment,
                       secondary_exposures, undelegated_secondary_exposures}},
     "client_initialize_response": dict | None}

A user the SDK refuses (the legacy SDK rejects users with neither a user id nor custom ids) is
returned with an extra ``"error"`` string and empty sections.

How the SDKs are fed, and why:

* Both SDKs fetch specs and id lists from an in-process loopback HTTP server (127.0.0.1, random
  port): it is the only offline path through which *both* load id lists (the core loads them
  only with ``enable_id_lists`` from an id-lists endpoint). Nothing leaves the machine:
  ``disable_all_logging`` is set on both, every URL points at the loopback server, and that
  server answers any stray request (log_event, sdk_exception) with 200.
* The core gets the v2 payload, the legacy SDK the v1 payload (``statsig_core.specs.convert``).
* SDK instances are cached per (specs, environment, id lists, global custom fields) for the life
  of the process (least recently used beyond six are shut down), so thousands of evaluations pay
  one initialisation. ``client_sdk_key`` and ``hash`` only affect the client initialize
  response and share the instance. ``global_custom_fields`` (an extra keyword) is passed to both
  SDKs' option of that name.

What is listed: every ``feature_gates`` entry under ``gates`` (segments and holdouts included:
both SDKs evaluate them by name through ``get_feature_gate``, although neither puts them in the
client initialize response); ``dynamic_configs`` with entity ``experiment`` under
``experiments``, every other entity (``dynamic_config``, ``autotune``, missing) under
``configs``; every ``layer_configs`` entry under ``layers``.

Secondary exposures are the lists each SDK attaches to its *server-side* exposure events, which
neither public API returns for every entity:

* legacy: ``DynamicConfig.secondary_exposures`` is public; gates and layers are read from the
  SDK's evaluator result (private ``_evaluator``; pinned to statsig 0.72.x).
* core: experiments and layers come from the raw evaluation dicts behind the public wrappers
  (``_INTERNAL_get_experiment``/``_INTERNAL_get_layer``, pinned to 0.24.x). Gates, dynamic
  configs and layer ``undelegated_secondary_exposures`` are not exposed at all, so a second,
  private core instance gets *probe* specs added: per gate an experiment whose only condition
  is ``pass_gate <gate>`` (its exposures minus the trailing one for the gate itself), per config
  a copy re-labelled ``entity: experiment``, per layer a copy without ``configDelegate`` (its
  exposures are the ones gathered before delegation). The pristine instance alone produces
  values, rule ids and the client initialize response. FINDINGS.md records the check of the
  probes against captured exposure events.

Normalisations (kept deliberately small): ``group_name``/``allocated_experiment`` ``""`` become
``None``; the core's binding only accepts a ``str`` user id, so a non-string ``userID`` is passed
as ``str(userID)`` - the same coercion the legacy ``StatsigUser`` applies.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
import hashlib
import http.server
import json
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from statsig_core.specs.convert import detect_format, to_v1, to_v2

try:  # imported as part of the ``tests.conformance`` package
    from .users import normalise_user, user_label
except ImportError:  # imported as a top-level module (pytest rootdir-relative sys.path)
    from users import normalise_user, user_label  # type: ignore[no-redef]

__all__ = [
    "PROBE_PREFIX",
    "clear_cache",
    "evaluate_with_core",
    "evaluate_with_legacy",
    "id_list_line",
    "spec_names",
]

PROBE_PREFIX = "__oracle_probe__/"
_SYNC_INTERVAL_S = 24 * 3600
_MAX_CACHED = 6
_SECTIONS = ("gates", "configs", "experiments", "layers")


# --------------------------------------------------------------------------------------------
# inputs


def id_list_line(raw_id: str) -> str:
    """ID-list files store ``base64(sha256(id))[:8]``; build the ``+`` line for one raw id."""
    digest = hashlib.sha256(raw_id.encode("utf-8")).digest()
    return "+" + base64.b64encode(digest).decode("ascii")[:8]


def spec_names(dcs: dict[str, Any]) -> dict[str, list[str]]:
    """Which names each section of the neutral format lists (see the module docstring)."""
    v2 = to_v2(dcs) if detect_format(dcs) == "v1" else dcs
    gates = [n for n in v2.get("feature_gates", {}) if not n.startswith(PROBE_PREFIX)]
    configs: list[str] = []
    experiments: list[str] = []
    for name, spec in v2.get("dynamic_configs", {}).items():
        if name.startswith(PROBE_PREFIX):
            continue
        (experiments if spec.get("entity") == "experiment" else configs).append(name)
    layers = [n for n in v2.get("layer_configs", {}) if not n.startswith(PROBE_PREFIX)]
    return {"gates": gates, "configs": configs, "experiments": experiments, "layers": layers}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _empty_or(value: Any) -> Any:
    return None if value == "" else value


# --------------------------------------------------------------------------------------------
# loopback server


@dataclass
class _Payloads:
    """Everything one SDK key is served: specs in both formats plus id-list files."""

    v1: bytes
    v2: bytes
    lists: dict[str, bytes] = field(default_factory=dict)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = urllib.parse.urlsplit(self.path).path
        parts = [urllib.parse.unquote(p) for p in path.split("/") if p]
        header_key = self.headers.get("statsig-api-key") or ""
        registry = self.server.registry
        if len(parts) >= 2 and parts[1] == "download_config_specs":
            key = parts[2].removesuffix(".json") if len(parts) > 2 else header_key
            payloads = registry.get(key)
            if payloads is None:
                self._reply(404, b"{}")
                return
            self._reply(200, payloads.v2 if parts[0] == "v2" else payloads.v1)
        elif len(parts) >= 2 and parts[1] == "get_id_lists":
            key = parts[2].removesuffix(".json") if len(parts) > 2 else header_key
            payloads = registry.get(key)
            if payloads is None:
                self._reply(404, b"{}")
                return
            self._reply(200, self.server.manifest(key, payloads))
        elif len(parts) == 4 and parts[1] == "oracle_id_list_file":
            payloads = registry.get(parts[2])
            content = payloads.lists.get(parts[3]) if payloads else None
            if content is None:
                self._reply(404, b"")
                return
            start = 0
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes="):
                with contextlib.suppress(ValueError):
                    start = int(ranged[6:].split("-")[0] or 0)
            self._reply(206 if start else 200, content[start:], "text/plain")
        else:  # log_event, sdk_exception, diagnostics...: swallow
            self._reply(200, b'{"success":true}')

    do_GET = _handle
    do_POST = _handle


class _LoopbackServer(http.server.ThreadingHTTPServer):
    """A 127.0.0.1 stand-in for api.statsigcdn.com / statsigapi.net, keyed by SDK key."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.registry: dict[str, _Payloads] = {}
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, name="oracle-loopback", daemon=True).start()

    def manifest(self, key: str, payloads: _Payloads) -> bytes:
        entries = {}
        for name, content in payloads.lists.items():
            entries[name] = {
                "name": name,
                "size": len(content),
                "url": f"{self.base_url}/v1/oracle_id_list_file/{key}/{urllib.parse.quote(name)}",
                "creationTime": 1,
                "fileID": hashlib.sha256(content).hexdigest()[:20],
            }
        return json.dumps(entries).encode("utf-8")


_server_lock = threading.Lock()
_server: _LoopbackServer | None = None


def _loopback() -> _LoopbackServer:
    global _server
    with _server_lock:
        if _server is None:
            _server = _LoopbackServer()
        return _server


# --------------------------------------------------------------------------------------------
# instance cache


@dataclass
class _Prepared:
    """One initialised SDK (or pair of core instances) plus what it was initialised with."""

    key: str
    names: dict[str, list[str]]
    sdk: Any
    probe_sdk: Any = None
    close: Callable[[], None] = lambda: None


_cache_lock = threading.RLock()
_atexit_registered = False
_caches: dict[str, OrderedDict[str, _Prepared]] = {"core": OrderedDict(), "legacy": OrderedDict()}


def _cache_key(
    kind: str,
    v2: dict[str, Any],
    environment: str | None,
    id_lists: dict[str, list[str]] | None,
    global_custom_fields: dict[str, Any] | None,
) -> str:
    blob = _canonical(
        {
            "kind": kind,
            "dcs": v2,
            "env": environment,
            "lists": id_lists or {},
            "globals": global_custom_fields,
        }
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def _cached(kind: str, key: str, build: Callable[[], _Prepared]) -> _Prepared:
    global _atexit_registered
    with _cache_lock:
        if not _atexit_registered:
            # registered after the SDKs are imported so it runs before their own exit hooks
            atexit.register(clear_cache)
            _atexit_registered = True
        cache = _caches[kind]
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        prepared = build()
        cache[key] = prepared
        while len(cache) > _MAX_CACHED:
            _, old = cache.popitem(last=False)
            old.close()
        return prepared


def clear_cache() -> None:
    """Shut every cached SDK instance down (also runs at interpreter exit)."""
    with _cache_lock:
        for cache in _caches.values():
            while cache:
                _, prepared = cache.popitem()
                with contextlib.suppress(Exception):
                    prepared.close()


def _register(
    key: str, v1: dict[str, Any], v2: dict[str, Any], id_lists: dict[str, list[str]] | None
) -> _LoopbackServer:
    server = _loopback()
    lists = {
        name: "".join(id_list_line(str(raw)) + "\n" for raw in ids).encode("ascii")
        for name, ids in (id_lists or {}).items()
    }
    server.registry[key] = _Payloads(
        v1=json.dumps(v1, ensure_ascii=False).encode("utf-8"),
        v2=json.dumps(v2, ensure_ascii=False).encode("utf-8"),
        lists=lists,
    )
    return server


def _unregister(*keys: str) -> None:
    server = _loopback()
    for key in keys:
        server.registry.pop(key, None)


# --------------------------------------------------------------------------------------------
# core (statsig-python-core)


def _probe_dcs(v2: dict[str, Any], names: dict[str, list[str]]) -> dict[str, Any]:
    """Add probe specs that surface exposure lists the core's public API does not return."""
    probed = copy.deepcopy(v2)
    configs = probed.setdefault("dynamic_configs", {})
    layers = probed.setdefault("layer_configs", {})
    condition_map = probed.setdefault("condition_map", {})
    for gate in names["gates"]:
        cid = f"{PROBE_PREFIX}pass/{gate}"
        condition_map[cid] = {
            "type": "pass_gate",
            "targetValue": gate,
            "operator": None,
            "field": None,
            "additionalValues": {},
            "isDeviceBased": False,
            "idType": "userID",
        }
        configs[f"{PROBE_PREFIX}gate/{gate}"] = {
            "type": "dynamic_config",
            "salt": "oracle-probe",
            "enabled": True,
            "defaultValue": {},
            "idType": "userID",
            "entity": "experiment",
            "isActive": True,
            "rules": [
                {
                    "name": "probe",
                    "id": "probe",
                    "salt": "probe",
                    "passPercentage": 100,
                    "conditions": [cid],
                    "returnValue": {},
                    "idType": "userID",
                }
            ],
        }
    for name in names["configs"]:
        spec = copy.deepcopy(v2["dynamic_configs"][name])
        spec["entity"] = "experiment"
        configs[f"{PROBE_PREFIX}config/{name}"] = spec
    for name in names["layers"]:
        spec = copy.deepcopy(v2["layer_configs"][name])
        for rule in spec.get("rules") or []:
            if isinstance(rule, dict):
                rule.pop("configDelegate", None)
        layers[f"{PROBE_PREFIX}layer/{name}"] = spec
    return probed


def _core_instance(
    core: Any,
    sdk_key: str,
    base: str,
    environment: str | None,
    with_lists: bool,
    global_custom_fields: dict[str, Any] | None,
) -> Any:
    options = core.StatsigOptions(
        specs_url=f"{base}/v2/download_config_specs",
        log_event_url=f"{base}/v1/log_event",
        id_lists_url=f"{base}/v1/get_id_lists",
        enable_id_lists=with_lists,
        specs_sync_interval_ms=_SYNC_INTERVAL_S * 1000,
        id_lists_sync_interval_ms=_SYNC_INTERVAL_S * 1000,
        init_timeout_ms=20_000,
        disable_all_logging=True,
        wait_for_country_lookup_init=True,
        wait_for_user_agent_init=True,
        fallback_to_statsig_api=False,
        disable_disk_access=True,
        environment=environment,
        global_custom_fields=global_custom_fields,
        output_log_level="error",
    )
    statsig = core.Statsig(sdk_key, options)
    details = statsig.initialize_with_details().result()
    if not details.init_success or not details.is_config_spec_ready:
        failure = details.failure_details
        statsig.shutdown().wait()
        raise RuntimeError(
            f"statsig-python-core did not accept the specs (source {details.source!r}): "
            f"{getattr(failure, 'reason', failure)!r}"
        )
    return statsig


def _prepare_core(
    dcs: dict[str, Any],
    environment: str | None,
    id_lists: dict[str, list[str]] | None,
    global_custom_fields: dict[str, Any] | None,
) -> _Prepared:
    core = _import("statsig_python_core")
    v2 = to_v2(dcs)
    key = _cache_key("core", v2, environment, id_lists, global_custom_fields)

    def build() -> _Prepared:
        names = spec_names(v2)
        base = _register(f"secret-oracle-core-{key}", to_v1(v2), v2, id_lists).base_url
        probed = _probe_dcs(v2, names)
        _register(f"secret-oracle-probe-{key}", to_v1(probed), probed, id_lists)
        with_lists = bool(id_lists)
        sdk = _core_instance(
            core, f"secret-oracle-core-{key}", base, environment, with_lists, global_custom_fields
        )
        probe = _core_instance(
            core, f"secret-oracle-probe-{key}", base, environment, with_lists, global_custom_fields
        )

        def close() -> None:
            for instance in (sdk, probe):
                with contextlib.suppress(Exception):
                    instance.shutdown().wait()
            _unregister(f"secret-oracle-core-{key}", f"secret-oracle-probe-{key}")

        return _Prepared(key=key, names=names, sdk=sdk, probe_sdk=probe, close=close)

    return _cached("core", key, build)


def _core_user(core: Any, user: dict[str, Any]) -> Any:
    kwargs = {k: v for k, v in user.items() if not k.startswith("_")}
    if kwargs.get("user_id") is not None and not isinstance(kwargs["user_id"], str):
        kwargs["user_id"] = str(kwargs["user_id"])
    return core.StatsigUser(**kwargs)


def _exposures(raw: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((raw or {}).get("secondaryExposures") or [])


def _gate_probe_exposures(probe: Any, user: Any, gate: str) -> list[dict[str, Any]]:
    """The probe's list ends with the probed gate's own entry unless it is a filtered segment."""
    listed = _exposures(probe._INTERNAL_get_experiment(user, f"{PROBE_PREFIX}gate/{gate}", None))
    if listed and listed[-1].get("gate") == gate:
        listed = listed[:-1]
    return listed


def _eval_core_user(
    prepared: _Prepared,
    core: Any,
    user: dict[str, Any],
    label: str,
    hash_name: str,
    client_sdk_key: str | None,
) -> dict[str, Any]:
    try:
        core_user = _core_user(core, user)
    except (TypeError, ValueError) as exc:
        return _rejected(label, f"statsig-python-core rejected the user: {exc}")
    sdk, probe, names = prepared.sdk, prepared.probe_sdk, prepared.names
    no_log_gate = core.FeatureGateEvaluationOptions(disable_exposure_logging=True)
    no_log_config = core.DynamicConfigEvaluationOptions(disable_exposure_logging=True)
    result = _blank(label)
    for gate in names["gates"]:
        evaluated = sdk.get_feature_gate(core_user, gate, no_log_gate)
        result["gates"][gate] = {
            "value": bool(evaluated.value),
            "rule_id": evaluated.rule_id,
            "secondary_exposures": _gate_probe_exposures(probe, core_user, gate),
        }
    for name in names["configs"]:
        evaluated = sdk.get_dynamic_config(core_user, name, no_log_config)
        probe_raw = probe._INTERNAL_get_experiment(core_user, f"{PROBE_PREFIX}config/{name}", None)
        result["configs"][name] = {
            "value": evaluated.get_value(),
            "rule_id": evaluated.rule_id,
            "group_name": _empty_or(probe_raw.get("groupName")),
            "secondary_exposures": _exposures(probe_raw),
        }
    for name in names["experiments"]:
        raw = sdk._INTERNAL_get_experiment(core_user, name, None)
        result["experiments"][name] = {
            "value": raw.get("value"),
            "rule_id": raw.get("ruleID"),
            "group_name": _empty_or(raw.get("groupName")),
            "secondary_exposures": _exposures(raw),
        }
    for name in names["layers"]:
        raw = sdk._INTERNAL_get_layer(core_user, name, None)
        probe_raw = probe._INTERNAL_get_layer(core_user, f"{PROBE_PREFIX}layer/{name}", None)
        result["layers"][name] = {
            "value": raw.get("value"),
            "rule_id": raw.get("ruleID"),
            "group_name": _empty_or(raw.get("groupName")),
            "allocated_experiment": _empty_or(raw.get("allocatedExperimentName")),
            "secondary_exposures": _exposures(raw),
            "undelegated_secondary_exposures": _exposures(probe_raw),
        }
    gcir = sdk.get_client_initialize_response(
        core_user, hash=hash_name, client_sdk_key=client_sdk_key
    )
    result["client_initialize_response"] = json.loads(gcir) if gcir else None
    return result


def evaluate_with_core(
    dcs: dict[str, Any],
    users: list[dict[str, Any]],
    *,
    environment: str | None = None,
    id_lists: dict[str, list[str]] | None = None,
    client_sdk_key: str | None = None,
    hash: str = "djb2",  # same keyword as the SDKs
    global_custom_fields: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every gate/config/experiment/layer of ``dcs`` for each user with the Rust core.

    ``dcs`` may be v1 or v2; ``id_lists`` maps list names to raw ids; ``environment`` is the
    core's ``StatsigOptions(environment=...)`` tier.
    """
    core = _import("statsig_python_core")
    prepared = _prepare_core(dcs, environment, id_lists, global_custom_fields)
    out = []
    for index, raw in enumerate(users):
        label = user_label(raw, index)
        user = normalise_user(raw)
        out.append(_eval_core_user(prepared, core, user, label, hash, client_sdk_key))
    return out


# --------------------------------------------------------------------------------------------
# legacy (statsig)


def _prepare_legacy(
    dcs: dict[str, Any],
    environment: str | None,
    id_lists: dict[str, list[str]] | None,
    global_custom_fields: dict[str, Any] | None,
) -> _Prepared:
    statsig = _import("statsig")
    v2 = to_v2(dcs)
    key = _cache_key("legacy", v2, environment, id_lists, global_custom_fields)

    def build() -> _Prepared:
        sdk_key = f"secret-oracle-legacy-{key}"
        base = _register(sdk_key, to_v1(v2), v2, id_lists).base_url
        options = statsig.StatsigOptions(
            api=f"{base}/v1/",
            api_for_download_config_specs=f"{base}/v1/",
            api_for_get_id_lists=f"{base}/v1/",
            api_for_log_event=f"{base}/v1/",
            tier=environment,
            global_custom_fields=global_custom_fields,
            rulesets_sync_interval=_SYNC_INTERVAL_S,
            idlists_sync_interval=_SYNC_INTERVAL_S,
            disable_all_logging=True,
            disable_diagnostics=True,
            init_timeout=20,
            output_logger_level=statsig.LogLevel.ERROR,
        )
        server = statsig.StatsigServer()
        details = server.initialize(sdk_key, options)
        if not details.init_success or not details.store_populated:
            server.shutdown()
            raise RuntimeError(f"statsig did not accept the specs: {details.__dict__!r}")

        def close() -> None:
            server.shutdown()
            _unregister(sdk_key)

        return _Prepared(key=key, names=spec_names(v2), sdk=server, close=close)

    return _cached("legacy", key, build)


def _legacy_user(statsig: Any, user: dict[str, Any]) -> Any:
    kwargs = {k: v for k, v in user.items() if not k.startswith("_")}
    if "statsig_environment" in kwargs:
        kwargs["_statsig_environment"] = kwargs.pop("statsig_environment")
    return statsig.StatsigUser(**kwargs)


def _eval_legacy_user(
    prepared: _Prepared,
    statsig: Any,
    user: dict[str, Any],
    label: str,
    hash_name: str,
    client_sdk_key: str | None,
) -> dict[str, Any]:
    try:
        legacy_user = _legacy_user(statsig, user)
    except Exception as exc:  # StatsigValueError: neither user id nor custom ids
        return _rejected(label, f"statsig rejected the user: {exc}")
    server, names = prepared.sdk, prepared.names
    evaluator = server._evaluator
    # the public API applies options.tier to the user before evaluating; do the same for the
    # private evaluator calls that read exposures
    normalised = server._StatsigServer__normalize_user(legacy_user)
    result = _blank(label)
    for gate in names["gates"]:
        evaluated = server.get_feature_gate(legacy_user, gate, log_exposure=False)
        detail = _quietly(lambda g=gate: evaluator.check_gate(normalised, g))
        result["gates"][gate] = {
            # the error boundary's fallback for this call is a bare ``False``
            "value": bool(getattr(evaluated, "value", evaluated)),
            "rule_id": getattr(evaluated, "rule_id", ""),
            "secondary_exposures": list(getattr(detail, "secondary_exposures", None) or []),
        }
    for section, names_in_section in (
        ("configs", names["configs"]),
        ("experiments", names["experiments"]),
    ):
        getter = server.get_config if section == "configs" else server.get_experiment
        for name in names_in_section:
            evaluated = getter(legacy_user, name, log_exposure=False)
            result[section][name] = {
                "value": evaluated.get_value(),
                "rule_id": evaluated.rule_id,
                "group_name": _empty_or(evaluated.group_name),
                "secondary_exposures": list(evaluated.secondary_exposures or []),
            }
    for name in names["layers"]:
        evaluated = server.get_layer(legacy_user, name, log_exposure=False)
        detail = _quietly(lambda n=name: evaluator.get_layer(normalised, n))
        result["layers"][name] = {
            "value": evaluated.get_values(),
            "rule_id": evaluated.rule_id,
            "group_name": _empty_or(evaluated.group_name),
            "allocated_experiment": _empty_or(evaluated.allocated_experiment),
            "secondary_exposures": list(getattr(detail, "secondary_exposures", None) or []),
            "undelegated_secondary_exposures": list(
                getattr(detail, "undelegated_secondary_exposures", None) or []
            ),
        }
    algorithm = statsig.HashingAlgorithm(hash_name)
    result["client_initialize_response"] = server.get_client_initialize_response(
        legacy_user, client_sdk_key=client_sdk_key, hash=algorithm
    )
    return result


def evaluate_with_legacy(
    dcs: dict[str, Any],
    users: list[dict[str, Any]],
    *,
    environment: str | None = None,
    id_lists: dict[str, list[str]] | None = None,
    client_sdk_key: str | None = None,
    hash: str = "djb2",  # same keyword as the SDKs
    global_custom_fields: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every gate/config/experiment/layer of ``dcs`` for each user with ``statsig``.

    Same contract as :func:`evaluate_with_core`; ``environment`` is ``StatsigOptions(tier=...)``.
    """
    statsig = _import("statsig")
    prepared = _prepare_legacy(dcs, environment, id_lists, global_custom_fields)
    out = []
    for index, raw in enumerate(users):
        label = user_label(raw, index)
        user = normalise_user(raw)
        out.append(_eval_legacy_user(prepared, statsig, user, label, hash, client_sdk_key))
    return out


# --------------------------------------------------------------------------------------------
# helpers


def _blank(label: str) -> dict[str, Any]:
    result: dict[str, Any] = {"label": label}
    for section in _SECTIONS:
        result[section] = {}
    result["client_initialize_response"] = None
    return result


def _rejected(label: str, reason: str) -> dict[str, Any]:
    result = _blank(label)
    result["error"] = reason
    return result


def _quietly(call: Callable[[], Any]) -> Any:
    """Run a private evaluator call the way the SDK's error boundary would: failures -> None.

    The public calls already returned their fallback (e.g. on gate recursion, which raises
    ``RecursionError`` inside the legacy evaluator); the exposure lookup must not crash the run.
    """
    try:
        return call()
    except Exception:  # RecursionError included
        return None


def _import(module: str) -> Any:
    """Import an official SDK lazily so this module loads on machines without them."""
    import importlib

    return importlib.import_module(module)


def iter_results(results: list[dict[str, Any]]) -> Iterator[tuple[str, str, str, Any]]:
    """Flatten results to ``(label, section, name, entry)`` rows for diffing."""
    for result in results:
        for section in _SECTIONS:
            for name, entry in result.get(section, {}).items():
                yield result["label"], section, name, entry
