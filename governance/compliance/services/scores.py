"""Compliance scores: the share of (rule, asset) checks that pass, and their daily snapshots."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from ..models import Framework, RuleResult, ScoreSnapshot


def snapshot_scores(
    framework: Framework, now: datetime, ds_ids: list[int] | None = None
) -> float | None:
    """Store today's score per collection; return the score of the run's data sources (all of
    them for a framework-wide run: a per-source run never tells about the others)."""
    rows = list(
        RuleResult.objects.filter(rule__framework=framework, rule__enabled=True)
        .values("datasource__collection_id")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by()
    )
    day = timezone.localdate(now)
    # Today's snapshot is the latest state: a collection left without results (its assets gone
    # or out of scope) has no score today, not the one of an earlier evaluation.
    ScoreSnapshot.objects.filter(framework=framework, day=day).exclude(
        collection_id__in=[r["datasource__collection_id"] for r in rows]
    ).delete()
    ScoreSnapshot.objects.bulk_create(
        [
            ScoreSnapshot(
                framework=framework,
                collection_id=r["datasource__collection_id"],
                day=day,
                checked=r["checked"] or 0,
                failing=r["failing"] or 0,
                at=now,
            )
            for r in rows
        ],
        update_conflicts=True,
        unique_fields=["framework", "collection", "day"],
        update_fields=["checked", "failing", "at"],
    )
    if ds_ids is not None:
        own = RuleResult.objects.filter(
            rule__framework=framework, rule__enabled=True, datasource_id__in=ds_ids
        ).aggregate(checked=Sum("checked"), failing=Sum("failing"))
        return score(own["checked"] or 0, own["failing"] or 0)
    checked = sum(r["checked"] or 0 for r in rows)
    failing = sum(r["failing"] or 0 for r in rows)
    return score(checked, failing)


def score(checked: int, failing: int) -> float | None:
    """Share of (rule, asset) checks that pass, in percent; None when nothing was checked."""
    if not checked:
        return None
    return round(100.0 * (checked - failing) / checked, 1)
