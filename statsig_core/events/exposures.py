"""Turn queued records into the events Statsig's ``log_event`` endpoint takes.

Checks only queue a small tuple (kind, user, name, result, details, time, parameter, manual);
building the event is deferred to the flush, off the request path. Exposure metadata depends
only on the result, its details and the parameter, so its JSON is built once and shared by every
event with the same ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statsig_core.events.transport import dumps

if TYPE_CHECKING:
    from statsig_core.results import EvaluationDetails
    from statsig_core.specs.model import Outcome
    from statsig_core.user import StatsigUser

__all__ = [
    "CONFIG_EXPOSURE",
    "GATE_EXPOSURE",
    "LAYER_EXPOSURE",
    "Dedupe",
    "EventBuilder",
    "Record",
]

GATE_EXPOSURE = "statsig::gate_exposure"
CONFIG_EXPOSURE = "statsig::config_exposure"
LAYER_EXPOSURE = "statsig::layer_exposure"
_NAMES = {"g": GATE_EXPOSURE, "c": CONFIG_EXPOSURE, "l": LAYER_EXPOSURE}
_MAX_CACHED = 50_000

# (kind, user, name, outcome|value, details|metadata, time.time(), parameter, manual)
Record = tuple[str, "StatsigUser | None", str, Any, Any, float, "str | None", bool]


def _metadata(
    kind: str,
    name: str,
    outcome: Outcome,
    details: EvaluationDetails,
    parameter: str | None,
    manual: bool,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    if kind == "g":
        metadata: dict[str, Any] = {
            "gate": name,
            "gateValue": "true" if outcome.bool_value else "false",
            "ruleID": outcome.rule_id,
        }
        exposures = outcome.secondary_exposures
    elif kind == "c":
        metadata = {
            "config": name,
            "ruleID": outcome.rule_id,
            "rulePassed": "true" if outcome.passed else "false",
        }
        exposures = outcome.secondary_exposures
    else:
        explicit = parameter in (outcome.explicit_parameters or ())
        metadata = {
            "config": name,
            "ruleID": outcome.rule_id,
            "allocatedExperiment": (outcome.allocated_experiment or "") if explicit else "",
            "parameterName": parameter,
            "isExplicitParameter": "true" if explicit else "false",
        }
        exposures = (
            outcome.secondary_exposures if explicit else outcome.undelegated_secondary_exposures
        )
    spec = outcome.spec
    if spec is not None and spec.version is not None:
        metadata["configVersion"] = str(spec.version)
    if outcome.override_config_name is not None:
        metadata["overrideConfigName"] = outcome.override_config_name
    if manual:
        metadata["isManualExposure"] = "true"
    metadata["reason"] = details.detailed_reason
    if details.lcut is not None:
        metadata["configSyncTime"] = details.lcut
    if details.received_at is not None:
        metadata["initTime"] = details.received_at
    return metadata, list(exposures)


class Dedupe:
    """Which exposures were already logged in the current window, for the sender thread.

    Checks only queue records; repeats are dropped here, before any event is built, so the
    request path does no de-duplication work. A recognized gate/config result is keyed by its
    shared outcome object (spec, rule and value) with the user's cached identity string as the
    member; layer parameters and unknown names by a tuple of plain values. Only the sender
    thread adds; :meth:`reset` swaps in fresh containers, so a reset from another thread is safe.
    """

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self.reset()

    def reset(self) -> None:
        # Members: a user's identity string under its outcome; else a tuple of plain values.
        self._by_outcome: dict[Any, set[Any]] = {}
        self._other: set[Any] = set()
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def fresh(self, records: list[Record]) -> list[Record]:
        """The records that are not repeats (custom events always are fresh)."""
        if self._size >= self.max_keys:  # the bound: start a new window early
            self.reset()
        by_outcome, other = self._by_outcome, self._other
        kept = []
        for record in records:
            kind, user, name, outcome, _details, _at, parameter, _manual = record
            if kind == "e":
                kept.append(record)
                continue
            if parameter is None and outcome.spec is not None:
                seen = by_outcome.get(outcome)
                if seen is None:
                    seen = by_outcome[outcome] = set()
                member: Any = user._identity  # type: ignore[union-attr]
            else:
                seen = other
                member = (kind, name, user._identity, outcome.rule_id, outcome.bool_value,  # type: ignore[union-attr]
                          parameter)  # fmt: skip
            if member in seen:
                continue
            seen.add(member)
            self._size += 1
            kept.append(record)
        return kept


class EventBuilder:
    """Builds each event as a JSON fragment from its record, caching the repeated parts.

    An exposure's JSON is the cached text of its metadata and secondary exposures, the cached
    text of its user, and its time: no dict is built and nothing is serialized twice, which
    keeps the sender thread's share of the GIL small. ``environment`` (the client's
    ``{"tier": ...}``) replaces each user's ``statsigEnvironment`` in events, as the official
    SDKs do, so Statsig files events under the right environment.
    """

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._environment = environment
        # id(user) -> (user, its JSON). Holding the user keeps its id from being reused while
        # the entry lives; the size is bounded like ``_cache``.
        self._users: dict[int, tuple[StatsigUser, bytes]] = {}

    def _user(self, user: StatsigUser) -> bytes:
        cached = self._users.get(id(user))
        if cached is not None and cached[0] is user:
            return cached[1]
        if len(self._users) >= _MAX_CACHED:
            self._users.clear()
        fields = user.log_dict
        if self._environment is not None:
            fields = {**fields, "statsigEnvironment": self._environment}
        text = dumps(fields)
        self._users[id(user)] = (user, text)
        return text

    def build(self, record: Record) -> bytes:
        """One event as JSON; private attributes are never included (``log_dict`` drops them)."""
        kind, user, name, outcome, details, seconds, parameter, manual = record
        if kind == "e":
            event: dict[str, Any] = {"eventName": name, "time": int(seconds * 1000)}
            if outcome is not None:
                event["value"] = outcome
            if details:
                event["metadata"] = details
            if user is None:
                return dumps(event)
            return dumps(event)[:-1] + b',"user":' + self._user(user) + b"}"
        key = (kind, name, outcome, details, parameter, manual)
        head = self._cache.get(key)
        if head is None:
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            metadata, exposures = _metadata(kind, name, outcome, details, parameter, manual)
            body = {
                "eventName": _NAMES[kind],
                "metadata": metadata,
                "secondaryExposures": exposures,
            }
            head = self._cache[key] = dumps(body)[:-1] + b',"user":'
        return b'%b%b,"time":%d}' % (head, self._user(user), int(seconds * 1000))  # type: ignore[arg-type]
