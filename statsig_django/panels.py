"""django-debug-toolbar panel: every gate, config, experiment and layer the request evaluated.

Add ``"statsig_django.panels.StatsigPanel"`` to ``DEBUG_TOOLBAR_PANELS``. It reads
``request.statsig.evaluations`` (one record per name, as memoized), so it adds no evaluation
of its own; the user is shown only when something was evaluated for it. The template has no
inline script or style, so it renders under a strict CSP.
"""

from __future__ import annotations

from typing import Any

import orjson
from debug_toolbar.panels import Panel
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from statsig_core.web import BoundStatsig

__all__ = ["StatsigPanel"]


def _shown(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return repr(value)


class StatsigPanel(Panel):
    title = _("Statsig")
    template = "statsig_django/panel.html"
    is_async = True

    @property
    def nav_subtitle(self) -> str:
        count = len(self.get_stats().get("evaluations", []))
        template = ngettext("%(count)d evaluation", "%(count)d evaluations", count)
        return str(template % {"count": count})

    def generate_stats(self, request: HttpRequest, response: HttpResponseBase) -> None:
        bound = request.__dict__.get("statsig")
        records = bound.evaluations if isinstance(bound, BoundStatsig) else []
        user = bound.user.to_dict() if records and bound is not None else None
        self.record_stats(
            {
                "evaluations": [
                    {
                        "kind": record.kind,
                        "name": record.name,
                        "value": _shown(record.value),
                        "rule_id": record.rule_id,
                        "group_name": record.group_name or "",
                        "reason": record.reason,
                    }
                    for record in records
                ],
                "user": _shown(user) if user is not None else None,
            }
        )
