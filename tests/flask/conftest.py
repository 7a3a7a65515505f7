"""Fixtures for the Flask suite: apps built from a small specs payload, events kept in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statsig_core.events.transport import MemoryTransport
from statsig_flask import StatsigFlask
from tests.flask.helpers import PAYLOAD, MakeApp


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """Flask apps with ``StatsigFlask`` on :data:`PAYLOAD`; each app's events go to memory."""
    made: list[Flask] = []

    def make(payload: dict[str, Any] | None = None, **config: Any) -> Flask:
        app = Flask(__name__)
        app.config.update(
            TESTING=True,
            SECRET_KEY="test",
            STATSIG_OPTIONS={"bootstrap_values": payload or PAYLOAD},
            STATSIG_EVENT_TRANSPORT=MemoryTransport(),
        )
        app.config.update(config)
        StatsigFlask(app)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["statsig"].shutdown(timeout=1)


@pytest.fixture
def app(make_app: MakeApp) -> Flask:
    """The default app (also what the ``statsig_flask`` pytest plugin's fixtures use)."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
