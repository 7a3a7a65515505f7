"""Pytest fixtures for tests that need the real ``@statsig/js-client``.

The project rule for external parts (skip on a user's machine, fail in CI) lives in
:mod:`support.services`.

Use it from a conftest (``pytest_plugins = ["support.jsclient_fixtures"]`` next to the tests
root) or import the fixture into a test module.
"""

from __future__ import annotations

import pytest

from .jsclient import JsClient, prepare_js_client
from .services import require_module, services_required, skip_or_fail

__all__ = ["js_client", "require_module", "services_required", "skip_or_fail"]


@pytest.fixture(scope="session")
def js_client() -> JsClient:
    """The pinned official js-client, installed once per cache; skips (or fails in CI) if absent."""
    setup = prepare_js_client()
    if setup.modules is None or setup.version is None:
        skip_or_fail(f"@statsig/js-client is unavailable: {setup.reason}")
    return JsClient(modules=setup.modules, version=setup.version)
