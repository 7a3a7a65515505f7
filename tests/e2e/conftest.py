"""Fixtures for the browser tests: Debian Chromium through Playwright, the official browser SDK
from npm, and the example shops running as real servers.

A missing piece (Chromium, Playwright, Node/npm) skips these tests on a user's machine and fails
them under ``STATSIG_REQUIRE_SERVICES=1`` (CI), like every other external service.
Screenshots go to ``<repo>/test-artifacts/e2e/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from statsig_core import Statsig
from tests.e2e.shops import REPO, SHOPS, Shop, make_oracle, run_shop

from support.jsclient import cache_dir, prepare_js_client
from support.services import require_module, skip_or_fail

ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium (``STATSIG_CHROMIUM`` overrides); never a Playwright download."""
    override = os.environ.get("STATSIG_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def js_client_cache() -> Path:
    """The folder holding the npm-installed ``@statsig/js-client`` the shops serve."""
    setup = prepare_js_client()
    if setup.modules is None:
        skip_or_fail(f"@statsig/js-client is unavailable: {setup.reason}")
    return cache_dir()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium per test module (Playwright's sync API runs its own event
    loop, so it is stopped before the rest of the suite's asyncio tests run)."""
    executable = chromium_path()
    if executable is None:
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    sync_api = require_module("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module", params=SHOPS)
def shop(
    request: pytest.FixtureRequest, js_client_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    """The Django shop, then the Flask shop, each running for one module's tests."""
    kind = request.param
    with run_shop(kind, tmp_path_factory.mktemp(f"{kind}_shop"), js_client_cache) as running:
        yield running


@pytest.fixture(scope="session")
def oracle() -> Iterator[Statsig]:
    client = make_oracle()
    yield client
    client.shutdown(timeout=1)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
