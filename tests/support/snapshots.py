"""Threads that keep checking the :func:`support.specs.versioned` specs while a test swaps them,
and note any result that is not from one whole snapshot."""

from __future__ import annotations

import threading
import time
from types import TracebackType

from statsig_core import Statsig, StatsigUser

__all__ = ["SnapshotWatch"]


class SnapshotWatch:
    """``with SnapshotWatch(client) as watch: <swap specs>``, then assert on ``watch.problems``
    (mixed rule ids, or details of another version), ``watch.seen`` and ``watch.checks``."""

    def __init__(self, client: Statsig, threads: int = 8) -> None:
        self.client = client
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.checks = 0
        self._done = threading.Event()
        self._threads = [threading.Thread(target=self._evaluate) for _ in range(threads)]

    def _evaluate(self) -> None:
        user = StatsigUser(user_id="u")
        while not self._done.is_set():
            gate = self.client.get_feature_gate(user, "combo")
            versions = {e["ruleID"] for e in gate.secondary_exposures} | {gate.rule_id}
            if len(versions) != 1 or not gate.value:
                self.problems.append(f"mixed snapshot: {sorted(versions)}")
            lcut = gate.evaluation_details.lcut
            if lcut is None or f"v{lcut - 1_000}" != gate.rule_id:
                self.problems.append(f"details of lcut {lcut} on rules {gate.rule_id}")
            self.seen.add(gate.rule_id)
            self.checks += 1
            time.sleep(0)  # let the swapping thread (and a poller) have the GIL now and then

    def __enter__(self) -> SnapshotWatch:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        for thread in self._threads:
            thread.join()
