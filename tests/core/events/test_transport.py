"""Local mode's sinks (logging, JSON lines, discard) and the batch they receive."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from statsig_core import Statsig, StatsigOptions, StatsigUser
from statsig_core.events.transport import (
    EventBatch,
    JsonLinesTransport,
    LoggingTransport,
    NullTransport,
)

from support.specs import cond, dcs, rule, spec

PAYLOAD = dcs(gates={"g": spec(rule(cond(), id="on"))})
USER = StatsigUser(user_id="u1", private_attributes={"secret": "s3"})


def local_client(**options: object) -> Statsig:
    client = Statsig(None, StatsigOptions(bootstrap_values=PAYLOAD, **options))  # type: ignore[arg-type]
    client.initialize()
    return client


def test_local_mode_logs_each_event_as_a_json_line_on_the_logging_module(caplog):
    client = local_client()
    assert isinstance(client.event_logger.transport, LoggingTransport)
    with caplog.at_level(logging.INFO, logger="statsig_core.events"):
        client.check_gate(USER, "g")
        client.log_event(USER, "purchase", 3)
        client.flush()
    lines = [r.getMessage() for r in caplog.records if r.name == "statsig_core.events"]
    assert [orjson.loads(line)["eventName"] for line in lines] == [
        "statsig::gate_exposure",
        "purchase",
    ]
    assert all("s3" not in line for line in lines)
    client.shutdown()


def test_local_event_log_path_appends_json_lines(tmp_path: Path):
    sink = tmp_path / "events.jsonl"
    client = local_client(local_event_log=str(sink))
    assert isinstance(client.event_logger.transport, JsonLinesTransport)
    client.log_event(USER, "first")
    client.flush()
    client.log_event(USER, "second", metadata={"n": 2})
    client.shutdown()
    events = [orjson.loads(line) for line in sink.read_bytes().splitlines()]
    assert [(e["eventName"], e.get("metadata")) for e in events] == [
        ("first", None),
        ("second", {"n": 2}),
    ]
    assert events[0]["user"] == {"userID": "u1"}


def test_local_event_log_none_discards_events_but_counts_them_delivered():
    client = local_client(local_event_log=None)
    assert isinstance(client.event_logger.transport, NullTransport)
    for i in range(2_500):
        client.log_event(USER, "tick", i)
    client.flush()
    events = client.health()["events"]
    assert (events["sent"], events["pending"], events["dropped"]) == (2_500, 0, 0)


def test_unknown_transport_name_is_refused():
    with pytest.raises(ValueError, match="event_transport"):
        Statsig(None, StatsigOptions(event_transport="carrier-pigeon"))


def test_batches_have_unique_ids_and_keep_events_after_compaction():
    first = EventBatch([{"eventName": "a"}], {"sessionID": "s"})
    second = EventBatch([{"eventName": "b"}], {"sessionID": "s"})
    assert first.id != second.id and len(first.id) == 32
    first.compact()
    assert first.events == [{"eventName": "a"}]
    assert first.payload() == {
        "events": [{"eventName": "a"}],
        "statsigMetadata": {"sessionID": "s"},
    }
    assert first.count == 1
