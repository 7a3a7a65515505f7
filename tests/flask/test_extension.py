"""StatsigFlask: init_app for factories, per-app state, lazy per-process clients, clean shutdown."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from statsig_core import Statsig, StatsigUser
from statsig_core.events.transport import MemoryTransport
from statsig_flask import StatsigFlask, current_statsig, extension
from statsig_flask.extension import StatsigState, get_state
from tests.flask.helpers import events_of, names_of

from support.specs import cond, dcs, rule, spec


def factory(extension_object: StatsigFlask, gate_on: bool) -> Flask:
    """An app factory as users write them: the extension is created once, at import time."""
    app = Flask(__name__)
    payload = dcs(gates={"beta": spec(rule(cond(), pass_percentage=100 if gate_on else 0))})
    app.config.update(
        STATSIG_OPTIONS={"bootstrap_values": payload},
        STATSIG_EVENT_TRANSPORT=MemoryTransport(),
        STATSIG_ENVIRONMENT="production" if gate_on else "staging",
    )
    extension_object.init_app(app)

    @app.get("/")
    def index() -> str:
        return "on" if current_statsig.check_gate("beta") else "off"

    return app


def test_state_lives_in_app_extensions_not_on_the_extension(app: Flask):
    assert isinstance(app.extensions["statsig"], StatsigState)
    assert not hasattr(app.extensions["statsig"].extension, "app")


def test_registering_twice_on_one_app_is_refused(app: Flask):
    with pytest.raises(RuntimeError, match="already been registered"):
        StatsigFlask().init_app(app)


def test_one_extension_serves_two_apps_with_distinct_configs_and_clients():
    shared = StatsigFlask()
    on, off = factory(shared, gate_on=True), factory(shared, gate_on=False)
    try:
        assert on.test_client().get("/").text == "on"
        assert off.test_client().get("/").text == "off"
        assert get_state(on).client is not get_state(off).client
        assert get_state(on).settings.options.environment == "production"
        assert get_state(off).settings.options.environment == "staging"
        assert [e["metadata"]["gateValue"] for e in events_of(on)] == ["true"]
        assert [e["metadata"]["gateValue"] for e in events_of(off)] == ["false"]
    finally:
        shared.shutdown(on)
        shared.shutdown(off)


def test_init_app_starts_no_threads_and_creates_no_client():
    before = set(threading.enumerate())
    app = factory(StatsigFlask(), gate_on=True)
    assert set(threading.enumerate()) - before == set()
    assert not get_state(app).has_client
    app.test_client().get("/")
    assert get_state(app).has_client
    get_state(app).shutdown()


def test_concurrent_first_requests_share_one_client(app: Flask):
    state = get_state(app)
    with ThreadPoolExecutor(8) as pool:
        clients = set(map(id, pool.map(lambda _: state.client, range(32))))
    assert len(clients) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_creates_its_own_client(app: Flask):
    parent = get_state(app).client
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what a gunicorn --preload worker sees
        try:
            child = get_state(app).client
            ok = child is not parent and child.check_gate(StatsigUser(user_id="1"), "beta")
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
    assert get_state(app).client is parent


def test_requests_do_not_flush_and_shutdown_flushes_exactly_once(app: Flask):
    @app.get("/")
    def index() -> str:
        return str(current_statsig.check_gate("beta"))

    client = app.test_client()
    for _ in range(3):
        client.get("/")
    sink: MemoryTransport = app.config["STATSIG_EVENT_TRANSPORT"]
    assert sink.events == []  # batched, not flushed per request
    get_state(app).shutdown()
    assert len(sink.events) == 1  # one visitor (the cookie sticks), one deduplicated exposure
    get_state(app).shutdown()
    extension._shutdown_all()
    assert len(sink.events) == 1


def test_the_exit_hook_shuts_down_every_live_client(app: Flask):
    get_state(app).client.log_event(StatsigUser(user_id="u"), "bye")
    extension._shutdown_all()
    assert not get_state(app).has_client
    assert [e["eventName"] for e in app.config["STATSIG_EVENT_TRANSPORT"].events] == ["bye"]


def test_current_statsig_is_memoized_per_request(app: Flask):
    with app.test_request_context("/"):
        first = current_statsig._get_current_object()  # type: ignore[attr-defined]
        for _ in range(5):
            assert current_statsig.check_gate("beta")
        assert current_statsig._get_current_object() is first  # type: ignore[attr-defined]
    with app.test_request_context("/"):
        assert current_statsig._get_current_object() is not first  # type: ignore[attr-defined]
    assert names_of(events_of(app)) == ["beta"]


def test_outside_a_request_checks_use_an_empty_user(app: Flask):
    with app.app_context():
        assert current_statsig.user == StatsigUser()
        assert current_statsig.check_gate("beta") is True


def test_an_unregistered_app_gets_a_clear_error():
    with Flask(__name__).app_context(), pytest.raises(RuntimeError, match="init_app"):
        current_statsig.check_gate("beta")


def test_a_client_that_cannot_be_created_gives_defaults_not_errors(
    app: Flask, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args: Any, **kwargs: Any) -> Statsig:
        raise RuntimeError("boom")

    monkeypatch.setattr(extension, "Statsig", broken)

    @app.get("/")
    def index() -> str:
        price = current_statsig.get_config("pricing").get("price", 9)
        return f"{current_statsig.check_gate('beta')} {price}"

    assert app.test_client().get("/").text == "False 9"


def test_for_user_and_get_client_serve_background_work(app: Flask):
    shared: StatsigFlask = get_state(app).extension
    assert shared.for_user(StatsigUser(user_id="42"), app).check_gate("member") is True
    assert shared.for_user(StatsigUser(user_id="7"), app).check_gate("member") is False
    with app.app_context():
        assert shared.get_client() is get_state(app).client
