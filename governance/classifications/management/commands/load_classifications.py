from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = "Create or refresh the sensitivity labels and the system classifications (idempotent)."

    def handle(self, *args: Any, **opts: Any) -> None:
        counts = services.load_classifications()
        self.stdout.write(
            f"System classifications: {counts['created']} created, {counts['updated']} updated."
        )
