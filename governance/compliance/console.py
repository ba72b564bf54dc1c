"""What compliance adds to the steward's console: findings on the catalog's asset pages, open
findings on the home page, findings and rules in the global search.

Registered from :meth:`ComplianceConfig.ready` (compliance sits above the catalog, which renders
the panels and runs the providers without importing compliance). Everything reads through the
gate, a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from governance.catalog.extensions import (
    asset_page_panels,
    asset_url,
    render_home_table,
    render_panel,
    search_providers,
)
from governance.catalog.models import CatalogColumn, CatalogTable
from governance.catalog.search import Hit, ModelSearchProvider, Query
from governance.datasources.models import DataSource
from pursight import permissions

from .choices import UNRESOLVED_STATUSES, AssetType, Severity
from .models import Finding, Rule

SEVERITY_KIND = {
    Severity.CRITICAL: "danger",
    Severity.HIGH: "warning",
    Severity.MEDIUM: "info",
    Severity.LOW: "",
}
# Most severe first.
SEVERITY_RANK = Case(
    *(When(severity=s, then=i) for i, s in enumerate(reversed(Severity.values))),
    default=len(Severity.values),
    output_field=IntegerField(),
)
FINDINGS_SHOWN = 10


def _label(text: str, kind: str) -> str:
    return render_to_string("unfold/helpers/label.html", {"text": text, "type": kind, "size": "md"})


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d") if value else "—"


def findings_of(obj: Any) -> QuerySet | None:
    """Findings about a data source, a table (and its columns) or a column. No query is run."""
    findings = Finding.stored.all()
    if isinstance(obj, DataSource):
        return findings.filter(datasource=obj)
    if isinstance(obj, CatalogTable):
        columns = CatalogColumn.objects.filter(table=obj).values("pk")
        return findings.filter(datasource_id=obj.datasource_id).filter(
            Q(asset_type=AssetType.TABLE, asset_id=obj.pk)
            | Q(asset_type=AssetType.COLUMN, asset_id__in=columns)
        )
    if isinstance(obj, CatalogColumn):
        return findings.filter(
            datasource_id=obj.datasource_id, asset_type=AssetType.COLUMN, asset_id=obj.pk
        )
    return None


def findings_panel(request: HttpRequest, obj: Any) -> str | None:
    """The asset's unresolved findings, most severe first (and how many per severity)."""
    findings = findings_of(obj)
    if findings is None:
        return None
    visible = permissions.restrict(findings, request.user).filter(status__in=UNRESOLVED_STATUSES)
    counts = dict(visible.values_list("severity").annotate(n=Count("pk")).order_by())
    shown = list(
        visible.select_related("rule", "framework")
        .annotate(rank=SEVERITY_RANK)
        .order_by("rank", "-first_seen", "-id")[:FINDINGS_SHOWN]
    )
    rows = [
        [
            _label(f.get_severity_display(), SEVERITY_KIND.get(f.severity, "")),
            (f.rule.name, reverse("admin:compliance_finding_change", args=[f.pk])),
            f.framework.name,
            f.asset_name or f.qualified_name,
            f.get_status_display(),
            _when(f.first_seen),
        ]
        for f in shown
    ]
    summary = ", ".join(
        f"{counts[s]} {Severity(s).label.lower()}" for s in reversed(Severity.values) if s in counts
    )
    changelist = reverse("admin:compliance_finding_changelist")
    key = obj.name if isinstance(obj, DataSource) else obj.qualified_name
    return render_panel(
        "Open findings",
        headers=["Severity", "Rule", "Framework", "Asset", "Status", "Since"],
        rows=rows,
        empty="No open finding.",
        note=summary,
        more=("All findings →", f"{changelist}?q={key}"),
        anchor="findings",
    )


def findings_home_panel(request: HttpRequest) -> str | None:
    """Home: unresolved findings by severity, and the most severe ones."""
    user = request.user
    if not permissions.can_any(user, Finding, "view"):
        return None
    visible = permissions.restrict(Finding.stored.filter(status__in=UNRESOLVED_STATUSES), user)
    counts = dict(visible.values_list("severity").annotate(n=Count("pk")).order_by())
    shown = list(
        visible.select_related("rule", "datasource")
        .annotate(rank=SEVERITY_RANK)
        .order_by("rank", "-first_seen", "-id")[:6]
    )
    changelist = reverse("admin:compliance_finding_changelist")
    unresolved = ",".join(UNRESOLVED_STATUSES)
    return render_home_table(
        "Open findings",
        count=sum(counts.values()),
        link=("Compliance dashboard →", reverse("admin:compliance_dashboard")),
        tiles=[
            {
                "kind": s,
                "label": Severity(s).label,
                "count": counts.get(s, 0),
                "url": f"{changelist}?severity__exact={s}&status__in={unresolved}",
            }
            for s in reversed(Severity.values)
        ],
        headers=["Severity", "Finding", "Data source"],
        rows=[
            [
                _label(f.get_severity_display(), SEVERITY_KIND.get(f.severity, "")),
                format_html(
                    '<a href="{}">{}</a><div class="ps-why">{}</div>',
                    reverse("admin:compliance_finding_change", args=[f.pk]),
                    f.rule.name,
                    f.asset_name or f.qualified_name,
                ),
                (f.datasource.name, asset_url("source", f.datasource_id)),
            ]
            for f in shown
        ],
        empty="No open finding in your collections.",
    )


# --- global search -----------------------------------------------------------------------------


class FindingProvider(ModelSearchProvider):
    type, label = "finding", "Findings"
    model = Finding
    facet_paths = {
        "source": "datasource",
        "collection": "datasource__collection",
        "owner": "assignee",
    }
    text_fields = ("asset_name",)
    select_related = ("rule", "datasource")

    def base(self, user: Any) -> QuerySet:
        return permissions.restrict(Finding.stored.all(), user)

    def match_text(self, queryset: QuerySet, query: Query) -> QuerySet:
        """Every word in the rule's name or code, or in the asset's name. The rules are few:
        their ids are read first, so that each finding row is matched on one column."""
        for word in query.words:
            rules = list(
                Rule.objects.filter(Q(name__icontains=word) | Q(code__icontains=word)).values_list(
                    "pk", flat=True
                )
            )
            queryset = queryset.filter(Q(rule_id__in=rules) | Q(asset_name__icontains=word))
        return queryset

    def ranked(self, queryset: QuerySet, query: Query) -> QuerySet:
        unresolved = Case(
            When(status__in=UNRESOLVED_STATUSES, then=0), default=1, output_field=IntegerField()
        )
        return queryset.annotate(_open=unresolved, _rank=SEVERITY_RANK).order_by(
            "_open", "_rank", "-first_seen", "-id"
        )

    def present(self, rows: list[Any]) -> list[Hit]:
        return [
            Hit(
                "finding",
                f.pk,
                f"{f.rule.name}: {f.asset_name or f.qualified_name}",
                f"{f.datasource.name} · {f.get_status_display()}",
                reverse("admin:compliance_finding_change", args=[f.pk]),
                [(f.get_severity_display(), SEVERITY_KIND.get(f.severity, ""))],
            )
            for f in rows
        ]


class RuleProvider(ModelSearchProvider):
    type, label = "rule", "Rules"
    model = Rule
    facet_paths: dict[str, str] = {}  # rules act on every collection: no facet applies
    text_fields = ("name", "code", "description")
    select_related = ("framework", "control")

    def present(self, rows: list[Any]) -> list[Hit]:
        return [
            Hit(
                "rule",
                r.pk,
                r.name,
                f"{r.framework.name} {r.control.code} · {r.code}",
                reverse("admin:compliance_rule_change", args=[r.pk]),
                [(r.get_severity_display(), SEVERITY_KIND.get(r.severity, ""))]
                + ([] if r.enabled else [("disabled", "")]),
            )
            for r in rows
        ]


def register() -> None:
    from pursight.admin import HomePanel, home_panels

    asset_page_panels.register("compliance.findings", findings_panel)
    search_providers.register("compliance.findings", FindingProvider())
    search_providers.register("compliance.rules", RuleProvider())
    home_panels.register("compliance.findings", HomePanel(findings_home_panel, order=30))
