"""What may be pinned to a workspace, and how a pinned object is described.

Pinnable models form a :class:`pursight.registry.Registry` keyed by their lower-case model label
(``catalog.catalogtable``, the same name as their live page and their ``target_type`` in the
API). Each entry says how to load its rows for a description: ``select_related`` for the name,
and ``annotate`` for what a workspace shows beside it (an asset's highest sensitivity label and
classification-review progress, a data source's or scan's latest run). Describing any number of
pins costs one query per kind of target, whatever the number of pins.

Visibility is not decided here: callers describe pins (or targets) that the gate already let the
user see (:func:`visible_pins`, :func:`resolve`). Governance apps are reached through their
models only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from pursight import permissions
from pursight.registry import Registry

NOT_FOUND = "Object not found."

Details = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Pinnable:
    """One kind of object that may be pinned.

    ``queryset`` returns the rows to describe from (default: the model's default manager);
    ``annotate`` adds the columns ``details`` reads, as subqueries (one SQL query per kind);
    ``details(obj)`` returns the extra keys of a description; ``context(obj)`` a short text
    saying where the object lives (its data source...); ``datasource_field`` names the object's
    data source, so that its pins go with the source when it is deleted.
    """

    model: type[models.Model]
    select_related: tuple[str, ...] = ()
    queryset: Callable[[], QuerySet] | None = None
    annotate: Callable[[QuerySet], QuerySet] | None = None
    details: Details | None = None
    context: Callable[[Any], str] | None = None
    datasource_field: str | None = None

    @property
    def label(self) -> str:
        return label_of(self.model)

    def rows(self, ids: Iterable[Any]) -> QuerySet:
        qs = self.queryset() if self.queryset is not None else self.model._default_manager.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.annotate is not None:
            qs = self.annotate(qs)
        return qs.filter(pk__in=list(ids)).order_by()


pinnables: Registry[Pinnable] = Registry("pinnable models")


def label_of(model_or_obj: Any) -> str:
    """``catalog.catalogtable``: the key of a model in the registry and in the API."""
    return model_or_obj._meta.concrete_model._meta.label_lower


def register(model: type[models.Model], **options: Any) -> Pinnable:
    """Make ``model`` pinnable (idempotent: registering it again replaces its entry)."""
    return pinnables.register(label_of(model), Pinnable(model=model, **options))


def entry(model_or_label: Any) -> Pinnable | None:
    """The registry entry of a model, an object or a label (None when not pinnable)."""
    label = model_or_label if isinstance(model_or_label, str) else label_of(model_or_label)
    try:
        return pinnables[label]
    except KeyError:
        return None


def is_pinnable(model_or_obj: Any) -> bool:
    return entry(model_or_obj) is not None


def labels() -> list[str]:
    """The pinnable kinds, in registration order."""
    return [e.label for e in pinnables]


def content_type(model: type[models.Model]) -> ContentType:
    return ContentType.objects.get_for_model(model, for_concrete_model=True)


def by_content_type() -> dict[int, Pinnable]:
    """``{content type id: entry}`` (content types are cached by Django after first use)."""
    return {content_type(e.model).pk: e for e in pinnables}


def admin_url(obj: models.Model) -> str:
    """The admin change page of ``obj`` ("" when its model has none)."""
    opts = obj._meta.concrete_model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def target_ref(obj: models.Model) -> dict[str, Any]:
    """A target as the API shows it: ``{"type", "id", "name", "url"}``."""
    return {"type": label_of(obj), "id": obj.pk, "name": str(obj), "url": admin_url(obj)}


def resolve(user: Any, label: Any, pk: Any) -> models.Model:
    """The pinnable object ``label``/``pk`` if ``user`` may see it. A kind that is not pinnable,
    a malformed or missing id and an object the gate hides are refused alike
    (:data:`NOT_FOUND`), so that the answer never tells them apart."""
    item = entry(label) if isinstance(label, str) else None
    if item is None or isinstance(pk, bool):
        raise ValidationError({"target": NOT_FOUND})
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ValidationError({"target": NOT_FOUND}) from None
    if not 0 < pk < 2**63:
        raise ValidationError({"target": NOT_FOUND})
    qs = permissions.restrict(item.model._default_manager.all(), user, permissions.VIEW)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({"target": NOT_FOUND})
    return obj


def visible_pins(user: Any, queryset: QuerySet | None = None) -> QuerySet:
    """Pins ``user`` may see: in workspaces they belong to, of objects the gate shows them,
    of a pinnable kind (membership never widens governance access)."""
    from .models import Pin

    qs = Pin.objects.all() if queryset is None else queryset
    kinds = [content_type(e.model).pk for e in pinnables]
    return permissions.restrict(qs, user, permissions.VIEW).filter(target_type_id__in=kinds)


# --- descriptions ---------------------------------------------------------------------------


def describe_targets(refs: Iterable[tuple[int, Any]]) -> dict[tuple[int, Any], dict[str, Any]]:
    """``{(content type id, pk): description}`` of the pinnable objects named by ``refs``, one
    query per kind. Objects that no longer exist, or of a kind that is not pinnable, are left
    out."""
    kinds = by_content_type()
    wanted: dict[int, set[Any]] = defaultdict(set)
    for ct_id, pk in refs:
        if ct_id in kinds:
            wanted[ct_id].add(pk)
    out: dict[tuple[int, Any], dict[str, Any]] = {}
    for ct_id, ids in wanted.items():
        item = kinds[ct_id]
        for obj in item.rows(ids):
            out[(ct_id, obj.pk)] = describe_object(obj, item)
    return out


def describe_object(obj: models.Model, item: Pinnable | None = None) -> dict[str, Any]:
    """One object's description (loaded through its entry's ``rows`` for the details)."""
    item = item or entry(obj)
    data: dict[str, Any] = {
        **target_ref(obj),
        "kind": str(obj._meta.verbose_name),
        "context": "",
        "sensitivity": None,
        "review": None,
        "scan": None,
        "finding": None,
        "search_url": None,
    }
    if item is not None:
        if item.context is not None:
            data["context"] = item.context(obj)
        if item.details is not None:
            data.update(item.details(obj))
    return data


def describe_pins(pins: Iterable[Any]) -> dict[int, dict[str, Any]]:
    """``{pin id: description of its target}`` for pins already narrowed by the gate; one
    query per kind of target. A pin whose target is gone is left out."""
    pins = list(pins)
    described = describe_targets((p.target_type_id, p.target_id) for p in pins)
    return {
        p.pk: described[(p.target_type_id, p.target_id)]
        for p in pins
        if (p.target_type_id, p.target_id) in described
    }


def describe(obj: models.Model) -> dict[str, Any]:
    """The description of one pinnable object (one query)."""
    ct = content_type(type(obj))
    return describe_targets([(ct.pk, obj.pk)]).get((ct.pk, obj.pk)) or describe_object(obj)


# --- the annotations of governance objects ---------------------------------------------------


def _count(rows: QuerySet, key: str) -> Coalesce:
    counted = rows.order_by().values(key).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def classification_rollup(key: str) -> Callable[[QuerySet], QuerySet]:
    """Annotate assets with their highest sensitivity label (of accepted or suggested
    classifications of their live columns) and review progress (decided of all), where
    ``key`` is the classification's path to the asset (``column__table_id``...)."""
    from governance.catalog.choices import ClassificationStatus
    from governance.catalog.models import ColumnClassification

    def annotate(qs: QuerySet) -> QuerySet:
        rows = ColumnClassification.objects.filter(
            **{key: OuterRef("pk")}, column__removed_at__isnull=True
        )
        labelled = rows.filter(
            status__in=[ClassificationStatus.ACCEPTED, ClassificationStatus.SUGGESTED],
            sensitivity_label__isnull=False,
        ).order_by("-sensitivity_label__rank")
        decided = rows.filter(
            status__in=[ClassificationStatus.ACCEPTED, ClassificationStatus.REJECTED]
        )
        return qs.annotate(
            pin_label_name=Subquery(labelled.values("sensitivity_label__name")[:1]),
            pin_label_rank=Subquery(labelled.values("sensitivity_label__rank")[:1]),
            pin_label_color=Subquery(labelled.values("sensitivity_label__color")[:1]),
            pin_review_total=_count(rows, key),
            pin_review_decided=_count(decided, key),
        )

    return annotate


def classification_details(obj: Any) -> dict[str, Any]:
    name = getattr(obj, "pin_label_name", None)
    sensitivity = (
        None
        if name is None
        else {"name": name, "rank": obj.pin_label_rank, "color": obj.pin_label_color or ""}
    )
    total = getattr(obj, "pin_review_total", 0) or 0
    decided = getattr(obj, "pin_review_decided", 0) or 0
    return {"sensitivity": sensitivity, "review": {"decided": decided, "total": total}}


def latest_run(key: str) -> Callable[[QuerySet], QuerySet]:
    """Annotate with the latest scan run (``key``: the run's field pointing at the row)."""
    from governance.scans.models import ScanRun

    def annotate(qs: QuerySet) -> QuerySet:
        runs = ScanRun.objects.filter(**{key: OuterRef("pk")}).order_by("-queued_at", "-id")
        return qs.annotate(
            pin_run_id=Subquery(runs.values("pk")[:1]),
            pin_run_state=Subquery(runs.values("state")[:1]),
            pin_run_done=Subquery(runs.values("tables_done")[:1]),
            pin_run_total=Subquery(runs.values("tables_total")[:1]),
        )

    return annotate


def run_summary(
    pk: Any, state: str | None, done: int | None, total: int | None
) -> dict[str, Any] | None:
    if pk is None:
        return None
    if total:
        progress: float | None = min(1.0, (done or 0) / total)
    else:
        progress = 1.0 if state == "succeeded" else None
    return {"id": pk, "state": state, "progress": progress}


def latest_run_details(obj: Any) -> dict[str, Any]:
    return {
        "scan": run_summary(
            getattr(obj, "pin_run_id", None),
            getattr(obj, "pin_run_state", None),
            getattr(obj, "pin_run_done", None),
            getattr(obj, "pin_run_total", None),
        )
    }


def _both(*annotations: Callable[[QuerySet], QuerySet]) -> Callable[[QuerySet], QuerySet]:
    def annotate(qs: QuerySet) -> QuerySet:
        for a in annotations:
            qs = a(qs)
        return qs

    return annotate


def _source_name(obj: Any) -> str:
    return obj.datasource.name


def register_defaults() -> None:
    """The governance objects a workspace pins (called from ``WorkspacesConfig.ready``)."""
    from governance.catalog.models import CatalogColumn, CatalogSchema, CatalogTable
    from governance.compliance.models import Finding
    from governance.datasources.models import DataSource
    from governance.rbac.models import Collection
    from governance.scans.models import Scan, ScanRun

    from .models import SavedSearch

    register(Collection)
    register(
        DataSource,
        select_related=("collection",),
        annotate=_both(classification_rollup("datasource_id"), latest_run("datasource_id")),
        details=lambda o: {**classification_details(o), **latest_run_details(o)},
        context=lambda o: o.collection.name,
        datasource_field="pk",
    )
    for model, key, related in (
        (CatalogSchema, "column__table__schema_id", ("datasource",)),
        (CatalogTable, "column__table_id", ("datasource", "schema")),
        (CatalogColumn, "column_id", ("datasource", "table")),
    ):
        register(
            model,
            select_related=related,
            annotate=classification_rollup(key),
            details=classification_details,
            context=_source_name,
            datasource_field="datasource",
        )
    register(
        Scan,
        select_related=("datasource",),
        annotate=latest_run("scan_id"),
        details=latest_run_details,
        context=_source_name,
        datasource_field="datasource",
    )
    register(
        ScanRun,
        select_related=("datasource", "scan__datasource"),
        details=lambda o: {
            "scan": run_summary(o.pk, o.state, o.tables_done, o.tables_total),
        },
        context=_source_name,
        datasource_field="datasource",
    )
    register(
        Finding,
        queryset=lambda: Finding.stored.all(),
        select_related=("datasource", "rule"),
        details=lambda o: {
            "finding": {
                "severity": o.severity,
                "status": o.status,
                "rule": o.rule.name,
            }
        },
        context=_source_name,
        datasource_field="datasource",
    )
    register(
        SavedSearch,
        select_related=("workspace",),
        details=lambda o: {"search_url": saved_search_url(o)},
        context=lambda o: o.workspace.name,
    )


def saved_search_url(search: Any) -> str:
    """The catalog's column list with the search's text and filters."""
    params: list[tuple[str, Any]] = []
    if search.query:
        params.append(("q", search.query))
    for key, value in sorted((search.filters or {}).items()):
        for v in value if isinstance(value, list) else [value]:
            params.append((str(key), v))
    base = reverse("admin:catalog_catalogcolumn_changelist")
    return f"{base}?{urlencode(params)}" if params else base


def pins_of_datasource(source: Any) -> Q:
    """The pins of a data source and of everything it holds (for when it is deleted)."""
    clause = Q()
    for item in pinnables:
        if item.datasource_field is None:
            continue
        ct = content_type(item.model)
        if item.datasource_field == "pk":
            ids: Any = [source.pk]
        else:
            ids = (
                item.model._default_manager.order_by()
                .filter(**{f"{item.datasource_field}_id": source.pk})
                .values("pk")
            )
        clause |= Q(target_type_id=ct.pk, target_id__in=ids)
    return clause
