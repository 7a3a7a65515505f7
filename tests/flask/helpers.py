"""Shared specs and helpers for the Flask suite (imported as ``tests.flask.helpers``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from statsig_core.events.transport import MemoryTransport

from support.specs import cond, dcs, rule, spec

#: The ``make_app`` fixture: ``make_app(payload=None, **config) -> Flask``.
MakeApp = Callable[..., Flask]

PAYLOAD = dcs(
    gates={
        "beta": spec(rule(cond(), id="everyone")),
        "closed": spec(rule(cond(), id="nobody", pass_percentage=0)),
        "vip": spec(
            rule(cond("user_field", "str_ends_with_any", ["@vip.co"], field="email"), id="vip")
        ),
        "member": spec(rule(cond("user_field", "any", ["42"], field="userID"), id="member")),
        "french": spec(rule(cond("user_field", "any", ["fr-FR"], field="locale"), id="fr")),
        "office": spec(rule(cond("user_field", "any", ["203.0.113.7"], field="ip"), id="ip")),
    },
    configs={
        "pricing": spec(rule(cond(), id="price", return_value={"price": 5}), kind="dynamic_config"),
        "copy_test": spec(
            rule(
                cond(),
                id="treatment",
                return_value={"headline": "Buy now"},
                groupName="Treatment",
                isExperimentGroup=True,
            ),
            kind="dynamic_config",
            entity="experiment",
        ),
    },
    layers={"layout": spec(kind="layer", default={"color": "blue"})},
)


def events_of(app: Flask) -> list[dict[str, Any]]:
    """Everything the app's client has delivered so far (after flushing it)."""
    app.extensions["statsig"].client.flush()
    transport: MemoryTransport = app.config["STATSIG_EVENT_TRANSPORT"]
    return transport.events


def names_of(events: list[dict[str, Any]], kind: str = "statsig::gate_exposure") -> list[str]:
    return [
        e["metadata"].get("gate") or e["metadata"].get("config")
        for e in events
        if e["eventName"] == kind
    ]
