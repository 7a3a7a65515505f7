"""URLs for tests/django."""

from __future__ import annotations

from django.urls import include, path

from statsig_django.paths import gated_path, gated_re_path
from tests.django import views

included = [
    path("page/", views.home, name="included-page"),
    path("<slug:slug>/", views.home, name="included-slug"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("whoami/", views.whoami),
    path("awhoami/", views.awhoami),
    path("check/<str:name>/", views.check),
    path("worker/", views.worker),
    path("nothing/", views.nothing),
    path("template/<str:name>/", views.template_page),
    path("jinja/<str:name>/", views.jinja_page),
    path("bootstrap/<str:name>/", views.bootstrap_page),
    path("on/", views.on),
    path("aon/", views.aon),
    path("off/", views.off),
    path("aoff/", views.aoff),
    path("negated/", views.negated),
    path("redirect-by-name/", views.redirect_by_name),
    path("aredirect-by-path/", views.aredirect_by_path),
    path("with-fallback/<slug:slug>/", views.with_fallback),
    path("async-sync-fallback/<slug:slug>/", views.async_with_sync_fallback),
    path("sync-async-fallback/<slug:slug>/", views.sync_with_async_fallback),
    path("members/", views.members_only),
    path("experiment/object/", views.experiment_object),
    path("experiment/param/", views.experiment_param),
    path("experiment/default/", views.experiment_default),
    path("cbv/on/", views.OnView.as_view()),
    path("cbv/off/", views.OffView.as_view()),
    path("cbv/aon/", views.AsyncOnView.as_view()),
    path("cbv/aoff/", views.AsyncOffView.as_view()),
    path("cbv/custom/", views.CustomFailureView.as_view()),
    path("cbv/acustom/", views.AsyncCustomFailureView.as_view()),
    path("cbv/redirect/", views.RedirectingView.as_view()),
    path("api/beta/", views.BetaApi.as_view()),
    path("api/hidden/", views.HiddenApi.as_view()),
    path("api/forbidden/", views.ForbiddenApi.as_view()),
    path("api/members/", views.MembersApi.as_view()),
    gated_path("gated/on/", views.home, gate="public_gate"),
    gated_path("gated/off/", views.home, name="gated-off", gate="off_gate"),
    gated_path("gated/async/", views.aon, gate="!off_gate"),
    gated_path("gated/redirect/", views.home, gate="off_gate", redirect_to="home"),
    gated_re_path(
        r"^gated/re/(?P<slug>\w+)/$", views.home, gate="off_gate", fallback=views.fallback
    ),
    gated_path("gated/include-on/", include(included), gate="public_gate"),
    gated_path("gated/include-off/", include(included), gate="off_gate", fallback=views.fallback),
    path("statsig/", include("statsig_django.urls")),
]
