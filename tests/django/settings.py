"""Settings for tests/django (applied by tests/django/conftest.py with settings.configure)."""

from __future__ import annotations

from pathlib import Path

from tests.django.specs_data import write_specs

HERE = Path(__file__).resolve().parent

SECRET_KEY = "statsig-django-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
USE_TZ = True
STATIC_URL = "/static/"
ROOT_URLCONF = "tests.django.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = [
    "django.contrib.admin",  # LogEntry, for the overrides page's audit trail
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "statsig_django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "statsig_django.middleware.StatsigMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "statsig_django.context_processors.statsig",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [HERE / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"extensions": ["statsig_django.jinja2.StatsigExtension"]},
    },
]
STATSIG = {
    "SPECS_FILE": write_specs(),
    "CLIENT_KEY": "client-test-key",
    "OPTIONS": {"local_event_log": None},
}
