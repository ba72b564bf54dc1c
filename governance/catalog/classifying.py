"""Column classification in the catalog: scan-time suggestions, stewards' decisions, roll-ups.

Scans hand each batch's sampled columns to the engine with :func:`submit_batch` (in a helper
process, so that the next batch is sampled meanwhile) and store the answer with
:func:`store_batch` inside the batch's transaction: one bulk read of the stored classifications,
bulk writes. A rescan never overwrites a steward's decision (accepted, rejected or manual
rows): when the new evidence disagrees, the row is flagged and the new evidence is kept in
``disagreement_details``. Sampled values are never stored: only the engine's masked evidence
and reasons.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from governance.classifications import services as classifications
from governance.classifications.engine import Candidate, ColumnInput, decide
from governance.classifications.engine.process import EngineProcessError
from governance.classifications.models import Classification, SensitivityLabel
from governance.scanrules import services as scanrules
from pursight import audit, bulk, changes, events, permissions

from .choices import ClassificationSource, ClassificationStatus
from .models import CatalogColumn, CatalogTable, ColumnClassification
from .services import ObservedTable, column_qn

log = logging.getLogger(__name__)

SUGGESTED = ClassificationStatus.SUGGESTED
ACCEPTED = ClassificationStatus.ACCEPTED
REJECTED = ClassificationStatus.REJECTED
MANUAL = ClassificationSource.MANUAL


# --- scan time ---


def _disagreement(candidate: Any, model_version: str, now: Any) -> dict[str, Any]:
    if candidate is None:
        return {"found": None, "reasons": ["the latest scan found no classification"], "at": now}
    return {
        "found": candidate.info_type,
        "confidence": candidate.confidence,
        "source": candidate.source,
        "reasons": list(candidate.reasons),
        "evidence": list(candidate.evidence),
        "model_version": model_version,
        "at": now,
    }


class PendingBatch:
    """A batch's columns handed to the engine: in a helper process, or already classified here.

    :func:`submit_batch` returns at once when the engine helper runs the batch, so that the
    caller (a scan) samples the next batch meanwhile; :meth:`results` waits for the answer. If
    the helper failed or died, the batch is classified in this process instead: a scan never
    loses a batch to the helper.
    """

    def __init__(
        self,
        inputs: Mapping[str, ColumnInput],
        future: Future[list[list[Candidate]]] | None = None,
        model_version: str = "",
    ) -> None:
        self.qns: list[str] = list(inputs)
        self._inputs = list(inputs.values())
        self._future = future
        self._results: list[list[Candidate]] | None = None
        self.model_version = model_version
        if future is None and self._inputs:
            self._classify_here()

    def inputs(self) -> dict[str, ColumnInput]:
        """The batch's columns by qualified name, as submitted."""
        return dict(zip(self.qns, self._inputs, strict=True))

    def _classify_here(self) -> None:
        engine, self.model_version = classifications.get_engine()
        self._results = engine.classify_many(self._inputs)

    def results(self) -> dict[str, list[Candidate]]:
        """Candidates by qualified column name (waits for the helper's answer)."""
        if self._results is None and self._future is not None:
            try:
                self._results = self._future.result()
            except EngineProcessError as exc:
                log.warning("classification.helper_lost error=%s; classifying here", exc)
                self._classify_here()
            self._future = None
        return dict(zip(self.qns, self._results or [], strict=True))


def inputs_for_tables(
    datasource_id: int,
    tables: Iterable[ObservedTable],
    samples: Mapping[str, Sequence[Any]],
) -> dict[str, ColumnInput]:
    """The engine's input for every sampled column of ``tables``, by qualified name."""
    inputs: dict[str, ColumnInput] = {}
    for table in tables:
        names = [c.name for c in table.columns]
        for col in table.columns:
            qn = column_qn(datasource_id, table.schema, table.name, col.name)
            values = samples.get(qn)
            if values is None:
                continue
            inputs[qn] = ColumnInput(
                name=col.name,
                data_type=col.data_type,
                values=[None if v is None else str(v) for v in values],
                table=table.name,
                siblings=[n for n in names if n != col.name],
            )
    return inputs


def submit_batch(inputs: Mapping[str, ColumnInput], *, helper: bool = False) -> PendingBatch:
    """Start classifying ``inputs``: in the engine helper process when ``helper`` and it runs."""
    if helper and inputs:
        engine_process = classifications.engine_helper()
        if engine_process is not None:
            future = engine_process.submit(list(inputs.values()))
            return PendingBatch(inputs, future, engine_process.model_version)
    return PendingBatch(inputs)


def _flag_disagreement(row: ColumnClassification, found: dict[str, Any] | None) -> bool:
    """Flag a steward's row with what the scan ``found`` (``None``: clear the flag).

    Returns whether the row changed.
    """
    if found is not None:
        row.disagreement, row.disagreement_details = True, found
        return True
    if row.disagreement:
        row.disagreement, row.disagreement_details = False, {}
        return True
    return False


def store_batch(
    pending: PendingBatch,
    *,
    datasource_id: int,
    rule_set_id: int | None,
    columns: Mapping[str, Any],
) -> dict[str, int]:
    """Store a batch's classifications (set-based): suggestions, disagreements, removals.

    ``columns`` maps qualified names to the upserted ``ColumnRef``. Returns counters
    (suggested, updated, removed, disagreements).
    """
    if not pending.qns:
        return {}
    candidates_by_qn = pending.results()
    model_version = pending.model_version
    allowed = classifications.applicable_codes(scanrules.classification_codes(rule_set_id))
    decisions: dict[int, Any] = {}
    for qn, candidates in candidates_by_qn.items():
        ref = columns.get(qn)
        if ref is None:
            continue
        decisions[ref.id] = decide([c for c in candidates if c.info_type in allowed])

    ids_by_code = classifications.classification_ids()
    labels = classifications.effective_label_ids()
    now = timezone.now()
    stamp = now.isoformat()
    existing: dict[int, list[ColumnClassification]] = defaultdict(list)
    for row in ColumnClassification.objects.filter(column_id__in=list(decisions)).select_related(
        "classification"
    ):
        existing[row.column_id].append(row)

    inserts: list[dict[str, Any]] = []
    updates: list[ColumnClassification] = []
    deletes: list[int] = []
    counters = {"suggested": 0, "updated": 0, "removed": 0, "disagreements": 0}
    for column_id, decision in decisions.items():
        rows = existing.get(column_id, [])
        code = decision.info_type if decision is not None else None
        accepted = [r for r in rows if r.status == ACCEPTED]
        rejected = [r for r in rows if r.status == REJECTED]
        suggested = [r for r in rows if r.status == SUGGESTED]
        found = _disagreement(decision, model_version, stamp) if accepted or rejected else None
        if accepted:
            # The steward said what the column is: flag disagreement, never overwrite.
            agrees = code is not None and any(r.classification.code == code for r in accepted)
            for r in accepted:
                if _flag_disagreement(r, None if agrees else found):
                    updates.append(r)
            counters["disagreements"] += 0 if agrees else len(accepted)
            deletes += [r.pk for r in suggested]
            continue
        for r in rejected:
            again = code is not None and r.classification.code == code
            if _flag_disagreement(r, found if again else None):
                updates.append(r)
            counters["disagreements"] += again
        if code is None or any(r.classification.code == code for r in rejected):
            deletes += [r.pk for r in suggested]
            counters["removed"] += len(suggested)
            continue
        cid = ids_by_code.get(code)
        if cid is None:
            log.warning("classification.unknown_code code=%s", code)
            continue
        values = {
            "confidence": decision.confidence,
            "source": decision.source,
            "reasons": list(decision.reasons),
            "evidence": list(decision.evidence),
            "model_version": model_version,
            "sensitivity_label_id": labels.get(cid),
        }
        same = [r for r in suggested if r.classification_id == cid]
        deletes += [r.pk for r in suggested if r.classification_id != cid]
        if same:
            r = same[0]
            if any(getattr(r, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(r, k, v)
                updates.append(r)
                counters["updated"] += 1
        else:
            inserts.append(
                {
                    "column_id": column_id,
                    "datasource_id": datasource_id,
                    "classification_id": cid,
                    "status": SUGGESTED,
                    "disagreement": False,
                    "disagreement_details": {},
                    **values,
                }
            )
            counters["suggested"] += 1
    with transaction.atomic():
        if deletes:
            ColumnClassification.objects.filter(pk__in=deletes).delete()
        bulk.insert_rows(ColumnClassification, inserts)
        if updates:
            for r in updates:
                r.updated_at = now
            ColumnClassification.objects.bulk_update(
                updates,
                [
                    "confidence",
                    "source",
                    "reasons",
                    "evidence",
                    "model_version",
                    "sensitivity_label",
                    "disagreement",
                    "disagreement_details",
                    "updated_at",
                ],
                batch_size=500,
            )
        # Sensitive columns keep no top values in their profile.
        _blank_top_values(list(decisions))
    return counters


def _blank_top_values(column_ids: list[int]) -> None:
    sensitive = ColumnClassification.objects.filter(column_id__in=column_ids).exclude(
        status=REJECTED
    )
    CatalogColumn.objects.filter(pk__in=sensitive.values("column_id")).exclude(
        top_values=[]
    ).update(top_values=[])


def token_salt() -> str:
    return classifications.token_salt()


# --- stewards' decisions ---


DECISION_KIND = "classification.decision"
_DECISION_ACTIONS = {
    ACCEPTED: "columnclassification.accept",
    REJECTED: "columnclassification.reject",
}


def _decide(
    actor: Any, row: ColumnClassification, status: str, action: str
) -> ColumnClassification:
    """Check, then apply now unless an approval policy holds the decision
    (:mod:`pursight.changes`): then ``row`` comes back unchanged, marked as pending."""
    permissions.check(actor, "curate", row)
    outcome = changes.propose(
        DECISION_KIND,
        row,
        {"status": status},
        actor=actor,
        apply=lambda: _apply_decision(actor, row, status, action),
    )
    return changes.result(row, outcome)


def _approved_decision(change: changes.Change) -> ColumnClassification:
    """An approved decision: the same service, by its requester (checked again)."""
    status = change.payload.get("status")
    if status not in _DECISION_ACTIONS:
        raise ValidationError(f"Unknown decision '{status}'.")
    return _decide(change.actor, change.obj, status, _DECISION_ACTIONS[status])


def _describe_decision(change: changes.Change) -> str:
    verb = "Accept" if change.payload.get("status") == ACCEPTED else "Reject"
    return f"{verb} classification {change.obj}"


changes.register_kind(
    DECISION_KIND,
    label="Classification decision",
    apply=_approved_decision,
    describe=_describe_decision,
)


def _apply_decision(
    actor: Any, row: ColumnClassification, status: str, action: str
) -> ColumnClassification:
    before = {"status": row.status}
    with transaction.atomic():
        row.status = status
        row.decided_by = actor if getattr(actor, "pk", None) else None
        row.decided_at = timezone.now()
        row.disagreement, row.disagreement_details = False, {}
        row.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "disagreement",
                "disagreement_details",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action=action,
            obj=row,
            changes={
                "status": [before["status"], status],
                "column": row.column_id,
                "classification": row.classification.code,
            },
        )
        events.emit(f"classification.{status}", row, actor=actor, code=row.classification.code)
    return row


def accept_classification(
    *, actor: Any, classification: ColumnClassification
) -> ColumnClassification:
    """A steward confirms a suggested (or rejected) classification."""
    return _decide(actor, classification, ACCEPTED, "columnclassification.accept")


def reject_classification(
    *, actor: Any, classification: ColumnClassification
) -> ColumnClassification:
    """A steward rejects a classification: later scans do not suggest it again for the column."""
    return _decide(actor, classification, REJECTED, "columnclassification.reject")


def set_classification(
    *, actor: Any, column: CatalogColumn, classification: Classification, note: str = ""
) -> ColumnClassification:
    """A steward classifies a column by hand; other open suggestions of the column are rejected."""
    permissions.check(actor, "curate", column)
    now = timezone.now()
    label_id = classifications.effective_labels_for([classification.pk]).get(classification.pk)
    user = actor if getattr(actor, "pk", None) else None
    reasons = [f"set by {user.get_username() if user else 'the system'}"]
    if note:
        reasons.append(note)
    with transaction.atomic():
        row, created = ColumnClassification.objects.select_for_update().get_or_create(
            column=column,
            classification=classification,
            defaults={
                "datasource_id": column.datasource_id,
                "confidence": 1.0,
                "source": MANUAL,
                "status": ACCEPTED,
                "reasons": reasons,
                "sensitivity_label_id": label_id,
                "decided_by": user,
                "decided_at": now,
            },
        )
        if not created:
            row.status, row.source, row.confidence = ACCEPTED, MANUAL, 1.0
            row.reasons, row.evidence = reasons, []
            row.decided_by, row.decided_at = user, now
            row.disagreement, row.disagreement_details = False, {}
            row.sensitivity_label_id = label_id
            row.save()
        others = ColumnClassification.objects.filter(column=column, status=SUGGESTED).exclude(
            pk=row.pk
        )
        others.update(status=REJECTED, decided_by=user, decided_at=now, updated_at=now)
        CatalogColumn.objects.filter(pk=column.pk).update(top_values=[])
        audit.record(
            actor=actor,
            action="columnclassification.set",
            obj=row,
            changes={"column": column.pk, "classification": classification.code},
        )
        events.emit(
            "classification.accepted", row, actor=actor, code=classification.code, manual=True
        )
    return row


def accept_table_suggestions(*, actor: Any, table: CatalogTable) -> int:
    """Accept every suggestion of the table's columns (one update); returns how many."""
    permissions.check(actor, "curate", table)
    now = timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        rows = ColumnClassification.objects.filter(column__table=table, status=SUGGESTED)
        ids = list(rows.values_list("pk", flat=True))
        n = ColumnClassification.objects.filter(pk__in=ids).update(
            status=ACCEPTED, decided_by=user, decided_at=now, updated_at=now
        )
        audit.record(
            actor=actor,
            action="columnclassification.accept_table",
            obj=table,
            changes={"accepted": n},
        )
        events.emit("classification.accepted", table, actor=actor, count=n)
    return n


# --- labels ---


def refresh_labels(*, classification_ids: Sequence[int], **_: Any) -> int:
    """Rewrite the stored label of rows of these classifications after a policy change."""
    labels = classifications.effective_labels_for(classification_ids)
    n = 0
    for cid, label_id in labels.items():
        n += ColumnClassification.objects.filter(classification_id=cid).update(
            sensitivity_label_id=label_id
        )
    return n


def _label_rank_subquery(**filters: Any) -> Subquery:
    return Subquery(
        ColumnClassification.objects.filter(**filters, column__removed_at__isnull=True)
        .exclude(status=REJECTED)
        .exclude(sensitivity_label__isnull=True)
        .order_by("-sensitivity_label__rank")
        .values("sensitivity_label__name")[:1]
    )


def with_table_label(queryset: QuerySet) -> QuerySet:
    """Tables annotated with ``sensitivity_label``: the highest label of their columns."""
    return queryset.annotate(
        sensitivity_label=_label_rank_subquery(column__table_id=OuterRef("pk"))
    )


def table_labels(table_ids: Iterable[int]) -> dict[int, str]:
    """{table id: highest sensitivity label name} (one query)."""
    return _rollup("column__table_id", Q(column__table_id__in=list(table_ids)))


def datasource_labels(source_ids: Iterable[int] | None = None) -> dict[int, str]:
    """{data source id: highest sensitivity label name} (one query)."""
    q = Q() if source_ids is None else Q(datasource_id__in=list(source_ids))
    return _rollup("datasource_id", q)


def _rollup(key: str, q: Q, queryset: QuerySet | None = None) -> dict[int, str]:
    names = dict(SensitivityLabel.objects.values_list("rank", "name"))
    base = ColumnClassification.objects.all() if queryset is None else queryset
    rows = (
        base.filter(q, column__removed_at__isnull=True)
        .exclude(status=REJECTED)
        .values(key)
        .annotate(rank=Max("sensitivity_label__rank"))
        .values_list(key, "rank")
    )
    return {k: names[r] for k, r in rows if r is not None}


def rollup_summary(queryset: QuerySet) -> list[dict[str, Any]]:
    """Per data source of ``queryset`` (already restricted): highest label and counts by status."""
    names = dict(SensitivityLabel.objects.values_list("rank", "name"))
    live = queryset.filter(column__removed_at__isnull=True)
    out: dict[int, dict[str, Any]] = {}
    for row in (
        live.values("datasource_id", "datasource__name", "status")
        .annotate(rank=Max("sensitivity_label__rank"))
        .order_by()
    ):
        entry = out.setdefault(
            row["datasource_id"],
            {
                "datasource": row["datasource_id"],
                "datasource_name": row["datasource__name"],
                "sensitivity_label": None,
                "rank": -1,
                "counts": {},
            },
        )
        if row["status"] != REJECTED and row["rank"] is not None and row["rank"] > entry["rank"]:
            entry["rank"] = row["rank"]
            entry["sensitivity_label"] = names[row["rank"]]
    for row in live.values("datasource_id", "status").annotate(n=Count("pk")).order_by():
        out[row["datasource_id"]]["counts"][row["status"]] = row["n"]
    for entry in out.values():
        entry.pop("rank")
    return sorted(out.values(), key=lambda e: e["datasource_name"])


def overview(queryset: QuerySet, datasource_id: int | None = None) -> dict[str, Any]:
    """What the scans found, for the admin's overview (``queryset`` already restricted).

    Per data source: its roll-up (``rollup_summary``) and the info types found (columns,
    mean confidence, still suggested). With ``datasource_id``, per table of that source: the
    highest label, the types found, how many columns are classified, still to review or in
    disagreement with a steward, and the mean confidence. A fixed number of queries.
    """
    live = queryset.filter(column__removed_at__isnull=True).exclude(status=REJECTED)
    sources = rollup_summary(queryset)
    types: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        live.values(
            "datasource_id", "classification_id", "classification__code", "classification__name"
        )
        .annotate(
            n=Count("pk"),
            confidence=Avg("confidence"),
            suggested=Count("pk", filter=Q(status=SUGGESTED)),
        )
        .order_by("datasource_id", "-n", "classification__code")
    ):
        types[row["datasource_id"]].append(row)
    for entry in sources:
        entry["types"] = types.get(entry["datasource"], [])
        entry["total"] = sum(t["n"] for t in entry["types"])
    tables: list[dict[str, Any]] = []
    if datasource_id is not None:
        names = dict(SensitivityLabel.objects.values_list("rank", "name"))
        rows = live.filter(datasource_id=datasource_id)
        codes: dict[int, list[str]] = defaultdict(list)
        for table_id, code in (
            rows.values_list("column__table_id", "classification__code")
            .distinct()
            .order_by("column__table_id", "classification__code")
        ):
            codes[table_id].append(code)
        for row in (
            rows.values("column__table_id", "column__table__schema__name", "column__table__name")
            .annotate(
                n=Count("pk"),
                rank=Max("sensitivity_label__rank"),
                confidence=Avg("confidence"),
                suggested=Count("pk", filter=Q(status=SUGGESTED)),
                disagreements=Count("pk", filter=Q(disagreement=True)),
            )
            .order_by("-rank", "-n", "column__table__name")
        ):
            tables.append(
                {
                    "table_id": row["column__table_id"],
                    "name": f"{row['column__table__schema__name']}.{row['column__table__name']}",
                    "label": names.get(row["rank"]) if row["rank"] is not None else None,
                    "types": codes[row["column__table_id"]],
                    "columns": row["n"],
                    "confidence": row["confidence"],
                    "suggested": row["suggested"],
                    "disagreements": row["disagreements"],
                }
            )
        for entry in sources:
            if entry["datasource"] == datasource_id:
                entry["disagreements"] = sum(t["disagreements"] for t in tables)
    return {"sources": sources, "tables": tables}


# --- compliance provider ---


def classified_column_ids(
    *,
    labels: Sequence[str] | None = None,
    sensitivity_labels: Sequence[str] | None = None,
    include_suggested: bool = True,
) -> QuerySet:
    """Ids of columns classified with one of ``labels`` (classification codes or categories)
    or carrying one of ``sensitivity_labels``; rejected rows never count. No query is run."""
    rows = ColumnClassification.objects.exclude(status=REJECTED)
    if not include_suggested:
        rows = rows.exclude(status=SUGGESTED)
    q = Q()
    if labels:
        q |= Q(classification__code__in=list(labels)) | Q(classification__category__in=list(labels))
    if sensitivity_labels:
        q |= Q(sensitivity_label__name__in=list(sensitivity_labels))
    if not labels and not sensitivity_labels:
        return rows.none().values("column_id")
    return rows.filter(q).values("column_id")


def undecided_column_ids() -> QuerySet:
    """Ids of columns with a classification still only suggested. No query is run."""
    return ColumnClassification.objects.filter(status=SUGGESTED).values("column_id")


# --- export ---


def export_column_classifications(column_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """For ``exporting.column_extensions``: each column's classifications (one query)."""
    out: dict[int, dict[str, Any]] = {}
    rows = (
        ColumnClassification.objects.filter(column_id__in=list(column_ids))
        .select_related("classification", "sensitivity_label")
        .order_by("column_id", "-confidence")
    )
    for r in rows:
        out.setdefault(r.column_id, {"classifications": []})["classifications"].append(
            as_summary(r)
        )
    return out


def as_summary(r: ColumnClassification) -> dict[str, Any]:
    return {
        "type": r.classification.code,
        "confidence": r.confidence,
        "status": r.status,
        "source": r.source,
        "label": r.sensitivity_label.name if r.sensitivity_label_id else None,
    }


# --- feedback for training ---


def feedback_items(
    *, max_values: int = 100
) -> tuple[list[tuple[ColumnInput, str | None, float]], list[str]]:
    """Stewards' decisions as engine feedback ``(ColumnInput, label or None, weight)``.

    Sampled values are never stored: the decided columns are sampled again from their sources
    (one sample per table) and the values live only in memory during training. A source that
    cannot be reached contributes name-only examples. Returns the items and warnings.
    """
    from governance.datasources import services as datasources

    decided = (
        ColumnClassification.objects.exclude(status=SUGGESTED)
        .filter(column__removed_at__isnull=True)
        .select_related("classification", "column__table__schema", "datasource")
        .order_by("column__table_id")
    )
    labels: dict[int, str | None] = {}
    columns: dict[int, CatalogColumn] = {}
    for r in decided:
        columns[r.column_id] = r.column
        if r.status == ACCEPTED:
            labels[r.column_id] = r.classification.code
        else:
            labels.setdefault(r.column_id, None)
    by_source: dict[int, dict[int, list[CatalogColumn]]] = defaultdict(lambda: defaultdict(list))
    for col in columns.values():
        by_source[col.datasource_id][col.table_id].append(col)
    from governance.datasources.models import DataSource

    source_rows = DataSource.objects.in_bulk(list(by_source))
    siblings: dict[int, list[str]] = defaultdict(list)
    for table_id, name in (
        CatalogColumn.objects.live()
        .filter(table_id__in=[c.table_id for c in columns.values()])
        .values_list("table_id", "name")
    ):
        siblings[table_id].append(name)
    items: list[tuple[ColumnInput, str | None, float]] = []
    warnings: list[str] = []
    for source_id, tables in by_source.items():
        values: dict[int, list] = {}
        try:
            with datasources.open_connector(source_rows[source_id]) as connector:
                for cols in tables.values():
                    t = cols[0].table
                    sample = connector.sample(
                        t.schema.name, t.name, [c.name for c in cols], max_values
                    )
                    for c in cols:
                        values[c.pk] = [
                            None if v is None else str(v) for v in sample.get(c.name, [])
                        ]
        except Exception as exc:  # an unreachable source still teaches the column names
            warnings.append(f"{source_rows[source_id].name}: not sampled ({type(exc).__name__})")
        for cols in tables.values():
            for c in cols:
                items.append(
                    (
                        ColumnInput(
                            name=c.name,
                            data_type=c.data_type,
                            values=values.get(c.pk, []),
                            table=c.table.name,
                            siblings=[n for n in siblings[c.table_id] if n != c.name],
                        ),
                        labels[c.pk],
                        1.0,
                    )
                )
    return items, warnings
