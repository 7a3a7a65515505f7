"""Per-session QA overrides: staff force gates and values for their own session only.

They live in ``request.session`` under :data:`SESSION_KEY` (so ``django.contrib.sessions`` is
needed; check ``statsig_django.W004``) and reach ``request.statsig`` only while the session's
user is active staff, so a session of anyone else that carries the key gets none. They apply
as the client's own ``override_gate`` would, nested specs and the bootstrap included, and a
session forcing anything logs no exposures (see :class:`statsig_core.web.BoundStatsig`). Every
change is audited: the :data:`~statsig_django.signals.override_changed` signal, an admin
``LogEntry`` on the user (when ``django.contrib.admin`` is installed) and an INFO line on the
``statsig_django`` logger. The page itself is :func:`statsig_django.views.overrides`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from statsig_core.web import BoundStatsig
from statsig_core.web.qa_overrides import (
    KINDS,
    OverrideError,
    Section,
    Table,
    apply_to_session,
    change_message,
    clean_table,
)
from statsig_core.web.qa_overrides import sections as _sections
from statsig_django.signals import override_changed
from statsig_django.users import auth_user

if TYPE_CHECKING:
    from statsig_core import Statsig

__all__ = [
    "KINDS",
    "SESSION_KEY",
    "OverrideError",
    "apply_form",
    "is_staff",
    "sections",
    "session_overrides",
    "stored",
]

logger = logging.getLogger("statsig_django")

SESSION_KEY = "statsig_overrides"
_TITLES = {
    "gate": _("Feature gates"),
    "config": _("Dynamic configs"),
    "experiment": _("Experiments"),
    "layer": _("Layers"),
}


def is_staff(user: Any) -> bool:
    """Active staff, as Django's ``staff_member_required`` decides."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def stored(request: HttpRequest) -> Table:
    """This session's overrides, whoever its user is."""
    session = getattr(request, "session", None)
    return clean_table(session.get(SESSION_KEY)) if session is not None else {}


def session_overrides(request: HttpRequest) -> Table | None:
    """What ``request.statsig`` applies: the session's overrides, for active staff only."""
    if not is_staff(auth_user(request)):
        return None
    return stored(request) or None


def _log_entry(user: Any, message: str) -> None:
    from django.contrib.admin.models import CHANGE, LogEntry

    entries = LogEntry.objects
    if hasattr(entries, "log_actions"):  # Django >= 5.1
        entries.log_actions(user.pk, [user], CHANGE, message, single_object=True)
        return
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(user, for_concrete_model=False)
    entries.log_action(user.pk, content_type.pk, user.pk, str(user), CHANGE, message)


def _audit(request: HttpRequest, kind: str, name: str, value: Any) -> None:
    user = request.user
    message = change_message(kind, name, value)
    if apps.is_installed("django.contrib.admin") and apps.is_installed(
        "django.contrib.contenttypes"
    ):
        _log_entry(user, message)
    logger.info("statsig: %s (user %s)", message, user.pk)
    override_changed.send(
        sender=user.__class__, request=request, user=user, kind=kind, name=name, value=value
    )


def apply_form(request: HttpRequest, statsig: Statsig | None) -> None:
    """Apply the page's POST (see :func:`statsig_core.web.qa_overrides.apply_to_session`),
    auditing each change that changed something."""

    def audit(kind: str, name: str, value: Any) -> None:
        _audit(request, kind, name, value)

    apply_to_session(request.POST, request.session, SESSION_KEY, statsig, audit)


def sections(bound: BoundStatsig) -> list[Section]:
    """The page's sections, titled in the active language."""
    return _sections(bound, _TITLES)
