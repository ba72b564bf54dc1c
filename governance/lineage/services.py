"""Recording lineage edges: one sync service for every origin.

Each origin (``view``, ``openlineage``, ``dbt``, ``manual``) reports, per ``origin_ref`` (a
view's qualified name, an OpenLineage job, a dbt node), the complete set of edges it sees now.
:func:`sync_edges` upserts them and closes, under the refs it is told it speaks for, the edges
no longer reported; an edge that comes back is reopened (the same row: its ``first_seen``, its
block and the propagations hanging from it are kept). A batch costs a constant number of
queries whatever its size (on PostgreSQL; elsewhere inserts go in chunks of ``bulk_create``).

Higher layers hear about changes through :data:`edges_changed` (a plain Django signal sent
after the commit, with the ids of the tables whose lineage changed).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from pursight import bulk

from .choices import EdgeLevel, EdgeOrigin
from .models import LineageEdge, datasources_of_tables

log = logging.getLogger(__name__)

# Sent after the commit of a batch that opened, reopened or closed edges:
# origin=<str>, refs=<list of origin_ref>, table_ids=<set of table ids on either end>,
# edge_ids=<set of ids of the edges opened, reopened or closed>.
edges_changed = Signal()


@dataclass(frozen=True)
class Edge:
    """A resolved edge: catalog ids. Column ids are both set (column level) or both None."""

    upstream_table: int
    downstream_table: int
    upstream_column: int | None = None
    downstream_column: int | None = None
    transformation: str = ""
    # The tables' data sources when the caller has them at hand (a resolver's hits): saves
    # the query that otherwise reads them for the edge row's copies. Not part of the edge.
    upstream_source: int | None = field(default=None, compare=False)
    downstream_source: int | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[int, int, int | None, int | None]:
        if self.upstream_column is None:
            return (self.upstream_table, self.downstream_table, None, None)
        # A column determines its table: the column pair is the key (as the unique index).
        return (0, 0, self.upstream_column, self.downstream_column)

    @property
    def level(self) -> str:
        return EdgeLevel.TABLE if self.upstream_column is None else EdgeLevel.COLUMN


@dataclass
class SyncResult:
    opened: int = 0
    reopened: int = 0
    closed: int = 0
    kept: int = 0
    table_ids: set[int] = field(default_factory=set)
    edge_ids: set[int] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.reopened or self.closed)

    def as_dict(self) -> dict[str, int]:
        return {
            "opened": self.opened,
            "reopened": self.reopened,
            "closed": self.closed,
            "kept": self.kept,
        }


def _sources(upstream: int | None, downstream: int | None) -> dict[str, int | None]:
    """The keyword arguments of :class:`Edge` naming its tables' data sources."""
    return {"upstream_source": upstream, "downstream_source": downstream}


def edge_sources(upstream: Any, downstream: Any) -> dict[str, int | None]:
    """:class:`Edge` keyword arguments from two resolved tables (anything with a
    ``datasource_id``, such as :class:`resolve.TableHit`)."""
    return _sources(upstream.datasource_id, downstream.datasource_id)


def _key_of_row(up_t: int, down_t: int, up_c: int | None, down_c: int | None) -> tuple:
    if up_c is None:
        return (up_t, down_t, None, None)
    return (0, 0, up_c, down_c)


def _lock(origin: str, refs: Iterable[str], prefix: str | None) -> None:
    """Serialise concurrent syncs of the same refs (PostgreSQL advisory locks, in key order so
    that two batches never wait on each other crosswise). One query."""
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers itself
    names = [f"{origin}\0{r}" for r in refs]
    if prefix is not None:
        names.append(f"{origin}\0prefix\0{prefix}")
    keys = sorted(
        {
            int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest(), "big", signed=True)
            for n in names
        }
    )
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [keys]
        )


def sync_edges(
    *,
    origin: str,
    reports: Mapping[str, Iterable[Edge]],
    seen_at: datetime | None = None,
    close_missing: bool = True,
    scope_prefix: str | None = None,
    closable: Callable[[QuerySet], QuerySet] | None = None,
    spare_refs: Iterable[str] = (),
) -> SyncResult:
    """Record what ``origin`` reports now, ``{origin_ref: edges}``, seen at ``seen_at``.

    - new edges are created (``first_seen``/``last_seen`` = now / ``seen_at``);
    - reported edges get ``last_seen = seen_at`` (never moved back: a late event does not
      age an edge) and are reopened if they were closed;
    - with ``close_missing``, open edges of the reported refs (and, with ``scope_prefix``, of
      every ref starting with it: the views of a data source, the nodes of a dbt project) that
      were not reported are closed at ``seen_at``, unless a later report saw them;
      ``closable`` narrows the edges that may be closed (those the caller may edit) and
      ``spare_refs`` names refs under the prefix to leave as they are (a view that could not be
      parsed this time).
    """
    if origin not in EdgeOrigin.values:
        raise ValueError(f"Unknown lineage origin {origin!r}")
    seen_at = seen_at or timezone.now()
    wanted: dict[tuple[str, tuple], Edge] = {}
    for ref, edges in reports.items():
        if len(ref) > LineageEdge._meta.get_field("origin_ref").max_length:
            raise ValueError(f"origin_ref longer than the field allows: {ref[:60]}…")
        for edge in edges:
            if (edge.upstream_column is None) != (edge.downstream_column is None):
                raise ValueError("A column edge must name both columns.")
            if (edge.upstream_column, edge.upstream_table) == (
                edge.downstream_column,
                edge.downstream_table,
            ):
                continue  # a table (or column) reading itself: no lineage
            wanted.setdefault((ref, edge.key), edge)
    result = SyncResult()
    with transaction.atomic():
        _lock(origin, reports.keys(), scope_prefix if close_missing else None)
        scope = Q(origin_ref__in=list(reports))
        if close_missing and scope_prefix is not None:
            scope |= Q(origin_ref__startswith=scope_prefix) & ~Q(origin_ref__in=sorted(spare_refs))
        existing = {}
        for row in (
            LineageEdge.objects.filter(scope, origin=origin)
            .order_by()
            .values_list(
                "pk",
                "origin_ref",
                "upstream_table_id",
                "downstream_table_id",
                "upstream_column_id",
                "downstream_column_id",
                "closed_at",
                "last_seen",
                "transformation",
            )
        ):
            pk, ref, up_t, down_t, up_c, down_c, closed_at, last_seen, transformation = row
            existing[(ref, _key_of_row(up_t, down_t, up_c, down_c))] = (
                pk,
                closed_at,
                last_seen,
                transformation,
                up_t,
                down_t,
            )

        new_rows: list[dict[str, Any]] = []
        seen_ids: list[int] = []
        reopen_ids: list[int] = []
        retransformed: list[LineageEdge] = []
        for (ref, key), edge in wanted.items():
            found = existing.get((ref, key))
            if found is None:
                result.table_ids.update((edge.upstream_table, edge.downstream_table))
                new_rows.append(
                    {
                        "upstream_table_id": edge.upstream_table,
                        "downstream_table_id": edge.downstream_table,
                        "upstream_datasource_id": edge.upstream_source,
                        "downstream_datasource_id": edge.downstream_source,
                        "upstream_column_id": edge.upstream_column,
                        "downstream_column_id": edge.downstream_column,
                        "level": edge.level,
                        "origin": origin,
                        "origin_ref": ref,
                        "transformation": edge.transformation,
                        "last_seen": seen_at,
                    }
                )
                continue
            pk, closed_at, last_seen, transformation, _, _ = found
            if closed_at is not None:
                if closed_at > seen_at:
                    continue  # closed by a later report than this one: stays closed
                reopen_ids.append(pk)
                result.table_ids.update((edge.upstream_table, edge.downstream_table))
            else:
                result.kept += 1
                if last_seen < seen_at:
                    seen_ids.append(pk)
            if transformation != edge.transformation:
                retransformed.append(LineageEdge(pk=pk, transformation=edge.transformation))

        if new_rows:
            # Each end's data source, copied from its table: read (one query for the batch)
            # only for the tables whose caller did not say.
            sources = datasources_of_tables(
                row[f"{end}_table_id"]
                for row in new_rows
                for end in ("upstream", "downstream")
                if row[f"{end}_datasource_id"] is None
            )
            for row in new_rows:
                for end in ("upstream", "downstream"):
                    if row[f"{end}_datasource_id"] is None:
                        row[f"{end}_datasource_id"] = sources.get(row[f"{end}_table_id"])
            ids = bulk.insert_rows(LineageEdge, new_rows)
            result.opened = len(new_rows)
            result.edge_ids.update(i for i in ids if i is not None)
        if seen_ids:
            LineageEdge.objects.filter(pk__in=seen_ids).update(last_seen=seen_at)
        if reopen_ids:
            LineageEdge.objects.filter(pk__in=reopen_ids).update(last_seen=seen_at, closed_at=None)
            result.reopened = len(reopen_ids)
            result.edge_ids.update(reopen_ids)
        if retransformed:
            LineageEdge.objects.bulk_update(retransformed, ["transformation"], batch_size=1000)

        if close_missing:
            reported = set(wanted)
            stale = {
                pk: (up_t, down_t)
                for key, (pk, closed_at, last_seen, _, up_t, down_t) in existing.items()
                if key not in reported and closed_at is None and last_seen <= seen_at
            }
            if stale:
                to_close = LineageEdge.objects.filter(pk__in=list(stale))
                if closable is not None:
                    to_close = closable(to_close)
                closing = list(to_close.values_list("pk", flat=True))
                if closing:
                    LineageEdge.objects.filter(pk__in=closing).update(closed_at=seen_at)
                    result.closed = len(closing)
                    result.edge_ids.update(closing)
                    for pk in closing:
                        result.table_ids.update(stale[pk])

        if result.changed:
            refs = sorted(reports)
            table_ids, edge_ids = set(result.table_ids), set(result.edge_ids)
            transaction.on_commit(lambda: _announce(origin, refs, table_ids, edge_ids), robust=True)
    log.info(
        "lineage.synced origin=%s refs=%s opened=%s reopened=%s closed=%s",
        origin,
        len(reports),
        result.opened,
        result.reopened,
        result.closed,
    )
    return result


def record_edges(
    origin: str, origin_ref: str, edges: Iterable[Edge], seen_at: datetime | None = None
) -> SyncResult:
    """The edges ``origin_ref`` reports now: upsert them, close the ones it no longer reports,
    reopen the ones that come back (:func:`sync_edges` for one ref)."""
    return sync_edges(origin=origin, reports={origin_ref: list(edges)}, seen_at=seen_at)


def _announce(origin: str, refs: list[str], table_ids: set[int], edge_ids: set[int]) -> None:
    for receiver, outcome in edges_changed.send_robust(
        sender=LineageEdge, origin=origin, refs=refs, table_ids=table_ids, edge_ids=edge_ids
    ):
        if isinstance(outcome, Exception):
            log.warning("lineage.receiver_failed receiver=%s error=%r", receiver, outcome)


# --- Views: lineage from their definitions, at scan time ---------------------------------------


@dataclass
class ViewCapture:
    """What capturing a source's views found (counts, and the problems of each view)."""

    views: int = 0
    complete: int = 0
    partial: int = 0
    failed: int = 0
    table_edges: int = 0
    column_edges: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)
    sync: SyncResult = field(default_factory=SyncResult)

    def as_dict(self) -> dict[str, Any]:
        return {
            "views": self.views,
            "complete": self.complete,
            "partial": self.partial,
            "failed": self.failed,
            "table_edges": self.table_edges,
            "column_edges": self.column_edges,
            "problems": self.problems,
            **self.sync.as_dict(),
        }


def capture_view_lineage(*, source: Any, seen_at: datetime | None = None) -> ViewCapture:
    """Parse the definitions of ``source``'s live views and sync their edges.

    Each view is its own ``origin_ref`` (its qualified name); the edges of views that are gone
    (removed, or no longer views) are closed; a view whose definition cannot be parsed keeps
    the edges it had (nothing is known about it now) and its problem is reported. The whole
    capture never raises for a view's SQL. Queries: a constant number per source.
    """
    from governance.catalog.models import CatalogColumn, CatalogTable
    from pursight import audit

    from . import resolve, sql
    from .choices import EdgeOrigin

    seen_at = seen_at or timezone.now()
    dialect = sql.dialect_of(source.kind)
    tables = list(
        CatalogTable.objects.live()
        .filter(datasource=source)
        .order_by("pk")
        .values_list("pk", "schema__name", "name", "kind", "definition", "qualified_name")
    )
    columns: dict[int, dict[str, int]] = {}
    names: dict[int, list[str]] = {}
    for table_id, name, pk in (
        CatalogColumn.objects.live()
        .filter(datasource=source)
        .order_by("table_id", "ordinal", "name")
        .values_list("table_id", "name", "pk")
    ):
        columns.setdefault(table_id, {})[name] = pk
        names.setdefault(table_id, []).append(name)
    mapping = {(schema, name): names.get(pk, []) for pk, schema, name, *_ in tables}
    # PostgreSQL names tables database.schema.table: the source's database is the default.
    catalog = source.database if source.kind == "postgresql" else ""
    schema_map = sql.catalog_schema(mapping, dialect=dialect, catalog=catalog)

    result = ViewCapture()
    parsed: list[tuple[tuple, sql.QueryLineage, dict[sql.TableRef, resolve.DatasetName]]] = []
    failed_refs: set[str] = set()
    for row in tables:
        pk, schema, name, kind, definition, qn = row
        if kind != "view" or not definition.strip():
            continue
        result.views += 1
        default_schema = sql.DEFAULT_SCHEMA.get(source.kind) or schema
        try:
            found = sql.parse_query(
                definition,
                dialect=dialect,
                schema=schema_map,
                default_schema=default_schema,
                default_catalog=catalog,
            )
        except Exception as exc:  # the engine's own bug: this view fails, not the capture
            log.exception("lineage.view_parse_crashed datasource=%s view=%s", source.pk, qn)
            found = sql.QueryLineage(failed=True, problems=[f"Cannot parse: {type(exc).__name__}"])
        label = f"{schema}.{name}"
        if found.failed:
            result.failed += 1
            failed_refs.add(qn)
            result.problems[label] = found.problems
            continue
        datasets = {
            ref: resolve.dataset_in(source, ref.schema or default_schema, ref.name, ref.catalog)
            for ref in {*found.tables, *(e.source for e in found.columns)}
        }
        parsed.append((row, found, datasets))

    resolver = resolve.Resolver(prefer=source)
    hits = resolver.tables({d for _, _, datasets in parsed for d in datasets.values()})
    pairs = [
        (hits[datasets[e.source]], e.source_column)
        for _, found, datasets in parsed
        for e in found.columns
        if datasets[e.source] in hits
    ]
    column_ids = resolver.columns(pairs)

    reports: dict[str, list[Edge]] = {}
    for (pk, schema, name, _kind, _definition, qn), found, datasets in parsed:
        problems = list(found.problems)
        edges: list[Edge] = []
        for ref in found.tables:
            hit = hits.get(datasets[ref])
            if hit is None:
                problems.append(f"Reads {ref}, which is not in the catalog.")
            elif hit.id != pk:
                edges.append(Edge(hit.id, pk, **_sources(hit.datasource_id, source.pk)))
        own = columns.get(pk, {})
        own_folded = {k.casefold(): v for k, v in own.items()}
        for e in found.columns:
            hit = hits.get(datasets[e.source])
            if hit is None:
                continue
            up = column_ids.get((hit.id, e.source_column))
            down = own.get(e.target_column) or own_folded.get(e.target_column.casefold())
            if up is None:
                problems.append(f"Column {e.source}.{e.source_column} is not in the catalog.")
            elif down is None:
                problems.append(f"Output column {e.target_column!r} is not in the catalog.")
            else:
                edges.append(
                    Edge(
                        hit.id,
                        pk,
                        up,
                        down,
                        e.transformation,
                        **_sources(hit.datasource_id, source.pk),
                    )
                )
        reports[qn] = edges
        result.table_edges += sum(1 for e in edges if e.upstream_column is None)
        result.column_edges += sum(1 for e in edges if e.upstream_column is not None)
        if problems:
            result.partial += 1
            result.problems[f"{schema}.{name}"] = list(dict.fromkeys(problems))
        else:
            result.complete += 1

    with transaction.atomic():
        result.sync = sync_edges(
            origin=EdgeOrigin.VIEW,
            reports=reports,
            seen_at=seen_at,
            scope_prefix=f"{source.pk}/",
            spare_refs=failed_refs,
        )
        if result.sync.changed or result.problems:
            audit.record(
                actor=None,
                action="lineage.views_captured",
                obj=source,
                changes=result.as_dict(),
            )
    for label, problems in result.problems.items():
        log.warning(
            "lineage.view_problem datasource=%s view=%s problems=%s",
            source.pk,
            label,
            "; ".join(problems)[:1000],
        )
    return result
