"""The staff overrides page: listing, per-session overrides, who gets them, and the audit trail."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.test import AsyncClient, Client

from statsig_core.evaluation.hashing import djb2
from statsig_core.testing import capture_events
from statsig_django.overrides import SESSION_KEY
from statsig_django.signals import override_changed

from support.pages import bootstrap_data

pytestmark = pytest.mark.django_db

PAGE = "/statsig/overrides/"


@pytest.fixture
def staff() -> User:
    return User.objects.create_user("qa", is_staff=True)


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def force(client: Client, kind: str, name: str, value: str, action: str = "set"):
    return client.post(PAGE, {"action": action, "kind": kind, "name": name, "value": value})


def forge(client: Client, overrides: dict) -> None:
    session = client.session
    session[SESSION_KEY] = overrides
    session.save()


def test_staff_see_every_name_of_the_specs_and_listing_logs_no_exposure(staff_client, statsig):
    with capture_events(statsig) as captured:
        response = staff_client.get(PAGE)
        assert captured.events == []
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    listed = {
        section.kind: {row.name: (row.value, row.forced) for row in section.rows}
        for section in response.context["sections"]
    }
    assert set(listed["gate"]) == {
        "public_gate",
        "off_gate",
        "example_emails",
        "french",
        "signed_in",
    }
    assert listed["gate"]["public_gate"] == ("true", None)
    assert listed["config"] == {"pricing": ('{"currency":"EUR","price":12.5}', None)}
    assert listed["experiment"] == {"checkout_copy": ('{"headline":"Buy now!"}', None)}
    assert listed["layer"] == {"checkout_layer": ('{"button_color":"green"}', None)}
    assert b"Clear all overrides" not in response.content
    assert staff_client.put(PAGE).status_code == 405


def test_staff_overrides_reach_views_and_templates_without_exposures(staff_client, statsig):
    assert force(staff_client, "gate", "off_gate", "true").status_code == 302
    assert force(staff_client, "gate", "public_gate", "false").status_code == 302
    assert force(staff_client, "config", "pricing", '{"price": 1}').status_code == 302
    assert (
        force(staff_client, "experiment", "checkout_copy", '{"headline": "QA"}').status_code == 302
    )
    assert (
        force(staff_client, "layer", "checkout_layer", '{"button_color": "red"}').status_code == 302
    )
    with capture_events(statsig) as captured:
        assert staff_client.get("/off/").content == b"never"
        assert staff_client.get("/on/").status_code == 404
        gates = staff_client.get("/template/gates/").content.decode()
        values = staff_client.get("/template/values/").content.decode()
        assert staff_client.get("/experiment/param/").content == b"QA"
        assert captured.exposures("gate") == []
        assert captured.exposures("config") == captured.exposures("layer") == []
    assert "[public off]" in gates and "[off on]" in gates
    assert "price=1 " in values and "headline=QA" in values and "color=red" in values

    page = staff_client.get(PAGE)
    rows = {row.name: row for section in page.context["sections"] for row in section.rows}
    assert (rows["off_gate"].value, rows["off_gate"].rule_id) == ("true", "override")
    assert rows["pricing"].forced == '{"price":1}'
    assert b"Clear all overrides" in page.content

    force(staff_client, "gate", "off_gate", "", action="clear")
    assert staff_client.get("/off/").status_code == 404
    staff_client.post(PAGE, {"action": "clear_all"})
    assert staff_client.get("/on/").content == b"on"
    assert SESSION_KEY not in staff_client.session


def test_the_browser_bootstrap_shows_the_sessions_forced_values(staff_client):
    force(staff_client, "gate", "off_gate", "true")
    force(staff_client, "config", "pricing", '{"price": 1}')
    payload = bootstrap_data(staff_client.get("/bootstrap/bootstrap/").content.decode())
    gate = payload["feature_gates"][djb2("off_gate")]
    assert (gate["value"], gate["rule_id"]) == (True, "override")
    assert payload["dynamic_configs"][djb2("pricing")]["value"] == {"price": 1}
    assert payload["feature_gates"][djb2("public_gate")]["value"] is True  # the rest as before


def test_an_async_view_sees_the_overrides(staff_client):
    force(staff_client, "gate", "off_gate", "true")

    async def fetch() -> int:
        async_client = AsyncClient()
        async_client.cookies = staff_client.cookies
        return (await async_client.get("/aoff/")).status_code

    assert async_to_sync(fetch)() == 200


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_anyone_but_staff_gets_a_404(client, method):
    member = User.objects.create_user("member")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    for who in (Client(), strict):
        assert getattr(who, method)(PAGE, {"action": "clear_all"}).status_code == 404
    assert LogEntry.objects.count() == 0


def test_a_forged_session_gives_non_staff_nothing(client, staff):
    forge(client, {"gate": {"off_gate": True}})
    assert client.get("/off/").status_code == 404  # anonymous
    client.force_login(User.objects.create_user("member"))
    forge(client, {"gate": {"off_gate": True}})
    assert client.get("/off/").status_code == 404
    client.force_login(staff)
    forge(client, {"gate": {"off_gate": True}})
    assert client.get("/off/").status_code == 200
    staff.is_staff = False  # demoted: the session keeps the key, the overrides stop
    staff.save()
    assert client.get("/off/").status_code == 404


def test_csrf_is_enforced_for_staff(staff):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    data = {"action": "set", "kind": "gate", "name": "off_gate", "value": "true"}
    assert strict.post(PAGE, data).status_code == 403
    strict.get(PAGE)
    token = strict.cookies["csrftoken"].value
    assert strict.post(PAGE, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert strict.get("/off/").status_code == 200


def test_every_change_is_audited(staff_client, staff, caplog):
    sent = []

    def receiver(**kwargs):
        sent.append(kwargs)

    override_changed.connect(receiver)
    try:
        with caplog.at_level(logging.INFO, logger="statsig_django"):
            force(staff_client, "experiment", "checkout_copy", '{"headline": "QA"}')
            force(staff_client, "experiment", "checkout_copy", "", action="clear")
            force(staff_client, "gate", "french", "", action="clear")  # nothing to clear
    finally:
        override_changed.disconnect(receiver)
    assert [(s["sender"], s["user"], s["kind"], s["name"], s["value"]) for s in sent] == [
        (User, staff, "experiment", "checkout_copy", {"headline": "QA"}),
        (User, staff, "experiment", "checkout_copy", None),
    ]
    assert sent[0]["request"].path == PAGE
    entries = list(LogEntry.objects.order_by("pk"))
    assert [(e.user_id, e.object_id, e.action_flag) for e in entries] == [
        (staff.pk, str(staff.pk), CHANGE)
    ] * 2
    assert entries[0].change_message == (
        'Statsig session override: experiment \'checkout_copy\' = {"headline":"QA"}'
    )
    assert entries[1].change_message.endswith("'checkout_copy' cleared")
    assert [r.getMessage() for r in caplog.records if r.name == "statsig_django"] == [
        f"statsig: {entries[0].change_message} (user {staff.pk})",
        f"statsig: {entries[1].change_message} (user {staff.pk})",
    ]


@pytest.mark.parametrize(
    ("kind", "name", "value", "action"),
    [
        ("gate", "off_gate", "maybe", "set"),
        ("gate", "off_gate", '"true"', "set"),
        ("config", "pricing", "[1, 2]", "set"),
        ("layer", "checkout_layer", "x" * 20_000, "set"),
        ("gate", "no_such_gate", "true", "set"),
        ("experiment", "pricing", "{}", "set"),  # a config, not an experiment
        ("segment", "off_gate", "true", "set"),
        ("gate", "off_gate", "true", "toggle"),
    ],
)
def test_bad_forms_are_refused_and_change_nothing(staff_client, kind, name, value, action):
    response = force(staff_client, kind, name, value, action=action)
    assert response.status_code == 400
    assert response.context["error"]
    assert SESSION_KEY not in staff_client.session
    assert LogEntry.objects.count() == 0


def test_the_page_escapes_names_and_keeps_stale_overrides_clearable(staff_client):
    forge(staff_client, {"gate": {"<b>gone</b>": True}, "config": {"x": "not a dict"}})
    page = staff_client.get(PAGE).content.decode()
    assert "&lt;b&gt;gone&lt;/b&gt;" in page and "<b>gone" not in page
    assert "not in the loaded specs" in page
    assert "<script" not in page and " style=" not in page
    force(staff_client, "gate", "<b>gone</b>", "", action="clear")
    assert SESSION_KEY not in staff_client.session
