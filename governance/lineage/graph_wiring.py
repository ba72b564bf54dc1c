"""Registrations made from :meth:`LineageConfig.ready` for *using* lineage: the permission gate,
propagation triggers, the catalog's export and asset pages.

The gate: an edge belongs to its **downstream** table's collection (blocking propagation into an
asset is its curators' decision: ``block`` needs ``curate_catalog`` there). Listing an edge row
in the admin or the API also requires its upstream table to be visible
(:func:`visible_edges`), so a row never names a hidden asset; the graph checks each endpoint
individually and draws hidden ones as anonymous placeholders (:mod:`.graph`). A propagated
classification belongs to its column's data source, like the catalog's own classifications.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from pursight import permissions

EDGE_ACTIONS = {
    "view": "view_catalog",
    "change": "curate_catalog",
    "block": "curate_catalog",
}


def connect() -> None:
    """Connect receivers and fill other apps' registries."""
    from governance.catalog import exporting, extensions
    from governance.classifications.signals import labels_changed
    from pursight.events import domain_event

    from . import propagation
    from .models import LineageEdge, PropagatedClassification

    permissions.register(
        LineageEdge,
        collection_lookup="downstream_datasource__collection",
        actions=EDGE_ACTIONS,
    )
    permissions.register(
        PropagatedClassification,
        collection_lookup="datasource__collection",
        actions={"view": "view_catalog"},
    )
    domain_event.connect(propagation.on_domain_event, dispatch_uid="lineage.propagation")
    # The capture side's signal (sent after the commit with the tables whose lineage changed).
    from . import services

    edges_changed = getattr(services, "edges_changed", None)
    if edges_changed is not None:
        edges_changed.connect(propagation.on_edges_changed, dispatch_uid="lineage.propagation")
    labels_changed.connect(propagation.refresh_labels, dispatch_uid="lineage.refresh_labels")
    exporting.column_extensions.register(
        "lineage.propagated", propagation.export_column_propagations
    )
    table_extensions = getattr(exporting, "table_extensions", None)
    if table_extensions is not None:
        table_extensions.register("lineage.edges", export_table_lineage)
    extensions.asset_page_panels.register("lineage", asset_panel)


def visible_edges(queryset: QuerySet, user: Any, action: str = permissions.VIEW) -> QuerySet:
    """Edge rows ``user`` may see as rows: the gate's (downstream) check for ``action``, and
    the upstream table visible too. Both are decided on the edge's own copies of its ends' data
    sources (``*_datasource_id IN (small subquery)``): no join through the tables, no id list
    read into Python."""
    from governance.catalog.models import CatalogTable
    from governance.datasources.models import DataSource

    queryset = permissions.restrict(queryset, user, action, as_subquery=True)
    if queryset.query.is_empty():
        return queryset
    # "The upstream table is visible": its data source is in the catalog's view scope (a table
    # is visible exactly where its data source's collection is, see the catalog's registration).
    tables = permissions.action_scope(user, CatalogTable, permissions.VIEW)
    if tables.everything:
        return queryset
    if not tables.collection_ids:
        return queryset.none()
    sources = DataSource.objects.filter(collection_id__in=sorted(tables.collection_ids))
    return queryset.filter(upstream_datasource_id__in=sources.values("pk"))


def export_table_lineage(table_ids: Any) -> dict[int, dict[str, Any]]:
    """For ``catalog.exporting.table_extensions``: each table's open edges (one query)."""
    from .graph import edges_by_table

    return {tid: {"lineage": edges} for tid, edges in edges_by_table(table_ids).items()}


def page_url(qualified_name: str, **params: Any) -> str:
    return f"{reverse('admin:lineage_graph')}?{urlencode({'asset': qualified_name, **params})}"


def asset_panel(request: HttpRequest, obj: Any) -> str | None:
    """The lineage panel of a table or column page: direct upstream/downstream counts the
    viewer may see, links to the graph and the impact list, and the column(s)' propagated
    classifications with their reasons. A constant number of queries."""
    from governance.catalog.models import CatalogColumn, CatalogTable

    from . import graph, propagation

    if isinstance(obj, CatalogTable):
        table_id, column_ids = obj.pk, None
    elif isinstance(obj, CatalogColumn):
        table_id, column_ids = obj.table_id, [obj.pk]
    else:
        return None
    user = request.user
    counts = graph.neighbours(user, table_id)
    if column_ids is None:
        column_ids = list(
            CatalogColumn.objects.live().filter(table_id=table_id).values_list("pk", flat=True)
        )
        names = dict(CatalogColumn.objects.filter(pk__in=column_ids).values_list("pk", "name"))
    else:
        names = {obj.pk: obj.name}
    propagated = propagation.visible_rows(user, column_ids)
    rows = [
        {"column": names.get(cid, ""), **row}
        for cid in column_ids
        for row in propagated.get(cid, [])
    ]
    return render_to_string(
        "lineage/asset_panel.html",
        {
            "counts": counts,
            "graph_url": page_url(obj.qualified_name),
            "impact_url": reverse("admin:lineage_impact")
            + "?"
            + urlencode({"asset": obj.qualified_name}),
            "rows": rows,
            "is_column": isinstance(obj, CatalogColumn),
        },
        request=request,
    )
