"""render_bootstrap / bootstrap_json: nothing in a payload or an attribute can leave its place.

Pages are parsed back with ``html.parser`` (which, like a browser, ends a script element at the
first ``</script``) and the scripts found are compared with what was meant to be there.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statsig_core import StatsigUser, StatsigValueError
from statsig_core.bootstrap import DEFAULT_CLIENT_SCRIPT_URL, bootstrap_json, render_bootstrap
from statsig_core.bootstrap.html import DEFAULT_CLIENT_SCRIPT_INTEGRITY, JS_CLIENT_VERSION

from support.jsclient import pinned_version
from support.specs import cond, dcs, rule, spec

HOSTILE = [
    "</script><script>alert(1)</script>",
    "</SCRIPT >",
    "<!--<script>",
    "<script>",
    "-->",
    "]]></script>",
    "\u2028\u2029",
    "&lt;&amp;&#60;",
    "'\"`",
    "</scr\nipt>",
]


class _Page(HTMLParser):
    """Every element and comment of a page; the text of each script element."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.comments: list[str] = []
        self._text: list[str] | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._text is not None:
            self.scripts.append((self.tags[-1][1], "".join(self._text)))
            self._text = None

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def _round_trip(payload: Any) -> Any:
    return json.loads(json.dumps(payload))


def _data_block(page: str, element_id: str = "statsig-bootstrap") -> Any:
    parsed = _Page(page)
    assert parsed.comments == []
    data = [s for s in parsed.scripts if s[0].get("type") == "application/json"]
    assert len(data) == 1 and data[0][0]["id"] == element_id
    return json.loads(data[0][1])


@pytest.fixture
def payload(make_statsig: Any) -> dict[str, Any]:
    """A real payload whose user fields, custom values, spec names and values are hostile."""
    specs = dcs(
        gates={name: spec(rule(cond(), id=name)) for name in HOSTILE},
        configs={
            "cfg": spec(rule(cond(), id="r", return_value={"v": HOSTILE}), kind="dynamic_config")
        },
    )
    statsig = make_statsig(specs)
    user = StatsigUser(
        user_id=HOSTILE[0],
        email=HOSTILE[2],
        custom={text: text for text in HOSTILE},
        custom_ids={"stableID": HOSTILE[6]},
    )
    return statsig.get_client_initialize_response(user, hash="none")


def test_hostile_payload_stays_in_one_data_block_and_reads_back_unchanged(payload):
    page = render_bootstrap(payload)
    parsed = _Page(page)
    assert [tag for tag, _ in parsed.tags] == ["script"]
    assert _data_block(page) == _round_trip(payload)
    assert set(_data_block(page)["feature_gates"]) == set(HOSTILE)
    body = parsed.scripts[0][1]
    assert not {"<", ">", "&", "\u2028", "\u2029"} & set(body)


def test_with_a_client_key_the_page_loads_the_client_and_starts_it_with_the_nonce(payload):
    page = render_bootstrap(payload, client_key="client-k", nonce="n0nce")
    parsed = _Page(page)
    assert [tag for tag, _ in parsed.tags] == ["script", "script", "script"]
    (data_attrs, _), (src_attrs, src_body), (init_attrs, init_body) = parsed.scripts
    assert data_attrs == {"type": "application/json", "id": "statsig-bootstrap"}
    assert src_attrs == {
        "src": DEFAULT_CLIENT_SCRIPT_URL,
        "integrity": DEFAULT_CLIENT_SCRIPT_INTEGRITY,
        "crossorigin": "anonymous",
        "nonce": "n0nce",
    }
    assert src_body == "" and init_attrs == {"nonce": "n0nce"}
    assert '"client-k"' in init_body and 'window["statsigClient"]' in init_body
    assert _data_block(page) == _round_trip(payload)


def test_the_initialiser_quotes_everything_it_embeds(payload):
    user = {"userID": HOSTILE[0], "custom": {"x": HOSTILE[2]}}
    page = render_bootstrap(
        payload,
        client_key="client-</script>",
        element_id="id-</script>",
        global_name="g</script>\u2028",
        user=user,
        client_script_url=None,
    )
    parsed = _Page(page)
    assert [tag for tag, _ in parsed.tags] == ["script", "script"]
    init = parsed.scripts[1][1]
    assert not {"<", ">", "&", "\u2028", "\u2029"} & set(init)
    assert bootstrap_json(user) in init  # the user goes in as an escaped JSON literal


@pytest.mark.parametrize(
    "hostile",
    ['x" onload="alert(1)', "x'><script>alert(1)</script>", 'a"b<c>&d', "\"'><!--"],
)
def test_attribute_values_cannot_add_attributes_or_elements(payload, hostile):
    url = f"https://cdn.example/{hostile}"
    page = render_bootstrap(
        payload, element_id=hostile, client_key="client-k", nonce=hostile, client_script_url=url
    )
    parsed = _Page(page)
    assert [tag for tag, _ in parsed.tags] == ["script", "script", "script"]
    (data_attrs, _), (src_attrs, _), (init_attrs, _) = parsed.scripts
    assert data_attrs == {"type": "application/json", "id": hostile}
    assert src_attrs == {"src": url, "nonce": hostile}  # no integrity for a custom URL
    assert init_attrs == {"nonce": hostile}
    assert _data_block(page, hostile) == _round_trip(payload)


ANY_TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates included


@given(st.dictionaries(ANY_TEXT, ANY_TEXT | st.integers() | st.booleans(), max_size=6))
@settings(max_examples=300, deadline=None)
def test_any_text_round_trips_through_the_data_block(custom):
    payload = {"has_updates": True, "user": {"userID": "u", "custom": custom}, "keys": custom}
    page = render_bootstrap(payload, client_key="client-k", nonce="n")
    parsed = _Page(page)
    assert [tag for tag, _ in parsed.tags] == ["script", "script", "script"]
    assert json.loads(parsed.scripts[0][1]) == payload


def test_a_server_secret_is_refused():
    with pytest.raises(StatsigValueError, match="server secret"):
        render_bootstrap({"has_updates": True}, client_key="secret-abc")


def test_without_a_client_key_only_the_data_block_is_rendered():
    page = render_bootstrap({"has_updates": True}, nonce="n", element_id="boot")
    assert _Page(page).scripts == [
        ({"type": "application/json", "id": "boot"}, '{"has_updates":true}')
    ]


def test_no_script_url_leaves_loading_the_library_to_the_page():
    page = render_bootstrap({"has_updates": True}, client_key="client-k", client_script_url=None)
    scripts = _Page(page).scripts
    assert len(scripts) == 2 and "src" not in scripts[1][0] and "nonce" not in scripts[1][0]


def test_bootstrap_json_escapes_the_five_characters_and_accepts_json_text():
    assert bootstrap_json({"a": "<>&\u2028\u2029"}) == '{"a":"\\u003c\\u003e\\u0026\\u2028\\u2029"}'
    assert bootstrap_json('{"a":"</script>"}') == '{"a":"\\u003c/script\\u003e"}'


def test_bootstrap_json_handles_what_orjson_refuses():
    assert json.loads(bootstrap_json({"big": 2**70})) == {"big": 2**70}
    lone = "x\ud800</script>"  # a lone surrogate, as a JSON request body can carry
    text = bootstrap_json({"v": lone})
    assert text.isascii() and "<" not in text and json.loads(text) == {"v": lone}


@pytest.mark.services
def test_default_script_is_the_pinned_client_and_its_integrity_matches_the_file(js_client):
    assert pinned_version() == JS_CLIENT_VERSION
    built = js_client.modules / "@statsig" / "js-client" / "build" / "statsig-js-client.min.js"
    digest = base64.b64encode(hashlib.sha384(built.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == DEFAULT_CLIENT_SCRIPT_INTEGRITY
    assert DEFAULT_CLIENT_SCRIPT_URL.endswith(
        f"@statsig/js-client@{JS_CLIENT_VERSION}/build/statsig-js-client.min.js"
    )
