"""AppConfig.ready(): checks registered, client started, but never in the autoreloader parent."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.test import override_settings

from statsig_django import client as client_module
from statsig_django.apps import is_autoreloader_parent
from statsig_django.client import reset_statsig


@pytest.mark.parametrize(
    ("argv", "run_main", "expected"),
    [
        (["manage.py", "runserver"], None, True),
        (["manage.py", "runserver", "0:8000"], None, True),
        (["manage.py", "runserver"], "true", False),  # the child that serves requests
        (["manage.py", "runserver", "--noreload"], None, False),
        (["manage.py", "migrate"], None, False),
        (["gunicorn", "site.wsgi"], None, False),
        (["python"], None, False),
    ],
)
def test_autoreloader_parent_detection(monkeypatch, argv, run_main, expected):
    if run_main is None:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    else:
        monkeypatch.setenv("RUN_MAIN", run_main)
    assert is_autoreloader_parent(argv) is expected


def _ready(monkeypatch, argv):
    reset_statsig()
    monkeypatch.setattr("sys.argv", argv)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    apps.get_app_config("statsig_django").ready()
    return client_module._state[0]


def test_ready_starts_the_client(monkeypatch):
    assert _ready(monkeypatch, ["manage.py", "runserver", "--noreload"]) is not None


def test_ready_starts_nothing_in_the_autoreloader_parent(monkeypatch):
    assert _ready(monkeypatch, ["manage.py", "runserver"]) is None


def test_init_at_startup_false_defers_to_first_use(monkeypatch):
    with override_settings(STATSIG={**settings.STATSIG, "INIT_AT_STARTUP": False}):
        assert _ready(monkeypatch, ["gunicorn"]) is None


def test_checks_are_registered_under_the_statsig_tag():
    assert "statsig" in checks.registry.registry.tags_available()
