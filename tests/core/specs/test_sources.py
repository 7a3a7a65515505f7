"""Fetching from the API and checking responses: headers, endpoints, and every refusal."""

from __future__ import annotations

import json

import pytest

from statsig_core import StatsigOptions
from statsig_core.evaluation.hashing import djb2
from statsig_core.specs.sources import StatsigApi, SyncError, check_specs

from support.fake_api import FakeStatsigApi, Fault
from support.specs import cond, dcs, rule, spec

SECRET = "secret-sources"


def api_for(fake: FakeStatsigApi, **options: object) -> StatsigApi:
    return StatsigApi(SECRET, StatsigOptions(api=fake.url, **options), "session-1")  # type: ignore[arg-type]


def body(**extra: object) -> bytes:
    return json.dumps(dcs(gates={"g": spec(rule(cond()))}, time=100, **extra)).encode()


def test_check_specs_accepts_a_payload_made_for_this_key():
    payload = check_specs(body(hashed_sdk_key_used=djb2(SECRET)), secret=SECRET, min_lcut=100)
    assert payload is not None and payload["time"] == 100


def test_check_specs_refuses_a_payload_made_for_another_key():
    with pytest.raises(SyncError) as caught:
        check_specs(body(hashed_sdk_key_used=djb2("secret-other")), secret=SECRET, min_lcut=0)
    assert caught.value.kind == "wrong_key"


def test_check_specs_refuses_a_payload_older_than_the_current_snapshot():
    with pytest.raises(SyncError) as caught:
        check_specs(body(), secret=SECRET, min_lcut=101)
    assert caught.value.kind == "stale"


def test_check_specs_reads_has_updates_false_as_nothing_to_do():
    assert check_specs(b'{"has_updates": false}', secret=SECRET, min_lcut=5) is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"time": 1, "feature_gates": {',
        b"[1, 2]",
        b'{"feature_gates": {}}',
        b'{"time": "yesterday", "feature_gates": {}}',
        b"\xff\xfe",
    ],
    ids=["truncated", "not-an-object", "no-time", "time-not-a-number", "not-utf8"],
)
def test_check_specs_refuses_malformed_payloads(raw: bytes):
    with pytest.raises(SyncError) as caught:
        check_specs(raw, secret=SECRET, min_lcut=0)
    assert caught.value.kind == "bad_specs"


def test_fetch_specs_sends_the_official_headers_and_since_time(fake_api: FakeStatsigApi):
    api = api_for(fake_api, service_name="checkout")
    api.fetch_specs(since=0, attempt=0)
    api.fetch_specs(since=1, attempt=3)
    first, second = fake_api.requests_to("specs")
    assert first.path == f"/v2/download_config_specs/{SECRET}.json"
    assert first.query == {} and second.query == {"sinceTime": ["1"]}
    headers = second.headers
    assert headers["STATSIG-API-KEY"] == SECRET
    assert headers["STATSIG-SERVER-SESSION-ID"] == "session-1"
    assert headers["STATSIG-SDK-TYPE"] == "statsig-web"
    assert headers["STATSIG-RETRY"] == "3"
    assert int(headers["STATSIG-CLIENT-TIME"]) > 1_600_000_000_000
    assert "statsig-service/checkout" in headers["User-Agent"]
    api.close()


def test_specs_api_version_1_uses_the_v1_endpoint(fake_api: FakeStatsigApi):
    api = api_for(fake_api, specs_api_version=1)
    api.fetch_specs(since=0)
    assert fake_api.requests_to("specs")[0].path == f"/v1/download_config_specs/{SECRET}.json"
    api.close()


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_a_permanent_failure(fake_api: FakeStatsigApi, status: int):
    fake_api.fail("specs", status)
    with pytest.raises(SyncError) as caught:
        api_for(fake_api).fetch_specs(0)
    assert (caught.value.kind, caught.value.permanent) == ("unauthorized", True)


def test_server_errors_carry_retry_after(fake_api: FakeStatsigApi):
    fake_api.fail("specs", Fault(status=503, retry_after=7))
    with pytest.raises(SyncError) as caught:
        api_for(fake_api).fetch_specs(0)
    assert (caught.value.kind, caught.value.retry_after, caught.value.permanent) == (
        "http_503",
        7.0,
        False,
    )


def test_timeouts_and_dropped_connections_become_sync_errors(fake_api: FakeStatsigApi):
    fake_api.timeout_sleep = 1.0
    fake_api.fail("specs", "timeout", "reset")
    api = api_for(fake_api, request_timeout=0.2)
    kinds = []
    for _ in range(2):
        with pytest.raises(SyncError) as caught:
            api.fetch_specs(0)
        kinds.append(caught.value.kind)
    assert kinds == ["timeout", "connection"]


def test_error_messages_never_contain_the_secret(fake_api: FakeStatsigApi):
    fake_api.timeout_sleep = 1.0
    fake_api.fail("specs", 500, 401, "timeout", "reset")
    api = api_for(fake_api, request_timeout=0.2)
    for _ in range(4):
        with pytest.raises(SyncError) as caught:
            api.fetch_specs(0)
        assert SECRET not in str(caught.value)


def test_manifest_is_posted_to_the_api_with_statsig_metadata(fake_api: FakeStatsigApi):
    fake_api.set_id_list("beta", ["a"])
    manifest = api_for(fake_api).fetch_id_list_manifest()
    assert set(manifest) == {"beta"}
    request = fake_api.requests_to("id_lists")[0]
    assert request.method == "POST"
    assert request.json()["statsigMetadata"]["sessionID"] == "session-1"


def test_manifest_is_fetched_with_get_from_the_cdn(monkeypatch: pytest.MonkeyPatch):
    calls = []

    class Response:
        content = b"{}"

    def fake_request(
        self: StatsigApi, what: str, method: str, url: str, attempt: int, **kw: object
    ):
        calls.append((method, url))
        return Response()

    monkeypatch.setattr(StatsigApi, "_request", fake_request)
    options = StatsigOptions(id_lists_url="https://api.statsigcdn.com/v1/get_id_lists")
    assert StatsigApi(SECRET, options, "s").fetch_id_list_manifest() == {}
    assert calls == [("GET", f"https://api.statsigcdn.com/v1/get_id_lists/{SECRET}.json")]


def test_id_list_files_are_fetched_from_a_byte_offset(fake_api: FakeStatsigApi):
    fake_api.set_id_list("beta", ["a", "b"])
    api = api_for(fake_api)
    url = api.fetch_id_list_manifest()["beta"]["url"]
    whole, _ = api.fetch_id_list_file(url, 0)
    rest, ranged = api.fetch_id_list_file(url, 10)
    assert ranged and rest == whole[10:]
    assert fake_api.requests_to("id_list_file")[1].headers["Range"] == "bytes=10-"
