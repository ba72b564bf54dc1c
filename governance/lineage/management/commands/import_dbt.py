"""``manage.py import_dbt PATH --source NAME``: lineage from a dbt project's manifest.json."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.datasources.models import DataSource

from ... import dbt


def find_source(value: str) -> DataSource:
    """A data source by name (or id, or ``collection path/name`` when names repeat)."""
    sources = list(DataSource.objects.select_related("collection").filter(name=value))
    if not sources and value.isdigit():
        sources = list(DataSource.objects.select_related("collection").filter(pk=int(value)))
    if not sources and "/" in value:
        where, _, name = value.rpartition("/")
        sources = [
            s
            for s in DataSource.objects.select_related("collection").filter(name=name)
            if _path(s) == where.strip("/")
        ]
    if not sources:
        known = ", ".join(sorted(DataSource.objects.values_list("name", flat=True))[:20])
        raise CommandError(
            f"No data source named {value!r}."
            + (f" Known data sources: {known}." if known else " No data source is registered.")
        )
    if len(sources) > 1:
        choices = ", ".join(f"{_path(s)}/{s.name} (id {s.pk})" for s in sources)
        raise CommandError(
            f"Several data sources are named {value!r}: {choices}. Give the id or the "
            "collection path."
        )
    return sources[0]


def _path(source: DataSource) -> str:
    return getattr(source.collection, "name", "")


class Command(BaseCommand):
    help = (
        "Import the lineage of a dbt project from its manifest.json (target/manifest.json after "
        "dbt compile or run) into the data source the project builds into."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="Path of manifest.json")
        parser.add_argument(
            "--source", required=True, help="The data source the project builds into (name or id)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        source = find_source(opts["source"])
        try:
            manifest = dbt.read_manifest(opts["path"])
        except dbt.ManifestError as exc:
            raise CommandError(str(exc)) from None
        result = dbt.import_manifest(actor=None, source=source, manifest=manifest)
        self.stdout.write(
            f"dbt project '{result.project}' into '{source.name}': {result.nodes} nodes, "
            f"{result.table_edges} table edges, {result.column_edges} column edges "
            f"(compiled SQL parsed for {result.parsed} nodes); "
            f"{result.sync.opened} opened, {result.sync.reopened} reopened, "
            f"{result.sync.closed} closed, {result.sync.kept} unchanged."
        )
        for label in result.unresolved:
            self.stdout.write(self.style.WARNING(f"Not in the catalog (skipped): {label}"))
        for node, problems in result.problems.items():
            for problem in problems:
                self.stdout.write(self.style.WARNING(f"{node}: {problem}"))
        self.stdout.write(self.style.SUCCESS("Lineage imported."))
