"""App config: registers the system checks and starts the client when a server starts."""

from __future__ import annotations

import os
import sys

from django.apps import AppConfig
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

__all__ = ["StatsigConfig", "is_autoreloader_parent"]


def is_autoreloader_parent(argv: list[str] | None = None) -> bool:
    """True in ``runserver``'s file-watching parent, which never serves a request.

    The parent restarts a child (marked with ``RUN_MAIN=true``) on every code change; starting
    threads or fetching specs there would only double the work.
    """
    argv = sys.argv if argv is None else argv
    return (
        len(argv) > 1
        and argv[1] == "runserver"
        and "--noreload" not in argv
        and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
    )


class StatsigConfig(AppConfig):
    name = "statsig_django"
    verbose_name = "Statsig"

    def ready(self) -> None:
        from statsig_django import checks  # noqa: F401  (registers the checks)
        from statsig_django.client import statsig_or_none
        from statsig_django.conf import get_settings

        if get_settings().init_at_startup and not is_autoreloader_parent():
            # Waits at most INIT_TIMEOUT; a forked worker rebuilds its own on first use.
            statsig_or_none()
