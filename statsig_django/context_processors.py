"""``statsig_django.context_processors.statsig``: ``{{ statsig }}`` in every template.

The value is the request's memoized client, so ``{{ statsig.check_gate }}``-style lookups and
the template tags share one evaluation per name.
"""

from __future__ import annotations

from django.http import HttpRequest

from statsig_core.web import BoundStatsig
from statsig_django.binding import bind

__all__ = ["statsig"]


def statsig(request: HttpRequest) -> dict[str, BoundStatsig]:
    return {"statsig": bind(request)}
