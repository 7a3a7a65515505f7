"""Read the events a browser SDK posts to this server (``{"events": [...]}``).

Django's ``log_event`` view and a Flask endpoint receive the same body from the same SDK, so
both refuse the same things with the same messages. Nested metadata values (the SDK's own
diagnostics, such as ``bootstrapMetadata``) are dropped rather than refused.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["BrowserEvent", "InvalidBrowserEvents", "parse_browser_events"]

MAX_NAME = 128
MAX_TEXT = 1024
MAX_METADATA_KEYS = 50

#: (event name, value, metadata), ready for ``log_event``.
BrowserEvent = tuple[str, Any, dict[str, Any] | None]


class InvalidBrowserEvents(ValueError):
    """The body is not what a browser SDK sends; the message is safe to return to the client."""


def _scalar(value: Any, what: str) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    raise InvalidBrowserEvents(
        f"{what} must be a string (at most {MAX_TEXT} characters), number or null"
    )


def _event(raw: Any) -> BrowserEvent:
    if not isinstance(raw, dict):
        raise InvalidBrowserEvents("each event must be an object")
    name = raw.get("eventName")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise InvalidBrowserEvents(f"eventName must be a string of 1 to {MAX_NAME} characters")
    value = _scalar(raw.get("value"), "value")
    if isinstance(value, bool):
        value = str(value).lower()
    metadata = raw.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict) or len(metadata) > MAX_METADATA_KEYS:
            raise InvalidBrowserEvents(
                f"metadata must be an object of at most {MAX_METADATA_KEYS} keys"
            )
        metadata = {
            str(key)[:MAX_NAME]: _scalar(item, f"metadata[{key!r}]")
            for key, item in metadata.items()
            if not isinstance(item, dict | list)
        }
    return name, value, metadata


def parse_browser_events(body: bytes, max_events: int) -> list[BrowserEvent]:
    """The events of a request body; raises :class:`InvalidBrowserEvents` for anything else."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidBrowserEvents("the body must be JSON") from None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise InvalidBrowserEvents('the body must be {"events": [...]}')
    if len(events) > max_events:
        raise InvalidBrowserEvents(f"at most {max_events} events per request")
    return [_event(raw) for raw in events]
