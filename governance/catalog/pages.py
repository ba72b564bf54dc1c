"""The steward's console pages of the catalog: asset pages, global search, the review panel of
the home page.

Asset pages (a data source, a table or view, a column) gather what a steward looks for in one
place, as OpenMetadata and DataHub do: facts, columns with their classifications (accepted,
rejected or changed in one click), profile figures, then the panels other apps register in
``extensions.asset_page_panels`` (schema changes, run history, findings, comments).

Every page loads its object through the gate (hidden, missing or malformed id: the same 404),
shows buttons only for what the user may do, changes state only by POST (CSRF-checked by the
admin's views) and runs a constant number of queries whatever the number of columns.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from governance.classifications.models import Classification
from governance.datasources.models import DataSource
from pursight import permissions

from . import classifying, extensions
from . import search as global_search
from .choices import ClassificationStatus
from .models import CatalogColumn, CatalogSchema, CatalogTable, ColumnClassification

SUGGESTED = ClassificationStatus.SUGGESTED
ACCEPTED = ClassificationStatus.ACCEPTED
REJECTED = ClassificationStatus.REJECTED
TABLES_ON_SOURCE_PAGE = 200
RESULTS_PER_PAGE = 25


def visible_or_404(queryset: QuerySet, user: Any, object_id: Any) -> Any:
    """The object if ``user`` may view it; hidden, missing or malformed ids answer the same."""
    try:
        obj = permissions.restrict(queryset, user).filter(pk=object_id).first()
    except (ValueError, TypeError, ValidationError):
        obj = None
    if obj is None:
        raise Http404("No such page.")
    return obj


def panels(request: HttpRequest, obj: Any) -> list[str]:
    """The HTML of the panels other apps registered for this object (those with something)."""
    return [html for panel in extensions.asset_page_panels if (html := panel(request, obj))]


def description_editor(request: HttpRequest, obj: Any) -> str:
    """The description as an editor registered in ``extensions.description_editors`` offers it
    (the first that answers), or "" for the page's own read-only text."""
    for editor in extensions.description_editors:
        if html := editor(request, obj):
            return html
    return ""


def back_to(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's ``next`` (a local URL only), else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target or fallback)


def _classification_rows() -> Prefetch:
    return Prefetch(
        "classifications",
        queryset=ColumnClassification.objects.select_related(
            "classification", "sensitivity_label", "decided_by"
        ).order_by("status", "-confidence"),
    )


def _info_types(may_curate: bool) -> list[tuple[str, str]]:
    """The info types a steward may pick when changing a classification (one query)."""
    if not may_curate:
        return []
    return list(
        Classification.objects.filter(is_active=True).order_by("name").values_list("code", "name")
    )


def _context(admin_site: AdminSite, request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {**admin_site.each_context(request), **extra}


def _review_counts(columns: list[CatalogColumn]) -> dict[str, int]:
    counts: Counter = Counter()
    for column in columns:
        for row in column.classifications.all():
            counts[row.status] += 1
            counts["disagreements"] += row.disagreement
    return {
        "suggested": counts[SUGGESTED],
        "accepted": counts[ACCEPTED],
        "rejected": counts[REJECTED],
        "disagreements": counts["disagreements"],
    }


# --- table -----------------------------------------------------------------------------------


def table_page(admin_site: AdminSite, request: HttpRequest, object_id: Any) -> TemplateResponse:
    user = request.user
    table = visible_or_404(
        CatalogTable.objects.select_related("schema", "datasource__collection", "owner"),
        user,
        object_id,
    )
    show_removed = request.GET.get("removed") == "1"
    columns_qs = table.columns.all() if show_removed else table.columns.live()
    columns = list(columns_qs.order_by("ordinal", "name").prefetch_related(_classification_rows()))
    removed = table.columns.filter(removed_at__isnull=False).count()
    may_curate = permissions.can(user, "curate", table)
    samples = [c.sample_size for c in columns if c.sample_size]
    context = _context(
        admin_site,
        request,
        title=f"{table.schema.name}.{table.name}",
        opts=CatalogTable._meta,
        asset=table,
        kind="table",
        source=table.datasource,
        label=classifying.table_labels([table.pk]).get(table.pk),
        columns=columns,
        removed_columns=removed,
        show_removed=show_removed,
        counts=_review_counts(columns),
        sample_size=max(samples) if samples else None,
        may_curate=may_curate,
        info_types=_info_types(may_curate),
        edit_url=reverse("admin:catalog_catalogtable_change", args=[table.pk])
        if may_curate
        else "",
        source_url=extensions.asset_url("source", table.datasource_id),
        here=request.get_full_path(),
        panels=panels(request, table),
        description_editor=description_editor(request, table),
    )
    return TemplateResponse(request, "catalog/table_page.html", context)


# --- column ----------------------------------------------------------------------------------


def column_page(admin_site: AdminSite, request: HttpRequest, object_id: Any) -> TemplateResponse:
    user = request.user
    column = visible_or_404(
        CatalogColumn.objects.select_related(
            "table__schema", "datasource__collection", "owner"
        ).prefetch_related(_classification_rows()),
        user,
        object_id,
    )
    may_curate = permissions.can(user, "curate", column)
    table = column.table
    context = _context(
        admin_site,
        request,
        title=f"{table.schema.name}.{table.name}.{column.name}",
        opts=CatalogColumn._meta,
        asset=column,
        kind="column",
        table=table,
        source=column.datasource,
        rows=list(column.classifications.all()),
        may_curate=may_curate,
        info_types=_info_types(may_curate),
        edit_url=reverse("admin:catalog_catalogcolumn_change", args=[column.pk])
        if may_curate
        else "",
        table_url=extensions.asset_url("table", table.pk),
        source_url=extensions.asset_url("source", column.datasource_id),
        here=request.get_full_path(),
        panels=panels(request, column),
        description_editor=description_editor(request, column),
    )
    return TemplateResponse(request, "catalog/column_page.html", context)


# --- data source -----------------------------------------------------------------------------


def _source_actions(admin_site: AdminSite, request: HttpRequest, source: DataSource) -> list:
    """The data source admin's buttons the user may use (test connection; scans add "Scan
    now"), as POST forms: each acts on its confirming POST (``confirm_or_act``)."""
    model_admin = admin_site._registry.get(DataSource)
    if model_admin is None or not hasattr(model_admin, "get_actions_detail"):
        return []
    return [
        {
            "label": action.description,
            "icon": action.icon,
            "url": reverse(f"admin:{action.action_name}", kwargs={"object_id": source.pk}),
        }
        for action in model_admin.get_actions_detail(request, source.pk)
    ]


def source_page(admin_site: AdminSite, request: HttpRequest, object_id: Any) -> TemplateResponse:
    user = request.user
    source = visible_or_404(
        DataSource.objects.select_related("collection", "owner"), user, object_id
    )
    live_columns = CatalogColumn.objects.live().filter(table_id=OuterRef("pk"))
    tables_qs = CatalogTable.objects.live().filter(datasource=source)
    tables = list(
        tables_qs.select_related("schema")
        .annotate(
            n_columns=Coalesce(
                Subquery(
                    live_columns.order_by().values("table_id").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("schema__name", "name")[:TABLES_ON_SOURCE_PAGE]
    )
    ids = [t.pk for t in tables]
    to_review = dict(
        ColumnClassification.objects.filter(
            datasource=source,
            status=SUGGESTED,
            column__table_id__in=ids,
            column__removed_at__isnull=True,
        )
        .values_list("column__table_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = classifying.table_labels(ids) if ids else {}
    for t in tables:
        t.to_review = to_review.get(t.pk, 0)
        t.label = labels.get(t.pk)
        t.url = extensions.asset_url("table", t.pk)
    schemas = list(
        CatalogSchema.objects.live()
        .filter(datasource=source)
        .annotate(n_tables=Count("tables", filter=Q(tables__removed_at__isnull=True)))
        .order_by("name")
    )
    summary = classifying.rollup_summary(ColumnClassification.objects.filter(datasource=source))
    may_change = permissions.can(user, "change", source)
    context = _context(
        admin_site,
        request,
        title=source.name,
        opts=DataSource._meta,
        asset=source,
        kind="source",
        source=source,
        schemas=schemas,
        tables=tables,
        tables_total=tables_qs.count() if len(tables) == TABLES_ON_SOURCE_PAGE else len(tables),
        summary=summary[0] if summary else None,
        actions=_source_actions(admin_site, request, source),
        edit_url=reverse("admin:datasources_datasource_change", args=[source.pk])
        if may_change
        else "",
        tables_url=reverse("admin:catalog_catalogtable_changelist")
        + f"?datasource__id__exact={source.pk}",
        review_url=reverse("admin:catalog_columnclassification_changelist")
        + f"?datasource__id__exact={source.pk}&status__exact=suggested",
        here=request.get_full_path(),
        panels=panels(request, source),
        description_editor=description_editor(request, source),
    )
    return TemplateResponse(request, "catalog/source_page.html", context)


# --- stewards' decisions (POST only) ---------------------------------------------------------


def classify_column(admin_site: AdminSite, request: HttpRequest, object_id: Any) -> HttpResponse:
    """Set a column's classification by hand (the "Change" box of the asset pages)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    column = visible_or_404(CatalogColumn.objects.select_related("table"), request.user, object_id)
    fallback = extensions.asset_url("table", column.table_id)
    code = (request.POST.get("classification") or "").strip()
    info_type = Classification.objects.filter(is_active=True, code=code).first() if code else None
    if info_type is None:
        # The check comes first: a user who may not curate learns nothing about info types.
        permissions.check(request.user, "curate", column)
        text = f"No info type '{code}': pick one from the list." if code else "Pick an info type."
        messages.error(request, text)
        return back_to(request, fallback)
    classifying.set_classification(actor=request.user, column=column, classification=info_type)
    messages.success(request, f"{column.table.name}.{column.name} classified as {info_type.name}.")
    return back_to(request, fallback)


# --- global search ---------------------------------------------------------------------------


def _query_string(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in params.items() if v not in (None, "") and k != "page"}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged)


def find_view(admin_site: AdminSite, request: HttpRequest) -> TemplateResponse:
    """The results page of the header's search box: hits by type, facets, one type per tab."""
    form = global_search.SearchForm(request.GET, user=request.user)
    results = None
    page, pages = 1, 1
    params = {k: request.GET.get(k, "") for k in ("q", "type", *global_search.FACETS)}
    if form.is_valid():
        query = form.query()
        if not query.empty:
            try:
                page = max(1, int(request.GET.get("page", "1")))
            except ValueError:
                page = 1
            limit = RESULTS_PER_PAGE if query.type else 5
            page = min(page, global_search.CAP // RESULTS_PER_PAGE)
            offset = (page - 1) * RESULTS_PER_PAGE if query.type else 0
            results = global_search.find(request.user, query, limit=limit, offset=offset)
            if query.type:
                selected = next(t for t in results.types if t.type == query.type)
                pages = max(1, -(-selected.count // RESULTS_PER_PAGE))
    tabs = []
    facets = []
    if results is not None:
        tabs = [
            {
                "label": "All",
                "count": results.total,
                "capped": results.capped,
                "url": _query_string(params, type=None),
                "active": not params["type"],
            },
            *(
                {
                    "label": t.label,
                    "count": t.count,
                    "capped": t.capped,
                    "url": _query_string(params, type=t.type),
                    "active": params["type"] == t.type,
                }
                for t in results.types
            ),
        ]
        for facet, title in global_search.FACETS.items():
            values = results.facets.get(facet) or []
            if not values:
                continue
            facets.append(
                {
                    "title": title,
                    "values": [
                        {
                            "label": v.label,
                            "count": v.count,
                            "selected": v.selected,
                            "url": _query_string(
                                params, **{facet: None if v.selected else v.value}
                            ),
                        }
                        for v in values
                    ],
                }
            )
    context = _context(
        admin_site,
        request,
        title="Search",
        form=form,
        q=params["q"],
        results=results,
        global_q=params["q"],
        cap=global_search.CAP,
        sections=[
            {
                "type": t.type,
                "label": t.label,
                "count": t.count,
                "capped": t.capped,
                "hits": t.hits,
                "url": _query_string(params, type=t.type),
            }
            for t in (results.types if results else [])
            if t.hits
        ],
        tabs=tabs,
        facets=facets,
        page=page,
        pages=pages,
        previous_url=_query_string(params, page=page - 1) if page > 1 else "",
        next_url=_query_string(params, page=page + 1) if page < pages else "",
        errors=[
            f"{form.fields[name].label or name}: {' '.join(e)}" for name, e in form.errors.items()
        ],
    )
    return TemplateResponse(request, "catalog/search.html", context)


def suggest_view(admin_site: AdminSite, request: HttpRequest) -> JsonResponse:
    """Suggestions for the header's search box (JSON): a few hits of each type."""
    text = (request.GET.get("q") or "")[:200]
    hits = global_search.suggest(request.user, text) if len(text.strip()) >= 2 else []
    return JsonResponse(
        {
            "results": [h.as_dict() for h in hits],
            "all": reverse("admin:find") + "?" + urlencode({"q": text}),
        }
    )


# --- home ------------------------------------------------------------------------------------


def review_panel(request: HttpRequest) -> str | None:
    """Home panel: what waits for this steward's review, per table (with the table's page)."""
    user = request.user
    if not permissions.can_any(user, ColumnClassification, "curate"):
        return None
    rows = permissions.restrict(
        ColumnClassification.objects.filter(column__removed_at__isnull=True), user, "curate"
    )
    suggested = rows.filter(status=SUGGESTED)
    tables = list(
        suggested.values(
            "column__table_id",
            "column__table__name",
            "column__table__schema__name",
            "datasource__name",
        )
        .annotate(n=Count("pk"))
        .order_by("-n", "column__table__name")[:10]
    )
    for t in tables:
        t["url"] = extensions.asset_url("table", t["column__table_id"])
    totals = suggested.aggregate(n=Count("pk"))
    disagreements = rows.filter(disagreement=True).count()
    changelist = reverse("admin:catalog_columnclassification_changelist")
    return render_to_string(
        "catalog/home_review.html",
        {
            "tables": tables,
            "total": totals["n"],
            "disagreements": disagreements,
            "suggested_url": f"{changelist}?status__exact=suggested",
            "disagreements_url": f"{changelist}?disagreement__exact=1",
            "overview_url": reverse("admin:catalog_classification_overview"),
        },
        request=request,
    )


# --- URL patterns ----------------------------------------------------------------------------


def site_urls(admin_site: AdminSite) -> list:
    """Pages that belong to no single ModelAdmin, under /admin/ (``pursight.admin.site_urls``)."""

    def wrap(view: Any) -> Any:
        def bound(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            return view(admin_site, request, **kwargs)

        return admin_site.admin_view(bound)

    return [
        path("find/", wrap(find_view), name="find"),
        path("find/suggest/", wrap(suggest_view), name="find_suggest"),
        path(
            "catalog/source/<path:object_id>/",
            wrap(source_page),
            name="catalog_source_page",
        ),
    ]
