"""{% load statsig %}: gate blocks, value tags and the bootstrap tag, in Django templates."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError

from statsig_core import StatsigUser
from statsig_core.testing import capture_events
from statsig_core.web import BoundStatsig

GATES = "[public on]\n[off off]\n[negated on]\n[not off]\n[variable on]\n[check True]"


def test_if_gate_with_else_negation_and_variable_names(client):
    assert client.get("/template/gates/").content.decode().strip() == GATES


def test_value_tags_with_defaults(client):
    body = client.get("/template/values/").content.decode().strip()
    assert body == (
        "price=12.5 missing=9.99 currency=EUR headline=Buy now! group=Test color=green "
        "nothing=fallback user=anonymous"
    )


@pytest.mark.asyncio
async def test_templates_render_the_same_under_asgi(async_client):
    response = await async_client.get("/template/gates/")
    assert response.content.decode().strip() == GATES


def test_without_a_request_tags_evaluate_for_an_anonymous_user_once_per_render(statsig):
    template = Template(
        '{% load statsig %}{% if_gate "public_gate" %}a{% endif_gate %}'
        '{% if_gate "public_gate" %}b{% endif_gate %}{% get_config "pricing" "price" %}'
    )
    with capture_events(statsig) as captured:
        assert template.render(Context({})) == "ab12.5"
        assert len(captured.exposures("gate")) == 1


def test_an_explicit_statsig_variable_renders_for_that_user(statsig):
    """E-mails and background jobs pass the user they render for."""
    template = Template(
        '{% load statsig %}{% if_gate "example_emails" %}staff{% else %}guest{% endif_gate %}'
    )
    staff = BoundStatsig(statsig, StatsigUser(user_id="1", email="ops@example.com"))
    guest = BoundStatsig(statsig, StatsigUser(user_id="2", email="x@elsewhere.org"))
    assert template.render(Context({"statsig": staff})) == "staff"
    assert template.render(Context({"statsig": guest})) == "guest"


def test_empty_gate_name_renders_the_else_branch():
    template = Template("{% load statsig %}{% if_gate name %}on{% else %}off{% endif_gate %}")
    assert template.render(Context({"name": ""})) == "off"


@pytest.mark.parametrize(
    "source",
    [
        "{% load statsig %}{% if_gate %}x{% endif_gate %}",
        '{% load statsig %}{% if_gate "a" "b" %}x{% endif_gate %}',
        '{% load statsig %}{% if_gate "a" %}x',
    ],
)
def test_malformed_if_gate_is_a_template_syntax_error(source):
    with pytest.raises(TemplateSyntaxError):
        Template(source)


def test_context_processor_exposes_the_request_client(client):
    response = client.get("/template/values/")
    assert response.context["statsig"] is response.wsgi_request.statsig
