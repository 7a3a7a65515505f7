"""StatsigUser: official field names in and out, immutability, private attributes kept in."""

from __future__ import annotations

import pytest

from statsig_core import StatsigUser


def test_from_dict_accepts_official_and_python_names():
    a = StatsigUser.from_dict(
        {"userID": 42, "customIDs": {"stableID": 7}, "appVersion": "1.0", "_label": "ignored"}
    )
    b = StatsigUser.from_dict(
        {"user_id": "42", "custom_ids": {"stableID": "7"}, "app_version": "1.0"}
    )
    assert a == b
    assert a.user_id == "42" and a.custom_ids == {"stableID": "7"}


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match="usrID"):
        StatsigUser.from_dict({"usrID": "1"})


def test_to_dict_uses_json_names_and_never_includes_private_attributes():
    user = StatsigUser(
        user_id="1",
        user_agent="UA",
        private_attributes={"ssn": "x"},
        statsig_environment={"tier": "staging"},
    )
    assert user.to_dict() == {
        "userID": "1",
        "userAgent": "UA",
        "statsigEnvironment": {"tier": "staging"},
    }
    assert user.to_dict(include_private=True)["privateAttributes"] == {"ssn": "x"}
    assert "ssn" not in repr(user)


def test_users_are_immutable_and_derive_with_with_changes():
    user = StatsigUser(user_id="1", email="a@b.co")
    with pytest.raises(AttributeError):
        user.email = "other@b.co"  # type: ignore[misc]
    changed = user.with_changes(email="c@d.co")
    assert (user.email, changed.email, changed.user_id) == ("a@b.co", "c@d.co", "1")
    with pytest.raises(TypeError):
        user.with_changes(nickname="x")


def test_user_without_ids_is_allowed():
    assert StatsigUser().to_dict() == {}
