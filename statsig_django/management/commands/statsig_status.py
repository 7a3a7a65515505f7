"""``manage.py statsig_status``: where the specs came from, how old, and the event pipeline."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from statsig_django.management.commands._common import client, dumps


class Command(BaseCommand):
    help = "Show the Statsig client's health; exits 1 when no specs are loaded (--strict)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--strict", action="store_true", help="fail when no specs are loaded (health checks)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        health = client().health()
        self.stdout.write(dumps(health))
        if options["strict"] and not health["spec_count"]:
            raise CommandError("no specs are loaded")
