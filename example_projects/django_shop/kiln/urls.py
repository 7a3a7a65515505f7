from django.urls import include, path
from store import views

urlpatterns = [
    # The browser SDK's own error reports (STATSIG["CLIENT_OPTIONS"] points it here).
    path("statsig/sdk_exception", views.sdk_exception, name="sdk_exception"),
    # statsig_django's endpoints for the browser SDK: initialize, and rgstr for its events.
    path("statsig/", include("statsig_django.urls")),
    path("", include("store.urls")),
]
