"""Settings for the Kiln & Co example shop.

Everything runs locally by default: no Statsig account, no network. Specs come from
``example_projects/shop_specs.json``, events are appended to ``events.jsonl`` next to
``manage.py``, and the browser SDK is served by this site from the npm package that
``python3 dev.py django`` installs. Environment variables (all optional):

``STATSIG_SERVER_SECRET`` / ``STATSIG_CLIENT_KEY``
    Use your Statsig project instead of the local specs file.
``STATSIG_EVENT_TRANSPORT``
    ``celery`` hands event batches to a Celery worker (broker: ``CELERY_BROKER_URL``).
``SHOP_EVENTS_FILE`` / ``SHOP_DATABASE``
    Where local-mode events and the SQLite database (sessions only) go.
``SHOP_DEBUG``
    ``0`` turns Django's debug mode off.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = BASE_DIR.parent
REPO_DIR = EXAMPLES_DIR.parent

SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "django-insecure-kiln-example-only")
DEBUG = os.environ.get("SHOP_DEBUG", "1") != "0"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "statsig_django",
    "store",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Who is browsing: the demo user picked with ?as=NAME (or the login page), no real auth.
    "store.demo.DemoLoginMiddleware",
    # request.statsig, and the first-party stable-ID cookie that the bootstrap hands to the
    # browser SDK, so the browser's user is exactly the server's (Bootstrap:Recognized).
    "statsig_django.middleware.StatsigMiddleware",
]

ROOT_URLCONF = "kiln.urls"
WSGI_APPLICATION = "kiln.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "statsig_django.context_processors.statsig",
                "store.demo.shop_context",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SHOP_DATABASE") or BASE_DIR / "db.sqlite3",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

STATIC_URL = "/static/"
STATICFILES_DIRS = [EXAMPLES_DIR / "static"]

USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shop's data, shared with the Flask example.
SHOP_SPECS_FILE = EXAMPLES_DIR / "shop_specs.json"
SHOP_CATALOG_FILE = EXAMPLES_DIR / "catalog.json"
SHOP_DEMO_USERS_FILE = EXAMPLES_DIR / "demo_users.json"
SHOP_EVENTS_FILE = Path(os.environ.get("SHOP_EVENTS_FILE") or BASE_DIR / "events.jsonl")
# The official browser SDK's UMD build, from the npm package the test-suite pins
# (tests/support/jsclient); STATSIG_JSCLIENT_CACHE moves that install, as it does for the tests.
SHOP_JS_CLIENT_FILE = (
    Path(os.environ.get("STATSIG_JSCLIENT_CACHE") or REPO_DIR / ".cache" / "jsclient")
    / "node_modules/@statsig/js-client/build/statsig-js-client.min.js"
)

STATSIG = {
    "SERVER_SECRET": os.environ.get("STATSIG_SERVER_SECRET") or None,
    "CLIENT_KEY": os.environ.get("STATSIG_CLIENT_KEY") or "client-kiln-local-demo",
    "SPECS_FILE": str(SHOP_SPECS_FILE),
    "ENVIRONMENT": "development",
    "USER_BUILDER": "store.demo.build_user",
    "EVENT_TRANSPORT": os.environ.get("STATSIG_EVENT_TRANSPORT") or None,
    # {% statsig_bootstrap %} loads the SDK from this site (store.views.js_client), not a CDN...
    "CLIENT_SCRIPT_URL": "/assets/statsig-js-client.min.js",
    # ...and the SDK sends its exposures to this site (statsig_django.urls, mounted at
    # /statsig/), which puts them into the same event pipeline as the server's.
    "CLIENT_OPTIONS": {
        "networkConfig": {"api": "/statsig", "sdkExceptionUrl": "/statsig/sdk_exception"},
    },
    # The SDK posts events with fetch/sendBeacon and cannot send a CSRF token. The endpoint
    # only accepts events for the visitor's own user, size- and rate-limited.
    "LOG_EVENT": {"CSRF_EXEMPT": True},
    "OPTIONS": {
        "local_event_log": str(SHOP_EVENTS_FILE),  # local mode: one JSON line per event
        "event_flush_interval": 1.0,  # so exposures show up in the file while you click
    },
}
# W003 says LOG_EVENT["CSRF_EXEMPT"] lets any site post events for a visitor; accepted above.
SILENCED_SYSTEM_CHECKS = ["statsig_django.W003"]

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_IGNORE_RESULT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "statsig_core": {"handlers": ["console"], "level": "WARNING"},
        "statsig_django": {"handlers": ["console"], "level": "WARNING"},
        "store": {"handlers": ["console"], "level": "INFO"},
    },
}
