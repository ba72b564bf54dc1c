"""OpenLineage run events: validation against the spec's shape, and the edges they report.

A run event names a job, the datasets it read (``inputs``) and wrote (``outputs``), and may
carry a ``columnLineage`` facet on each output. Each job is one ``origin_ref``
(``<job namespace>/<job name>``): its events add edges; a ``COMPLETE`` event that names outputs
is the job's whole lineage, so edges of the job it no longer reports are closed (only those
the caller may edit). ``FAIL`` and ``ABORT`` record nothing: the run may not have written.

Datasets are resolved through :mod:`.resolve` (namespaces such as ``postgres://host:5432``);
datasets of other systems, unknown to the catalog or hidden from the caller are skipped and
listed as unresolved, the hidden ones exactly like the missing ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from pursight import audit, events, permissions

from . import resolve
from .choices import EdgeOrigin
from .services import Edge, SyncResult, edge_sources, sync_edges

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
RECORDING = frozenset({"START", "RUNNING", "COMPLETE", "OTHER"})
MAX_DATASETS = 1000
MAX_FIELDS = 5000
MAX_NAME = 240


class EventError(ValueError):
    """A malformed event: ``field`` is the path of the offending member."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


@dataclass(frozen=True)
class InputField:
    namespace: str
    name: str
    field: str
    transformation: str = ""
    indirect: bool = False


@dataclass
class Dataset:
    namespace: str
    name: str
    columns: dict[str, list[InputField]] = field(default_factory=dict)


@dataclass
class RunEvent:
    event_type: str
    event_time: datetime
    run_id: str
    job_namespace: str
    job_name: str
    producer: str
    inputs: list[Dataset]
    outputs: list[Dataset]

    @property
    def job(self) -> str:
        return f"{self.job_namespace}/{self.job_name}"


# --- validation ------------------------------------------------------------------------------


def _object(value: Any, path: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise EventError(path, "Expected an object." if value is not None else "Required.")
    return value


def _text(obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
    where = f"{path}.{key}" if path else key
    value = obj.get(key)
    if value is None:
        if required:
            raise EventError(where, "Required.")
        return ""
    if not isinstance(value, str):
        raise EventError(where, "Expected a string.")
    if required and not value.strip():
        raise EventError(where, "May not be blank.")
    if len(value) > MAX_NAME:
        raise EventError(where, f"At most {MAX_NAME} characters.")
    return value


def _list(value: Any, path: str, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise EventError(path, "Expected a list.")
    if len(value) > limit:
        raise EventError(path, f"At most {limit} items.")
    return value


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise EventError("eventTime", "Required: an ISO 8601 date-time with a time zone.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventError("eventTime", "Not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        raise EventError("eventTime", "Needs a time zone (e.g. Z or +02:00).")
    return parsed


def _transformation(entry: dict[str, Any], path: str) -> tuple[str, bool]:
    """(text, indirect) of an input field: the 1.x ``transformations`` list, or the older
    ``transformationType``/``transformationDescription`` pair of the output field."""
    items = _list(entry.get("transformations"), f"{path}.transformations", 50)
    if not items:
        return "", False
    texts, direct = [], False
    for k, item in enumerate(items):
        where = f"{path}.transformations[{k}]"
        item = _object(item, where)
        kind = _text(item, "type", where).upper()
        if kind not in ("DIRECT", "INDIRECT"):
            raise EventError(f"{where}.type", "Expected DIRECT or INDIRECT.")
        subtype = _text(item, "subtype", where, required=False).upper()
        description = _text(item, "description", where, required=False)
        masking = item.get("masking")
        if masking is not None and not isinstance(masking, bool):
            raise EventError(f"{where}.masking", "Expected true or false.")
        direct = direct or kind == "DIRECT"
        if kind == "DIRECT" and subtype in ("", "IDENTITY") and not description and not masking:
            continue
        text = f"{kind}/{subtype}" if subtype else kind
        if description:
            text += f": {description}"
        if masking:
            text += " (masked)"
        texts.append(text)
    return "; ".join(texts), not direct


def _column_lineage(facet: Any, path: str) -> dict[str, list[InputField]]:
    facet = _object(facet, path)
    fields = _object(facet.get("fields"), f"{path}.fields")
    if len(fields) > MAX_FIELDS:
        raise EventError(f"{path}.fields", f"At most {MAX_FIELDS} fields.")
    out: dict[str, list[InputField]] = {}
    for name, spec in fields.items():
        where = f"{path}.fields.{name}"
        spec = _object(spec, where)
        legacy_type = _text(spec, "transformationType", where, required=False)
        legacy_text = _text(spec, "transformationDescription", where, required=False)
        legacy = ""
        if legacy_type.upper() not in ("", "IDENTITY") or legacy_text:
            legacy = ": ".join(p for p in (legacy_type, legacy_text) if p)
        entries = _list(spec.get("inputFields"), f"{where}.inputFields", MAX_FIELDS)
        if "inputFields" not in spec:
            raise EventError(f"{where}.inputFields", "Required.")
        found = []
        for k, entry in enumerate(entries):
            at = f"{where}.inputFields[{k}]"
            entry = _object(entry, at)
            text, indirect = _transformation(entry, at)
            found.append(
                InputField(
                    _text(entry, "namespace", at),
                    _text(entry, "name", at),
                    _text(entry, "field", at),
                    text or legacy,
                    indirect,
                )
            )
        out[name] = found
    return out


def _datasets(value: Any, key: str) -> list[Dataset]:
    found = []
    for i, item in enumerate(_list(value, key, MAX_DATASETS)):
        path = f"{key}[{i}]"
        item = _object(item, path)
        dataset = Dataset(_text(item, "namespace", path), _text(item, "name", path))
        facets = _object(item.get("facets"), f"{path}.facets", required=False)
        if key == "outputs" and "columnLineage" in facets:
            dataset.columns = _column_lineage(
                facets["columnLineage"], f"{path}.facets.columnLineage"
            )
        found.append(dataset)
    return found


def validate_event(payload: Any) -> RunEvent:
    """The run event in ``payload``, or :class:`EventError` naming the first bad field."""
    if not isinstance(payload, dict):
        raise EventError("(body)", "Expected a JSON object: an OpenLineage run event.")
    event_type = payload.get("eventType", "OTHER")
    if not isinstance(event_type, str) or event_type.upper() not in EVENT_TYPES:
        raise EventError("eventType", f"Expected one of {', '.join(EVENT_TYPES)}.")
    event_time = _time(payload.get("eventTime"))
    producer = _text(payload, "producer", "")
    _text(payload, "schemaURL", "")
    run = _object(payload.get("run"), "run")
    run_id = _text(run, "runId", "run")
    try:
        uuid.UUID(run_id)
    except ValueError:
        raise EventError("run.runId", "Expected a UUID.") from None
    job = _object(payload.get("job"), "job")
    return RunEvent(
        event_type=event_type.upper(),
        event_time=event_time,
        run_id=run_id,
        job_namespace=_text(job, "namespace", "job"),
        job_name=_text(job, "name", "job"),
        producer=producer,
        inputs=_datasets(payload.get("inputs"), "inputs"),
        outputs=_datasets(payload.get("outputs"), "outputs"),
    )


# --- ingestion -------------------------------------------------------------------------------


@dataclass
class Ingested:
    event: RunEvent
    recorded: bool
    table_edges: int = 0
    column_edges: int = 0
    skipped_indirect: int = 0
    unresolved: list[dict[str, str]] = field(default_factory=list)
    unresolved_columns: list[str] = field(default_factory=list)
    sync: SyncResult = field(default_factory=SyncResult)

    def as_dict(self) -> dict[str, Any]:
        return {
            "eventType": self.event.event_type,
            "job": {"namespace": self.event.job_namespace, "name": self.event.job_name},
            "runId": self.event.run_id,
            "recorded": self.recorded,
            "edges": {"table": self.table_edges, "column": self.column_edges},
            **self.sync.as_dict(),
            "skipped_indirect": self.skipped_indirect,
            "unresolved": self.unresolved,
            "unresolved_columns": self.unresolved_columns,
        }


def ingest_event(*, actor: Any, payload: Any) -> Ingested:
    """Validate and record one run event for ``actor``.

    Raises :class:`EventError` (400) for a malformed event and the gate's ``PermissionDenied``
    (403) when the event links a table the actor may see but not curate; nothing is recorded
    then."""
    event = validate_event(payload)
    result = Ingested(event, recorded=event.event_type in RECORDING)
    if not result.recorded:
        return result

    names: dict[tuple[str, str], resolve.DatasetName | None] = {}
    reasons: dict[tuple[str, str], str] = {}
    pairs = {(d.namespace, d.name) for d in [*event.inputs, *event.outputs]}
    for out in event.outputs:
        for inputs in out.columns.values():
            pairs.update((f.namespace, f.name) for f in inputs)
    for pair in sorted(pairs):
        try:
            names[pair] = resolve.openlineage_dataset(*pair)
        except resolve.NameError_ as exc:
            names[pair], reasons[pair] = None, str(exc)
        else:
            if names[pair] is None:
                reasons[pair] = "not a database this catalog scans"

    resolver = resolve.Resolver()
    hits = resolver.tables(n for n in names.values() if n is not None)
    visible = set(
        permissions.restrict(
            _tables().filter(pk__in=sorted({h.id for h in hits.values()})), actor, "view"
        ).values_list("pk", flat=True)
    )
    table_of: dict[tuple[str, str], resolve.TableHit] = {}
    for pair, name in names.items():
        hit = hits.get(name) if name is not None else None
        if hit is not None and hit.id in visible:
            table_of[pair] = hit
        elif pair not in reasons:
            reasons[pair] = "not in the catalog"
    result.unresolved = [
        {"namespace": ns, "name": n, "reason": reasons[(ns, n)]} for ns, n in sorted(reasons)
    ]

    edges: list[Edge] = []
    ins = [
        table_of[(d.namespace, d.name)] for d in event.inputs if (d.namespace, d.name) in table_of
    ]
    column_pairs = []
    for out in event.outputs:
        target = table_of.get((out.namespace, out.name))
        if target is None:
            continue
        edges.extend(
            Edge(hit.id, target.id, **edge_sources(hit, target))
            for hit in ins
            if hit.id != target.id
        )
        for out_field, inputs in out.columns.items():
            column_pairs.append((target, out_field))
            for f in inputs:
                source = table_of.get((f.namespace, f.name))
                if source is not None:
                    column_pairs.append((source, f.field))
    column_ids = resolver.columns(column_pairs)
    for out in event.outputs:
        target = table_of.get((out.namespace, out.name))
        if target is None:
            continue
        for out_field, inputs in out.columns.items():
            down = column_ids.get((target.id, out_field))
            if down is None:
                result.unresolved_columns.append(f"{out.namespace}/{out.name}.{out_field}")
                continue
            for f in inputs:
                source = table_of.get((f.namespace, f.name))
                if source is None:
                    continue
                if f.indirect:
                    result.skipped_indirect += 1
                    continue
                up = column_ids.get((source.id, f.field))
                if up is None:
                    result.unresolved_columns.append(f"{f.namespace}/{f.name}.{f.field}")
                    continue
                sources = edge_sources(source, target)
                edges.append(Edge(source.id, target.id, up, down, f.transformation, **sources))
                if source.id != target.id:
                    edges.append(Edge(source.id, target.id, **sources))
    edges = list(dict.fromkeys(edges))
    result.unresolved_columns = sorted(set(result.unresolved_columns))

    involved = {e.upstream_table for e in edges} | {e.downstream_table for e in edges}
    curatable = set(
        permissions.restrict(
            _tables().filter(pk__in=sorted(involved)), actor, "curate"
        ).values_list("pk", flat=True)
    )
    refused = involved - curatable
    if refused:
        raise permissions.PermissionDenied(
            f"You may not edit the lineage of {_names(sorted(refused)[:5])}."
        )

    result.table_edges = sum(1 for e in edges if e.upstream_column is None)
    result.column_edges = len(edges) - result.table_edges
    now = timezone.now()
    seen_at = min(event.event_time, now)
    closing = event.event_type == "COMPLETE" and bool(event.outputs)
    with transaction.atomic():
        result.sync = sync_edges(
            origin=EdgeOrigin.OPENLINEAGE,
            reports={event.job[:500]: edges},
            seen_at=seen_at,
            close_missing=closing,
            closable=lambda qs: qs.filter(
                upstream_table__in=_curatable(actor), downstream_table__in=_curatable(actor)
            ),
        )
        if result.sync.changed:
            _announce(actor, result, sorted({e.downstream_table for e in edges}))
    return result


def _tables() -> Any:
    from governance.catalog.models import CatalogTable

    return CatalogTable.objects.all()


def _curatable(actor: Any) -> Any:
    return permissions.restrict(_tables(), actor, "curate", as_subquery=True).values("pk")


def _names(pks: list[int]) -> str:
    """``schema.table`` names of the tables ``pks`` (one query)."""
    tables = _tables().select_related("schema").filter(pk__in=pks).order_by("schema__name", "name")
    return ", ".join(t.display_name for t in tables)


def _announce(actor: Any, result: Ingested, downstream: list[int]) -> None:
    """Audit and a ``lineage.changed`` domain event per data source written to."""
    from governance.datasources.models import DataSource

    sources = DataSource.objects.filter(
        pk__in=_tables().filter(pk__in=downstream).values("datasource_id")
    )
    details = {
        "origin": EdgeOrigin.OPENLINEAGE,
        "job": result.event.job,
        "run": result.event.run_id,
        **result.sync.as_dict(),
    }
    if not downstream:  # only closings: the job's tables are in the closed edges
        audit.record(actor=actor, action="lineage.openlineage", changes=details)
        return
    for source in sources:
        audit.record(actor=actor, action="lineage.openlineage", obj=source, changes=details)
        events.emit("lineage.changed", source, actor=actor, **details)
