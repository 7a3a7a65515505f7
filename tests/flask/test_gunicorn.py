"""Under a real gunicorn with ``--preload``: the app and the extension are set up in the master,
which must start nothing (the client is made on first use in each worker); each worker serves
gates and, when gunicorn stops, delivers every exposure it logged exactly once."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.flask.helpers import PAYLOAD

from support.fake_api import fake_statsig_api
from support.gunicorn import gunicorn_server, visit_concurrently


def test_preloaded_workers_make_their_own_clients_and_deliver_their_exposures_once(
    tmp_path: Path,
):
    with fake_statsig_api() as api:
        api.specs = PAYLOAD
        app = "tests.flask.gunicorn_app:application"
        with gunicorn_server(app, api.url, tmp_path / "gunicorn.log") as (url, server):
            assert api.requests_to("specs") == []  # the master made no client
            visits = visit_concurrently(f"{url}/worker/")
            pids = {pid for pid, _, _ in visits}
            assert len(pids) == 2 and server.pid not in pids
            assert all(gate is True for _, gate, _ in visits)
            assert len(api.requests_to("specs")) >= len(pids)  # one client per worker

            server.send_signal(signal.SIGTERM)
            assert server.wait(20) == 0
        exposures = [e for e in api.unique_events if e["eventName"] == "statsig::gate_exposure"]
        delivered = sorted(e["user"]["customIDs"]["stableID"] for e in exposures)
        assert delivered == sorted(stable_id for _, _, stable_id in visits)
        assert api.duplicate_batches == 0
        assert {e["metadata"]["ruleID"] for e in exposures} == {"everyone"}
