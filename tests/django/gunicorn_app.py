"""The Django test project as a WSGI app for gunicorn (see test_gunicorn.py): the suite's
settings, but with specs and events going to the fake Statsig API at ``STATSIG_TEST_API``."""

from __future__ import annotations

import os

from django.conf import settings

from tests.django import settings as suite

settings.configure(
    **{name: getattr(suite, name) for name in dir(suite) if name.isupper() and name != "STATSIG"},
    STATSIG={
        "SERVER_SECRET": "secret-gunicorn-test",
        "EVENT_TRANSPORT": "http",
        # Events wait for the worker's exit (flush interval longer than the test), so what
        # arrives at the fake API proves the shutdown flush of each worker.
        "OPTIONS": {"api": os.environ["STATSIG_TEST_API"], "event_flush_interval": 600},
    },
)

from django.core.wsgi import get_wsgi_application  # noqa: E402  (needs the settings above)

# Sets Django up in gunicorn's master under --preload: AppConfig.ready() starts the client there.
application = get_wsgi_application()
