"""Configure Django for tests/django only.

The whole repository's suite runs in one pytest process, and the core and Flask suites must not
depend on Django. So ``DJANGO_SETTINGS_MODULE`` stays unset (pytest-django then leaves every
other test alone, and subprocesses such as the example projects never inherit it) and this
directory calls ``settings.configure(...)`` when pytest collects it.

This folder has no ``__init__.py`` on purpose: with ``tests`` on ``sys.path`` it would shadow
the real ``django`` package. Its modules are imported as ``tests.django.*``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.conf import settings

from statsig_core import Statsig
from tests.django import settings as test_settings

if not settings.configured:
    settings.configure(**{k: v for k, v in vars(test_settings).items() if k.isupper()})
    django.setup()


@pytest.fixture(autouse=True, scope="session")
def _block_database_without_marker(django_db_blocker: Any) -> Iterator[None]:
    """Like DJANGO_SETTINGS_MODULE runs: only ``django_db`` tests may touch the database."""
    with django_db_blocker.block():
        yield


@pytest.fixture
def statsig() -> Statsig:
    from statsig_django.client import get_statsig

    return get_statsig()
