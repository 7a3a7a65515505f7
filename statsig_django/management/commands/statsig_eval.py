"""``manage.py statsig_eval``: what a user gets, and with ``--explain`` why.

Read-only: nothing here logs an exposure.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from statsig_core.introspection import KINDS, evaluate_all, explain
from statsig_django.management.commands._common import (
    add_user_arguments,
    client,
    dumps,
    user_from_options,
)


class Command(BaseCommand):
    help = "Evaluate one gate/config/experiment/layer (or everything) for a user."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", nargs="?", help="what to evaluate (default: everything)")
        parser.add_argument("--kind", choices=KINDS, default=None, help="default: looked up")
        parser.add_argument("--explain", action="store_true", help="show every rule tried")
        add_user_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        statsig = client()
        user = user_from_options(options)
        name = options["name"]
        if name is None:
            self.stdout.write(dumps(evaluate_all(statsig, user)))
            return
        kind = options["kind"] or self._kind_of(name)
        explanation = explain(statsig, user, kind, name)
        if options["explain"]:
            self.stdout.write(dumps(explanation.to_dict()))
            return
        self.stdout.write(
            dumps(
                {
                    "kind": kind,
                    "name": name,
                    "value": explanation.value,
                    "rule_id": explanation.rule_id,
                    "group_name": explanation.group_name,
                    "reason": explanation.reason,
                }
            )
        )

    @staticmethod
    def _kind_of(name: str) -> str:
        evaluator = client().evaluator
        if name in evaluator.gates:
            return "gate"
        spec = evaluator.configs.get(name)
        if spec is not None:
            return "experiment" if spec.entity == "experiment" else "config"
        if name in evaluator.layers:
            return "layer"
        raise CommandError(f"{name!r} is not in the loaded specs (give --kind to evaluate it)")
