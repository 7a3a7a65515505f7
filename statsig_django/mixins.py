"""Class-based view mixin: serve the view only while a gate passes.

Works for sync and async class-based views (Django's ``View.view_is_async``): for an async view
``dispatch`` returns a coroutine that loads the user the async way before checking.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase

from statsig_django.binding import abind, bind
from statsig_django.decorators import gate_failure

__all__ = ["FeatureGateRequiredMixin"]


class FeatureGateRequiredMixin:
    """Set ``feature_gate`` (``"!name"`` negates); override :meth:`handle_gate_failure`.

    By default a failing gate redirects to ``feature_gate_redirect_to`` (a URL name or path)
    when it is set, else raises ``Http404``.
    """

    feature_gate: str | None = None
    feature_gate_redirect_to: str | None = None
    view_is_async: bool

    def get_feature_gate(self) -> str:
        if not self.feature_gate:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a feature_gate name.")
        return self.feature_gate

    def handle_gate_failure(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """The response when the gate is off (may also raise, e.g. ``Http404``)."""
        return gate_failure(
            request,
            self.get_feature_gate(),
            args,
            kwargs,
            redirect_to=self.feature_gate_redirect_to,
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "view_is_async", False):
            return self._async_dispatch(request, *args, **kwargs)
        if bind(request).gate_passes(self.get_feature_gate()):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return self.handle_gate_failure(request, *args, **kwargs)

    async def _async_dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if (await abind(request)).gate_passes(self.get_feature_gate()):
            return await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        response = self.handle_gate_failure(request, *args, **kwargs)
        if hasattr(response, "__await__"):
            response = await response
        return response
