"""Test helpers: force checks and capture events, with no database and no network.

The Django and Flask packages wrap these in their own decorators and fixtures; they are usable
directly with any :class:`~statsig_core.Statsig`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from statsig_core.client import Statsig
from statsig_core.events.exposures import CONFIG_EXPOSURE, GATE_EXPOSURE, LAYER_EXPOSURE
from statsig_core.events.transport import MemoryTransport

__all__ = ["CapturedEvents", "Overrides", "capture_events", "overrides"]


class Overrides:
    """Values forced one call at a time on one client, all put back together by :meth:`undo`."""

    def __init__(self, statsig: Statsig) -> None:
        self.client = statsig
        self._saved = statsig.save_overrides()

    def gate(self, name: str, value: bool, *, user_id: str | None = None) -> None:
        self.client.override_gate(name, value, user_id)

    def config(self, name: str, value: Mapping[str, Any], *, user_id: str | None = None) -> None:
        self.client.override_config(name, value, user_id)

    experiment = config

    def layer(self, name: str, value: Mapping[str, Any], *, user_id: str | None = None) -> None:
        self.client.override_layer(name, value, user_id)

    def undo(self) -> None:
        """Put every override back as it was when this object was made."""
        self.client.restore_overrides(self._saved)


@contextmanager
def overrides(
    statsig: Statsig,
    *,
    gates: Mapping[str, bool] | None = None,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
    experiments: Mapping[str, Mapping[str, Any]] | None = None,
    layers: Mapping[str, Mapping[str, Any]] | None = None,
    user_id: str | None = None,
) -> Iterator[Statsig]:
    """Force values for the block, then put every override back exactly as it was (nests)."""
    forced = Overrides(statsig)
    try:
        for name, value in (gates or {}).items():
            forced.gate(name, value, user_id=user_id)
        for name, config in {**(configs or {}), **(experiments or {})}.items():
            forced.config(name, config, user_id=user_id)
        for name, layer in (layers or {}).items():
            forced.layer(name, layer, user_id=user_id)
        yield statsig
    finally:
        forced.undo()


class CapturedEvents:
    """Events a client logged while capturing; reading them flushes the client first."""

    def __init__(self, statsig: Statsig, transport: MemoryTransport) -> None:
        self._statsig = statsig
        self._transport = transport

    @property
    def events(self) -> list[dict[str, Any]]:
        self._statsig.flush()
        return self._transport.events

    def named(self, event_name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("eventName") == event_name]

    def exposures(self, kind: str = "gate") -> list[dict[str, Any]]:
        """``gate``, ``config`` (configs and experiments) or ``layer`` exposure events."""
        names = {"gate": GATE_EXPOSURE, "config": CONFIG_EXPOSURE, "layer": LAYER_EXPOSURE}
        return self.named(names[kind])

    def custom(self) -> list[dict[str, Any]]:
        return [e for e in self.events if not str(e.get("eventName", "")).startswith("statsig::")]

    def clear(self) -> None:
        self._statsig.flush()
        self._transport.clear()


@contextmanager
def capture_events(statsig: Statsig) -> Iterator[CapturedEvents]:
    """Send the client's events to memory for the block instead of its real transport.

    Exposure de-duplication is reset on entry, so each test sees its own first exposures.
    """
    logger = statsig.event_logger
    if logger is None:
        raise RuntimeError("this Statsig client has event logging disabled")
    statsig.flush()
    previous = logger.transport
    capture = MemoryTransport()
    logger.transport = capture
    logger.reset_dedupe()
    try:
        yield CapturedEvents(statsig, capture)
    finally:
        statsig.flush()
        logger.transport = previous
