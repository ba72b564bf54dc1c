"""Lineage in the console: the graph page, impact analysis (list and CSV), the edges with their
propagation block, and the propagated classifications.

Edges and propagated rows are written by capture and propagation, never by hand here: their
admins are read-only but for the block / unblock actions (a reason form, POST only).
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextareaWidget

from governance.catalog.extensions import asset_url
from governance.catalog.models import CatalogTable, ColumnClassification
from pursight import permissions
from pursight.admin import GateMixin, ObjectActionsMixin, PurSightModelAdmin, ReadOnlyAdminMixin

from . import graph, propagation
from .graph_wiring import page_url, visible_edges
from .models import LineageEdge, PropagatedClassification


class BlockForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=propagation.MAX_REASON,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Why classifications must not flow along this edge (e.g. the view masks the "
        "column). Recorded in the audit trail and shown on the edge.",
    )


@admin.register(LineageEdge)
class LineageEdgeAdmin(ReadOnlyAdminMixin, ObjectActionsMixin, PurSightModelAdmin):
    list_display = [
        "upstream_display",
        "downstream_display",
        "level",
        "origin",
        "origin_ref",
        "state",
        "last_seen",
    ]
    # The data-source filters read the edge's own copies (no join through the tables); their
    # choices are the data sources the viewer may see (the gate's related-field filter).
    list_filter = [
        "level",
        "origin",
        "propagation_blocked",
        "upstream_datasource",
        "downstream_datasource",
    ]
    list_select_related = [
        "upstream_table__schema",
        "downstream_table__schema",
        "upstream_column",
        "downstream_column",
    ]
    search_fields = ["upstream_table__name", "downstream_table__name", "origin_ref"]
    fields = [
        "upstream_display",
        "downstream_display",
        "level",
        "origin",
        "origin_ref",
        "transformation",
        "first_seen",
        "last_seen",
        "closed_at",
        "propagation_blocked",
        "blocked_reason",
        "blocked_by",
        "graph_link",
    ]
    readonly_fields = fields
    actions_detail = ["block_detail", "unblock_detail"]
    detail_gate_actions = {"block_detail": "block", "unblock_detail": "block"}

    def get_queryset(self, request: HttpRequest):
        # The gate's single (downstream) restriction is replaced by both endpoints', decided on
        # the edge's copies of its ends' data sources.
        qs = super(GateMixin, self).get_queryset(request)
        return visible_edges(qs, request.user)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("graph/", wrap(self.graph_view), name="lineage_graph"),
            path("impact/", wrap(self.impact_view), name="lineage_impact"),
            *super().get_urls(),
        ]

    @display(description="Upstream")
    def upstream_display(self, obj: LineageEdge) -> str:
        t = obj.upstream_table
        name = f"{t.schema.name}.{t.name}"
        return f"{name}.{obj.upstream_column.name}" if obj.upstream_column_id else name

    @display(description="Downstream")
    def downstream_display(self, obj: LineageEdge) -> str:
        t = obj.downstream_table
        name = f"{t.schema.name}.{t.name}"
        return f"{name}.{obj.downstream_column.name}" if obj.downstream_column_id else name

    @display(description="State")
    def state(self, obj: LineageEdge) -> str:
        if obj.closed_at:
            return "Closed"
        return "Propagation blocked" if obj.propagation_blocked else "Open"

    @display(description="Graph")
    def graph_link(self, obj: LineageEdge) -> str:
        return format_html(
            '<a class="text-primary-600" href="{}">Show in the lineage graph</a>',
            page_url(obj.downstream_table.qualified_name),
        )

    # --- block / unblock --------------------------------------------------------------------

    def has_block_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return permissions.can_any(request.user, LineageEdge, "block")

    def detail_actions_state(self, request: HttpRequest, edge: LineageEdge) -> dict[str, bool]:
        return {
            "block_detail": not edge.propagation_blocked,
            "unblock_detail": edge.propagation_blocked,
        }

    def _reason_form(self, request: HttpRequest, object_id: Any, *, block: bool) -> HttpResponse:
        edge = self.gated_object(request, object_id, "block")
        if request.method not in ("GET", "HEAD", "POST"):
            from django.http import HttpResponseNotAllowed

            return HttpResponseNotAllowed(["GET", "POST"])
        form = BlockForm(request.POST if request.method == "POST" else None)
        if block:
            form.fields["reason"].help_text = BlockForm.base_fields["reason"].help_text
        else:
            form.fields["reason"].help_text = "Optional: why classifications may flow again."
        if request.method == "POST" and form.is_valid():
            func = propagation.block_edge if block else propagation.unblock_edge
            try:
                func(actor=request.user, edge=edge, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
                    form.add_error("reason", exc.error_dict["reason"])
                else:
                    self.report(request, False, "; ".join(exc.messages))
                    return redirect(self.change_url(edge))
            else:
                done = "blocked" if block else "allowed again"
                self.report(request, True, f"Propagation {done} on this edge.")
                return redirect(self.change_url(edge))
        context = {
            **self.admin_site.each_context(request),
            "title": "Block propagation" if block else "Allow propagation again",
            "edge": edge,
            "upstream": self.upstream_display(edge),
            "downstream": self.downstream_display(edge),
            "form": form,
            "block": block,
            "opts": self.model._meta,
            "cancel_url": self.change_url(edge),
        }
        return TemplateResponse(request, "lineage/block_form.html", context)

    @action(description="Block propagation…", url_path="block", icon="block", permissions=["block"])
    def block_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._reason_form(request, object_id, block=True)

    @action(
        description="Allow propagation…", url_path="unblock", icon="check", permissions=["block"]
    )
    def unblock_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._reason_form(request, object_id, block=False)

    # --- the graph page and impact analysis -------------------------------------------------

    def _may_use(self, request: HttpRequest) -> None:
        if not permissions.can_any(request.user, CatalogTable, permissions.VIEW):
            raise permissions.PermissionDenied("You may not view the catalog.")

    def _asset(self, request: HttpRequest) -> graph.Asset | None:
        name = request.GET.get("asset", "").strip()
        if not name:
            return None
        try:
            return graph.resolve_asset(request.user, name)
        except graph.AssetNotFound:
            raise Http404(graph.AssetNotFound.message) from None

    def graph_view(self, request: HttpRequest) -> TemplateResponse:
        """The interactive graph (drawn by ``static/lineage/graph.js`` from the API)."""
        self._may_use(request)
        asset = self._asset(request)
        try:
            direction = graph.parse_direction(request.GET.get("direction"))
            depth = graph.parse_depth(request.GET.get("depth"))
        except graph.LineageInputError:
            direction, depth = graph.BOTH, graph.DEFAULT_DEPTH
        context = {
            **self.admin_site.each_context(request),
            "title": "Lineage",
            "asset": asset,
            "asset_name": (
                graph.column_display(asset.column, asset.table)
                if asset and asset.column
                else graph.table_display(asset.table)
                if asset
                else ""
            ),
            "asset_url": asset_url(asset.kind, (asset.column or asset.table).pk) if asset else "",
            "asset_kind": (
                "Column"
                if asset and asset.column
                else asset.table.get_kind_display()
                if asset
                else ""
            ),
            "direction": direction,
            "depth": depth,
            "depths": list(range(1, graph.MAX_DEPTH + 1)),
            "api_url": reverse("lineage-graph"),
            "edges_url": reverse("admin:lineage_lineageedge_changelist"),
            "impact_url": (
                reverse("admin:lineage_impact") + f"?asset={_q(asset.qualified_name)}"
                if asset
                else ""
            ),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "lineage/graph.html", context)

    def impact_view(self, request: HttpRequest) -> HttpResponse:
        """Everything downstream of an asset, as a list or (``?format=csv``) a CSV file."""
        self._may_use(request)
        asset = self._asset(request)
        if asset is None:
            return redirect(reverse("admin:lineage_graph"))
        result = graph.impact(request.user, asset)
        if request.GET.get("format") == "csv":
            return _impact_csv(asset, result)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Impact of {asset.qualified_name}",
            "asset": asset,
            "asset_name": graph.column_display(asset.column, asset.table)
            if asset.column
            else graph.table_display(asset.table),
            "result": result,
            "rows": [{**r.__dict__, "url": asset_url(r.kind, r.pk)} for r in result.rows],
            "csv_url": request.path + f"?asset={_q(asset.qualified_name)}&format=csv",
            "graph_url": page_url(asset.qualified_name, direction="down"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "lineage/impact.html", context)


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _impact_csv(asset: graph.Asset, result: graph.Impact) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = "".join(ch if ch.isalnum() else "-" for ch in asset.qualified_name)[:80]
    response["Content-Disposition"] = f'attachment; filename="impact-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["kind", "asset", "qualified_name", "depth", "reached_from", "origins", "blocked"]
    )
    for r in result.rows:
        writer.writerow(
            [
                r.kind,
                _safe_cell(r.display_name),
                _safe_cell(r.qualified_name),
                r.depth,
                _safe_cell(r.via),
                " ".join(r.origins),
                "yes" if r.blocked else "no",
            ]
        )
    if result.hidden:
        writer.writerow(["note", "Some downstream assets are hidden from you.", "", "", "", "", ""])
    if result.truncated:
        writer.writerow(["note", f"Cut at {graph.MAX_IMPACT} assets.", "", "", "", "", ""])
    return response


def _safe_cell(value: str) -> str:
    """No spreadsheet formula injection: a cell starting with = + - @ is quoted."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@admin.register(PropagatedClassification)
class PropagatedClassificationAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["column_display", "classification", "sensitivity_label", "reason_shown"]
    list_filter = ["classification", "sensitivity_label"]
    list_select_related = ["column__table__schema", "classification", "sensitivity_label"]
    search_fields = ["column__name", "column__table__name", "classification__name"]
    fields = ["column_display", "classification", "sensitivity_label", "reason_shown", "path"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        # Whether the viewer may read each row's origin: two subqueries for the whole page.
        user = request.user
        origins = permissions.restrict(ColumnClassification.objects.all(), user, as_subquery=True)
        tables = permissions.restrict(CatalogTable.objects.all(), user, as_subquery=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                _origin_shown=Exists(origins.filter(pk=OuterRef("origin_id"))),
                _via_shown=Exists(tables.filter(pk=OuterRef("via__upstream_table_id"))),
            )
        )

    @display(description="Column")
    def column_display(self, obj: PropagatedClassification) -> str:
        t = obj.column.table
        return f"{t.schema.name}.{t.name}.{obj.column.name}"

    @display(description="Why")
    def reason_shown(self, obj: PropagatedClassification) -> str:
        shown = getattr(obj, "_origin_shown", False) and getattr(obj, "_via_shown", False)
        return obj.reason if shown else propagation.HIDDEN_REASON
