"""gated_path / gated_re_path, including gated include()s."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/gated/on/", 200, b"home"),
        ("/gated/off/", 404, None),
        ("/gated/async/", 200, b"async on"),
        ("/gated/re/abc/", 203, b"fallback {'slug': 'abc'}"),
        ("/gated/include-on/page/", 200, b"home"),
        ("/gated/include-on/some-slug/", 200, b"home {'slug': 'some-slug'}"),
        ("/gated/include-off/page/", 203, b"fallback {}"),
        ("/gated/include-off/x/", 203, b"fallback {'slug': 'x'}"),
    ],
)
def test_routes_are_served_only_while_their_gate_passes(client, path, status, body):
    response = client.get(path)
    assert response.status_code == status
    if body is not None:
        assert response.content == body


def test_gated_redirect(client):
    response = client.get("/gated/redirect/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_gated_routes_still_reverse():
    assert reverse("gated-off") == "/gated/off/"
    assert reverse("included-page") == "/gated/include-off/page/"  # the last include wins


@pytest.mark.asyncio
async def test_gated_routes_under_asgi(async_client):
    assert (await async_client.get("/gated/async/")).content == b"async on"
    assert (await async_client.get("/gated/off/")).status_code == 404
