"""Django REST framework permission: an API endpoint exists only while its gate passes.

A failing gate answers **404** by default: a 403 would tell clients that a hidden endpoint
exists. ``status=403`` gives DRF's usual permission-denied answer instead. ::

    class BetaViewSet(viewsets.ModelViewSet):
        permission_classes = [IsAuthenticated, gate_permission("beta_api")]

The user is built from the underlying Django request after DRF authenticated it, so token
and session users alike are targeted.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from statsig_django.binding import bind

__all__ = ["FeatureGatePermission", "gate_permission"]


class FeatureGatePermission(BasePermission):
    """Subclass with ``feature_gate = "name"`` (``"!name"`` negates), or use the factory."""

    feature_gate: str = ""
    status: int = 404
    message = "This feature is not available."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not self.feature_gate:
            raise TypeError(f"{type(self).__name__} needs a feature_gate name")
        if bind(request).gate_passes(self.feature_gate):
            return True
        if self.status == 404:
            raise NotFound()
        return False


def gate_permission(name: str, *, status: int = 404) -> type[FeatureGatePermission]:
    """A permission class for ``name``; ``status`` is 404 (default) or 403."""
    if status not in (403, 404):
        raise ValueError("status must be 403 or 404")
    return type(
        f"FeatureGatePermission[{name}]",
        (FeatureGatePermission,),
        {"feature_gate": name, "status": status},
    )
