"""Sensitive data inside free text: the engine's *contains* results, stored, shown and exported.

A notes column holding e-mail addresses is not an e-mail column (its classification says what
the column *is*); it *contains* e-mail addresses in a share of its rows. Scans compute this for
every sampled text column of a batch (:func:`store_batch`, after the column's classification,
whose own type is not reported again) and keep one :class:`ColumnContainment` row per column and
info type, with masked evidence only. A column sampled again gets its rows replaced; a column
not sampled (unchanged since the last scan) keeps them.

Shown on the column page (and, per column, on the table page) as a panel, and exported with
the catalog (``contains``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from governance.classifications import services as classifications
from governance.classifications.engine import decide
from governance.classifications.engine.contained import Containment, find_contained
from governance.scanrules import services as scanrules
from pursight import bulk, permissions

from .classifying import PendingBatch
from .extensions import asset_url, render_panel
from .models import CatalogColumn, CatalogTable, ColumnContainment

log = logging.getLogger(__name__)

TABLE_ROWS_SHOWN = 50


def find(pending: PendingBatch, *, rule_set_id: int | None = None) -> dict[str, list[Containment]]:
    """The contains results of a classified batch, by qualified column name (only columns
    with some). The column's own decided type, and types the rule set does not select, are
    left out."""
    allowed = classifications.applicable_codes(scanrules.classification_codes(rule_set_id))
    candidates = pending.results()
    found: dict[str, list[Containment]] = {}
    for qn, column in pending.inputs().items():
        decision = decide([c for c in candidates.get(qn, []) if c.info_type in allowed])
        skip = {decision.info_type} if decision is not None else set()
        results = [c for c in find_contained(column, skip) if c.info_type in allowed]
        if results:
            found[qn] = results
    return found


def store_batch(
    pending: PendingBatch,
    *,
    datasource_id: int,
    rule_set_id: int | None,
    columns: Mapping[str, Any],
    run_id: int | None = None,
) -> dict[str, int]:
    """Replace the contains results of the batch's sampled columns (a constant number of
    queries). ``columns`` maps qualified names to the upserted ``ColumnRef``. Returns counters
    (found, removed)."""
    qns = set(pending.qns)
    sampled = {qn: ref.id for qn, ref in columns.items() if qn in qns}
    if not sampled:
        return {}
    found = find(pending, rule_set_id=rule_set_id)
    ids_by_code = classifications.classification_ids()
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for qn, results in found.items():
        column_id = sampled.get(qn)
        if column_id is None:
            continue
        for c in results:
            cid = ids_by_code.get(c.info_type)
            if cid is None:
                log.warning("containment.unknown_code code=%s", c.info_type)
                continue
            rows.append(
                {
                    "column_id": column_id,
                    "datasource_id": datasource_id,
                    "classification_id": cid,
                    "share": round(c.share, 4),
                    "matched": c.matched,
                    "sampled": c.sampled,
                    "evidence": list(c.evidence),
                    "scan_run_id": run_id,
                    "found_at": now,
                }
            )
    with transaction.atomic():
        removed, _ = ColumnContainment.objects.filter(column_id__in=list(sampled.values())).delete()
        bulk.insert_rows(ColumnContainment, rows)
    return {"found": len(rows), "removed": max(0, removed - len(rows))}


def _rows_for(column_ids: Sequence[int]) -> dict[int, list[ColumnContainment]]:
    by_column: dict[int, list[ColumnContainment]] = {}
    for row in (
        ColumnContainment.objects.filter(column_id__in=list(column_ids))
        .select_related("classification")
        .order_by("column_id", "-share", "classification__name")
    ):
        by_column.setdefault(row.column_id, []).append(row)
    return by_column


def as_dict(row: ColumnContainment) -> dict[str, Any]:
    return {
        "info_type": row.classification.code,
        "name": row.classification.name,
        "share": row.share,
        "matched": row.matched,
        "sampled": row.sampled,
        "evidence": list(row.evidence),
        "found_at": row.found_at.isoformat(),
    }


def export_column_containments(column_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The catalog export's ``contains`` section of each column that has one (one query)."""
    return {
        cid: {"contains": [as_dict(r) for r in rows]} for cid, rows in _rows_for(column_ids).items()
    }


def _share(row: ColumnContainment) -> str:
    return f"{row.share:.0%} ({row.matched} of {row.sampled} sampled values)"


def _when(row: ColumnContainment) -> str:
    return timezone.localtime(row.found_at).strftime("%Y-%m-%d %H:%M")


NOTE = (
    "Personal or secret data found inside the text of sampled values, with the share of values "
    "holding it (the column's classification says what the column is; this says what its text "
    "contains). Masked matches only: sampled values are never stored."
)


def asset_panel(request: HttpRequest, obj: Any) -> str | None:
    """The column page (its contains results) and the table page (its columns' results)."""
    user = request.user
    if isinstance(obj, CatalogColumn):
        rows = list(
            permissions.restrict(
                ColumnContainment.objects.filter(column=obj).select_related("classification"),
                user,
            ).order_by("-share", "classification__name")
        )
        if not rows:
            return None
        return render_panel(
            "Sensitive data inside the text",
            headers=["Info type", "Share of rows", "Masked matches", "Found"],
            rows=[
                [r.classification.name, _share(r), ", ".join(r.evidence) or "—", _when(r)]
                for r in rows
            ],
            note=NOTE,
            anchor="contains",
        )
    if isinstance(obj, CatalogTable):
        qs = permissions.restrict(
            ColumnContainment.objects.filter(column__table=obj, column__removed_at__isnull=True)
            .select_related("classification", "column")
            .order_by("column__ordinal", "column__name", "-share"),
            user,
        )
        rows = list(qs[: TABLE_ROWS_SHOWN + 1])
        if not rows:
            return None
        more = len(rows) > TABLE_ROWS_SHOWN
        return render_panel(
            "Sensitive data inside text columns",
            headers=["Column", "Info type", "Share of rows", "Masked matches"],
            rows=[
                [
                    (r.column.name, asset_url("column", r.column_id)),
                    r.classification.name,
                    _share(r),
                    ", ".join(r.evidence) or "—",
                ]
                for r in rows[:TABLE_ROWS_SHOWN]
            ],
            note=NOTE + (f" The first {TABLE_ROWS_SHOWN} are listed." if more else ""),
            anchor="contains",
        )
    return None
