from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from unfold.decorators import display

from pursight import permissions
from pursight.admin import (
    GovernedTabularInline,
    HomePanel,
    ObjectActionsMixin,
    PurSightModelAdmin,
    home_panels,
    presence_filter,
    site_urls,
)
from pursight.admin_extensions import ExtensibleAdminMixin, extensible

from . import classifying, pages, search, services
from .extensions import asset_url, column_admin, table_admin
from .models import CatalogColumn, CatalogSchema, CatalogTable, ColumnClassification

# The console's global search and data source pages (/admin/find/, /admin/catalog/source/<id>/)
# and the home page's review panel.
site_urls.register("catalog", pages.site_urls)
home_panels.register("catalog.review", HomePanel(pages.review_panel, order=20))


def _changelist(model: str, **filters: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return f"{reverse(f'admin:catalog_{model}_changelist')}?{query}"


RemovedFilter = presence_filter(
    "removed_at", "presence", "presence", ("live", "Present"), ("removed", "Removed")
)


def _link(text: Any, url: str) -> str:
    return format_html('<a class="font-medium text-primary-600" href="{}">{}</a>', url, text)


@display(description="Data source", ordering="datasource__name")
def _source_link(obj: Any) -> str:
    return _link(obj.datasource.name, asset_url("source", obj.datasource_id))


def _flag(text: str, title: str = "") -> str:
    """A warning badge for a flag that needs attention (its absence shows as a plain dash)."""
    return render_to_string(
        "unfold/helpers/label.html", {"text": text, "type": "warning", "label_title": title}
    )


@display(description="Distinct values")
def _distinct_in_sample(obj: CatalogColumn) -> str:
    return obj.distinct_label or "—"


class AssetAdmin(PurSightModelAdmin):
    """Catalog assets are written by scans; stewards curate description and owner."""

    collection_permission = "curate_catalog"
    search_fields = ["name"]  # replaced by full-text search in get_search_results
    readonly_common = ["qualified", "first_seen", "last_seen", "removed_at", "updated_at"]
    autocomplete_fields = ["owner"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str):
        return search.search(queryset, search_term), False

    page_view: Any = None  # (request, object_id) -> the asset's page, where it has one

    def get_urls(self):
        """The asset's page (``<id>/page/``): the catalog view of the object, linked from the
        changelist's names; the change form stays for editing description and owner."""
        if self.page_view is None:
            return super().get_urls()
        opts = self.model._meta
        page = path(
            "<path:object_id>/page/",
            self.admin_site.admin_view(self.page_view),
            name=f"{opts.app_label}_{opts.model_name}_page",
        )
        return [page, *super().get_urls()]

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = {
            f: form.cleaned_data[f] for f in services.CURATABLE_FIELDS if f in form.changed_data
        }
        if fields:
            services.update_asset(actor=request.user, asset=obj, **fields)

    @display(description="Status", label={"Present": "success", "Removed": "danger"})
    def presence(self, obj: Any) -> str:
        return "Removed" if obj.removed_at else "Present"

    @display(description="Qualified name")
    def qualified(self, obj: Any) -> str:
        return obj.display_qualified_name


@admin.register(CatalogSchema)
class CatalogSchemaAdmin(AssetAdmin):
    list_display = ["name", _source_link, "tables_link", "presence", "first_seen"]
    list_filter = [RemovedFilter, "datasource"]
    list_select_related = ["datasource"]
    fields = ["name", "datasource", "description", "owner", *AssetAdmin.readonly_common]
    readonly_fields = ["name", "datasource", *AssetAdmin.readonly_common]

    @display(description="Tables")
    def tables_link(self, obj: CatalogSchema) -> str:
        return format_html(
            '<a href="{}">Tables →</a>', _changelist("catalogtable", schema__id__exact=obj.pk)
        )


class ClassificationInline(GovernedTabularInline):
    """What the scans found for a column, at what confidence and why (masked evidence only)."""

    model = ColumnClassification
    fk_name = "column"
    fields = [
        "classification",
        "status",
        "confidence",
        "source",
        "sensitivity_label",
        "reasons_text",
        "evidence_text",
        "disagreement_flag",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        # The row titles ("people.email — Email address (suggested)") name column and table.
        return (
            super()
            .get_queryset(request)
            .select_related("column__table", "classification", "sensitivity_label")
        )

    @display(description="Disagreement")
    def disagreement_flag(self, obj: ColumnClassification) -> str:
        return _disagreement(obj)

    @display(description="Why")
    def reasons_text(self, obj: ColumnClassification) -> str:
        return "; ".join(obj.reasons)

    @display(description="Masked evidence")
    def evidence_text(self, obj: ColumnClassification) -> str:
        return ", ".join(obj.evidence)


@display(description="Sensitivity")
def _table_sensitivity(obj: CatalogTable) -> str:
    return getattr(obj, "sensitivity_label", None) or "—"


def _disagreement(obj: ColumnClassification) -> str:
    """Only a disagreement is marked: its absence is the normal case, not an error."""
    if not obj.disagreement:
        return "—"
    found = (obj.disagreement_details or {}).get("found", "")
    return _flag("Disagrees", f"A later scan found {found}" if found else "")


@display(description="Classifications")
def _table_classifications_link(obj: CatalogTable) -> str:
    return format_html(
        '<a href="{}">Classifications →</a>',
        _changelist("columnclassification", **{TableFilter.parameter_name: obj.pk}),
    )


@admin.action(description="Accept all suggested classifications of the selected tables")
def accept_table_suggestions(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    total = 0
    for table in queryset:
        n = modeladmin.call_service(request, classifying.accept_table_suggestions, table=table)
        total += n or 0
    modeladmin.report(request, True, f"Accepted {total} suggested classifications.")


class ColumnInline(GovernedTabularInline):
    model = CatalogColumn
    fields = [
        "ordinal",
        "name",
        "data_type",
        "nullable",
        "null_fraction",
        _distinct_in_sample,
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
class CatalogTableAdmin(ExtensibleAdminMixin, ObjectActionsMixin, AssetAdmin):
    extensions = table_admin  # glossary adds its tag filter and "Add tags…"
    list_display = [
        "name_link",
        "schema",
        _source_link,
        "kind",
        "row_estimate",
        "columns_link",
        "presence",
        _table_sensitivity,
        _table_classifications_link,
    ]
    list_display_links = None  # the name opens the table's page (its Edit button: the form)
    list_filter = extensible([RemovedFilter, "kind", "datasource"])
    actions = extensible([accept_table_suggestions])
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

    def get_queryset(self, request: HttpRequest):
        return classifying.with_table_label(super().get_queryset(request))

    @display(description="Name", ordering="name")
    def name_link(self, obj: CatalogTable) -> str:
        return _link(obj.name, asset_url("table", obj.pk))

    def page_view(self, request: HttpRequest, object_id: str) -> Any:
        return pages.table_page(self.admin_site, request, object_id)

    def get_urls(self):
        accept = path(
            "<path:object_id>/accept-suggestions/",
            self.admin_site.admin_view(self.accept_suggestions_view),
            name="catalog_catalogtable_accept_suggestions",
        )
        return [accept, *super().get_urls()]

    def accept_suggestions_view(self, request: HttpRequest, object_id: str) -> Any:
        """Accept every suggestion of one table (the button of the table's page)."""
        table = self.gated_object(request, object_id, "curate")

        def act() -> Any:
            n = self.call_service(request, classifying.accept_table_suggestions, table=table)
            if n is not None:
                self.report(request, True, f"Accepted {n} suggested classifications.")
            return pages.back_to(request, asset_url("table", table.pk))

        return self.confirm_or_act(
            request,
            table,
            title="Accept all suggestions",
            question=f"Accept every suggested classification of the table '{table.name}'?",
            act=act,
        )

    @display(description="Columns")
    def columns_link(self, obj: CatalogTable) -> str:
        return format_html(
            '<a href="{}">Columns →</a>', _changelist("catalogcolumn", table__id__exact=obj.pk)
        )


@admin.register(CatalogColumn)
class CatalogColumnAdmin(ExtensibleAdminMixin, AssetAdmin):
    extensions = column_admin
    list_display = [
        "name_link",
        "table_name",
        "data_type",
        "nullable",
        "null_fraction",
        _distinct_in_sample,
        _source_link,
        "presence",
    ]
    list_display_links = None  # the name opens the column's page (its Edit button: the form)
    list_filter = extensible([RemovedFilter, "datasource", "nullable"])
    actions = extensible([])
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
        _distinct_in_sample,
        "min_length",
        "max_length",
        "top_values",
        *AssetAdmin.readonly_common,
    ]
    readonly_fields = [f for f in fields if f not in ("description", "owner")]
    inlines = [ClassificationInline]

    @display(description="Table", ordering="table__name")
    def table_name(self, obj: CatalogColumn) -> str:
        return _link(f"{obj.table.schema.name}.{obj.table.name}", asset_url("table", obj.table_id))

    @display(description="Name", ordering="name")
    def name_link(self, obj: CatalogColumn) -> str:
        return _link(obj.name, asset_url("column", obj.pk))

    def page_view(self, request: HttpRequest, object_id: str) -> Any:
        return pages.column_page(self.admin_site, request, object_id)

    def get_urls(self):
        classify = path(
            "<path:object_id>/classify/",
            self.admin_site.admin_view(self.classify_view),
            name="catalog_catalogcolumn_classify",
        )
        return [classify, *super().get_urls()]

    def classify_view(self, request: HttpRequest, object_id: str) -> Any:
        return pages.classify_column(self.admin_site, request, object_id)


# --- classifications ---------------------------------------------------------------------------


class TableFilter(admin.SimpleListFilter):
    """The classifications of one table (the target of the "Classifications" links).

    Offers only the selected table, and only when the user may see it: the list of all tables
    would be long and is what the table list is for.
    """

    title = "table"
    parameter_name = "table"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value or not value.isdigit():
            return []
        visible = permissions.restrict(CatalogTable.objects.all(), request.user)
        table = visible.select_related("schema").filter(pk=int(value)).first()
        return [(str(table.pk), table.display_name)] if table else []

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(column__table_id=int(value))


class ColumnClassificationForm(forms.ModelForm):
    note = forms.CharField(required=False, help_text="Why (kept in the reasons).")

    class Meta:
        model = ColumnClassification
        fields = ["column", "classification"]


@admin.register(ColumnClassification)
class ColumnClassificationAdmin(ObjectActionsMixin, PurSightModelAdmin):
    """Per data source and table: what was found, at what confidence and why."""

    collection_permission = "curate_catalog"
    form = ColumnClassificationForm
    list_display = [
        "column_name",
        "table_name",
        "datasource",
        "classification",
        "confidence_pct",
        "status_badge",
        "source",
        "sensitivity_label",
        "why",
        "disagreement_flag",
    ]
    list_filter = [
        TableFilter,
        "status",
        "source",
        "disagreement",
        "sensitivity_label",
        "classification",
        "datasource",
    ]
    list_select_related = [
        "column__table__schema",
        "datasource",
        "classification",
        "sensitivity_label",
    ]
    search_fields = ["column__name", "column__table__name", "classification__code"]
    autocomplete_fields = ["column"]
    actions = ["accept_selected", "reject_selected"]
    readonly_fields = [
        "datasource",
        "confidence",
        "source",
        "status",
        "reasons_text",
        "evidence_text",
        "model_version",
        "sensitivity_label",
        "disagreement_flag",
        "disagreement_details",
        "decided_by",
        "decided_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["column", "classification", "note"]
        return ["column", "classification", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["column", "classification", *self.readonly_fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        column = (
            permissions.restrict(CatalogColumn.objects.all(), request.user)
            .filter(pk=obj.column_id)
            .first()
        )
        if column is None:
            raise Http404
        row = classifying.set_classification(
            actor=request.user,
            column=column,
            classification=obj.classification,
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk = row.pk

    @display(description="Column", ordering="column__name")
    def column_name(self, obj: ColumnClassification) -> str:
        return obj.column.name

    @display(description="Table", ordering="column__table__name")
    def table_name(self, obj: ColumnClassification) -> str:
        table = obj.column.table
        return _link(f"{table.schema.name}.{table.name}", asset_url("table", table.pk))

    @display(description="Disagreement", ordering="disagreement")
    def disagreement_flag(self, obj: ColumnClassification) -> str:
        return _disagreement(obj)

    @display(description="Confidence", ordering="confidence")
    def confidence_pct(self, obj: ColumnClassification) -> str:
        return f"{obj.confidence:.0%}"

    @display(
        description="Status",
        ordering="status",
        label={"suggested": "warning", "accepted": "success", "rejected": "danger"},
    )
    def status_badge(self, obj: ColumnClassification) -> str:
        return obj.status

    @display(description="Why")
    def reasons_text(self, obj: ColumnClassification) -> str:
        return format_html_join(mark_safe("<br>"), "{}", ((r,) for r in obj.reasons))

    @display(description="Masked evidence")
    def evidence_text(self, obj: ColumnClassification) -> str:
        return ", ".join(obj.evidence)

    @display(description="Why")
    def why(self, obj: ColumnClassification) -> str:
        """The first reason and an example of masked evidence; all of them on the row's page."""
        first = obj.reasons[0] if obj.reasons else ""
        short = first if len(first) <= 90 else first[:87] + "…"
        example = obj.evidence[0] if obj.evidence else ""
        return format_html(
            '<span title="{}">{}</span><br><code>{}</code>', "\n".join(obj.reasons), short, example
        )

    def _decide(self, request: HttpRequest, queryset: Any, func: Any, verb: str) -> None:
        done = 0
        for row in queryset.select_related("datasource", "classification", "column__table"):
            if self.call_service(request, func, classification=row) is not None:
                done += 1
        self.report(request, True, f"{verb} {done} classifications.")

    @admin.action(description="Accept the selected classifications")
    def accept_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, classifying.accept_classification, "Accepted")

    @admin.action(description="Reject the selected classifications")
    def reject_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, classifying.reject_classification, "Rejected")

    def get_urls(self):
        overview = path(
            "overview/",
            self.admin_site.admin_view(self.overview_view),
            name="catalog_classification_overview",
        )
        decide = path(
            "<path:object_id>/decide/<str:decision>/",
            self.admin_site.admin_view(self.decide_view),
            name="catalog_columnclassification_decide",
        )
        return [overview, decide, *super().get_urls()]

    DECISIONS = {
        "accept": (classifying.accept_classification, "Accept", "Accepted"),
        "reject": (classifying.reject_classification, "Reject", "Rejected"),
    }

    def decide_view(self, request: HttpRequest, object_id: str, decision: str) -> Any:
        """Accept or reject one classification: the one-click buttons of the asset pages (a
        POST; a GET asks first)."""
        if decision not in self.DECISIONS:
            raise Http404
        row = self.gated_object(request, object_id, "curate")
        func, verb, done = self.DECISIONS[decision]
        column = row.column

        def act() -> Any:
            if self.call_service(request, func, classification=row) is not None:
                self.report(
                    request,
                    True,
                    f"{done}: {column.table.name}.{column.name} — {row.classification.name}.",
                )
            return pages.back_to(request, asset_url("table", column.table_id))

        return self.confirm_or_act(
            request,
            row,
            title=f"{verb} classification",
            question=f"{verb} '{row.classification.name}' for the column "
            f"{column.table.name}.{column.name}?",
            act=act,
        )

    def overview_view(self, request: HttpRequest) -> TemplateResponse:
        """Per data source, then per table of one source: what was found, how sure, what to do."""
        if not self.has_view_permission(request):
            raise permissions.PermissionDenied("You may not view classifications.")
        rows = self.get_queryset(request)
        source = request.GET.get("datasource")
        source_id = int(source) if source and source.isdigit() else None
        data = classifying.overview(rows, source_id)
        selected = next((s for s in data["sources"] if s["datasource"] == source_id), None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Sensitive data overview"
            + (f": {selected['datasource_name']}" if selected else ""),
            "data": data,
            "selected": selected,
            "changelist": reverse("admin:catalog_columnclassification_changelist"),
            "tables_url": reverse("admin:catalog_catalogtable_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "catalog/classification_overview.html", context)
