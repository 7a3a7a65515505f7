"""Options for :class:`statsig_core.Statsig`. Durations are in seconds."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statsig_core.data_stores.base import DataStore
    from statsig_core.events.transport import EventTransport

__all__ = ["DEFAULT_API", "DEFAULT_SPECS_API", "EVENT_TRANSPORTS", "StatsigOptions"]

DEFAULT_SPECS_API = "https://api.statsigcdn.com"
DEFAULT_API = "https://statsigapi.net"
#: The names ``event_transport`` accepts (besides an ``EventTransport`` instance).
EVENT_TRANSPORTS = ("http", "celery", "local")


@dataclass
class StatsigOptions:
    """How the SDK gets its specs, where its events go, and how it evaluates.

    With no server secret (or ``local_mode=True``) nothing touches the network: specs come from
    ``specs_path`` or ``bootstrap_values`` and events go to the local sink (``local_event_log``).
    """

    #: Environment tier (``production``, ``staging``, ``development``, ...) seen by
    #: ``environment_field`` conditions and echoed in bootstraps.
    environment: str | None = None

    # -- where specs come from ----------------------------------------------------------------
    #: A download_config_specs JSON file (v1 or v2): the embedded default, and a fallback.
    specs_path: str | os.PathLike[str] | None = None
    #: Specs (or a bootstrap of them) as a JSON string or dict, used when nothing better loads.
    bootstrap_values: str | Mapping[str, Any] | None = None
    #: ID lists for local mode: ``{"list_name": ["raw id", ...]}``.
    id_lists: Mapping[str, Iterable[str]] | None = None
    #: A JSON file holding ID lists in the same shape.
    id_lists_path: str | os.PathLike[str] | None = None
    #: Shared specs cache (see :mod:`statsig_core.data_stores`).
    data_store: DataStore | None = None
    #: Never touch the network, even with a server secret.
    local_mode: bool = False

    # -- network ------------------------------------------------------------------------------
    #: Base for every endpoint unless a specific URL below is given.
    api: str | None = None
    #: download_config_specs base URL (``.../v2/download_config_specs``).
    specs_url: str | None = None
    #: ``1`` or ``2``: which download_config_specs format to ask for.
    specs_api_version: int = 2
    #: Event endpoint (``.../v1/log_event``).
    log_event_url: str | None = None
    #: ID-list manifest endpoint (``.../v1/get_id_lists``).
    id_lists_url: str | None = None
    enable_id_lists: bool = True
    #: How long ``initialize()`` waits for the first specs before going on in the background.
    init_timeout: float = 3.0
    request_timeout: float = 10.0
    specs_sync_interval: float = 10.0
    id_lists_sync_interval: float = 60.0

    # -- events -------------------------------------------------------------------------------
    disable_all_logging: bool = False
    #: Flush at least this often.
    event_flush_interval: float = 60.0
    #: Flush when this many events are waiting.
    event_queue_size: int = 1000
    #: Most events held in memory (queued, being sent, or awaiting a retry); beyond it new events
    #: are dropped and counted (``health()["events"]["dropped_by_reason"]["queue_full"]``).
    event_max_pending: int = 100_000
    #: ``"http"`` (default with a secret), ``"celery"``, ``"local"`` (default without one) or an
    #: :class:`~statsig_core.events.transport.EventTransport` instance.
    event_transport: str | EventTransport | None = None
    #: Local sink for local mode: ``"logging"`` (logger ``statsig_core.events``), a path to a
    #: JSON-lines file, or ``None`` to discard them (still counted as sent in ``health()``).
    local_event_log: str | os.PathLike[str] | None = "logging"
    #: Identical exposures within this window are logged once.
    exposure_dedupe_window: float = 60.0
    #: Most remembered exposures (plus at most two batches, checked as batches fill); past
    #: it the memory starts over, so an exposure may then be logged once more.
    exposure_dedupe_max_keys: int = 100_000
    #: Called with each batch outcome: ``(success, event_count, error)``.
    events_flushed_callback: Callable[[bool, int, str | None], None] | None = None
    #: ``event_transport="celery"``: the Celery app to publish with (``None``: the current app).
    celery_app: Any = None
    #: Queue for the ``statsig.post_events`` task (``None``: the app's default routing).
    celery_queue: str | None = None
    #: Longest a publish may take (connect, send, broker confirm) before the batch is sent over
    #: HTTP from the background thread instead.
    celery_publish_timeout: float = 2.0
    #: Redis URL for the record that stops a redelivered batch being posted twice; ``None`` keeps
    #: it in each process's memory (see :mod:`statsig_core.events.idempotency`).
    celery_idempotency_url: str | None = None

    # -- evaluation ---------------------------------------------------------------------------
    #: Extra attributes every user has (looked up after ``custom``).
    global_custom_fields: Mapping[str, Any] | None = None
    disable_ua_parser: bool = False
    disable_country_lookup: bool = False
    #: Called with the raw specs JSON after each accepted update.
    rules_updated_callback: Callable[[str], None] | None = None
    service_name: str | None = None

    def endpoint(self, kind: str) -> str:
        """The full URL of ``specs``, ``log_event`` or ``id_lists``."""
        if kind == "specs":
            if self.specs_url:
                return self.specs_url.rstrip("/")
            base = (self.api or DEFAULT_SPECS_API).rstrip("/")
            return f"{base}/v{self.specs_api_version}/download_config_specs"
        if kind == "log_event":
            if self.log_event_url:
                return self.log_event_url
            return f"{(self.api or DEFAULT_API).rstrip('/')}/v1/log_event"
        if kind == "id_lists":
            if self.id_lists_url:
                return self.id_lists_url
            return f"{(self.api or DEFAULT_API).rstrip('/')}/v1/get_id_lists"
        raise ValueError(f"unknown endpoint {kind!r}")
