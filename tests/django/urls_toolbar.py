"""tests/django URLs plus django-debug-toolbar's (for the panel tests)."""

from __future__ import annotations

from django.urls import include, path

from tests.django.urls import urlpatterns as base

urlpatterns = [*base, path("__debug__/", include("debug_toolbar.urls"))]
