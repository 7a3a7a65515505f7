"""Opt-in endpoints: ``path("statsig/", include("statsig_django.urls"))``.

Paths have no trailing slash because the browser SDK appends ``/initialize`` and ``/rgstr``
to its ``networkConfig.api``; ``rgstr`` is the SDK's name for ``log_event``. ``overrides/`` is
the staff page for per-session QA overrides (it needs ``django.contrib.sessions``).
"""

from __future__ import annotations

from django.urls import path

from statsig_django import views

app_name = "statsig"

urlpatterns = [
    path("initialize", views.initialize, name="initialize"),
    path("log_event", views.log_event, name="log_event"),
    path("rgstr", views.log_event, name="rgstr"),
    path("overrides/", views.overrides, name="overrides"),
]
