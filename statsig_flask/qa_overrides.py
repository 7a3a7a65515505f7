"""Per-session QA overrides: people whom ``STATSIG_QA_ACCESS`` admits force gates and values for
their own session only.

They live in Flask's session under :data:`SESSION_KEY` and reach ``current_statsig``, the
decorators, the template helpers and ``statsig_bootstrap()`` (so the browser SDK agrees) only
while ``STATSIG_QA_ACCESS`` admits the request, so a session that still carries the key after
access was withdrawn gets none. They apply as the client's own ``override_gate`` would (a
``pass_gate`` on a forced gate sees it too), and while a session forces anything none of its
checks logs an exposure (see :class:`statsig_core.web.BoundStatsig`). Every change is
audited: the :data:`override_changed` signal (blinker, like Flask's own signals) and an INFO
line on the ``statsig_flask`` logger. The page is ``overrides/`` in
:mod:`statsig_flask.endpoints`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from blinker import Namespace
from flask import current_app, session

from statsig_core.web.qa_overrides import Table, apply_to_session, change_message, clean_table

if TYPE_CHECKING:
    from statsig_core import Statsig

__all__ = ["SESSION_KEY", "apply_form", "has_access", "override_changed", "session_overrides"]

logger = logging.getLogger("statsig_flask")

SESSION_KEY = "statsig_overrides"
#: Sent with the app as sender and ``kind``, ``name``, ``value`` (``None``: cleared) and
#: ``user_id`` (the request's Statsig user id) after each change.
override_changed = Namespace().signal("statsig-override-changed")


def has_access(access: Callable[[], bool] | None) -> bool:
    """Whether ``STATSIG_QA_ACCESS`` admits this request; a failing check admits nobody."""
    if access is None:
        return False
    try:
        return bool(access())
    except Exception:
        logger.exception("statsig: STATSIG_QA_ACCESS raised; refusing QA overrides")
        return False


def _stored() -> Table:
    return clean_table(session.get(SESSION_KEY))


def session_overrides(access: Callable[[], bool] | None) -> Table | None:
    """What the request's checks apply: the session's overrides, if access is granted."""
    if not has_access(access):
        return None
    return _stored() or None


def apply_form(form: Mapping[str, str], statsig: Statsig | None, user_id: str | None) -> None:
    """Apply the page's POST (see :func:`statsig_core.web.qa_overrides.apply_to_session`),
    auditing each change that changed something."""

    def audit(kind: str, name: str, value: Any) -> None:
        logger.info("statsig: %s (user %s)", change_message(kind, name, value), user_id)
        override_changed.send(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            kind=kind,
            name=name,
            value=value,
            user_id=user_id,
        )

    apply_to_session(form, session, SESSION_KEY, statsig, audit)
