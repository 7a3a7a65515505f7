"""statsig_django.jinja2.StatsigExtension under Django's Jinja2 backend."""

from __future__ import annotations

import pytest
from django.template import engines
from jinja2 import TemplateSyntaxError

from statsig_core import StatsigUser
from statsig_core.testing import capture_events
from statsig_core.web import BoundStatsig

EXPECTED = (
    "[public on]\n[off off]\n[negated on]\n[not off]\n[variable on]\n[check True]\n"
    "[test on test off]\nprice=12.5 group=Test color=green"
)


def test_tags_tests_and_globals_render(client):
    assert client.get("/jinja/gates/").content.decode().strip() == EXPECTED


@pytest.mark.asyncio
async def test_same_under_asgi(async_client):
    assert (await async_client.get("/jinja/gates/")).content.decode().strip() == EXPECTED


def test_one_evaluation_per_name_per_request(client, statsig):
    with capture_events(statsig) as captured:
        response = client.get("/jinja/gates/")
        assert len(captured.exposures("gate")) == 2
    names = [(e.kind, e.name) for e in response.wsgi_request.statsig.evaluations]
    assert names.count(("gate", "public_gate")) == 1


def test_explicit_statsig_variable_and_no_request(statsig):
    template = engines["jinja2"].from_string(
        '{% if_gate "example_emails" %}staff{% else %}guest{% endif_gate %}'
    )
    staff = BoundStatsig(statsig, StatsigUser(email="ops@example.com"))
    assert template.render({"statsig": staff}) == "staff"
    assert template.render({}) == "guest"


def test_unclosed_if_gate_is_a_syntax_error():
    with pytest.raises(TemplateSyntaxError):
        engines["jinja2"].env.from_string('{% if_gate "a" %}x')
