"""One small adapter per SDK configuration, so every suite drives them the same way.

An adapter owns one SDK instance. ``start()`` initialises it (the caller times that); afterwards
``check_gate``, ``get_config`` and ``get_experiment`` are the SDK's own bound methods (no wrapper
in the timed path), while ``layer_get`` and ``gcir`` are one-line wrappers because the SDKs spell
those calls differently. Each SDK is imported inside its adapter so a worker process only ever
loads the SDK it measures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from benchmarks._convert import to_v1

UNREACHABLE_API = "http://127.0.0.1:9/v1/"
"""Nothing listens on the discard port: requests fail at once, so events really queue up."""

BENCH_SDK_KEY = "secret-benchmark-key"


class AdapterUnavailable(Exception):
    """The SDK for this configuration cannot be imported; the runner reports a skip."""


@dataclass
class SpecsSource:
    """One specs payload in the forms the SDKs want: v2 file path, v2 text, v1 text."""

    v2_path: Path
    _v2_text: str | None = field(default=None, repr=False)
    _v1_text: str | None = field(default=None, repr=False)

    @property
    def v2_text(self) -> str:
        if self._v2_text is None:
            self._v2_text = self.v2_path.read_text(encoding="utf-8")
        return self._v2_text

    @property
    def v1_text(self) -> str:
        """Converted once, outside any timed region."""
        if self._v1_text is None:
            self._v1_text = json.dumps(to_v1(json.loads(self.v2_text)))
        return self._v1_text

    def prepare(self) -> None:
        """Read and convert now, so no timed ``start()`` pays for it."""
        _ = self.v2_text, self.v1_text

    def spec_count(self) -> int:
        data = json.loads(self.v2_text)
        return sum(
            len(data.get(k) or {}) for k in ("feature_gates", "dynamic_configs", "layer_configs")
        )


def user_kwargs(data: Mapping[str, Any]) -> dict[str, Any]:
    """Official JSON user fields -> the snake_case keyword arguments all three SDKs accept."""
    names = {
        "userID": "user_id",
        "email": "email",
        "ip": "ip",
        "userAgent": "user_agent",
        "country": "country",
        "locale": "locale",
        "appVersion": "app_version",
        "custom": "custom",
        "customIDs": "custom_ids",
        "privateAttributes": "private_attributes",
    }
    return {names[k]: v for k, v in data.items() if k in names}


class Adapter:
    """Base class; subclasses set the five operations in ``start()``."""

    key: ClassVar[str]
    label: ClassVar[str]
    check_gate: Callable[[Any, str], Any]
    get_config: Callable[[Any, str], Any]
    get_experiment: Callable[[Any, str], Any]
    #: ``log_event(user, name, value, metadata)``: the SDK's own method where it has that shape.
    log_event: Callable[[Any, str, Any, Any], Any]
    #: Set by the events suite before ``start()``: post events to this loopback base URL.
    events_url: str | None = None
    #: Suites this configuration runs; ``None``: every suite that does not name its SDKs.
    suites: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, specs: SpecsSource) -> None:
        self.specs = specs

    def start(self) -> None:
        raise NotImplementedError

    def make_user(self, data: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def layer_get(self, user: Any, layer: str, param: str) -> Any:
        raise NotImplementedError

    def gcir(self, user: Any) -> Any:
        raise NotImplementedError

    def flush_events(self) -> None:
        """Hand every queued event to the network now (the events suite then waits for them)."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Best effort; workers exit with os._exit anyway so SDK threads cannot stall them."""

    @staticmethod
    def group_name(result: Any) -> str | None:
        return getattr(result, "group_name", None)

    @staticmethod
    def version() -> str:
        return ""


# --- statsig 0.72 (pure Python, DCS v1) --------------------------------------------------------


class _StatsigBase(Adapter):
    def _import(self) -> Any:
        try:
            import statsig
            from statsig.statsig_server import StatsigServer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise AdapterUnavailable(f"statsig is not installed: {exc}") from exc
        return statsig, StatsigServer

    def _options(self, statsig: Any) -> Any:
        raise NotImplementedError

    def start(self) -> None:
        statsig, server_cls = self._import()
        from statsig.utils import HashingAlgorithm

        self._djb2 = HashingAlgorithm.DJB2
        self._user_cls = statsig.StatsigUser
        event_cls = statsig.StatsigEvent
        self.server = server_cls()
        self.server.initialize(BENCH_SDK_KEY, self._options(statsig))
        self.check_gate = self.server.check_gate
        self.get_config = self.server.get_config
        self.get_experiment = self.server.get_experiment
        log = self.server.log_event
        self.log_event = lambda user, name, value, metadata: log(  # its API takes an event object
            event_cls(user, name, value, metadata)
        )

    def make_user(self, data: Mapping[str, Any]) -> Any:
        return self._user_cls(**user_kwargs(data))

    def layer_get(self, user: Any, layer: str, param: str) -> Any:
        return self.server.get_layer(user, layer).get(param, None)

    def gcir(self, user: Any) -> Any:
        return self.server.get_client_initialize_response(user, hash=self._djb2)

    def flush_events(self) -> None:
        self.server.flush()

    def shutdown(self) -> None:
        self.server.shutdown()

    @staticmethod
    def version() -> str:
        from statsig.version import __version__

        return str(__version__)


class StatsigQueued(_StatsigBase):
    """Production-like: specs from a data store, events queued for an API that refuses them."""

    key = "statsig"
    label = "statsig 0.72 (queued)"

    def _options(self, statsig: Any) -> Any:
        from statsig.interface_data_store import IDataStore

        text = self.specs.v1_text

        class _Store(IDataStore):  # type: ignore[misc]
            def get(self, key: str) -> str | None:
                return text if key == "statsig.cache" else None

        events = {"api_for_log_event": f"{self.events_url}/v1/"} if self.events_url else {}
        return statsig.StatsigOptions(
            api=UNREACHABLE_API, data_store=_Store(), tier="production", **events
        )


class StatsigLocal(_StatsigBase):
    """``local_mode``: events are built and deduplicated, then dropped."""

    key = "statsig-local"
    label = "statsig 0.72 (local_mode)"

    def _options(self, statsig: Any) -> Any:
        return statsig.StatsigOptions(
            local_mode=True, bootstrap_values=self.specs.v1_text, tier="production"
        )

    def flush_events(self) -> None:
        raise AdapterUnavailable("local_mode drops every event: there is nothing to deliver")


# --- statsig-python-core 0.24 (Rust, DCS v2) ---------------------------------------------------


class Core(Adapter):
    """Network off, specs from a data store; waits for the UA and country tables (notes §7)."""

    key = "core"
    label = "statsig-python-core 0.24"

    def start(self) -> None:
        try:
            import statsig_python_core as core
            from statsig_python_core.data_store import DataStore, DataStoreResponse
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise AdapterUnavailable(f"statsig-python-core is not installed: {exc}") from exc

        text = self.specs.v2_text
        lcut = int(json.loads(text).get("time") or 1)

        class _Store(DataStore):  # type: ignore[misc]
            def get(self, key: str) -> DataStoreResponse | None:
                if "download_config_specs" in key:
                    return DataStoreResponse(result=text, time=lcut)
                return None

        network: dict[str, Any] = {"disable_network": True}
        if self.events_url:  # events only: specs still come from the data store
            network = {
                "specs_url": f"{UNREACHABLE_API.removesuffix('/v1/')}/v2/specs",
                "log_event_url": f"{self.events_url}/v1/log_event",
            }
        options = core.StatsigOptions(
            data_store=_Store(),
            environment="production",
            wait_for_country_lookup_init=True,
            wait_for_user_agent_init=True,
            output_log_level="error",
            **network,
        )
        self._user_cls = core.StatsigUser
        self.server = core.Statsig(BENCH_SDK_KEY, options)
        details = self.server.initialize_with_details().result()
        if not details.init_success or not details.is_config_spec_ready:
            raise RuntimeError(f"core did not load the specs: source={details.source}")
        self.check_gate = self.server.check_gate
        self.get_config = self.server.get_dynamic_config
        self.get_experiment = self.server.get_experiment
        self.log_event = self.server.log_event

    def make_user(self, data: Mapping[str, Any]) -> Any:
        return self._user_cls(**user_kwargs(data))

    def layer_get(self, user: Any, layer: str, param: str) -> Any:
        return self.server.get_layer(user, layer).get(param, None)

    def gcir(self, user: Any) -> Any:
        return self.server.get_client_initialize_response(user, hash="djb2")

    def flush_events(self) -> None:
        self.server.flush_events().wait()

    def shutdown(self) -> None:
        self.server.shutdown().result()

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("statsig-python-core")


# --- ours --------------------------------------------------------------------------------------


class Ours(Adapter):
    """statsig_core in local mode from the v2 file, through its public API only."""

    key = "ours"
    label = "statsig_core (ours)"

    def start(self) -> None:
        try:
            from statsig_core import Statsig, StatsigOptions, StatsigUser
        except ImportError as exc:
            raise AdapterUnavailable(f"statsig_core is not importable yet: {exc}") from exc

        self._user_cls = StatsigUser
        events: dict[str, Any] = {}
        if self.events_url:  # local mode still, but events go over HTTP to the receiver
            events = {"event_transport": "http", "api": self.events_url}
        self.server = Statsig(
            None,
            StatsigOptions(specs_path=str(self.specs.v2_path), environment="production", **events),
        )
        self.server.initialize()
        self.check_gate = self.server.check_gate
        self.get_config = self.server.get_config
        self.get_experiment = self.server.get_experiment
        self.log_event = self.server.log_event

    def make_user(self, data: Mapping[str, Any]) -> Any:
        return self._user_cls(**user_kwargs(data))

    def layer_get(self, user: Any, layer: str, param: str) -> Any:
        return self.server.get_layer(user, layer).get(param, None)

    def gcir(self, user: Any) -> Any:
        return self.server.get_client_initialize_response(user, hash="djb2")

    def flush_events(self) -> None:
        self.server.flush()

    def shutdown(self) -> None:
        self.server.shutdown()

    @staticmethod
    def version() -> str:
        try:
            from importlib.metadata import version

            return version("statsig-web")
        except Exception:
            return "work tree"


# --- django-waffle (the baseline of the django page suite) ------------------------------------


class Waffle(Adapter):
    """django-waffle: no Statsig API, so it only serves as the ``django`` suite's baseline."""

    key = "waffle"
    label = "django-waffle 5"
    suites = ("django",)

    def start(self) -> None:
        raise AdapterUnavailable("django-waffle only runs the django page suite")

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("django-waffle")


ADAPTERS: dict[str, type[Adapter]] = {
    cls.key: cls for cls in (StatsigQueued, StatsigLocal, Core, Ours, Waffle)
}
