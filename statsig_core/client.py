"""The `Statsig` client: one object per process that every check goes through.

Checks never raise and never do I/O: they read the current :class:`Evaluator` (rebuilt whenever
specs, ID lists or overrides change), evaluate, and queue an exposure record.
"""

from __future__ import annotations

import logging
import platform
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from statsig_core import __version__
from statsig_core.bootstrap.initialize_response import BootstrapCache, client_initialize_response
from statsig_core.errors import SpecsFormatError, StatsigValueError
from statsig_core.evaluation.evaluator import Evaluator
from statsig_core.evaluation.id_lists import id_lists_from_raw
from statsig_core.events.logger import EventLogger
from statsig_core.events.transport import (
    EventTransport,
    JsonLinesTransport,
    LoggingTransport,
    NullTransport,
)
from statsig_core.forced_checks import ForcedChecks
from statsig_core.options import StatsigOptions
from statsig_core.overrides import LocalOverrides
from statsig_core.results import (
    DynamicConfig,
    EvaluationDetails,
    Experiment,
    FeatureGate,
    InitializeDetails,
    Layer,
)
from statsig_core.specs.compile import NoUpdates, compile_specs
from statsig_core.specs.model import Outcome, Snapshot
from statsig_core.specs.store import SpecStore
from statsig_core.user import StatsigUser

if TYPE_CHECKING:
    from statsig_core.specs.sync import SpecsSync

__all__ = ["Statsig"]

logger = logging.getLogger("statsig_core")

_EMPTY = Snapshot(gates={}, configs={}, layers={}, lcut=0, source="Uninitialized", received_at=0)
_REASONS = ("Recognized", "Unrecognized", "Unsupported", "LocalOverride", "Error")
_EVENT_VALUE_TYPES = (str, int, float)  # a tuple: isinstance with `str | int | float` is slower


class Statsig:
    """Evaluates gates, configs, experiments and layers for users, and logs their exposures.

    ``server_secret`` (``secret-...``) enables Statsig's API; without one the client runs in
    local mode from ``options.specs_path`` / ``options.bootstrap_values``.
    """

    def __init__(self, server_secret: str | None = None, options: StatsigOptions | None = None):
        self.options = options or StatsigOptions()
        if server_secret is not None and not server_secret.startswith("secret-"):
            raise StatsigValueError(
                "the server secret must start with 'secret-' (client keys belong in bootstraps)"
            )
        self._secret = server_secret
        self.local_mode = server_secret is None or self.options.local_mode
        self.session_id = uuid.uuid4().hex
        environment = self.options.environment
        self._environment = {"tier": environment} if environment else None
        self._overrides = LocalOverrides()
        self._store = SpecStore(self._rebuild)
        self._evaluator = Evaluator(_EMPTY)
        # The evaluator and the details of its snapshot, swapped as one reference so a check
        # racing a specs update never pairs one snapshot's result with another's details.
        self._bound: tuple[Evaluator, dict[str, EvaluationDetails]] = (self._evaluator, {})
        self._rebuild()
        self._events = self._make_logger()
        self._log = self._events.exposure if self._events is not None else None
        self._initialized = False
        self._sync: SpecsSync | None = None
        self._bootstrap_cache = BootstrapCache()

    # -- setup --------------------------------------------------------------------------------

    def _make_logger(self) -> EventLogger | None:
        opts = self.options
        if opts.disable_all_logging:
            return None
        return EventLogger(
            self._make_transport(),
            statsig_metadata={
                "sdkType": "statsig-web",
                "sdkVersion": __version__,
                "languageVersion": platform.python_version(),
                "sessionID": self.session_id,
            },
            queue_size=opts.event_queue_size,
            flush_interval=opts.event_flush_interval,
            max_pending=opts.event_max_pending,
            dedupe_window=opts.exposure_dedupe_window,
            dedupe_max_keys=opts.exposure_dedupe_max_keys,
            environment=self._environment,
            on_flushed=opts.events_flushed_callback,
        )

    def _make_transport(self) -> EventTransport:
        choice = self.options.event_transport
        if choice is not None and not isinstance(choice, str):
            return choice
        if choice is None:
            choice = "local" if self.local_mode else "http"
        if choice == "local":
            sink = self.options.local_event_log
            if sink is None:
                return NullTransport()
            if sink == "logging":
                return LoggingTransport()
            return JsonLinesTransport(sink)
        if choice == "http":
            from statsig_core.events.http import HttpTransport

            return HttpTransport(self._secret or "", self.options)
        if choice == "celery":
            from statsig_core.events.celery import CeleryTransport

            return CeleryTransport(self._secret or "", self.options)
        raise StatsigValueError(
            f"unknown event_transport {choice!r}; use 'http', 'celery', 'local' or a transport"
        )

    def _rebuild(self) -> None:
        """Bind a fresh evaluator to the current snapshot, ID lists and overrides."""
        snapshot = self._store.snapshot or _EMPTY
        opts = self.options
        evaluator = Evaluator(
            snapshot,
            environment=self._environment,
            id_lists=self._store.id_lists,
            overrides=self._overrides,
            global_custom_fields=opts.global_custom_fields,
            disable_country_lookup=opts.disable_country_lookup,
            disable_ua_parser=opts.disable_ua_parser,
        )
        details = {
            reason: EvaluationDetails(
                snapshot.source, reason, snapshot.lcut or None, snapshot.received_at or None
            )
            for reason in _REASONS
        }
        self._bound = (evaluator, details)
        self._evaluator = evaluator

    def initialize(self, timeout: float | None = None) -> InitializeDetails:
        """Load specs from the best available source. Never raises for an unavailable source."""
        started = time.perf_counter()
        error = None
        try:
            self._load_local()
        except (OSError, SpecsFormatError, NoUpdates) as exc:
            error = str(exc) or type(exc).__name__
            logger.error("statsig: could not load specs: %s", error)
        self._load_local_id_lists()
        timed_out = False
        if self._sync is None and self._secret is not None and not self.local_mode:
            from statsig_core.specs.sync import SpecsSync

            self._sync = SpecsSync(self._secret, self.options, self._store, self.session_id)
            wait = self.options.init_timeout if timeout is None else timeout
            timed_out, sync_error = self._sync.start(wait)
            error = sync_error or error
        self._initialized = True
        snapshot = self._store.snapshot
        return InitializeDetails(
            duration_ms=(time.perf_counter() - started) * 1000,
            source=snapshot.source if snapshot is not None else "Uninitialized",
            init_success=snapshot is not None,
            store_populated=snapshot is not None,
            error=error,
            timed_out=timed_out,
            spec_count=snapshot.spec_count if snapshot is not None else 0,
        )

    def _load_local(self) -> str | None:
        opts = self.options
        if opts.specs_path is not None:
            path = Path(opts.specs_path)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise OSError(f"specs file {path}: {exc.strerror or exc}") from None
            try:
                self._store.set_snapshot(compile_specs(data, source="File"))
            except SpecsFormatError as exc:
                raise SpecsFormatError(f"specs file {path}: {exc}") from None
            return "File"
        if opts.bootstrap_values is not None:
            self._store.set_snapshot(compile_specs(opts.bootstrap_values, source="Bootstrap"))
            return "Bootstrap"
        return None

    def _load_local_id_lists(self) -> None:
        opts = self.options
        lists: dict[str, Any] = {}
        if opts.id_lists_path is not None:
            lists.update(orjson.loads(Path(opts.id_lists_path).read_bytes()))
        if opts.id_lists:
            lists.update(opts.id_lists)
        if lists:
            self._store.set_id_lists(id_lists_from_raw(lists))

    def load_specs(self, data: bytes | str | Mapping[str, Any], source: str = "Bootstrap") -> bool:
        """Install specs given directly (JSON text or dict). Raises :class:`SpecsFormatError`."""
        return self._store.set_snapshot(compile_specs(data, source=source))

    # -- checks -------------------------------------------------------------------------------

    def check_gate(self, user: StatsigUser, gate: str) -> bool:
        """Is the gate on for this user? Logs a gate exposure."""
        try:
            evaluator, details = self._bound
            outcome = evaluator.gate(user, gate)
            log = self._log
            if log is not None:
                log("g", user, gate, outcome, details[outcome.reason])
            return outcome.bool_value
        except Exception:
            logger.exception("statsig: check_gate(%r) failed", gate)
            return False

    def check_gate_with_exposure_logging_disabled(self, user: StatsigUser, gate: str) -> bool:
        return self.get_feature_gate(user, gate, log_exposure=False).value

    def get_config_with_exposure_logging_disabled(
        self, user: StatsigUser, config: str
    ) -> DynamicConfig:
        return self.get_config(user, config, log_exposure=False)

    def get_experiment_with_exposure_logging_disabled(
        self, user: StatsigUser, experiment: str
    ) -> Experiment:
        return self.get_experiment(user, experiment, log_exposure=False)

    def get_layer_with_exposure_logging_disabled(self, user: StatsigUser, layer: str) -> Layer:
        return self.get_layer(user, layer, log_exposure=False)

    def get_feature_gate(
        self, user: StatsigUser, gate: str, log_exposure: bool = True
    ) -> FeatureGate:
        outcome, details = self._evaluate("g", user, gate, log_exposure)
        return FeatureGate(gate, outcome, details)

    def get_config(
        self, user: StatsigUser, config: str, log_exposure: bool = True
    ) -> DynamicConfig:
        outcome, details = self._evaluate("c", user, config, log_exposure)
        return DynamicConfig(config, outcome, details)

    get_dynamic_config = get_config

    def get_experiment(
        self, user: StatsigUser, experiment: str, log_exposure: bool = True
    ) -> Experiment:
        outcome, details = self._evaluate("c", user, experiment, log_exposure)
        return Experiment(experiment, outcome, details)

    def get_layer(self, user: StatsigUser, layer: str, log_exposure: bool = True) -> Layer:
        """A layer; exposures are logged per parameter when read with ``Layer.get``."""
        outcome, details = self._evaluate("l", user, layer, False)
        log = self._log if log_exposure else None
        return Layer(layer, outcome, details, user, log)

    def _evaluate(
        self,
        kind: str,
        user: StatsigUser,
        name: str,
        log_exposure: bool,
        bound: tuple[Evaluator, dict[str, EvaluationDetails]] | None = None,
    ) -> tuple[Outcome, EvaluationDetails]:
        """``bound`` (an evaluator and its details by reason) defaults to the client's own."""
        evaluator, details = bound or self._bound
        try:
            if kind == "g":
                outcome = evaluator.gate(user, name)
            elif kind == "c":
                outcome = evaluator.config(user, name)
            else:
                outcome = evaluator.layer(user, name)
            if log_exposure and self._log is not None:
                self._log(kind, user, name, outcome, details[outcome.reason])
            return outcome, details[outcome.reason]
        except Exception:
            logger.exception("statsig: evaluating %r failed", name)
            table = {"g": evaluator.gates, "c": evaluator.configs, "l": evaluator.layers}[kind]
            spec = table.get(name)
            value: Any = False if kind == "g" else {}
            failed = Outcome(spec, None, "error", value, False, False, reason="Error")
            return failed, details["Error"]

    # -- manual exposures ---------------------------------------------------------------------

    def manually_log_gate_exposure(self, user: StatsigUser, gate: str) -> None:
        self._manual("g", user, gate)

    def manually_log_config_exposure(self, user: StatsigUser, config: str) -> None:
        self._manual("c", user, config)

    manually_log_experiment_exposure = manually_log_config_exposure

    def manually_log_layer_parameter_exposure(
        self, user: StatsigUser, layer: str, parameter: str
    ) -> None:
        self._manual("l", user, layer, parameter)

    def _manual(
        self, kind: str, user: StatsigUser, name: str, parameter: str | None = None
    ) -> None:
        if self._events is None:
            return
        outcome, details = self._evaluate(kind, user, name, False)
        self._events.exposure(kind, user, name, outcome, details, parameter, manual=True)

    # -- experiments metadata -----------------------------------------------------------------

    def get_experiment_groups(self, experiment: str) -> dict[str, Any] | None:
        """The experiment's groups (rules flagged as experiment groups), or None if unknown."""
        spec = self._evaluator.configs.get(experiment)
        if spec is None or spec.entity != "experiment":
            return None
        return {
            "is_experiment_active": spec.is_active,
            "groups": [
                {
                    "group_name": rule.group_name,
                    "rule_id": rule.id,
                    "id_type": rule.id_type,
                    "return_value": rule.return_value,
                }
                for rule in spec.rules
                if rule.is_experiment_group
            ],
        }

    # -- bootstrap ----------------------------------------------------------------------------

    def get_client_initialize_response(
        self,
        user: StatsigUser,
        hash: str = "djb2",
        client_sdk_key: str | None = None,
        include_local_overrides: bool = False,
    ) -> dict[str, Any] | None:
        """Bootstrap values for the browser SDK (``dataAdapter.setData``); logs no exposures.

        ``hash`` is ``djb2`` (what ``@statsig/js-client`` looks names up by), ``none`` or
        ``sha256``. None, logged, when there are no specs yet or the payload cannot be built,
        so a page can leave the browser SDK to fetch its values instead. Its entries are shared
        with an internal cache: treat the dict as read-only.
        """
        return self._initialize_response(
            self._evaluator, user, hash, client_sdk_key, include_local_overrides
        )

    def _initialize_response(
        self,
        evaluator: Evaluator,
        user: StatsigUser,
        hash: str,
        client_sdk_key: str | None,
        include_local_overrides: bool,
    ) -> dict[str, Any] | None:
        if evaluator.snapshot is _EMPTY:
            return None
        try:
            return client_initialize_response(
                evaluator,
                user,
                hash=hash,
                client_sdk_key=client_sdk_key,
                include_local_overrides=include_local_overrides,
                sdk_info={
                    "sdkType": "statsig-web",
                    "sdkVersion": __version__,
                    "sessionId": self.session_id,
                },
                cache=self._bootstrap_cache,
            )
        except Exception:
            logger.exception("statsig: get_client_initialize_response failed")
            return None

    def forced_checks(self, forced: Mapping[str, Mapping[str, Any]]) -> ForcedChecks:
        """Checks that see ``forced`` values (a QA session's: ``{"gate": {name: bool}, "config"
        | "experiment" | "layer": {name: dict}}``) before the client's own overrides, in the
        named checks and in every spec that nests them, bootstrap included. They log no
        exposures: whoever forces values is not an experiment subject."""
        return ForcedChecks(self, forced)

    # -- events -------------------------------------------------------------------------------

    def log_event(
        self,
        user: StatsigUser | None,
        event_name: str,
        value: str | int | float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue a custom event (well under a microsecond; sending happens in the background).

        Private attributes of ``user`` are never sent. ``metadata`` is copied, so changing it
        afterwards does not change the event.
        """
        events = self._events
        if events is None or not event_name:
            return
        if value is not None and not isinstance(value, _EVENT_VALUE_TYPES):
            raise StatsigValueError("event value must be a string or a number")
        events.custom(user, event_name, value, dict(metadata) if metadata else None)

    def flush(self, timeout: float | None = None) -> bool:
        """Send every queued event now. False if some batch failed (it stays queued for retry)."""
        return self._events.flush(timeout) if self._events is not None else True

    def shutdown(self, timeout: float = 5.0) -> None:
        """Flush and stop background work; events that could not be sent are counted."""
        if self._sync is not None:
            self._sync.stop(min(timeout, 2.0))
        if self._events is not None:
            stats = self._events.shutdown(timeout)
            if stats.dropped or stats.pending:
                logger.warning(
                    "statsig: shutdown left %d events undelivered (%s), %d still in flight",
                    stats.dropped,
                    stats.dropped_by_reason,
                    stats.pending,
                )

    # -- overrides ----------------------------------------------------------------------------

    def override_gate(self, gate: str, value: bool, user_id: str | None = None) -> None:
        """Force a gate for everyone, or for one ``user_id`` (also matched against custom ids)."""
        self._overrides.set("gate", gate, bool(value), user_id)
        self._rebuild()

    def override_config(
        self, config: str, value: Mapping[str, Any], user_id: str | None = None
    ) -> None:
        self._overrides.set("config", config, dict(value), user_id)
        self._rebuild()

    override_experiment = override_config
    override_dynamic_config = override_config

    def override_layer(
        self, layer: str, value: Mapping[str, Any], user_id: str | None = None
    ) -> None:
        self._overrides.set("layer", layer, dict(value), user_id)
        self._rebuild()

    def remove_gate_override(self, gate: str | None = None, user_id: str | None = None) -> None:
        self._overrides.remove("gate", gate, user_id)
        self._rebuild()

    def remove_config_override(self, config: str | None = None, user_id: str | None = None) -> None:
        self._overrides.remove("config", config, user_id)
        self._rebuild()

    remove_experiment_override = remove_config_override

    def remove_layer_override(self, layer: str | None = None, user_id: str | None = None) -> None:
        self._overrides.remove("layer", layer, user_id)
        self._rebuild()

    def remove_all_overrides(self) -> None:
        self._overrides.clear()
        self._rebuild()

    def save_overrides(self) -> Any:
        """An opaque copy of every override, for :meth:`restore_overrides` (test helpers)."""
        return self._overrides.save()

    def restore_overrides(self, saved: Any) -> None:
        self._overrides.restore(saved)
        self._rebuild()

    # -- introspection ------------------------------------------------------------------------

    @property
    def event_logger(self) -> EventLogger | None:
        """The event pipeline (None when logging is disabled)."""
        return self._events

    @property
    def evaluator(self) -> Evaluator:
        """The evaluator bound to the current snapshot (for the CLI, bootstrap and debug tools)."""
        return self._evaluator

    def is_initialized(self) -> bool:
        return self._initialized

    def health(self) -> dict[str, Any]:
        """Where specs came from, how old they are, and the state of the event pipeline."""
        snapshot = self._store.snapshot
        stats = self._events.stats() if self._events is not None else None
        sync = self._sync.health() if self._sync is not None else None
        now = int(time.time() * 1000)
        return {
            "initialized": self._initialized,
            "source": snapshot.source if snapshot else "Uninitialized",
            "lcut": snapshot.lcut if snapshot else None,
            "specs_age_ms": now - snapshot.lcut if snapshot and snapshot.lcut else None,
            "spec_count": snapshot.spec_count if snapshot else 0,
            "id_lists": len(self._store.id_lists),
            "last_successful_sync": sync["specs"]["last_success_at"] if sync else None,
            "consecutive_failures": sync["specs"]["consecutive_failures"] if sync else 0,
            "sync": sync,
            "events": None if stats is None else stats.as_dict(),
        }
