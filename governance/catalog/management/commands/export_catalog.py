from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from governance.datasources import services as datasources
from governance.datasources.models import DataSource

from ...exporting import export_catalog


class Command(BaseCommand):
    help = "Write the catalog (sources, schemas, tables, columns and profiles) to stdout."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--source", help="Only this data source (by name).")
        parser.add_argument(
            "--collection",
            default="",
            help="The --source's collection path, e.g. Finance/EMEA (names are unique per "
            "collection)",
        )
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--include-removed", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        sources = DataSource.objects.all()
        if opts["collection"] and not opts["source"]:
            raise CommandError("--collection needs --source: it picks the source by its path.")
        if opts["source"]:
            try:
                source = datasources.find_datasource(opts["source"], opts["collection"])
            except (DataSource.DoesNotExist, DataSource.MultipleObjectsReturned) as exc:
                raise CommandError(str(exc)) from None
            sources = sources.filter(pk=source.pk)
        data = {
            "generated_at": timezone.now().isoformat(),
            **export_catalog(sources, include_removed=opts["include_removed"]),
        }
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
