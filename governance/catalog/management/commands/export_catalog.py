from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from governance.datasources.models import DataSource

from ...exporting import export_catalog


class Command(BaseCommand):
    help = "Write the catalog (sources, schemas, tables, columns and profiles) to stdout."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--source", help="Only this data source (by name).")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--include-removed", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        sources = DataSource.objects.all()
        if opts["source"]:
            sources = sources.filter(name=opts["source"])
            if not sources.exists():
                raise CommandError(f"No data source named '{opts['source']}'.")
        data = {
            "generated_at": timezone.now().isoformat(),
            **export_catalog(sources, include_removed=opts["include_removed"]),
        }
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
