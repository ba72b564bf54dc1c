"""Search: the catalog's full-text filter, and the console's global search.

:func:`search` narrows a catalog queryset to assets matching words: PostgreSQL full-text search
on a stored, GIN-indexed document column (migration 0005) with prefix matching, a LIKE
fallback elsewhere.

:func:`find` is the global search (the box in the console's header, its results page and
``/api/v1/search/``): every :class:`SearchProvider` (data sources, tables and columns here;
findings and rules from compliance; glossary terms and workspaces later, through
``extensions.search_providers``) answers the same :class:`Query` with its hits, how many rows
match (counted up to :data:`CAP`) and facet counts over those matches. Every provider starts
from ``permissions.restrict``: a user never sees, nor counts, what the gate hides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, Model, Q, QuerySet, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from governance.classifications.models import Classification, SensitivityLabel
from governance.datasources.models import DataSource
from governance.rbac.models import Collection
from pursight import permissions

from . import extensions
from .choices import ClassificationStatus
from .models import SEARCH_CONFIG, CatalogColumn, CatalogTable, ColumnClassification

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Matches counted and faceted per type of result: beyond it the page says "1,000+", and
# counting stays cheap on a catalog of millions of columns.
CAP = 1000
MAX_LIMIT = 100
# The facets, in the order the results page shows them.
FACETS: dict[str, str] = {
    "source": "Data source",
    "collection": "Collection",
    "info_type": "Info type",
    "label": "Sensitivity label",
    "owner": "Owner",
}


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text or "")][:10]


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Assets whose name, qualified name or description match every word of ``text`` (prefixes)."""
    words = tokens(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        query = " & ".join(f"{w}:*" for w in words)
        matches = RawSQL(  # noqa: S611 - the table name is ours, quoted; words are parameters
            f"{table}.search_document @@ to_tsquery(%s::regconfig, %s)",
            (SEARCH_CONFIG, query),
            output_field=BooleanField(),
        )
        return queryset.filter(matches)
    condition = Q()
    for w in words:
        condition &= (
            Q(name__icontains=w) | Q(qualified_name__icontains=w) | Q(description__icontains=w)
        )
    return queryset.filter(condition)


# --- the global search ---------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What the user asked: words, one type of result or all, and the facets selected
    (``{"source": <DataSource>, ...}``, objects the user may see)."""

    text: str = ""
    type: str = ""
    filters: dict[str, Model] = field(default_factory=dict)

    @property
    def words(self) -> list[str]:
        return tokens(self.text)

    @property
    def empty(self) -> bool:
        return not self.words and not self.filters


@dataclass
class Hit:
    """One result: ``url`` is its page in the console; ``badges`` are ``(text, kind)`` with
    kind one of ``info``, ``warning``, ``danger``, ``success`` or ``""``."""

    type: str
    id: int
    title: str
    context: str = ""
    url: str = ""
    badges: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "title": self.title,
            "context": self.context,
            "url": self.url,
            "badges": [{"text": t, "kind": k} for t, k in self.badges],
        }


@dataclass
class TypeResult:
    """One provider's answer: ``count`` matches (at most :data:`CAP`; ``capped`` when there
    are more), a page of ``hits`` and ``facets`` (``{facet: {value id: matches}}``)."""

    type: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    capped: bool = False
    facets: dict[str, Counter] = field(default_factory=dict)


class SearchProvider:
    """A type of result of the global search. Subclass :class:`ModelSearchProvider` for a model;
    register an instance in ``extensions.search_providers`` from the app's ``ready()``.

    ``facets`` names the facets (keys of :data:`FACETS`) the provider can filter by: a query
    with another facet selected excludes its type (a rule has no data source).
    """

    type: str = ""
    label: str = ""
    facets: frozenset[str] = frozenset()

    def search(
        self,
        user: Any,
        query: Query,
        *,
        limit: int,
        offset: int = 0,
        count: bool = True,
        facets: bool = True,
    ) -> TypeResult:
        raise NotImplementedError


class ModelSearchProvider(SearchProvider):
    """A provider over one model, through the gate.

    Declare ``model``, ``facet_paths`` (facet → the lookup of its value's id on the model, to
    filter and to count by), ``text_fields`` (matched with ``icontains``, every word in one of
    them) or ``full_text`` (the catalog's stored search document), and :meth:`present`.
    """

    model: type[Model]
    facet_paths: dict[str, str] = {}
    text_fields: tuple[str, ...] = ("name",)
    full_text: bool = False
    select_related: tuple[str, ...] = ()

    @property
    def facets(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset(self.facet_paths)

    def base(self, user: Any) -> QuerySet:
        return permissions.restrict(self.model._default_manager.all(), user)

    def match_text(self, queryset: QuerySet, query: Query) -> QuerySet:
        if not query.words:
            return queryset
        if self.full_text:
            return search(queryset, query.text)
        condition = Q()
        for word in query.words:
            any_field = Q()
            for name in self.text_fields:
                any_field |= Q(**{f"{name}__icontains": word})
            condition &= any_field
        return queryset.filter(condition)

    def filter_facet(self, queryset: QuerySet, facet: str, value: Model) -> QuerySet:
        return queryset.filter(**{self.facet_paths[facet]: value.pk})

    def matching(self, user: Any, query: Query) -> QuerySet | None:
        """The rows matching ``query`` that ``user`` may see; None when a selected facet does
        not apply to this type."""
        if any(f not in self.facets for f in query.filters):
            return None
        queryset = self.match_text(self.base(user), query)
        for facet, value in query.filters.items():
            queryset = self.filter_facet(queryset, facet, value)
        return queryset

    def ranked(self, queryset: QuerySet, query: Query) -> QuerySet:
        """Best first: the name equal to the words, then starting with the first word, shorter
        names first."""
        words = query.words
        if not words:
            return queryset.order_by("name", "pk")
        name = "name" if self.full_text else self.text_fields[0]
        rank = Case(
            When(**{f"{name}__iexact": " ".join(words)}, then=0),
            When(**{f"{name}__istartswith": words[0]}, then=1),
            default=2,
            output_field=IntegerField(),
        )
        return queryset.annotate(_rank=rank, _length=Length(name)).order_by(
            "_rank", "_length", "pk"
        )

    def present(self, rows: list[Any]) -> list[Hit]:
        raise NotImplementedError

    def search(
        self,
        user: Any,
        query: Query,
        *,
        limit: int,
        offset: int = 0,
        count: bool = True,
        facets: bool = True,
    ) -> TypeResult:
        """Read the first :data:`CAP` matching ids (no ORDER BY: the index answers them as it
        finds them), count and facet them, then rank only them for the page of hits: every
        step is bounded, whatever the number of matches in the catalog. When more than
        :data:`CAP` rows match, the hits are the best of those first ones."""
        result = TypeResult(self.type, self.label)
        queryset = self.matching(user, query)
        if queryset is None:
            return result
        ids = list(queryset.order_by().values_list("pk", flat=True)[: CAP + 1])
        result.capped = len(ids) > CAP
        ids = ids[:CAP]
        result.count = len(ids) if count else 0
        if not ids:
            return result
        if facets:
            result.facets = self.count_facets(ids)
        if limit > 0:
            # Rank the ids alone (no join for rows that are not shown), then load the page.
            ranked = self.ranked(self.model._default_manager.filter(pk__in=ids), query)
            page = list(ranked.values_list("pk", flat=True)[offset : offset + limit])
            rows = self.model._default_manager.filter(pk__in=page)
            if self.select_related:
                rows = rows.select_related(*self.select_related)
            by_id = {row.pk: row for row in rows} if page else {}
            result.hits = self.present([by_id[pk] for pk in page if pk in by_id])
        return result

    def count_facets(self, ids: list[int]) -> dict[str, Counter]:
        """Each facet's values over ``ids``: one read of their facet columns, counted here (a
        collection through its data sources)."""
        via_source = "collection" in self.facet_paths and "source" in self.facet_paths
        names = [f for f in self.facet_paths if not (via_source and f == "collection")]
        out: dict[str, Counter] = {f: Counter() for f in names}
        if names:
            rows = self.model._default_manager.filter(pk__in=ids).values_list(
                *(self.facet_paths[f] for f in names)
            )
            for row in rows:
                for facet, value in zip(names, row, strict=True):
                    if value is not None:
                        out[facet][value] += 1
        if via_source:
            out["collection"] = _by_collection(out["source"])
        return out


def _by_collection(by_source: Counter) -> Counter:
    """Counts per data source summed per collection (a source is in one collection)."""
    out: Counter = Counter()
    collections = DataSource.objects.filter(pk__in=list(by_source)).values_list(
        "pk", "collection_id"
    )
    for source_id, collection_id in collections:
        out[collection_id] += by_source[source_id]
    return out


# --- the catalog's providers -----------------------------------------------------------------

_NOT_REJECTED = ~Q(status=ClassificationStatus.REJECTED)


def _classified(facet: str, value: Model) -> QuerySet:
    """Classification rows (not rejected) of an info type or sensitivity label."""
    key = "classification" if facet == "info_type" else "sensitivity_label"
    return ColumnClassification.objects.filter(_NOT_REJECTED, **{key: value})


class _AssetProvider(ModelSearchProvider):
    full_text = True
    # Live assets only: a removed table is history, not something to open.
    via_classifications = ""  # the classification row's path to this asset's id
    counts_classifications = False  # count info types and labels in the facets

    def base(self, user: Any) -> QuerySet:
        return permissions.restrict(self.model.objects.live(), user)

    @property
    def facets(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset([*self.facet_paths, "info_type", "label"])

    def filter_facet(self, queryset: QuerySet, facet: str, value: Model) -> QuerySet:
        if facet in ("info_type", "label"):
            return queryset.filter(
                pk__in=_classified(facet, value).values(self.via_classifications)
            )
        return super().filter_facet(queryset, facet, value)

    def count_facets(self, ids: list[int]) -> dict[str, Counter]:
        """The asset facets, then info types and labels together in one read of the
        classification rows of these assets (distinct per asset); only where
        ``counts_classifications`` (columns: a table's count would read all its columns')."""
        out = super().count_facets(ids)
        if not self.counts_classifications:
            return out
        seen = set(
            ColumnClassification.objects.filter(
                _NOT_REJECTED, **{f"{self.via_classifications}__in": ids}
            )
            .values_list(self.via_classifications, "classification_id", "sensitivity_label_id")
            .distinct()
            .order_by()
        )
        types = {(asset, info_type) for asset, info_type, _ in seen}
        labels = {(asset, label) for asset, _, label in seen if label is not None}
        out["info_type"] = Counter(info_type for _, info_type in types)
        out["label"] = Counter(label for _, label in labels)
        return out


class SourceProvider(ModelSearchProvider):
    type, label = "source", "Data sources"
    model = DataSource
    facet_paths = {"source": "pk", "collection": "collection", "owner": "owner"}
    text_fields = ("name", "description", "host", "database")
    select_related = ("collection",)

    def present(self, rows: list[Any]) -> list[Hit]:
        return [
            Hit(
                "source",
                s.pk,
                s.name,
                f"{s.get_kind_display()} · {s.collection.name}",
                extensions.asset_url("source", s.pk),
            )
            for s in rows
        ]


class TableProvider(_AssetProvider):
    type, label = "table", "Tables and views"
    model = CatalogTable
    facet_paths = {"source": "datasource", "collection": "datasource__collection", "owner": "owner"}
    via_classifications = "column__table_id"
    select_related = ("schema", "datasource")

    def present(self, rows: list[Any]) -> list[Hit]:
        from .classifying import table_labels

        labels = table_labels([t.pk for t in rows]) if rows else {}
        hits = []
        for t in rows:
            badges = [("view", "info")] if t.kind == "view" else []
            if t.pk in labels:
                badges.append((labels[t.pk], "warning"))
            hits.append(
                Hit(
                    "table",
                    t.pk,
                    f"{t.schema.name}.{t.name}",
                    t.datasource.name,
                    extensions.asset_url("table", t.pk),
                    badges,
                )
            )
        return hits


class ColumnProvider(_AssetProvider):
    type, label = "column", "Columns"
    model = CatalogColumn
    facet_paths = {"source": "datasource", "collection": "datasource__collection", "owner": "owner"}
    via_classifications = "column_id"
    counts_classifications = True
    select_related = ("table__schema", "datasource")

    def present(self, rows: list[Any]) -> list[Hit]:
        types: dict[int, list[tuple[str, str]]] = {}
        if rows:
            for column_id, code, status in (
                ColumnClassification.objects.filter(
                    _NOT_REJECTED, column_id__in=[c.pk for c in rows]
                )
                .order_by("column_id", "-confidence")
                .values_list("column_id", "classification__code", "status")
            ):
                kind = "success" if status == ClassificationStatus.ACCEPTED else "warning"
                types.setdefault(column_id, []).append((code, kind))
        return [
            Hit(
                "column",
                c.pk,
                f"{c.table.name}.{c.name}",
                f"{c.datasource.name} / {c.table.schema.name}.{c.table.name} · {c.data_type}",
                extensions.asset_url("column", c.pk),
                types.get(c.pk, []),
            )
            for c in rows
        ]


BUILTIN: tuple[SearchProvider, ...] = (SourceProvider(), TableProvider(), ColumnProvider())


def providers() -> list[SearchProvider]:
    """The catalog's providers, then those other apps registered."""
    return [*BUILTIN, *extensions.search_providers]


# --- the query: validated like a form (a hidden id fails like a missing one) -----------------


MAX_ID = 2**63 - 1


class IdChoiceField(forms.ModelChoiceField):
    """A model choice by id: anything but an id in range fails like a missing (or hidden) one,
    before it reaches the database."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(text)


class SearchForm(forms.Form):
    """The search parameters of the results page and the API, each choice through the gate."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    type = forms.ChoiceField(required=False)
    source = IdChoiceField(queryset=DataSource.objects.none(), required=False)
    collection = IdChoiceField(queryset=Collection.objects.none(), required=False)
    info_type = IdChoiceField(queryset=Classification.objects.none(), required=False)
    label = IdChoiceField(queryset=SensitivityLabel.objects.none(), required=False)
    owner = IdChoiceField(queryset=get_user_model().objects.none(), required=False)

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["type"].choices = [("", "All"), *((p.type, p.label) for p in providers())]
        for name, model in (
            ("source", DataSource),
            ("collection", Collection),
            ("info_type", Classification),
            ("label", SensitivityLabel),
        ):
            self.fields[name].queryset = permissions.restrict_choices(
                model._default_manager.all(), user
            )
        self.fields["owner"].queryset = permissions.restrict_people(
            get_user_model().objects.all(), user
        )

    def query(self) -> Query:
        """The validated query (call after ``is_valid()``)."""
        data = self.cleaned_data
        filters = {f: data[f] for f in FACETS if data.get(f) is not None}
        return Query(text=data.get("q") or "", type=data.get("type") or "", filters=filters)


# --- running it --------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: int
    label: str
    count: int
    selected: bool = False


@dataclass
class Results:
    query: Query
    types: list[TypeResult]
    facets: dict[str, list[FacetValue]]

    @property
    def total(self) -> int:
        return sum(t.count for t in self.types)

    @property
    def capped(self) -> bool:
        return any(t.capped for t in self.types)

    @property
    def hits(self) -> list[Hit]:
        return [h for t in self.types for h in t.hits]


def find(
    user: Any, query: Query, *, limit: int = 5, offset: int = 0, facets: bool = True
) -> Results:
    """Run ``query`` for ``user`` through every provider (only the selected type's hits and
    facets when ``query.type`` is set; the others are still counted, for the type tabs).

    A constant number of queries per provider, whatever the size of the catalog.
    """
    answers = []
    for provider in providers():
        selected = not query.type or provider.type == query.type
        answers.append(
            provider.search(
                user,
                query,
                limit=limit if selected else 0,
                offset=offset if selected else 0,
                facets=facets and selected,
            )
        )
    return Results(query, answers, _facet_values(answers, query) if facets else {})


def suggest(user: Any, text: str, *, per_type: int = 3, limit: int = 10) -> list[Hit]:
    """The header box's suggestions: the best few hits of each type, no counts or facets."""
    query = Query(text=text)
    if not query.words:
        return []
    hits: list[Hit] = []
    for provider in providers():
        answer = provider.search(user, query, limit=per_type, count=False, facets=False)
        hits.extend(answer.hits)
        if len(hits) >= limit:
            break
    return hits[:limit]


def _facet_values(answers: list[TypeResult], query: Query) -> dict[str, list[FacetValue]]:
    """Sum each facet's counts over the types, and name the values (one query per facet)."""
    totals: dict[str, Counter] = {f: Counter() for f in FACETS}
    for answer in answers:
        for facet, counts in answer.facets.items():
            totals.setdefault(facet, Counter()).update(counts)
    models: dict[str, Any] = {
        "source": DataSource,
        "collection": Collection,
        "info_type": Classification,
        "label": SensitivityLabel,
        "owner": get_user_model(),
    }
    out: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        counts = totals.get(facet, Counter())
        chosen = query.filters.get(facet)
        ids = set(counts) | ({chosen.pk} if chosen is not None else set())
        if not ids:
            continue
        names = {
            pk: _facet_label(obj) for pk, obj in models[facet]._default_manager.in_bulk(ids).items()
        }
        values = [
            FacetValue(
                pk,
                names.get(pk, str(pk)),
                counts.get(pk, 0),
                chosen is not None and chosen.pk == pk,
            )
            for pk in ids
            if pk in names
        ]
        out[facet] = sorted(values, key=lambda v: (not v.selected, -v.count, v.label.lower()))[:15]
    return out


def _facet_label(obj: Model) -> str:
    if hasattr(obj, "get_username"):
        return obj.get_full_name() or obj.get_username()
    return str(obj)
