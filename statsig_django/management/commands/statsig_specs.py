"""``manage.py statsig_specs``: the gates, configs, experiments and layers the specs define."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from statsig_django.management.commands._common import client, dumps

KINDS = ("gate", "config", "experiment", "layer")


class Command(BaseCommand):
    help = "List the gates, dynamic configs, experiments and layers in the loaded specs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--kind", choices=KINDS, help="only this kind")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        evaluator = client().evaluator
        rows = []
        for name, spec in sorted(evaluator.gates.items()):
            rows.append(("gate", name, spec))
        for name, spec in sorted(evaluator.configs.items()):
            rows.append(("experiment" if spec.entity == "experiment" else "config", name, spec))
        for name, spec in sorted(evaluator.layers.items()):
            rows.append(("layer", name, spec))
        if options["kind"]:
            rows = [row for row in rows if row[0] == options["kind"]]
        listed: list[dict[str, Any]] = [
            {"kind": kind, "name": name, "enabled": spec.enabled, "rules": len(spec.rules)}
            for kind, name, spec in rows
        ]
        if options["json"]:
            self.stdout.write(dumps(listed))
            return
        if not listed:
            self.stdout.write("No specs loaded.")
            return
        width = max(len(entry["name"]) for entry in listed)
        for entry in listed:
            state = "enabled" if entry["enabled"] else "disabled"
            self.stdout.write(
                f"{entry['kind']:<10} {entry['name']:<{width}}  {state:<8} {entry['rules']} rules"
            )
