"""The fake Statsig API itself: routes, deltas, ranges and injected faults."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from support.fake_api import Fault, fake_statsig_api


def test_specs_route_serves_current_specs_and_no_update_for_since_time():
    with fake_statsig_api() as api:
        api.specs = {"has_updates": True, "time": 50, "feature_gates": {}}
        url = f"{api.url}/v2/download_config_specs/secret-k.json"
        assert httpx.get(url).json()["time"] == 50
        assert httpx.get(url, params={"sinceTime": 50}).json() == {"has_updates": False}


def test_faults_are_served_in_order_then_normal_answers_resume():
    with fake_statsig_api() as api:
        api.fail("log_event", Fault(status=429, retry_after=1.5), 500, "truncate")
        url = f"{api.url}/v1/log_event"
        first = httpx.post(url, json={"events": []})
        assert (first.status_code, first.headers["Retry-After"]) == (429, "1.5")
        assert httpx.post(url, json={"events": []}).status_code == 500
        assert httpx.post(url, json={"events": []}).status_code == 200  # truncate: half a body
        body = gzip.compress(json.dumps({"events": [{"eventName": "x"}]}).encode())
        ok = httpx.post(url, content=body, headers={"Content-Encoding": "gzip"})
        assert ok.status_code == 202
        assert api.events == [{"eventName": "x"}]


def test_reset_and_timeout_faults_break_the_connection():
    with fake_statsig_api() as api:
        api.timeout_sleep = 0.5
        api.fail("specs", "reset", "timeout")
        url = f"{api.url}/v2/download_config_specs/k.json"
        with pytest.raises(httpx.TransportError):
            httpx.get(url)
        with pytest.raises(httpx.TimeoutException):
            httpx.get(url, timeout=0.1)


def test_id_list_manifest_and_ranged_files():
    with fake_statsig_api() as api:
        api.set_id_list("beta", ["a", "b"])
        manifest = httpx.post(f"{api.url}/v1/get_id_lists", json={}).json()
        entry = manifest["beta"]
        content = httpx.get(entry["url"]).text
        assert content.count("\n") == 2 and entry["size"] == len(content)
        api.append_id_list("beta", remove=["a"])
        rest = httpx.get(entry["url"], headers={"Range": f"bytes={entry['size']}-"})
        assert rest.status_code == 206 and rest.text.startswith("-")
