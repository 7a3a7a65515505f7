"""The example shops without a browser: the demo data, and pages when npm is not there.

These need neither Chromium nor Node, so they run on every machine.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from statsig_core import Statsig
from tests.e2e.shops import DEMO_USERS, SHOPS, expected_for, run_shop, statsig_user


def test_demo_users_see_different_variants(oracle: Statsig) -> None:
    """The demo users are chosen so that switching between them shows every kind of targeting."""
    seen = {
        handle: expected_for(oracle, statsig_user(handle, f"stable-{handle}"))
        for handle in DEMO_USERS
    }
    assert seen["alice"].new_checkout and seen["alice"].pricing_rule != "default"  # staff
    assert not seen["dave"].new_checkout and seen["dave"].headline_group is None  # holdout
    assert seen["bob"].currency == "EUR" and seen["alice"].currency == "USD"  # EU segment
    assert seen["carol"].new_checkout  # US rollout
    assert len({e.headline_group for e in seen.values()} - {None}) == 3
    assert len({e.button_text for e in seen.values()}) == 2


@pytest.mark.parametrize("kind", SHOPS)
def test_pages_work_server_side_without_the_browser_sdk(kind: str, tmp_path: Path) -> None:
    """No npm install: pages still render every server-side check, say what is missing, and
    embed the bootstrap data without loading a script that is not there."""
    empty_cache = tmp_path / "no-jsclient"
    empty_cache.mkdir()
    with run_shop(kind, tmp_path, empty_cache) as shop:
        with urllib.request.urlopen(shop.base_url + "/") as response:
            html = response.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(shop.base_url + "/assets/statsig-js-client.min.js")
    assert missing.value.code == 404
    assert 'id="no-js-client"' in html
    assert 'id="headline"' in html and 'id="checkout-flavor"' in html
    assert '<script type="application/json" id="statsig-bootstrap">' in html
    assert "statsig-js-client.min.js" not in html and "new S.StatsigClient" not in html
