"""The DRF permission: 404 by default, 403 on request, targets the DRF-authenticated user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIRequestFactory, force_authenticate

from statsig_django.permissions import FeatureGatePermission, gate_permission
from tests.django import views


@pytest.mark.parametrize(
    ("path", "status"), [("/api/beta/", 200), ("/api/hidden/", 404), ("/api/forbidden/", 403)]
)
def test_gate_decides_whether_the_endpoint_exists(client, path, status):
    assert client.get(path).status_code == status


def test_token_style_authentication_is_what_the_gate_sees():
    request = APIRequestFactory().get("/api/members/")
    anonymous = views.MembersApi.as_view()(request)
    assert anonymous.status_code == 404
    request = APIRequestFactory().get("/api/members/")
    force_authenticate(request, user=User(pk=42, username="api-user"))
    response = views.MembersApi.as_view()(request)
    assert response.status_code == 200 and response.data == {"user": "42"}


def test_factory_names_the_class_and_validates_status():
    permission = gate_permission("beta", status=403)
    assert issubclass(permission, FeatureGatePermission)
    assert (permission.feature_gate, permission.status) == ("beta", 403)
    with pytest.raises(ValueError, match="403 or 404"):
        gate_permission("beta", status=401)


def test_permission_without_a_gate_name_is_a_programming_error():
    with pytest.raises(TypeError, match="needs a feature_gate"):
        FeatureGatePermission().has_permission(APIRequestFactory().get("/"), None)
