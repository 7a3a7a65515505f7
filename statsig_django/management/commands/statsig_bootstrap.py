"""``manage.py statsig_bootstrap``: the bootstrap JSON a user's browser would get."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from statsig_core.bootstrap import HASH_ALGORITHMS
from statsig_core.web import BoundStatsig
from statsig_django.bootstrap import client_payload
from statsig_django.management.commands._common import (
    add_user_arguments,
    client,
    dumps,
    user_from_options,
)


class Command(BaseCommand):
    help = "Print a user's bootstrap (client initialize response) as JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--hash", choices=HASH_ALGORITHMS, default=None)
        parser.add_argument("--client-key", default=None, help="default: STATSIG['CLIENT_KEY']")
        parser.add_argument(
            "--names", default=None, help="only these names, comma separated (default: all)"
        )
        add_user_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        bound = BoundStatsig(client(), user_from_options(options))
        payload = client_payload(
            bound, hash=options["hash"], names=options["names"], client_key=options["client_key"]
        )
        if payload is None:
            raise CommandError("this Statsig client cannot build bootstraps")
        self.stdout.write(dumps(payload))
