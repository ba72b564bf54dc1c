"""What the glossary adds to the console and the catalog: the tags-and-terms panel of asset
pages, terms and tags in the global search, tags and terms in catalog exports, and a bulk
"Add tags" action on the data source list. Registered from :meth:`GlossaryConfig.ready`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from governance.catalog.extensions import asset_page_panels, search_providers
from governance.catalog.search import Hit, ModelSearchProvider
from pursight import permissions

from .choices import AssetType, SuggestionStatus, TermStatus
from .models import Tag, TagAssignment, Term, TermAssignment, TermSuggestion
from .services import asset_type_of, links_of

STATUS_KIND = {
    TermStatus.DRAFT: "",
    TermStatus.IN_REVIEW: "info",
    TermStatus.APPROVED: "success",
    TermStatus.DEPRECATED: "warning",
}
SUGGESTIONS_SHOWN = 8


def asset_panel(request: HttpRequest, obj: Model) -> str | None:
    """Tags, terms and pending term suggestions of the asset, with add/remove for those who
    may. Six queries at most, whatever the asset."""
    try:
        kind = asset_type_of(obj)
    except ValueError:
        return None
    user = request.user
    tags = list(
        permissions.restrict(links_of(TagAssignment, obj), user)
        .select_related("tag__tag_set")
        .order_by("tag__tag_set__name", "tag__name")
    )
    terms = list(
        permissions.restrict(links_of(TermAssignment, obj), user)
        .select_related("term")
        .order_by("term__name")
    )
    suggestions = (
        list(
            permissions.restrict(links_of(TermSuggestion, obj), user)
            .filter(status=SuggestionStatus.PENDING)
            .select_related("term")
            .order_by("-score", "pk")[:SUGGESTIONS_SHOWN]
        )
        if kind in (AssetType.TABLE, AssetType.COLUMN)
        else []
    )
    may_edit = permissions.action_scope(user, TagAssignment, "add").contains(_collection_id(obj))
    context = {
        "asset_type": kind,
        "asset": obj,
        "here": request.get_full_path(),
        "tags": tags,
        "terms": terms,
        "suggestions": suggestions,
        "may_edit": may_edit,
        "action_url": reverse("admin:glossary_asset_links", args=[kind, obj.pk]),
        "tag_choices": list(Tag.objects.select_related("tag_set").order_by("tag_set__name", "name"))
        if may_edit
        else [],
        "term_choices": list(
            Term.objects.exclude(status=TermStatus.DEPRECATED).order_by("name").values("pk", "name")
        )
        if may_edit
        else [],
        "status_kind": STATUS_KIND,
    }
    return render_to_string("glossary/asset_panel.html", context, request=request)


def _collection_id(obj: Model) -> int | None:
    from governance.datasources.models import DataSource

    if isinstance(obj, DataSource):
        return obj.collection_id
    source = obj._state.fields_cache.get("datasource")
    if source is not None:
        return source.collection_id
    return (
        DataSource.objects.filter(pk=obj.datasource_id)
        .values_list("collection_id", flat=True)
        .first()
    )


# --- global search ---------------------------------------------------------------------------


class TermProvider(ModelSearchProvider):
    """Glossary terms by name, abbreviation, synonyms or definition. Terms are global (no
    facet applies); how many assets each is linked to counts only the visible links."""

    type, label = "term", "Glossary terms"
    model = Term
    facet_paths: dict[str, str] = {}
    text_fields = ("name", "abbreviation", "synonyms", "definition")

    def present(self, rows: list[Any]) -> list[Hit]:
        return [
            Hit(
                "term",
                t.pk,
                t.name,
                (t.abbreviation + " · " if t.abbreviation else "") + ", ".join(t.synonyms[:4]),
                reverse("admin:glossary_term_change", args=[t.pk]),
                [(t.get_status_display(), STATUS_KIND.get(t.status, ""))],
            )
            for t in rows
        ]


class TagProvider(ModelSearchProvider):
    type, label = "tag", "Tags"
    model = Tag
    facet_paths: dict[str, str] = {}
    text_fields = ("name", "tag_set__name", "description")
    select_related = ("tag_set",)

    def present(self, rows: list[Any]) -> list[Hit]:
        changelist = reverse("admin:glossary_tagassignment_changelist")
        return [
            Hit(
                "tag",
                t.pk,
                str(t),
                t.description[:120],
                f"{changelist}?tag__id__exact={t.pk}",
                [("exclusive", "info")] if t.tag_set.mutually_exclusive else [],
            )
            for t in rows
        ]


# --- catalog export ---------------------------------------------------------------------------


def export_links(kind: str) -> Any:
    """An export extension for assets of ``kind``: ``{id: {"tags": [...], "terms": [...]}}``
    in two queries whatever the number of assets."""

    def extension(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = defaultdict(lambda: {"tags": [], "terms": []})
        if not ids:
            return {}
        tags = (
            TagAssignment.objects.filter(asset_type=kind, asset_id__in=list(ids))
            .order_by("tag__tag_set__name", "tag__name")
            .values_list("asset_id", "tag__tag_set__name", "tag__name")
        )
        for asset_id, set_name, tag_name in tags:
            out[asset_id]["tags"].append(f"{set_name}.{tag_name}")
        terms = (
            TermAssignment.objects.filter(asset_type=kind, asset_id__in=list(ids))
            .order_by("term__name")
            .values_list("asset_id", "term__name")
        )
        for asset_id, term_name in terms:
            out[asset_id]["terms"].append(term_name)
        return {i: out.get(i, {"tags": [], "terms": []}) for i in ids}

    return extension


def tag_counts(user: Any, tags: QuerySet) -> dict[int, int]:
    """How many visible assets carry each tag (links the gate hides are not counted)."""
    rows = (
        permissions.restrict(TagAssignment.objects.filter(tag__in=tags), user)
        .values("tag_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["tag_id"]: r["n"] for r in rows}


def term_counts(user: Any, terms: QuerySet) -> dict[int, int]:
    rows = (
        permissions.restrict(TermAssignment.objects.filter(term__in=terms), user)
        .values("term_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["term_id"]: r["n"] for r in rows}


def register() -> None:
    from governance.catalog import exporting

    asset_page_panels.register("glossary.links", asset_panel)
    search_providers.register("glossary.terms", TermProvider())
    search_providers.register("glossary.tags", TagProvider())
    exporting.column_extensions.register("glossary.links", export_links(AssetType.COLUMN))
    for name, kind in (
        ("table_extensions", AssetType.TABLE),
        ("schema_extensions", AssetType.SCHEMA),
        ("source_extensions", AssetType.DATASOURCE),
    ):
        registry = getattr(exporting, name, None)
        if registry is not None:
            registry.register("glossary.links", export_links(kind))
    from governance.catalog import extensions as catalog_extensions
    from governance.datasources.extensions import datasource_admin

    from .admin import ColumnTagActions, DataSourceTagActions, TableTagActions

    datasource_admin.register("glossary", DataSourceTagActions)
    # The catalog's table and column lists: a tag filter and "Add tags…".
    catalog_extensions.table_admin.register("glossary", TableTagActions)
    catalog_extensions.column_admin.register("glossary", ColumnTagActions)
