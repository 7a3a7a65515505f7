"""FeatureGateRequiredMixin on sync and async class-based views."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.views import View

from statsig_django.mixins import FeatureGateRequiredMixin


@pytest.mark.parametrize(
    ("path", "status"),
    [("/cbv/on/", 200), ("/cbv/off/", 404), ("/cbv/aon/", 200), ("/cbv/aoff/", 404)],
)
def test_view_is_served_only_while_its_gate_passes(client, path, status):
    assert client.get(path).status_code == status


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "status", "body"),
    [("/cbv/aon/", 200, b"async cbv on"), ("/cbv/aoff/", 404, None), ("/cbv/on/", 200, b"cbv on")],
)
async def test_async_client_gets_the_same_answers(async_client, path, status, body):
    response = await async_client.get(path)
    assert response.status_code == status
    if body:
        assert response.content == body


@pytest.mark.parametrize("path", ["/cbv/custom/", "/cbv/acustom/"])
def test_failure_hook_can_be_overridden(client, path):
    response = client.get(path)
    assert response.status_code == 451 and response.content == b"custom failure"


def test_failing_gate_redirects_when_asked(client):
    response = client.get("/cbv/redirect/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_missing_gate_name_is_a_configuration_error():
    class Nameless(FeatureGateRequiredMixin, View):
        def get(self, request):
            raise AssertionError("unreachable")

    with pytest.raises(ImproperlyConfigured, match="needs a feature_gate"):
        Nameless.as_view()(RequestFactory().get("/"))
