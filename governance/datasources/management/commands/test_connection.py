from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import services
from ...models import DataSource


class Command(BaseCommand):
    help = "Test the connection of a registered data source (by name)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="Data source name")
        parser.add_argument(
            "--collection",
            default="",
            help="Collection path, e.g. Finance/EMEA (names are unique per collection)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            source = services.find_datasource(opts["source"], opts["collection"])
        except (DataSource.DoesNotExist, DataSource.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc)) from None
        outcome = services.test_connection(actor=None, source=source)
        if not outcome.ok:
            raise CommandError(f"{source.name}: {outcome.code}: {outcome.message}")
        self.stdout.write(self.style.SUCCESS(f"{source.name}: {outcome.message}"))
