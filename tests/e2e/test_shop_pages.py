"""The example shops in headless Chromium, for several demo users.

For each page the test checks three things: (a) what the server rendered is what the specs file
gives that visitor (evaluated here, independently); (b) the official ``@statsig/js-client``,
started by the page from its embedded bootstrap, reads the very same values with reason
``Bootstrap:Recognized``; (c) every request the page made stayed on 127.0.0.1, including the
SDK's own event upload, and none went to a Statsig host. A second client with no bootstrap,
pointed at the shop's ``initialize`` endpoint, must get the same values over the network.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from statsig_core import Statsig
from tests.e2e.shops import (
    DEMO_USERS,
    STABLE_ID_COOKIE,
    Expected,
    Shop,
    expected_for,
    statsig_user,
)

pytestmark = pytest.mark.services

USERS = ("anonymous", "alice", "bob", "carol", "dave")
RECOGNIZED = "Bootstrap:Recognized"
STATSIG_HOSTS = (
    "statsigapi.net",
    "api.statsigcdn.com",
    "featureassets.org",
    "prodregistryv2.org",
    "featuregates.org",
)
# Reads what a client holds, without logging more exposures.
READ = """(client) => {
  const quiet = {disableExposureLog: true};
  const gate = (name) => {
    const found = client.getFeatureGate(name, quiet);
    return {value: found.value, ruleID: found.ruleID, reason: found.details.reason};
  };
  const experiment = client.getExperiment("product_headline", quiet);
  const pricing = client.getDynamicConfig("pricing", quiet);
  const layer = client.getLayer("checkout_layer", quiet);
  const context = client.getContext();
  return {
    gates: {new_checkout: gate("new_checkout"), promo_banner: gate("promo_banner")},
    experiment: {group: experiment.groupName, headline: experiment.get("headline"),
                 ruleID: experiment.ruleID, reason: experiment.details.reason},
    pricing: {currency: pricing.get("currency"), ruleID: pricing.ruleID,
              reason: pricing.details.reason},
    layer: {button_text: layer.get("button_text"), ruleID: layer.ruleID,
            reason: layer.details.reason},
    user: context.user,
    stableID: context.stableID,
  };
}"""
# The client the page started from its bootstrap.
READ_CLIENT = f"() => window.statsigClient ? ({READ})(window.statsigClient) : null"
# A second client for the same visitor with no bootstrap: it asks the shop's ``initialize``
# endpoint (statsig_django.urls / statsig_flask.endpoints) over the network.
READ_FROM_ENDPOINT = f"""async (key) => {{
  const user = window.statsigClient.getContext().user;
  const options = {{networkConfig: {{api: "/statsig"}}, disableStorage: true}};
  if (user.statsigEnvironment) options.environment = user.statsigEnvironment;
  const client = new window.Statsig.StatsigClient(key, user, options);
  await client.initializeAsync();
  const seen = ({READ})(client);
  await client.shutdown();
  return seen;
}}"""
CLIENT_KEY = "client-kiln-local-demo"  # both shops' default


@dataclass
class Visit:
    """One browser tab on a shop, with everything it asked for."""

    page: Any
    stable_id: str
    requests: list[str] = field(default_factory=list)
    uploads: list[tuple[str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def visit(browser: Any, shop: Shop, handle: str) -> Iterator[Visit]:
    """A fresh browser profile opening the shop's home page as the demo user ``handle``."""
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    try:
        page = context.new_page()
        requests: list[str] = []
        uploads: list[tuple[str, int]] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on(
            "response",
            lambda response: (
                uploads.append((response.url, response.status))
                if "/statsig/" in response.url
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        response = page.goto(f"{shop.base_url}/?as={handle}")
        assert response is not None and response.ok, shop.log_tail()
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert STABLE_ID_COOKIE in cookies, "the stable-ID cookie middleware is not on"
        found = Visit(page, cookies[STABLE_ID_COOKIE], requests, uploads, errors)
        yield found
    finally:
        context.close()


def flush_events(found: Visit, timeout: float = 10.0) -> None:
    """Have the browser SDK send its queued events, and wait until an upload reached the shop.

    The SDK also flushes once by itself shortly after it starts, so the upload may have
    happened already (then ``flush()`` finds nothing to send): wait for either.
    """
    found.page.evaluate("() => window.statsigClient.flush()")
    deadline = time.monotonic() + timeout
    while not any("/statsig/rgstr" in url for url, _ in found.uploads):
        if time.monotonic() > deadline:
            raise AssertionError(f"the browser SDK posted no events; console: {found.errors}")
        found.page.wait_for_timeout(100)


def assert_stayed_local(found: Visit) -> None:
    """(c): nothing left 127.0.0.1; in particular nothing went to Statsig."""
    assert found.requests
    for url in found.requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        host = parts.hostname or ""
        assert not any(host == h or host.endswith("." + h) for h in STATSIG_HOSTS), url
        assert host == "127.0.0.1", f"the page requested {url}"


def assert_server_rendered(page: Any, expected: Expected, handle: str) -> None:
    """(a): the page the server rendered shows this visitor's gates, configs and experiments."""
    assert page.get_attribute("nav a.current", "data-user") == handle
    assert page.text_content("#headline").strip() == expected.headline
    flavor = "new" if expected.new_checkout else "classic"
    assert page.get_attribute("#checkout-flavor", "data-flavor") == flavor
    assert page.get_attribute("#price", "data-currency") == expected.currency
    assert page.text_content("#buy").strip() == expected.button_text


def assert_browser_agrees(
    seen: dict[str, Any], expected: Expected, found: Visit, reason: str = RECOGNIZED
) -> None:
    """(b): the browser SDK read the same values (from the bootstrap: ``Bootstrap:Recognized``)."""
    assert seen["gates"]["new_checkout"] == {
        "value": expected.new_checkout,
        "ruleID": expected.new_checkout_rule,
        "reason": reason,
    }
    assert seen["gates"]["promo_banner"] == {
        "value": expected.promo_banner,
        "ruleID": expected.promo_banner_rule,
        "reason": reason,
    }
    assert seen["experiment"] == {
        "group": expected.headline_group,
        "headline": expected.headline,
        "ruleID": expected.headline_rule,
        "reason": reason,
    }
    assert seen["pricing"] == {
        "currency": expected.currency,
        "ruleID": expected.pricing_rule,
        "reason": reason,
    }
    assert seen["layer"] == {
        "button_text": expected.button_text,
        "ruleID": expected.layer_rule,
        "reason": reason,
    }
    # Same visitor on both sides: the server's stable-ID cookie is the client's stable ID.
    assert seen["stableID"] == found.stable_id
    assert seen["user"]["customIDs"] == {"stableID": found.stable_id}


@pytest.mark.parametrize("handle", USERS)
def test_server_and_browser_agree_and_stay_local(
    shop: Shop, browser: Any, oracle: Statsig, artifacts: Path, handle: str
) -> None:
    with visit(browser, shop, handle) as found:
        page = found.page
        expected = expected_for(oracle, statsig_user(handle, found.stable_id))
        assert_server_rendered(page, expected, handle)

        seen = page.evaluate(READ_CLIENT)
        assert seen is not None, f"no window.statsigClient; console: {found.errors}"
        assert_browser_agrees(seen, expected, found)
        assert seen["user"].get("userID") == DEMO_USERS.get(handle, {}).get("user_id")
        # The banner is the one thing only the browser decides.
        assert page.is_visible("#promo-banner") == expected.promo_banner
        assert page.locator("tr.agree").count() == 4 and page.locator("tr.differ").count() == 0

        # The SDK's exposures go to the shop (STATSIG CLIENT_OPTIONS), never to Statsig.
        flush_events(found)
        page.screenshot(path=str(artifacts / f"{shop.kind}-{handle}.png"), full_page=True)

    assert_stayed_local(found)
    assert all(status == 202 for _, status in found.uploads), found.uploads
    # The SDK reports its own failures (e.g. an upload the shop refused) to sdk_exception.
    assert not any("/statsig/sdk_exception" in url for url in found.requests)
    assert found.errors == []


@pytest.mark.parametrize("handle", ["anonymous", "carol"])
def test_a_client_without_bootstrap_gets_the_same_values_from_the_initialize_endpoint(
    shop: Shop, browser: Any, oracle: Statsig, handle: str
) -> None:
    with visit(browser, shop, handle) as found:
        expected = expected_for(oracle, statsig_user(handle, found.stable_id))
        seen = found.page.evaluate(READ_FROM_ENDPOINT, CLIENT_KEY)
        assert_browser_agrees(seen, expected, found, reason="Network:Recognized")
    asked = [status for url, status in found.uploads if urlsplit(url).path == "/statsig/initialize"]
    assert asked and set(asked) == {200}  # the shop's endpoint answered the SDK
    assert_stayed_local(found)
    assert found.errors == []


def _wait_for_event(shop: Shop, match: Any, timeout: float = 10.0) -> dict[str, Any]:
    """The first event in the shop's events file that ``match`` accepts (files flush each 1 s)."""
    deadline = time.monotonic() + timeout
    while True:
        for event in shop.events():
            if match(event):
                return event
        if time.monotonic() > deadline:
            names = [e.get("eventName") for e in shop.events()]
            raise AssertionError(f"no matching event in {shop.events_file}: {names}")
        time.sleep(0.2)


@pytest.mark.parametrize("handle", ["alice", "bob"])
def test_checkout_follows_the_gate_and_purchase_is_logged(
    shop: Shop, browser: Any, oracle: Statsig, artifacts: Path, handle: str
) -> None:
    user_id = DEMO_USERS[handle]["user_id"]
    with visit(browser, shop, handle) as found:
        page = found.page
        expected = expected_for(oracle, statsig_user(handle, found.stable_id))
        flush_events(found)
        page.click("#buy")
        flavor = "new" if expected.new_checkout else "classic"
        assert page.get_attribute("#checkout", "data-flavor") == flavor
        page.click("#pay")
        page.wait_for_selector("#thanks")
        page.screenshot(path=str(artifacts / f"{shop.kind}-{handle}-thanks.png"))
    assert_stayed_local(found)

    def this_visit(event: dict[str, Any], name: str) -> bool:
        user = event.get("user") or {}
        return (
            event.get("eventName") == name
            and user.get("userID") == user_id
            and user.get("customIDs") == {"stableID": found.stable_id}
        )

    purchase = _wait_for_event(shop, lambda e: this_visit(e, "purchase"))
    assert purchase["metadata"] == {"sku": "MUG-01", "currency": expected.currency,
                                    "checkout": flavor}  # fmt: skip
    assert float(purchase["value"]) > 0
    # The banner exposure was logged by the browser SDK and reached the same events file.
    banner = _wait_for_event(
        shop,
        lambda e: (
            this_visit(e, "statsig::gate_exposure") and e["metadata"].get("gate") == "promo_banner"
        ),
    )
    assert banner["metadata"]["reason"] == RECOGNIZED
    assert banner["metadata"]["gateValue"] == str(expected.promo_banner).lower()
