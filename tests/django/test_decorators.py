"""@feature_gate and @experiment on sync and async views."""

from __future__ import annotations

import pytest
from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from statsig_django.decorators import feature_gate
from tests.django import views


def test_decorated_async_views_stay_coroutine_functions():
    for view in (views.aon, views.aoff, views.aredirect_by_path, views.experiment_param):
        assert iscoroutinefunction(view), view
    assert not iscoroutinefunction(views.on)
    assert views.on.__name__ == "on"  # functools.wraps keeps the view's identity


@pytest.mark.parametrize(("path", "status", "body"), [("/on/", 200, b"on"), ("/off/", 404, None)])
def test_sync_view_is_served_only_while_its_gate_passes(client, path, status, body):
    response = client.get(path)
    assert response.status_code == status
    if body is not None:
        assert response.content == body


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "status", "body"), [("/aon/", 200, b"async on"), ("/aoff/", 404, None)]
)
async def test_async_view_is_served_only_while_its_gate_passes(async_client, path, status, body):
    response = await async_client.get(path)
    assert response.status_code == status
    if body is not None:
        assert response.content == body


def test_async_view_also_works_under_the_wsgi_client(client):
    assert client.get("/aon/").content == b"async on"


def test_negated_gate_serves_the_view_while_the_gate_fails(client):
    assert client.get("/negated/").content == b"negated"


def test_redirect_to_a_url_name(client):
    response = client.get("/redirect-by-name/")
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.asyncio
async def test_redirect_to_a_path_from_an_async_view(async_client):
    response = await async_client.get("/aredirect-by-path/")
    assert response.status_code == 302 and response["Location"] == "/somewhere/else/"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/with-fallback/abc/", b"fallback {'slug': 'abc'}"),
        ("/sync-async-fallback/abc/", b"async fallback {'slug': 'abc'}"),
    ],
)
def test_fallback_view_gets_the_same_arguments(client, path, body):
    response = client.get(path)
    assert response.status_code == 203 and response.content == body


@pytest.mark.asyncio
async def test_async_view_with_a_sync_fallback(async_client):
    response = await async_client.get("/async-sync-fallback/xyz/")
    assert response.status_code == 203 and response.content == b"fallback {'slug': 'xyz'}"


def test_experiment_injects_the_experiment_object(client):
    assert client.get("/experiment/object/").content == b"Test:Buy now!"


@pytest.mark.asyncio
async def test_experiment_injects_a_parameter_into_an_async_view(async_client):
    assert (await async_client.get("/experiment/param/")).content == b"Buy now!"


def test_experiment_parameter_default_and_renamed_kwarg(client):
    assert client.get("/experiment/default/").content == b"default text"


def test_decorators_work_without_the_middleware(client):
    middleware = [m for m in settings.MIDDLEWARE if "statsig" not in m]
    with override_settings(MIDDLEWARE=middleware):
        served = client.get("/on/")
        assert client.get("/off/").status_code == 404
    assert served.status_code == 200
    # Nothing would set a minted id on the response, so none is minted.
    assert not served.cookies and served.wsgi_request.statsig.user.custom_ids is None


def test_decorator_can_be_applied_to_a_plain_function_and_called_directly():
    @feature_gate("public_gate")
    def view(request):
        return HttpResponse("direct")

    request = RequestFactory().get("/")
    assert view(request).content == b"direct"
    assert request.statsig.evaluations[0].name == "public_gate"
