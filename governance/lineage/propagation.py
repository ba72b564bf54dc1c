"""Classifications and sensitivity labels flowing downstream along lineage.

**What propagates.** A steward's decision: a classification *accepted* on a column, or set by
hand (which the catalog stores as accepted). Mere suggestions of a scan do not: a wrong guess
would otherwise spread through the warehouse before anyone looked at it. Rejected rows never do.

**Along what.** Open (``closed_at`` unset), unblocked, *column-level* edges, from the origin
column to every column downstream, transitively (a view over a view over the table of card
numbers holds card numbers). A table-level edge does not say which column carries what, so it
carries no classification. Removed columns receive nothing.

**Where it stops.** At a column where a steward decided on the same classification: a rejection
there ("this column does not hold card numbers", e.g. it is masked) stops the flow into it and
beyond along that path; an acceptance there makes that column its own origin, which takes over.
Cycles terminate: each origin visits a column once (the shortest path is kept). Depth is capped
at :data:`MAX_DEPTH` edges.

**When.** :func:`recompute_for_tables` rebuilds what may have changed when the decisions on, or
the edges touching, some tables change: the origins upstream of those tables (any status, so a
rejected or removed decision loses its rows) and the origins that flowed through them. Each
affected origin's flow is recomputed from scratch and its rows replaced. Batched breadth-first
search: one query per level for all origins at once (plus a constant few), whatever the number
of origins. Triggers (``graph_wiring``): the catalog's ``classification.accepted`` /
``classification.rejected`` domain events, ``lineage.changed`` events of the capture side, the
label policy's ``labels_changed`` signal (labels only), and the block / unblock services here.

**Blocking.** A steward may block propagation along one edge, with a reason
(:func:`block_edge`, audited); the rows that flowed along it disappear at once, and come back
on :func:`unblock_edge`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery

from governance.catalog.choices import ClassificationStatus
from governance.catalog.models import CatalogColumn, CatalogTable, ColumnClassification
from pursight import audit, bulk, events, permissions

from .models import LineageEdge, PropagatedClassification

log = logging.getLogger(__name__)

ACCEPTED = ClassificationStatus.ACCEPTED
REJECTED = ClassificationStatus.REJECTED
MAX_DEPTH = 50
MAX_REASON = 300
CHUNK = 5000
ORIGIN_WORDS = {
    "view": "view",
    "openlineage": "OpenLineage job",
    "dbt": "dbt model",
    "manual": "a lineage edge entered by hand",
}
HIDDEN_REASON = "propagated along lineage from an asset hidden from you"


@dataclass
class Recomputed:
    origins: int = 0  # affected origins (decisions) recomputed
    removed: int = 0  # propagated rows deleted
    created: int = 0  # propagated rows written
    levels: int = 0  # breadth-first levels walked


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _upstream_closure(column_ids: set[int]) -> set[int]:
    """``column_ids`` and every column upstream of them over open column edges (blocked ones
    too: a block that just changed must be seen). One query per level."""
    closure = set(column_ids)
    frontier = set(column_ids)
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        found: set[int] = set()
        for chunk in _chunks(sorted(frontier)):
            found.update(
                LineageEdge.objects.open()
                .filter(downstream_column_id__in=chunk)
                .order_by()
                .values_list("upstream_column_id", flat=True)
                .distinct()
            )
        frontier = found - closure
        closure |= frontier
    return closure


def affected_origins(table_ids: Iterable[int]) -> set[int]:
    """The decisions (``ColumnClassification`` ids) whose flow may change when decisions on, or
    edges touching, ``table_ids`` change."""
    tables = sorted(set(table_ids))
    if not tables:
        return set()
    columns = set(CatalogColumn.objects.filter(table_id__in=tables).values_list("pk", flat=True))
    if not columns:
        return set()
    upstream = _upstream_closure(columns)
    origins: set[int] = set()
    for chunk in _chunks(sorted(upstream)):
        origins.update(
            ColumnClassification.objects.filter(column_id__in=chunk).values_list("pk", flat=True)
        )
    origins.update(
        PropagatedClassification.objects.filter(column__table_id__in=tables).values_list(
            "origin_id", flat=True
        )
    )
    return origins


def recompute_for_tables(table_ids: Iterable[int]) -> Recomputed:
    """Rebuild the propagated classifications that decisions on, or edges touching, the tables
    ``table_ids`` may have changed. Call it after edges of these tables were created, closed,
    reopened or deleted (pass both ends' tables), or after decisions on their columns changed.

    Idempotent; runs in one transaction; a bounded number of queries (one per level of the
    affected closure, plus a constant few)."""
    with transaction.atomic():
        return recompute_origins(affected_origins(table_ids))


def recompute_origins(origin_ids: Iterable[int]) -> Recomputed:
    """Replace the propagated rows of these decisions with their flow as it is now."""
    origin_ids = sorted(set(origin_ids))
    result = Recomputed(origins=len(origin_ids))
    if not origin_ids:
        return result
    rows, result.levels = _flow(origin_ids)
    with transaction.atomic():
        for chunk in _chunks(origin_ids):
            result.removed += PropagatedClassification.objects.filter(origin_id__in=chunk).delete()[
                0
            ]
        # COPY on PostgreSQL (``pursight.bulk``), chunked bulk_create elsewhere.
        bulk.insert_rows(
            PropagatedClassification,
            [{f.attname: getattr(r, f.attname) for f in _WRITTEN} for r in rows],
        )
    result.created = len(rows)
    return result


def recompute_all() -> Recomputed:
    """Every accepted decision's flow, from scratch (``manage.py shell`` after a restore)."""
    origins = set(ColumnClassification.objects.values_list("pk", flat=True))
    origins |= set(PropagatedClassification.objects.values_list("origin_id", flat=True))
    return recompute_origins(origins)


_WRITTEN = [
    PropagatedClassification._meta.get_field(name)
    for name in (
        "column",
        "datasource",
        "classification",
        "sensitivity_label",
        "origin",
        "via",
        "path",
        "reason",
    )
]


@dataclass
class _Origin:
    pk: int
    column_id: int
    classification_id: int
    label_id: int | None


def _flow(origin_ids: list[int]) -> tuple[list[PropagatedClassification], int]:
    """The propagated rows of the accepted decisions among ``origin_ids`` (not written)."""
    origins: list[_Origin] = []
    for chunk in _chunks(origin_ids):
        origins += [
            _Origin(*row)
            for row in ColumnClassification.objects.filter(
                pk__in=chunk, status=ACCEPTED, column__removed_at__isnull=True
            ).values_list("pk", "column_id", "classification_id", "sensitivity_label_id")
        ]
    if not origins:
        return [], 0
    # Per origin: column -> path of edge ids from the origin (visited once: cycles end).
    reached: dict[int, dict[int, list[int]]] = {o.pk: {o.column_id: []} for o in origins}
    frontier: dict[int, list[int]] = {o.pk: [o.column_id] for o in origins}
    by_pk = {o.pk: o for o in origins}
    edge_info: dict[int, tuple[str, str, int]] = {}  # edge id -> (origin, ref, upstream column)
    target_source: dict[int, int] = {}  # column id -> data source id
    levels = 0
    for _ in range(MAX_DEPTH):
        columns = sorted({c for cols in frontier.values() for c in cols})
        if not columns:
            break
        levels += 1
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)  # column -> [(edge, down)]
        for chunk in _chunks(columns):
            for eid, up, down, ds, origin, ref in (
                LineageEdge.objects.open()
                .filter(
                    upstream_column_id__in=chunk,
                    propagation_blocked=False,
                    downstream_column__removed_at__isnull=True,
                )
                .order_by("id")
                .values_list(
                    "id",
                    "upstream_column_id",
                    "downstream_column_id",
                    "downstream_column__datasource_id",
                    "origin",
                    "origin_ref",
                )
            ):
                out[up].append((eid, down))
                edge_info[eid] = (origin, ref, up)
                target_source[down] = ds
        candidates = {down for edges in out.values() for _, down in edges}
        decisions = _decisions(candidates)
        next_frontier: dict[int, list[int]] = {}
        for opk, cols in frontier.items():
            o = by_pk[opk]
            seen = reached[opk]
            new: list[int] = []
            for col in cols:
                for eid, down in out.get(col, ()):
                    if down in seen:
                        continue
                    if decisions.get((down, o.classification_id)) in (ACCEPTED, REJECTED):
                        continue  # the steward decided there: that decision rules
                    seen[down] = [*seen[col], eid]
                    new.append(down)
            if new:
                next_frontier[opk] = new
        frontier = next_frontier
    else:
        if frontier:
            log.warning("lineage.propagation_depth_cap origins=%d", len(frontier))
    names = _column_names({o.column_id for o in origins})
    rows: list[PropagatedClassification] = []
    for o in origins:
        for column_id, path in reached[o.pk].items():
            if not path:
                continue  # the origin itself
            rows.append(
                PropagatedClassification(
                    column_id=column_id,
                    datasource_id=target_source[column_id],
                    classification_id=o.classification_id,
                    sensitivity_label_id=o.label_id,
                    origin_id=o.pk,
                    via_id=path[-1],
                    path=path,
                    reason=_reason(names.get(o.column_id, "?"), path, edge_info),
                )
            )
    return rows, levels


def _decisions(column_ids: set[int]) -> dict[tuple[int, int], str]:
    """``{(column, classification): status}`` of the stewards' decisions on these columns."""
    out: dict[tuple[int, int], str] = {}
    for chunk in _chunks(sorted(column_ids)):
        for col, cls, status in ColumnClassification.objects.filter(
            column_id__in=chunk, status__in=[ACCEPTED, REJECTED]
        ).values_list("column_id", "classification_id", "status"):
            out[(col, cls)] = status
    return out


def _column_names(column_ids: set[int]) -> dict[int, str]:
    """``{column id: "source.schema.table.column"}`` (one query)."""
    return {
        pk: f"{ds}.{schema}.{table}.{name}"
        for pk, ds, schema, table, name in CatalogColumn.objects.filter(
            pk__in=sorted(column_ids)
        ).values_list("pk", "datasource__name", "table__schema__name", "table__name", "name")
    }


def describe_edge(origin: str, ref: str) -> str:
    word = ORIGIN_WORDS.get(origin, origin)
    return f"{word} {ref}".strip() if ref and origin != "manual" else word


def _reason(origin_name: str, path: list[int], edge_info: dict[int, tuple[str, str, int]]) -> str:
    origin, ref, _ = edge_info[path[-1]]
    hops = f" ({len(path)} edges away)" if len(path) > 1 else ""
    text = f"propagated from {origin_name}{hops} via {describe_edge(origin, ref)}"
    return text if len(text) <= 1000 else text[:999] + "…"


# --- reading, per viewer ---------------------------------------------------------------------


def visible_rows(user: Any, column_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The propagated classifications of ``column_ids`` as ``user`` may read them: ``{column id:
    [{"classification", "code", "label", "reason", "origin_visible"}]}`` (one query). The reason
    names the origin only if the viewer may see the origin column and the last edge's upstream
    table; otherwise it says the origin is hidden."""
    if not column_ids:
        return {}
    rows = (
        permissions.restrict(PropagatedClassification.objects.all(), user, as_subquery=True)
        .filter(column_id__in=list(column_ids))
        .select_related(
            "classification",
            "sensitivity_label",
            "origin__datasource",
            "via__upstream_table__datasource",
        )
        .order_by("column_id", "classification__name", "id")
    )
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        shown = permissions.can(user, permissions.VIEW, r.origin) and permissions.can(
            user, permissions.VIEW, r.via.upstream_table
        )
        out[r.column_id].append(
            {
                "classification": r.classification.name,
                "code": r.classification.code,
                "label": r.sensitivity_label.name if r.sensitivity_label_id else None,
                "reason": r.reason if shown else HIDDEN_REASON,
                "origin_visible": shown,
                "via": r.via_id,
            }
        )
    return dict(out)


# --- labels ----------------------------------------------------------------------------------


def refresh_labels(*, classification_ids: Sequence[int], **_: Any) -> int:
    """After a label policy change: each propagated row takes its origin's label (one
    update). Connected after the catalog's own refresh (``labels_changed``)."""
    origin_label = ColumnClassification.objects.filter(pk=OuterRef("origin_id")).values(
        "sensitivity_label_id"
    )[:1]
    return PropagatedClassification.objects.filter(
        classification_id__in=list(classification_ids)
    ).update(sensitivity_label_id=Subquery(origin_label))


# --- triggers ----------------------------------------------------------------------------------


def tables_of(obj: Any, data: dict[str, Any] | None = None) -> set[int]:
    """The tables a domain event is about (``data["table_ids"]`` when the sender lists them)."""
    ids = {int(t) for t in (data or {}).get("table_ids", ()) if str(t).isdigit()}
    if isinstance(obj, CatalogTable):
        ids.add(obj.pk)
    elif isinstance(obj, LineageEdge):
        ids |= {obj.upstream_table_id, obj.downstream_table_id}
    elif isinstance(obj, CatalogColumn):
        ids.add(obj.table_id)
    elif isinstance(obj, ColumnClassification):
        ids |= set(
            CatalogColumn.objects.filter(pk=obj.column_id).values_list("table_id", flat=True)
        )
    return ids


PROPAGATING_EVENTS = (
    "classification.accepted",
    "classification.rejected",
    "classification.removed",
    "lineage.changed",
)


def on_domain_event(
    sender: Any, kind: str = "", obj: Any = None, data: dict[str, Any] | None = None, **_: Any
) -> None:
    """``pursight.events.domain_event`` receiver (after the commit of the change)."""
    if kind not in PROPAGATING_EVENTS:
        return
    tables = tables_of(obj, data)
    if tables:
        recompute_for_tables(tables)


def on_edges_changed(sender: Any, table_ids: Iterable[int] = (), **_: Any) -> None:
    """``lineage.services.edges_changed`` receiver: edges of these tables were created, closed
    or reopened (sent after the commit)."""
    tables = {int(t) for t in table_ids or ()}
    if tables:
        recompute_for_tables(tables)


# --- blocking ------------------------------------------------------------------------------------


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why propagation stops on this edge."]})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [f"At most {MAX_REASON} characters."]})
    return reason


def block_edge(*, actor: Any, edge: LineageEdge, reason: str) -> LineageEdge:
    """Stop classifications flowing along ``edge`` (the downstream's curators decide), with a
    reason; audited; the rows that flowed along it are removed at once."""
    permissions.check(actor, "block", edge)
    reason = _clean_reason(reason)
    with transaction.atomic():
        edge = LineageEdge.objects.select_for_update().get(pk=edge.pk)
        if edge.propagation_blocked:
            raise ValidationError("Propagation is already blocked on this edge.")
        edge.propagation_blocked = True
        edge.blocked_reason = reason
        edge.blocked_by = actor if getattr(actor, "pk", None) else None
        edge.save(update_fields=["propagation_blocked", "blocked_reason", "blocked_by"])
        audit.record(
            actor=actor,
            action="lineageedge.block",
            obj=edge,
            changes={"propagation_blocked": [False, True], "reason": reason},
            collection_id=permissions.collection_id_of(edge),
        )
        recompute_for_tables([edge.upstream_table_id, edge.downstream_table_id])
        events.emit("lineage.propagation_blocked", edge, actor=actor, reason=reason)
    return edge


def unblock_edge(*, actor: Any, edge: LineageEdge, reason: str = "") -> LineageEdge:
    """Let classifications flow along ``edge`` again (audited, with an optional reason)."""
    permissions.check(actor, "block", edge)
    reason = (reason or "").strip()[:MAX_REASON]
    with transaction.atomic():
        edge = LineageEdge.objects.select_for_update().get(pk=edge.pk)
        if not edge.propagation_blocked:
            raise ValidationError("Propagation is not blocked on this edge.")
        before = edge.blocked_reason
        edge.propagation_blocked = False
        edge.blocked_reason = ""
        edge.blocked_by = None
        edge.save(update_fields=["propagation_blocked", "blocked_reason", "blocked_by"])
        audit.record(
            actor=actor,
            action="lineageedge.unblock",
            obj=edge,
            changes={
                "propagation_blocked": [True, False],
                "blocked_reason": before,
                "note": reason,
            },
            collection_id=permissions.collection_id_of(edge),
        )
        recompute_for_tables([edge.upstream_table_id, edge.downstream_table_id])
        events.emit("lineage.propagation_unblocked", edge, actor=actor)
    return edge


# --- compliance and export ---------------------------------------------------------------


def propagated_column_ids(
    *, labels: Sequence[str] | None = None, sensitivity_labels: Sequence[str] | None = None
) -> Any:
    """Ids of columns holding a propagated classification with one of ``labels`` (codes or
    categories) or ``sensitivity_labels`` (a single-column queryset; no query is run)."""
    from django.db.models import Q

    q = Q()
    if labels:
        q |= Q(classification__code__in=list(labels)) | Q(classification__category__in=list(labels))
    if sensitivity_labels:
        q |= Q(sensitivity_label__name__in=list(sensitivity_labels))
    rows = PropagatedClassification.objects.all()
    if not labels and not sensitivity_labels:
        return rows.none().values("column_id")
    return rows.filter(q).values("column_id")


EVIDENCE_VIA = {
    "column": "column_id",
    "table": "column__table_id",
    "schema": "column__table__schema_id",
    "datasource": "datasource_id",
}


def propagation_evidence(
    asset_type: str,
    *,
    labels: Sequence[str] | None = None,
    sensitivity_labels: Sequence[str] | None = None,
) -> Any:
    """For compliance findings: an expression giving, for each asset of ``asset_type``, the
    reason of one propagated classification matching ``labels`` / ``sensitivity_labels`` that it
    holds (or one of its live columns holds), e.g. "propagated from sales.public.customers.card
    via view v_customers"; null when its classification is its own."""
    from django.db.models import Q

    q = Q()
    if labels:
        q |= Q(classification__code__in=list(labels)) | Q(classification__category__in=list(labels))
    if sensitivity_labels:
        q |= Q(sensitivity_label__name__in=list(sensitivity_labels))
    rows = PropagatedClassification.objects.filter(
        q, column__removed_at__isnull=True, **{EVIDENCE_VIA[asset_type]: OuterRef("pk")}
    )
    if not labels and not sensitivity_labels:
        rows = rows.none()
    return Subquery(rows.order_by("id").values("reason")[:1])


def export_column_propagations(column_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """For ``catalog.exporting.column_extensions``: each column's propagated classifications
    with their reason and path (one query per 5,000 columns)."""
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(column_ids)):
        for r in (
            PropagatedClassification.objects.filter(column_id__in=chunk)
            .select_related("classification", "sensitivity_label", "origin__column")
            .order_by("column_id", "classification__code", "id")
        ):
            out.setdefault(r.column_id, {"propagated_classifications": []})[
                "propagated_classifications"
            ].append(
                {
                    "type": r.classification.code,
                    "label": r.sensitivity_label.name if r.sensitivity_label_id else None,
                    "origin": r.origin.column.qualified_name,
                    "reason": r.reason,
                    "path": r.path,
                }
            )
    return out
