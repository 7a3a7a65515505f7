import re

import orjson
import pytest

from statsig_core.web.browser_events import InvalidBrowserEvents, parse_browser_events


def body(*events: object) -> bytes:
    return orjson.dumps({"events": list(events)})


def test_events_come_back_as_name_value_metadata():
    raw = body(
        {"eventName": "purchase", "value": 9.5, "metadata": {"sku": "mug"}},
        {"eventName": "clicked", "value": True},
    )
    assert parse_browser_events(raw, 10) == [
        ("purchase", 9.5, {"sku": "mug"}),
        ("clicked", "true", None),
    ]


def test_nested_metadata_is_dropped_and_long_keys_are_cut():
    raw = body({"eventName": "e", "metadata": {"k" * 200: 1, "bootstrapMetadata": {"a": 1}}})
    assert parse_browser_events(raw, 10) == [("e", None, {"k" * 128: 1})]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[", "must be JSON"),
        (orjson.dumps({"events": {}}), '{"events": [...]}'),
        (body({"eventName": "e"}, {"eventName": "e"}), "at most 1 events"),
        (body({"eventName": "e", "metadata": {str(i): i for i in range(51)}}), "50 keys"),
    ],
)
def test_bodies_a_browser_sdk_would_not_send_are_refused(raw, message):
    with pytest.raises(InvalidBrowserEvents, match=re.escape(message)):
        parse_browser_events(raw, 1)
