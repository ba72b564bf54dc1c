"""How one domain event becomes activity records, and what an event's target is called.

Most events become one record about the object they were emitted for (:func:`default`).
Governance emits summaries where a bulk path would otherwise cost thousands of events, and the
expanders registered here read the details once, set-based:

- ``schema.changed`` and ``classification.suggested`` about a scan run: counted from the rows
  the run wrote (nothing is recorded when it wrote none);
- ``finding.opened`` about an evaluation run: one record per data source with counts by
  severity, plus one per new high or critical finding (at most :data:`SEVERE_LIMIT`);
- ``pin.added``/``pin.removed`` about a workspace: a record about the pinned object, kept in
  that workspace (so that only members who may see the object see it).

Expanders are a registry keyed by event kind (:data:`expanders`); racine's other apps may add
their own in ``ready()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q

from pursight import permissions
from pursight.registry import Registry
from racine.workspaces import live

from .models import ANCHOR_FIELDS, ANCHORS

# Per-finding records of one evaluation run (high and critical ones); the rest are counted in
# the data sources' summaries.
SEVERE_LIMIT = 25
SEVERE = ("critical", "high")


@dataclass
class Record:
    """One activity event to write: ``target`` is what it is about; ``workspace`` makes it
    the workspace's own (seen by its members only)."""

    kind: str
    target: models.Model
    data: dict[str, Any] = field(default_factory=dict)
    workspace: Any = None


Expander = Callable[[str, Any, dict[str, Any]], list[Record]]
expanders: Registry[Expander] = Registry("activity expanders")


def expand(kind: str, obj: Any, data: dict[str, Any]) -> list[Record]:
    return entry(expanders, kind, default)(kind, obj, data)


def entry(registry: Registry[Any], key: str, fallback: Any = None) -> Any:
    """``registry[key]``, or ``fallback`` when nothing is registered under ``key``."""
    try:
        return registry[key]
    except KeyError:
        return fallback


def is_workspace(obj: Any) -> bool:
    return isinstance(obj, models.Model) and _label(obj) == "workspaces.Workspace"


def workspace_of(obj: Any) -> Any:
    """The workspace an object belongs to: itself, or its ``workspace`` (a task's)."""
    if is_workspace(obj):
        return obj
    if isinstance(obj, models.Model) and any(
        f.name == "workspace" and f.is_relation for f in obj._meta.concrete_fields
    ):
        candidate = getattr(obj, "workspace", None)
        return candidate if is_workspace(candidate) else None
    return None


def default(kind: str, obj: Any, data: dict[str, Any]) -> list[Record]:
    return [Record(kind, obj, data, workspace_of(obj))]


def _label(obj: Any) -> str:
    return obj._meta.concrete_model._meta.label


# --- names and anchors of targets -------------------------------------------------------------

Describe = Callable[[Any], str]
descriptions: Registry[Describe] = Registry("activity target names")


def describe(obj: models.Model) -> str:
    """What a target is called in the feed (stored with the event: the name at the time)."""
    label = _label(obj)
    try:
        text = entry(descriptions, label, str)(obj)
    except Exception:  # a dangling reference: keep the event, with a plain name
        text = f"{obj._meta.verbose_name} {obj.pk}"
    return text[:300]


def _table_name(table: Any) -> str:
    return f"{table.schema.name}.{table.name}"


descriptions.register("scans.ScanRun", lambda run: f"scan #{run.pk} of {run.datasource.name}")
descriptions.register("catalog.CatalogTable", _table_name)
descriptions.register("catalog.CatalogColumn", lambda c: f"{_table_name(c.table)}.{c.name}")
descriptions.register(
    "compliance.Finding",
    lambda f: f"{f.rule.name} on {f.asset_name or f.qualified_name}",
)
descriptions.register("scans.SchemaChange", lambda c: f"{c.get_change_display()} {c.display_name}")


def anchor_ids(obj: models.Model) -> dict[str, int | None]:
    """The catalog anchors of ``obj`` (column, table, schema, data source, collection ids), read
    through its foreign keys as :func:`racine.workspaces.live.anchors` follows them, plus what
    a model says of itself (a finding names its asset by type and id)."""
    out: dict[str, int | None] = dict.fromkeys(ANCHOR_FIELDS)
    by_label = {label: name for name, label in ANCHORS.items()}
    for anchor in live.anchors(obj):
        name = by_label.get(_label(anchor))
        if name and out[name] is None:
            out[name] = anchor.pk
    extra = entry(extra_anchors, _label(obj))
    if extra is not None:
        for name, value in extra(obj).items():
            if out.get(name) is None:
                out[name] = value
    return out


extra_anchors: Registry[Callable[[Any], dict[str, int | None]]] = Registry("activity anchors")


def _finding_anchors(finding: Any) -> dict[str, int | None]:
    """A finding is about a column, table, schema or data source given by type and id."""
    kind, pk = finding.asset_type, finding.asset_id
    if kind == "column":
        column = apps.get_model("catalog", "CatalogColumn")
        row = column.objects.filter(pk=pk).values("table_id", "table__schema_id").first() or {}
        return {
            "column_id": pk,
            "table_id": row.get("table_id"),
            "schema_id": row.get("table__schema_id"),
        }
    if kind == "table":
        table = apps.get_model("catalog", "CatalogTable")
        return {
            "table_id": pk,
            "schema_id": table.objects.filter(pk=pk).values_list("schema_id", flat=True).first(),
        }
    if kind == "schema":
        return {"schema_id": pk}
    return {}


extra_anchors.register("compliance.Finding", _finding_anchors)


def resolve_ref(ref: Any) -> models.Model | None:
    """The object a ``{"type": "catalog.catalogtable", "id": 5}`` reference names, if it
    exists and the gate knows its model (no visibility check: the feed checks that)."""
    if not isinstance(ref, dict):
        return None
    label, pk = ref.get("type"), ref.get("id")
    if not isinstance(label, str) or "." not in label or isinstance(pk, bool):
        return None
    app_label, _, model_name = label.partition(".")
    try:
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
        pk = int(pk)
    except (ContentType.DoesNotExist, TypeError, ValueError):
        return None
    if model is None or not (permissions.is_securable(model) or permissions.is_targeted(model)):
        return None
    return model._default_manager.filter(pk=pk).first()


# --- governance expanders ---------------------------------------------------------------------


def _is(obj: Any, label: str) -> bool:
    return isinstance(obj, models.Model) and _label(obj) == label


def scan_state(kind: str, run: Any, data: dict[str, Any]) -> list[Record]:
    """A scan run started or ended: its state and counters at that moment."""
    if not _is(run, "scans.ScanRun"):
        return default(kind, run, data)
    data = {**data, "state": run.state}
    if kind != "scan.started":
        data.update(tables_done=run.tables_done, tables_total=run.tables_total)
    if kind == "scan.failed" and run.error:
        data["error"] = run.error[:500]
    return default(kind, run, data)


def schema_changes(kind: str, run: Any, data: dict[str, Any]) -> list[Record]:
    """The schema changes a run recorded, counted by kind (two queries); none: no event."""
    if not _is(run, "scans.ScanRun"):
        return default(kind, run, data)
    from governance.scans.models import ScanRun, SchemaChange

    rows = SchemaChange.objects.filter(run=run)
    changes = {
        r["change"]: r["n"] for r in rows.values("change").annotate(n=Count("pk")).order_by()
    }
    if not changes:
        return []
    total = sum(changes.values())
    examples = list(rows.order_by("pk").values_list("display_name", flat=True)[:5])
    # The first scan of a source catalogues it: not "changes" a steward must look at.
    initial = set(changes) == {"added"} and not (
        ScanRun.objects.filter(
            datasource_id=run.datasource_id, state="succeeded", pk__lt=run.pk
        ).exists()
    )
    data = {**data, "changes": changes, "total": total, "examples": examples}
    if initial:
        data["initial"] = True
    return default(kind, run, data)


def suggestions(kind: str, run: Any, data: dict[str, Any]) -> list[Record]:
    """The classifications a run suggested (still suggested), by type: one event per run."""
    if not _is(run, "scans.ScanRun"):
        return default(kind, run, data)
    from governance.catalog.choices import ClassificationStatus
    from governance.catalog.models import ColumnClassification

    since = run.started_at or run.queued_at
    rows = ColumnClassification.objects.filter(
        datasource_id=run.datasource_id, status=ClassificationStatus.SUGGESTED
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    types = {
        r["classification__code"]: r["n"]
        for r in rows.values("classification__code").annotate(n=Count("pk")).order_by()
    }
    count = sum(types.values())
    if not count:
        return []
    top = dict(sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
    tables = rows.values("column__table_id").distinct().count()
    return default(kind, run, {**data, "count": count, "tables": tables, "types": top})


def decisions(kind: str, obj: Any, data: dict[str, Any]) -> list[Record]:
    """A steward's decision; a table's bulk decision that changed nothing is no event."""
    if "count" in data and not data["count"]:
        return []
    return default(kind, obj, data)


def findings_opened(kind: str, run: Any, data: dict[str, Any]) -> list[Record]:
    """An evaluation's new (and reopened) findings: per data source, counts by severity; per
    high or critical finding, one record (at most :data:`SEVERE_LIMIT`). A constant number
    of queries whatever the number of findings."""
    if not _is(run, "compliance.EvaluationRun"):
        return default(kind, run, data)
    if not data.get("opened"):
        return []
    from governance.compliance.models import Finding, FindingEvent
    from governance.datasources.models import DataSource

    reopened = FindingEvent.objects.filter(
        run=run, to_status="open", from_status="resolved"
    ).values("finding_id")
    opened = Finding.stored.filter(Q(first_run=run) | Q(pk__in=reopened))
    by_source: dict[int, dict[str, int]] = defaultdict(dict)
    for row in opened.values("datasource_id", "severity").annotate(n=Count("pk")).order_by():
        by_source[row["datasource_id"]][row["severity"]] = row["n"]
    if not by_source:
        return []
    framework = run.framework.name
    severe = list(
        opened.filter(severity__in=SEVERE)
        .select_related("rule", "datasource__collection")
        .order_by("severity", "pk")[:SEVERE_LIMIT]
    )
    listed: dict[int, int] = defaultdict(int)
    for finding in severe:
        listed[finding.datasource_id] += 1
    sources = DataSource.objects.select_related("collection").in_bulk(list(by_source))
    records = []
    for source_id, by_severity in sorted(by_source.items()):
        source = sources.get(source_id)
        if source is None:
            continue
        summary = {
            "framework": framework,
            "evaluation": run.pk,
            "counts": by_severity,
            "total": sum(by_severity.values()),
            "severe": sum(n for s, n in by_severity.items() if s in SEVERE),
            "listed": listed[source_id],
        }
        records.append(Record(kind, source, summary))
    for finding in severe:
        finding_data = {
            "framework": framework,
            "evaluation": run.pk,
            "severity": finding.severity,
            "rule": finding.rule.name,
            "asset": finding.asset_name or finding.qualified_name,
        }
        records.append(Record(kind, finding, finding_data))
    return records


def pinned(kind: str, workspace: Any, data: dict[str, Any]) -> list[Record]:
    """A pin added or removed: about the pinned object, in the workspace (both must be
    visible); the workspace itself when the object is gone."""
    if not is_workspace(workspace):
        return default(kind, workspace, data)
    data = {**data, "workspace_name": workspace.name}
    target = resolve_ref(data.get("target") or data.get("pinned"))
    return [Record(kind, target if target is not None else workspace, data, workspace)]


for _kind in ("scan.started", "scan.finished", "scan.failed", "scan.cancelled"):
    expanders.register(_kind, scan_state)
expanders.register("schema.changed", schema_changes)
expanders.register("classification.suggested", suggestions)
expanders.register("classification.accepted", decisions)
expanders.register("classification.rejected", decisions)
expanders.register("finding.opened", findings_opened)
expanders.register("pin.added", pinned)
expanders.register("pin.removed", pinned)
