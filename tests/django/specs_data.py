"""The specs every Django test runs against, written once to a temporary SPECS_FILE."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import tempfile
from typing import Any

from support.specs import cond, dcs, rule, spec

SPECS: dict[str, Any] = dcs(
    gates={
        "public_gate": spec(rule(cond(), id="everyone")),
        "off_gate": spec(rule(cond(), id="nobody", pass_percentage=0)),
        "example_emails": spec(
            rule(cond("user_field", "str_ends_with_any", ["@example.com"], field="email"), id="ex")
        ),
        "french": spec(rule(cond("user_field", "any", ["fr", "fr-FR"], field="locale"), id="fr")),
        "signed_in": spec(
            rule(cond("user_field", "str_matches", "^.+$", field="userID"), id="member")
        ),
    },
    configs={
        "pricing": spec(
            rule(cond(), id="eu", return_value={"price": 12.5, "currency": "EUR"}),
            kind="dynamic_config",
        ),
        "checkout_copy": spec(
            rule(
                cond(),
                id="test-group",
                return_value={"headline": "Buy now!"},
                groupName="Test",
                isExperimentGroup=True,
            ),
            kind="dynamic_config",
            entity="experiment",
            isActive=True,
        ),
    },
    layers={
        "checkout_layer": spec(
            rule(cond(), id="green", return_value={"button_color": "green"}),
            kind="layer",
            default={"button_color": "blue"},
        )
    },
)


def write_specs() -> str:
    """A temporary specs file, removed when the process exits."""
    handle, path = tempfile.mkstemp(prefix="statsig-django-tests-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(SPECS, out)
    atexit.register(_remove, path, os.getpid())
    return path


def _remove(path: str, owner: int) -> None:
    """Only in the process that wrote it: a forked server worker exits before its master."""
    if os.getpid() == owner:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
