"""What scans add to the steward's console: run history and schema changes on the catalog's
asset pages, the steward's data sources and recent scans on the home page.

Registered from :meth:`ScansConfig.ready` (scans sit above the catalog, which renders the
panels without importing scans). Each panel reads through the gate, a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
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
)
from governance.catalog.models import CatalogColumn, CatalogTable
from governance.datasources.models import DataSource
from pursight import permissions

from .choices import RunState
from .models import ScanRun, SchemaChange

RUNS_SHOWN = 10
CHANGES_SHOWN = 15
STATE_KIND = {
    RunState.QUEUED: "info",
    RunState.RUNNING: "warning",
    RunState.SUCCEEDED: "success",
    RunState.FAILED: "danger",
    RunState.CANCELLED: "",
}


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


def _state(run: Any, state: str | None = None) -> str:
    state = state or run.state
    return render_to_string(
        "unfold/helpers/label.html",
        {"text": RunState(state).label, "type": STATE_KIND.get(state, ""), "size": "md"},
    )


def _source_id(obj: Any) -> int | None:
    if isinstance(obj, DataSource):
        return obj.pk
    if isinstance(obj, CatalogTable | CatalogColumn):
        return obj.datasource_id
    return None


def run_history_panel(request: HttpRequest, obj: Any) -> str | None:
    """The data source's last scan runs (on its page and on its tables' pages)."""
    if not isinstance(obj, DataSource | CatalogTable):
        return None
    source_id = _source_id(obj)
    runs = list(
        permissions.restrict(ScanRun.objects.filter(datasource_id=source_id), request.user)
        .select_related("scan")
        .order_by("-queued_at", "-id")[:RUNS_SHOWN]
    )
    changelist = reverse("admin:scans_scanrun_changelist")
    rows = [
        [
            (f"#{r.pk}", reverse("admin:scans_scanrun_change", args=[r.pk])),
            _state(r),
            r.get_trigger_display(),
            _when(r.queued_at),
            "—" if r.duration_seconds is None else f"{r.duration_seconds:.1f} s",
            f"{r.tables_seen} tables, {r.columns_seen} columns",
            f"+{r.columns_added} / ~{r.columns_changed} / −{r.columns_removed}",
        ]
        for r in runs
    ]
    return render_panel(
        "Scan runs",
        headers=["Run", "State", "Trigger", "Queued", "Duration", "Seen", "Columns ± "],
        rows=rows,
        empty="Never scanned.",
        more=("All runs →", f"{changelist}?datasource__id__exact={source_id}"),
        note="Columns: added / changed / removed by the run."
        if isinstance(obj, DataSource)
        else "Runs of the table's data source.",
        anchor="runs",
    )


def schema_changes_panel(request: HttpRequest, obj: Any) -> str | None:
    """What the scans saw change: in the source, the table (and its columns), or the column."""
    source_id = _source_id(obj)
    if source_id is None:
        return None
    changes = SchemaChange.objects.filter(datasource_id=source_id)
    if isinstance(obj, CatalogTable):
        changes = changes.filter(
            Q(qualified_name=obj.qualified_name)
            | Q(qualified_name__startswith=f"{obj.qualified_name}/")
        )
    elif isinstance(obj, CatalogColumn):
        changes = changes.filter(qualified_name=obj.qualified_name)
    changes = list(
        permissions.restrict(changes, request.user).order_by("-at", "-id")[:CHANGES_SHOWN]
    )
    rows = [
        [
            _when(c.at),
            c.get_change_display(),
            c.get_asset_type_display(),
            c.display_name,
            (f"#{c.run_id}", reverse("admin:scans_scanrun_change", args=[c.run_id])),
        ]
        for c in changes
    ]
    changelist = reverse("admin:scans_schemachange_changelist")
    return render_panel(
        "Schema changes",
        headers=["When", "Change", "Asset", "Name", "Run"],
        rows=rows,
        empty="No change seen since the first scan.",
        more=("All schema changes →", f"{changelist}?datasource__id__exact={source_id}"),
        anchor="schema-changes",
    )


# --- home --------------------------------------------------------------------------------------


def sources_panel(request: HttpRequest) -> str | None:
    """Home: the data sources the user may see, with their last scan's state."""
    user = request.user
    if not permissions.can_any(user, DataSource, "view"):
        return None
    last = ScanRun.objects.filter(datasource_id=OuterRef("pk")).order_by("-queued_at", "-id")
    tables = (
        CatalogTable.objects.live()
        .filter(datasource_id=OuterRef("pk"))
        .order_by()
        .values("datasource_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    visible = permissions.restrict(DataSource.objects.all(), user)
    sources = list(
        visible.select_related("collection")
        .annotate(
            last_state=Subquery(last.values("state")[:1]),
            last_run_at=Subquery(last.values("queued_at")[:1]),
            last_run_id=Subquery(last.values("id")[:1]),
            n_tables=Coalesce(Subquery(tables, output_field=IntegerField()), 0),
        )
        .order_by("name")[:12]
    )
    total = visible.count() if len(sources) == 12 else len(sources)
    rows = []
    for s in sources:
        state = (
            format_html(
                '{} <span class="ps-muted">{}</span>',
                _state(None, s.last_state),
                _when(s.last_run_at),
            )
            if s.last_state
            else format_html('<span class="ps-muted">{}</span>', "Never scanned")
        )
        connection = (
            "Untested" if s.last_test_ok is None else ("OK" if s.last_test_ok else "Failed")
        )
        rows.append(
            [(s.name, asset_url("source", s.pk)), s.collection.name, connection, state, s.n_tables]
        )
    add = (
        ("Register a data source →", reverse("admin:datasources_datasource_add"))
        if permissions.can_any(user, DataSource, "add")
        else ("All data sources →", reverse("admin:datasources_datasource_changelist"))
    )
    return render_home_table(
        "Your data sources",
        count=total,
        link=add,
        headers=["Data source", "Collection", "Connection", "Last scan", "Tables"],
        rows=rows,
        empty="No data source in your collections yet.",
    )


def recent_scans_panel(request: HttpRequest) -> str | None:
    """Home: the last scan runs of the sources the user may see."""
    user = request.user
    if not permissions.can_any(user, ScanRun, "view"):
        return None
    runs = list(
        permissions.restrict(ScanRun.objects.all(), user)
        .select_related("datasource")
        .order_by("-queued_at", "-id")[:8]
    )
    rows = [
        [
            (f"#{r.pk}", reverse("admin:scans_scanrun_change", args=[r.pk])),
            (r.datasource.name, asset_url("source", r.datasource_id)),
            _state(r),
            _when(r.queued_at),
            f"+{r.columns_added} / ~{r.columns_changed} / −{r.columns_removed}",
        ]
        for r in runs
    ]
    return render_home_table(
        "Recent scans",
        link=("All runs →", reverse("admin:scans_scanrun_changelist")),
        headers=["Run", "Data source", "State", "Queued", "Columns ±"],
        rows=rows,
        empty="No scan yet.",
    )


def register() -> None:
    from pursight.admin import HomePanel, home_panels

    asset_page_panels.register("scans.schema_changes", schema_changes_panel)
    asset_page_panels.register("scans.runs", run_history_panel)
    home_panels.register("scans.sources", HomePanel(sources_panel, order=10, wide=True))
    home_panels.register("scans.recent", HomePanel(recent_scans_panel, order=40))
