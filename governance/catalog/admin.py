from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import display

from pursight.admin import GovernedTabularInline, PurSightModelAdmin

from . import search, services
from .models import CatalogColumn, CatalogSchema, CatalogTable


def _changelist(model: str, **filters: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return f"{reverse(f'admin:catalog_{model}_changelist')}?{query}"


class RemovedFilter(admin.SimpleListFilter):
    title = "presence"
    parameter_name = "presence"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return [("live", "Present"), ("removed", "Removed")]

    def queryset(self, request: HttpRequest, queryset: Any):
        if self.value() == "live":
            return queryset.filter(removed_at__isnull=True)
        if self.value() == "removed":
            return queryset.filter(removed_at__isnull=False)
        return queryset


class AssetAdmin(PurSightModelAdmin):
    """Catalog assets are written by scans; stewards curate description and owner."""

    collection_permission = "curate_catalog"
    search_fields = ["name"]  # replaced by full-text search in get_search_results
    readonly_common = ["qualified_name", "first_seen", "last_seen", "removed_at", "updated_at"]
    autocomplete_fields = ["owner"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str):
        return search.search(queryset, search_term), False

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = {
            f: form.cleaned_data[f] for f in services.CURATABLE_FIELDS if f in form.changed_data
        }
        if fields:
            services.update_asset(actor=request.user, asset=obj, **fields)

    @display(description="Status", label={"Present": "success", "Removed": "danger"})
    def presence(self, obj: Any) -> str:
        return "Removed" if obj.removed_at else "Present"


@admin.register(CatalogSchema)
class CatalogSchemaAdmin(AssetAdmin):
    list_display = ["name", "datasource", "tables_link", "presence", "first_seen"]
    list_filter = [RemovedFilter, "datasource"]
    list_select_related = ["datasource"]
    fields = ["name", "datasource", "description", "owner", *AssetAdmin.readonly_common]
    readonly_fields = ["name", "datasource", *AssetAdmin.readonly_common]

    @display(description="Tables")
    def tables_link(self, obj: CatalogSchema) -> str:
        return format_html(
            '<a href="{}">Tables →</a>', _changelist("catalogtable", schema__id__exact=obj.pk)
        )


class ColumnInline(GovernedTabularInline):
    model = CatalogColumn
    fields = [
        "ordinal",
        "name",
        "data_type",
        "nullable",
        "null_fraction",
        "distinct_count",
        "removed_at",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ["ordinal"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogTable)
class CatalogTableAdmin(AssetAdmin):
    list_display = [
        "name",
        "schema",
        "datasource",
        "kind",
        "row_estimate",
        "columns_link",
        "presence",
    ]
    list_filter = [RemovedFilter, "kind", "datasource"]
    list_select_related = ["datasource", "schema"]
    fields = [
        "name",
        "kind",
        "schema",
        "datasource",
        "description",
        "owner",
        "comment",
        "row_estimate",
        "definition",
        *AssetAdmin.readonly_common,
    ]
    readonly_fields = [
        "name",
        "kind",
        "schema",
        "datasource",
        "comment",
        "row_estimate",
        "definition",
        *AssetAdmin.readonly_common,
    ]
    inlines = [ColumnInline]

    @display(description="Columns")
    def columns_link(self, obj: CatalogTable) -> str:
        return format_html(
            '<a href="{}">Columns →</a>', _changelist("catalogcolumn", table__id__exact=obj.pk)
        )


@admin.register(CatalogColumn)
class CatalogColumnAdmin(AssetAdmin):
    list_display = [
        "name",
        "table_name",
        "data_type",
        "nullable",
        "null_fraction",
        "distinct_count",
        "datasource",
        "presence",
    ]
    list_filter = [RemovedFilter, "datasource", "nullable"]
    list_select_related = ["datasource", "table", "table__schema"]
    fields = [
        "name",
        "table",
        "datasource",
        "description",
        "owner",
        "data_type",
        "nullable",
        "ordinal",
        "default",
        "comment",
        "sample_size",
        "null_fraction",
        "distinct_count",
        "min_length",
        "max_length",
        "top_values",
        *AssetAdmin.readonly_common,
    ]
    readonly_fields = [f for f in fields if f not in ("description", "owner")]

    @display(description="Table", ordering="table__name")
    def table_name(self, obj: CatalogColumn) -> str:
        return f"{obj.table.schema.name}.{obj.table.name}"
