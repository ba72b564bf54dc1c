"""The compliance dashboard's read model: scores per framework and collection, open findings by
severity and the daily trend, narrowed to what the user may view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from governance.rbac.models import Collection
from pursight import permissions

from ..choices import UNRESOLVED_STATUSES, Severity
from ..models import Finding, Framework, RuleResult, ScoreSnapshot
from .scores import score


def dashboard(user: Any, days: int = 90) -> dict[str, Any]:
    """Scores per framework and collection, open findings by severity, daily trend.

    Everything is narrowed to the collections ``user`` may view.
    """
    results = permissions.restrict(
        RuleResult.objects.filter(rule__enabled=True, rule__framework__enabled=True), user
    )
    by_fw = {
        r["rule__framework_id"]: r
        for r in results.values("rule__framework_id")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by()
    }
    by_coll = list(
        results.values("datasource__collection_id")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by()
    )
    findings = permissions.restrict(Finding.stored.filter(status__in=UNRESOLVED_STATUSES), user)
    severity_counts = dict(
        findings.values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("severity", "n")
    )
    open_by_fw = dict(
        findings.values_list("framework_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("framework_id", "n")
    )
    frameworks = []
    for fw in Framework.objects.filter(enabled=True).order_by("name"):
        r = by_fw.get(fw.pk, {})
        frameworks.append(
            {
                "framework": fw,
                "checked": r.get("checked") or 0,
                "failing": r.get("failing") or 0,
                "score": score(r.get("checked") or 0, r.get("failing") or 0),
                "open": open_by_fw.get(fw.pk, 0),
            }
        )
    names = dict(
        Collection.objects.filter(
            pk__in=[r["datasource__collection_id"] for r in by_coll]
        ).values_list("pk", "name")
    )
    collections = sorted(
        (
            {
                "collection": names.get(r["datasource__collection_id"], "?"),
                "checked": r["checked"] or 0,
                "failing": r["failing"] or 0,
                "score": score(r["checked"] or 0, r["failing"] or 0),
            }
            for r in by_coll
        ),
        key=lambda c: c["collection"],
    )
    since = timezone.localdate() - timedelta(days=days)
    trend_rows = (
        permissions.restrict(ScoreSnapshot.objects.filter(day__gte=since), user)
        .values("framework__code", "day")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by("day")
    )
    trend: dict[str, list[tuple[str, float | None]]] = {}
    for r in trend_rows:
        trend.setdefault(r["framework__code"], []).append(
            (r["day"].isoformat(), score(r["checked"] or 0, r["failing"] or 0))
        )
    return {
        "frameworks": frameworks,
        "collections": collections,
        "severity": [
            {"severity": s.label, "key": s.value, "count": severity_counts.get(s.value, 0)}
            for s in reversed(list(Severity))
        ],
        "trend": trend,
    }
