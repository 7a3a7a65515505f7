"""``manage.py statsig_flush``: send every queued event now (e.g. before a deploy)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from statsig_django.management.commands._common import client


class Command(BaseCommand):
    help = "Deliver the events this process has queued."

    def handle(self, *args: Any, **options: Any) -> None:
        statsig = client()
        if not statsig.flush():
            raise CommandError("some events could not be delivered; they stay queued for retry")
        events = statsig.health()["events"]
        sent = events["sent"] if events else 0
        self.stdout.write(self.style.SUCCESS(f"Flushed: {sent} events delivered."))
