"""End to end under a real ASGI server (uvicorn): cookies, gates and templates over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings
from django.test import override_settings

uvicorn = pytest.importorskip("uvicorn")


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    from django.core.asgi import get_asgi_application

    config = uvicorn.Config(
        get_asgi_application(),
        host="127.0.0.1",
        port=0,
        log_level="error",
        lifespan="off",
        # uvicorn's own X-Forwarded-For handling (on by default for 127.0.0.1) would rewrite
        # REMOTE_ADDR before Django sees it; switched off, the header reaches our middleware.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_async_views_gates_and_cookie_over_http(server_url):
    with httpx.Client(base_url=server_url) as http:
        whoami = http.get("/awhoami/", headers={"User-Agent": "uvicorn-test"})
        assert whoami.status_code == 200
        stable_id = whoami.cookies["statsig_stable_id"]
        assert whoami.json()["customIDs"] == {"stableID": stable_id}
        assert "HttpOnly" in whoami.headers["set-cookie"]
        assert "SameSite=Lax" in whoami.headers["set-cookie"]
        assert whoami.headers["vary"] == "Cookie"
        again = http.get("/awhoami/")
        assert again.json()["customIDs"] == {"stableID": stable_id}
        assert "set-cookie" not in again.headers
        assert http.get("/aon/").text == "async on"
        assert http.get("/aoff/").status_code == 404
        assert http.get("/cbv/aon/").text == "async cbv on"
        assert "[public on]" in http.get("/template/gates/").text
        assert "[test on test off]" in http.get("/jinja/gates/").text


def test_forwarded_for_counts_only_behind_trusted_proxies(server_url):
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert httpx.get(f"{server_url}/awhoami/", headers=headers).json()["ip"] == "127.0.0.1"
    with override_settings(STATSIG={**settings.STATSIG, "TRUSTED_PROXY_COUNT": 1}):
        behind_proxy = httpx.get(f"{server_url}/awhoami/", headers=headers).json()
    assert behind_proxy["ip"] == "203.0.113.7"
