"""The debug-toolbar panel, rendered with the toolbar really installed."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import override_settings

pytest.importorskip("debug_toolbar")


def show_toolbar(request):
    return True


TOOLBAR = override_settings(
    INSTALLED_APPS=[*settings.INSTALLED_APPS, "django.contrib.staticfiles", "debug_toolbar"],
    MIDDLEWARE=["debug_toolbar.middleware.DebugToolbarMiddleware", *settings.MIDDLEWARE],
    ROOT_URLCONF="tests.django.urls_toolbar",
    DEBUG_TOOLBAR_PANELS=["statsig_django.panels.StatsigPanel"],
    DEBUG_TOOLBAR_CONFIG={
        "SHOW_TOOLBAR_CALLBACK": "tests.django.test_panels.show_toolbar",
        "IS_RUNNING_TESTS": False,
    },
)


def panel_html(client, path):
    page = client.get(path).content.decode()
    request_id = re.search(r'data-request-id="([^"]+)"', page).group(1)
    response = client.get(
        "/__debug__/render_panel/", {"request_id": request_id, "panel_id": "StatsigPanel"}
    )
    return page, response.json()["content"]


@TOOLBAR
def test_panel_lists_each_evaluation_of_the_request(client):
    page, content = panel_html(client, "/template/page/")
    assert "3 evaluations" in page
    rows = re.findall(r"<tr>(.*?)</tr>", content, re.S)[1:]
    cells = [re.findall(r"<td>(?:<code>)?(.*?)(?:</code>)?</td>", row) for row in rows]
    assert cells == [
        ["gate", "public_gate", "true", "everyone", "", "File:Recognized"],
        ["experiment", "checkout_copy", "{&quot;headline&quot;:&quot;Buy now!&quot;}",
         "test-group", "Test", "File:Recognized"],
        ["layer", "checkout_layer", "{&quot;button_color&quot;:&quot;green&quot;}", "green", "",
         "File:Recognized"],
    ]  # fmt: skip
    assert "stableID" in content  # the user the request was evaluated for


@TOOLBAR
def test_panel_markup_is_csp_safe(client):
    _, content = panel_html(client, "/template/page/")
    assert "<script" not in content and "style=" not in content and " on" not in content.lower()


@TOOLBAR
def test_panel_says_when_nothing_was_evaluated(client):
    client.get("/nothing/")  # no </body>: no toolbar; use an HTML page that checks nothing
    _, content = panel_html(client, "/template/empty/")
    assert "Nothing was evaluated" in content
