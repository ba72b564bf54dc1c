"""The glossary's business logic: vocabulary, links of tags and terms to assets, term status,
suggestions and tag rules. Views, admin actions and receivers call these; each write is one
``atomic()`` block with its audit records and domain events.

Rights: vocabulary (tag sets, tags, categories, terms, rules) is global and is gated in the
views (platform-wide ``curate_catalog``). Links are about assets: the services themselves check
that ``actor`` may add or delete a link in the asset's collection (``actor=None`` is the
system: rules and the matcher).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from governance.catalog.choices import ClassificationStatus
from governance.catalog.models import (
    CatalogColumn,
    CatalogSchema,
    CatalogTable,
    ColumnClassification,
)
from governance.datasources.models import DataSource
from pursight import audit, events, permissions
from pursight.markdown import render

from . import matching
from .choices import (
    TRANSITIONS,
    AssetType,
    LinkSource,
    RuleTarget,
    SuggestionStatus,
    TermStatus,
)
from .extensions import Pending, term_transition_guards
from .models import (
    Category,
    Tag,
    TagAssignment,
    TagRule,
    TagSet,
    Term,
    TermAssignment,
    TermSuggestion,
)

ASSET_MODELS: dict[str, type[models.Model]] = {
    AssetType.DATASOURCE: DataSource,
    AssetType.SCHEMA: CatalogSchema,
    AssetType.TABLE: CatalogTable,
    AssetType.COLUMN: CatalogColumn,
}
MAX_BULK = 1000  # assets tagged by one request
MAX_PATTERN_LENGTH = 500


# --- assets ----------------------------------------------------------------------------------


def asset_type_of(obj: models.Model) -> str:
    for name, model in ASSET_MODELS.items():
        if isinstance(obj, model):
            return name
    raise ValueError(f"{obj._meta.label} is not a catalog asset")


def _datasource_id(obj: models.Model) -> int:
    return obj.pk if isinstance(obj, DataSource) else obj.datasource_id


def link_fields(obj: models.Model) -> dict[str, Any]:
    """The columns of a link row about ``obj`` (no query)."""
    kind = asset_type_of(obj)
    fields: dict[str, Any] = {
        "asset_type": kind,
        "asset_id": obj.pk,
        "datasource_id": _datasource_id(obj),
    }
    if kind != AssetType.DATASOURCE:
        fields[f"{kind}_id"] = obj.pk
    return fields


def links_of(model: type[models.Model], obj: models.Model) -> models.QuerySet:
    """The rows of ``model`` (assignments, suggestions) about ``obj``. No query is run."""
    return model._default_manager.filter(asset_type=asset_type_of(obj), asset_id=obj.pk)


def visible_assets(user: Any, asset_type: str, ids: Iterable[Any]) -> list[models.Model]:
    """The assets of ``asset_type`` among ``ids`` that ``user`` may view (others are dropped,
    exactly like missing ones)."""
    model = ASSET_MODELS.get(asset_type)
    if model is None:
        raise ValidationError({"asset_type": f"Unknown asset type {asset_type!r}."})
    clean = []
    for value in ids:
        try:
            clean.append(int(value))
        except (TypeError, ValueError):
            continue
    qs = permissions.restrict(model._default_manager.filter(pk__in=clean), user)
    if model is CatalogTable:
        qs = qs.select_related("schema")
    elif model is CatalogColumn:
        qs = qs.select_related("table")
    return list(qs)


def _require(actor: Any, action: str, model: type[models.Model], datasource_ids: set[int]) -> None:
    """``actor`` may ``action`` rows of ``model`` in the collections of these data sources
    (one query whatever their number; none for a platform-wide grant)."""
    if actor is None:
        return
    s = permissions.action_scope(actor, model, action)
    if s.everything:
        return
    collections = DataSource.objects.filter(pk__in=datasource_ids).values_list("collection_id")
    if not s.collection_ids or any(not s.contains(c) for (c,) in collections):
        what = model._meta.verbose_name
        raise permissions.PermissionDenied(f"You may not {action} a {what} on this asset.")


def _name_of(obj: models.Model) -> str:
    return getattr(obj, "display_name", None) or str(obj)


# --- vocabulary ------------------------------------------------------------------------------


def validate_tag_set(tag_set: TagSet) -> None:
    """Raise ``ValidationError`` unless ``tag_set`` may be saved as it is (no query is made
    for a new set that is not exclusive beyond the name check)."""
    name = (tag_set.name or "").strip()
    if not name or "." in name:
        raise ValidationError({"name": "Name the set without a dot (tags are <set>.<tag>)."})
    tag_set.name = name
    if TagSet.objects.filter(name__iexact=name).exclude(pk=tag_set.pk).exists():
        raise ValidationError({"name": f"A tag set named {name!r} already exists."})
    if tag_set.pk and tag_set.mutually_exclusive:
        count = (
            TagAssignment.objects.filter(tag__tag_set=tag_set)
            .values("asset_type", "asset_id")
            .annotate(n=models.Count("pk"))
            .filter(n__gt=1)
            .count()
        )
        if count:
            raise ValidationError(
                {
                    "mutually_exclusive": f"{count} asset(s) carry several tags of this set; "
                    "remove the extra tags before making it mutually exclusive."
                }
            )


@transaction.atomic
def save_tag_set(*, actor: Any, tag_set: TagSet) -> TagSet:
    """Create or change a tag set. Making it mutually exclusive is refused while an asset
    carries two of its tags; the links learn the set's exclusivity in the same transaction."""
    validate_tag_set(tag_set)
    authenticated = actor if getattr(actor, "is_authenticated", False) else None
    if tag_set.pk is None:
        tag_set.created_by = authenticated
    tag_set.updated_by = authenticated
    audit.audited_save(actor=actor, obj=tag_set)
    TagAssignment.objects.filter(tag__tag_set=tag_set).update(
        exclusive_set=tag_set if tag_set.mutually_exclusive else None
    )
    return tag_set


@transaction.atomic
def save_tag(*, actor: Any, tag: Tag) -> Tag:
    name = (tag.name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the tag."})
    tag.name = name
    dup = Tag.objects.filter(tag_set_id=tag.tag_set_id, name__iexact=name).exclude(pk=tag.pk)
    if dup.exists():
        raise ValidationError({"name": f"The set already has a tag named {name!r}."})
    if tag.pk is not None:
        stored = Tag.objects.filter(pk=tag.pk).values_list("tag_set_id", flat=True).first()
        if stored is not None and stored != tag.tag_set_id:
            raise ValidationError({"tag_set": "A tag cannot move to another set."})
    else:
        tag.created_by = actor if getattr(actor, "is_authenticated", False) else None
    audit.audited_save(actor=actor, obj=tag)
    return tag


def _category_path(category: Category) -> str:
    names = [category.name]
    seen = {category.pk}
    parent = category.parent
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError({"parent": "A category cannot be inside itself."})
        seen.add(parent.pk)
        names.append(parent.name)
        parent = parent.parent
    return "/".join(reversed(names))


def validate_category(category: Category) -> None:
    name = (category.name or "").strip()
    if not name or "/" in name:
        raise ValidationError({"name": "Name the category without a slash."})
    category.name = name
    category.full_name = _category_path(category)
    if Category.objects.filter(full_name__iexact=category.full_name).exclude(pk=category.pk):
        raise ValidationError({"name": f"The category {category.full_name!r} already exists."})


@transaction.atomic
def save_category(*, actor: Any, category: Category) -> Category:
    """Create, rename or move a category; its descendants' paths follow."""
    old_path = ""
    if category.pk is not None:
        old_path = Category.objects.filter(pk=category.pk).values_list("full_name", flat=True)[0]
    validate_category(category)
    audit.audited_save(actor=actor, obj=category)
    if old_path and old_path != category.full_name:
        for child in Category.objects.filter(full_name__startswith=f"{old_path}/"):
            child.full_name = category.full_name + child.full_name[len(old_path) :]
            child.save(update_fields=["full_name"])
    return category


@transaction.atomic
def delete_vocabulary(*, actor: Any, obj: models.Model) -> None:
    """Delete a tag set, tag, category, term or rule (its links go with it), audited. A
    category with sub-categories is refused."""
    try:
        with transaction.atomic():
            audit.record(actor=actor, action=f"{obj._meta.model_name}.delete", obj=obj)
            obj.delete()
    except models.ProtectedError:
        raise ValidationError(
            f"{obj} still has sub-categories: move or delete them first."
        ) from None


def ensure_category(*, actor: Any, path: str) -> Category:
    """The category at ``path`` (``Finance/Revenue``), created with its parents if missing."""
    parent = None
    category = None
    parts = [p.strip() for p in path.split("/") if p.strip()]
    if not parts:
        raise ValidationError("An empty category path.")
    for i in range(len(parts)):
        full = "/".join(parts[: i + 1])
        category = Category.objects.filter(full_name__iexact=full).first()
        if category is None:
            category = save_category(actor=actor, category=Category(name=parts[i], parent=parent))
        parent = category
    assert category is not None
    return category


def clean_synonyms(values: Iterable[str], name: str = "") -> list[str]:
    """Stripped, without duplicates (case-insensitive) or the term's own name."""
    out: list[str] = []
    seen = {name.strip().lower()} if name else set()
    for value in values:
        text = " ".join(str(value).split())
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text[:200])
    return out


@transaction.atomic
def save_term(
    *,
    actor: Any,
    term: Term,
    categories: Iterable[Category] | None = None,
    related: Iterable[Term] | None = None,
    owners: Iterable[Any] | None = None,
    stewards: Iterable[Any] | None = None,
) -> Term:
    """Create or change a term (not its status: :func:`transition_term`). The definition is
    rendered to sanitised HTML here; many-to-many values are replaced when given."""
    name = " ".join((term.name or "").split())
    if not name:
        raise ValidationError({"name": "Name the term."})
    term.name = name
    if Term.objects.filter(name__iexact=name).exclude(pk=term.pk).exists():
        raise ValidationError({"name": f"A term named {name!r} already exists."})
    if not isinstance(term.synonyms, list):
        raise ValidationError({"synonyms": "Expected a list of names."})
    term.synonyms = clean_synonyms(term.synonyms, name)
    term.definition_html = render(term.definition)
    authenticated = actor if getattr(actor, "is_authenticated", False) else None
    if term.pk is None:
        term.created_by = authenticated
    term.updated_by = authenticated
    audit.audited_save(actor=actor, obj=term)
    if categories is not None:
        term.categories.set(list(categories))
    if related is not None:
        related = [t for t in related if t.pk != term.pk]
        term.related.set(related)
    if owners is not None:
        term.owners.set(list(owners))
    if stewards is not None:
        term.stewards.set(list(stewards))
    return term


@dataclass(frozen=True)
class TransitionResult:
    term: Term
    applied: bool
    pending: Pending | None = None

    @property
    def message(self) -> str:
        if self.pending is not None:
            return self.pending.message
        return f"{self.term.name} is now {self.term.get_status_display().lower()}."


def allowed_transitions(term: Term) -> tuple[str, ...]:
    return TRANSITIONS.get(term.status, ())


def transition_term(
    term: Term, to: str, actor: Any, *, comment: str = "", guarded: bool = True
) -> TransitionResult:
    """Move ``term`` to status ``to`` if the workflow allows it and ``actor`` may change terms.

    Each of ``extensions.term_transition_guards`` may hold the change for approval
    (``TransitionResult.applied`` is then False and ``pending`` says why); the approval engine
    applies it later with ``guarded=False``."""
    if to not in TermStatus.values:
        raise ValidationError({"status": f"Unknown status {to!r}."})
    if actor is not None:
        permissions.check(actor, "transition", term)
    with transaction.atomic():
        locked = Term.objects.select_for_update().get(pk=term.pk)
        if to not in TRANSITIONS.get(locked.status, ()):
            raise ValidationError(
                {
                    "status": f"A {locked.get_status_display().lower()} term cannot become "
                    f"{TermStatus(to).label.lower()}."
                }
            )
        if guarded:
            for guard in term_transition_guards:
                pending = guard(locked, to, actor)
                if pending is not None:
                    return TransitionResult(locked, applied=False, pending=pending)
        before = locked.status
        locked.status = to
        locked.status_changed_at = timezone.now()
        locked.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["status", "status_changed_at", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action="term.transition",
            obj=locked,
            changes={"status": [before, to], **({"comment": comment} if comment else {})},
        )
        events.emit("term.transitioned", locked, actor=actor, before=before, after=to)
    term.status, term.status_changed_at = locked.status, locked.status_changed_at
    return TransitionResult(term, applied=True)


# --- tags on assets --------------------------------------------------------------------------


@dataclass
class TagChange:
    added: list[TagAssignment]
    removed: list[TagAssignment]
    skipped: int = 0  # already there (or, for rules, held by another tag of an exclusive set)


def add_tags(
    *,
    actor: Any,
    assets: Sequence[models.Model],
    tags: Sequence[Tag],
    replace: bool = False,
    source: str = LinkSource.MANUAL,
    rule: TagRule | None = None,
) -> TagChange:
    """Put ``tags`` on every asset of ``assets``.

    A mutually exclusive set allows one tag per asset: another tag of the set already on an
    asset is an error naming the assets, unless ``replace`` (it is then removed). Asking for two
    tags of one exclusive set at once is an error. Nothing is written unless everything is.
    """
    if not assets or not tags:
        return TagChange([], [])
    if len(assets) > MAX_BULK:
        raise ValidationError(f"Tag at most {MAX_BULK} assets at once.")
    tags = list({t.pk: t for t in tags}.values())
    sets: dict[int, Tag] = {}
    for tag in tags:
        if tag.tag_set.mutually_exclusive:
            if tag.tag_set_id in sets:
                raise ValidationError(
                    f"{sets[tag.tag_set_id]} and {tag} are both in {tag.tag_set.name}, which "
                    "allows one tag per asset."
                )
            sets[tag.tag_set_id] = tag
    _require(actor, "add", TagAssignment, {_datasource_id(a) for a in assets})
    if replace:
        _require(actor, "delete", TagAssignment, {_datasource_id(a) for a in assets})
    keys = defaultdict(list)
    for asset in assets:
        keys[asset_type_of(asset)].append(asset.pk)
    where = Q(pk__in=[])
    for kind, ids in keys.items():
        where |= Q(asset_type=kind, asset_id__in=ids)
    existing = list(
        TagAssignment.objects.filter(where)
        .filter(Q(tag__in=tags) | Q(exclusive_set_id__in=list(sets)))
        .select_related("tag__tag_set")
    )
    by_asset: dict[tuple[str, int], list[TagAssignment]] = defaultdict(list)
    for row in existing:
        by_asset[(row.asset_type, row.asset_id)].append(row)
    authenticated = actor if getattr(actor, "is_authenticated", False) else None
    new: list[TagAssignment] = []
    removed: list[TagAssignment] = []
    conflicts: list[str] = []
    skipped = 0
    for asset in assets:
        rows = by_asset[(asset_type_of(asset), asset.pk)]
        present = {r.tag_id for r in rows}
        for tag in tags:
            if tag.pk in present:
                skipped += 1
                continue
            other = next(
                (r for r in rows if r.exclusive_set_id and r.exclusive_set_id == tag.tag_set_id),
                None,
            )
            if other is not None:
                if not replace:
                    conflicts.append(f"{_name_of(asset)} carries {other.tag}")
                    continue
                removed.append(other)
                rows.remove(other)
            new.append(
                TagAssignment(
                    tag=tag,
                    exclusive_set_id=tag.tag_set_id if tag.tag_set.mutually_exclusive else None,
                    source=source,
                    rule=rule,
                    created_by=authenticated,
                    **link_fields(asset),
                )
            )
    if conflicts:
        shown = "; ".join(conflicts[:10]) + (" …" if len(conflicts) > 10 else "")
        raise ValidationError(
            f"A mutually exclusive tag set allows one tag per asset: {shown}. "
            "Replace the tag or remove it first."
        )
    with transaction.atomic():
        if removed:
            TagAssignment.objects.filter(pk__in=[r.pk for r in removed]).delete()
        try:
            with transaction.atomic():
                TagAssignment.objects.bulk_create(new)
        except IntegrityError:
            raise ValidationError(
                "The asset's tags changed meanwhile; reload the page and try again."
            ) from None
        _announce_tags(actor, assets, new, removed)
    return TagChange(new, removed, skipped)


def _announce_tags(
    actor: Any,
    assets: Sequence[models.Model],
    added: Sequence[TagAssignment],
    removed: Sequence[TagAssignment],
) -> None:
    changes: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(
        lambda: {"added": [], "removed": []}
    )
    for row in added:
        changes[(row.asset_type, row.asset_id)]["added"].append(str(row.tag))
    for row in removed:
        changes[(row.asset_type, row.asset_id)]["removed"].append(str(row.tag))
    for asset in assets:
        change = changes.get((asset_type_of(asset), asset.pk))
        if not change:
            continue
        audit.record(actor=actor, action="tag.assign", obj=asset, changes=change)
        if change["added"]:
            events.emit("tag.added", asset, actor=actor, tags=change["added"])
        if change["removed"]:
            events.emit("tag.removed", asset, actor=actor, tags=change["removed"])


@transaction.atomic
def remove_tag(*, actor: Any, assignment: TagAssignment) -> None:
    _require(actor, "delete", TagAssignment, {assignment.datasource_id})
    asset = assignment.asset
    name = str(assignment.tag)
    assignment.delete()
    audit.record(actor=actor, action="tag.assign", obj=asset, changes={"removed": [name]})
    events.emit("tag.removed", asset, actor=actor, tags=[name])


# --- terms on assets -------------------------------------------------------------------------


@transaction.atomic
def link_term(
    *, actor: Any, asset: models.Model, term: Term, source: str = LinkSource.MANUAL
) -> TermAssignment:
    """Link ``term`` to ``asset`` (an existing link is returned as it is)."""
    if term.status == TermStatus.DEPRECATED:
        raise ValidationError({"term": f"{term.name} is deprecated: link its replacement."})
    _require(actor, "add", TermAssignment, {_datasource_id(asset)})
    existing = links_of(TermAssignment, asset).filter(term=term).first()
    if existing is not None:
        return existing
    link = TermAssignment.objects.create(
        term=term,
        source=source,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **link_fields(asset),
    )
    # A suggestion of the same pair is settled by the link.
    links_of(TermSuggestion, asset).filter(term=term, status=SuggestionStatus.PENDING).update(
        status=SuggestionStatus.ACCEPTED,
        decided_by=link.created_by,
        decided_at=timezone.now(),
    )
    audit.record(actor=actor, action="term.link", obj=asset, changes={"linked": [term.name]})
    events.emit("term.linked", asset, actor=actor, term=term.name, term_id=term.pk)
    return link


@transaction.atomic
def unlink_term(*, actor: Any, assignment: TermAssignment) -> None:
    _require(actor, "delete", TermAssignment, {assignment.datasource_id})
    asset = assignment.asset
    name = assignment.term.name
    assignment.delete()
    audit.record(actor=actor, action="term.link", obj=asset, changes={"unlinked": [name]})
    events.emit("term.unlinked", asset, actor=actor, term=name)


# --- suggestions -----------------------------------------------------------------------------


def _term_variants() -> list[matching.TermVariants]:
    rows = Term.objects.exclude(status=TermStatus.DEPRECATED).values_list(
        "pk", "name", "abbreviation", "synonyms"
    )
    return [
        matching.TermVariants(pk, tuple(v for v in (name, abbr, *(syn or [])) if v))
        for pk, name, abbr, syn in rows
    ]


def suggest_terms(
    *,
    datasource_ids: Sequence[int] | None = None,
    threshold: float = matching.DEFAULT_THRESHOLD,
) -> int:
    """Match the live tables and columns (of these data sources, or all) to the terms that
    are not deprecated, and store what scores ``threshold`` or more as pending suggestions.

    Pairs already linked or rejected are not proposed again; a pending suggestion gets its new
    score. Names are matched once each, whatever the number of assets sharing them. Returns
    the number of suggestions created or updated."""
    variants = _term_variants()
    if not variants:
        return 0
    total = 0
    for model, kind in ((CatalogTable, AssetType.TABLE), (CatalogColumn, AssetType.COLUMN)):
        assets = model.objects.live()
        if datasource_ids is not None:
            assets = assets.filter(datasource_id__in=list(datasource_ids))
        rows = list(assets.values_list("pk", "name", "datasource_id"))
        if not rows:
            continue
        found = matching.match_names([name for _, name, _ in rows], variants, threshold=threshold)
        by_name: dict[str, list[matching.Match]] = defaultdict(list)
        for m in found:
            by_name[m.name].append(m)
        if not by_name:
            continue
        candidates = [(pk, name, ds) for pk, name, ds in rows if name in by_name]
        ids = [pk for pk, _, _ in candidates]
        linked = set(
            TermAssignment.objects.filter(asset_type=kind, asset_id__in=ids).values_list(
                "term_id", "asset_id"
            )
        )
        stored = {
            (t, a): (pk, status)
            for pk, t, a, status in TermSuggestion.objects.filter(
                asset_type=kind, asset_id__in=ids
            ).values_list("pk", "term_id", "asset_id", "status")
        }
        create: list[TermSuggestion] = []
        update: list[TermSuggestion] = []
        for pk, name, ds in candidates:
            for m in by_name[name]:
                key = (m.term_id, pk)
                if key in linked:
                    continue
                fields = {"score": m.score, "matched": m.matched[:300], "asset_name": name[:255]}
                if key in stored:
                    sid, status = stored[key]
                    if status == SuggestionStatus.PENDING:
                        update.append(TermSuggestion(pk=sid, **fields))
                    continue
                create.append(
                    TermSuggestion(
                        term_id=m.term_id,
                        asset_type=kind,
                        asset_id=pk,
                        datasource_id=ds,
                        **{f"{kind}_id": pk},
                        **fields,
                    )
                )
        with transaction.atomic():
            TermSuggestion.objects.bulk_create(create, batch_size=500, ignore_conflicts=True)
            TermSuggestion.objects.bulk_update(
                update, ["score", "matched", "asset_name"], batch_size=500
            )
        total += len(create) + len(update)
    return total


def decide_suggestions(*, actor: Any, suggestions: Sequence[TermSuggestion], accept: bool) -> int:
    """Accept (each becomes a link) or reject pending suggestions; returns how many."""
    pending = [s for s in suggestions if s.status == SuggestionStatus.PENDING]
    if not pending:
        return 0
    _require(actor, "decide", TermSuggestion, {s.datasource_id for s in pending})
    now = timezone.now()
    who = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        for s in pending:
            if accept:
                link_term(actor=actor, asset=s.asset, term=s.term, source=LinkSource.SUGGESTION)
            s.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
            s.decided_by, s.decided_at = who, now
        TermSuggestion.objects.bulk_update(pending, ["status", "decided_by", "decided_at"])
        for s in pending:
            audit.record(
                actor=actor,
                action="term.suggestion",
                obj=s,
                changes={"status": [SuggestionStatus.PENDING, s.status], "term": s.term.name},
            )
    return len(pending)


# --- tag rules -------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 8 << 20
    return re2.compile(pattern, options=options)


def validate_pattern(pattern: str) -> str:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValidationError({"name_pattern": f"At most {MAX_PATTERN_LENGTH} characters."})
    try:
        compile_pattern(pattern)
    except Exception as exc:  # re2.error, or a program over its memory budget
        raise ValidationError(
            {"name_pattern": f"Not a valid RE2 regular expression: {exc}"}
        ) from None
    return pattern


def validate_tag_rule(rule: TagRule) -> None:
    if not rule.name_pattern and rule.classification_id is None:
        raise ValidationError("Give a name pattern, a classification or both.")
    if rule.name_pattern:
        validate_pattern(rule.name_pattern)


@transaction.atomic
def save_tag_rule(*, actor: Any, rule: TagRule) -> TagRule:
    validate_tag_rule(rule)
    if rule.pk is None:
        rule.created_by = actor if getattr(actor, "is_authenticated", False) else None
    audit.audited_save(actor=actor, obj=rule)
    return rule


def _rule_matches(rule: TagRule, datasource_id: int) -> models.QuerySet:
    model = CatalogColumn if rule.target == RuleTarget.COLUMN else CatalogTable
    qs = model.objects.live().filter(datasource_id=datasource_id)
    if rule.classification_id is not None:
        classified = ColumnClassification.objects.filter(
            datasource_id=datasource_id, classification_id=rule.classification_id
        ).exclude(status=ClassificationStatus.REJECTED)
        via = "column_id" if model is CatalogColumn else "column__table_id"
        qs = qs.filter(pk__in=classified.values(via))
    if rule.name_pattern:
        program = compile_pattern(rule.name_pattern)
        ids = [pk for pk, name in qs.values_list("pk", "name") if program.search(name)]
        qs = model.objects.filter(pk__in=ids)
    return qs


def apply_tag_rules(*, datasource_id: int, rule_set_id: int | None) -> int:
    """Tag the live assets of a data source by the enabled rules for ``rule_set_id`` (and the
    rules for every rule set). A tag of an exclusive set is not put where the asset already
    carries another of the set (a steward's choice is kept). Returns the links added."""
    rules = TagRule.objects.filter(enabled=True).filter(
        Q(rule_set__isnull=True) | Q(rule_set_id=rule_set_id)
    )
    added = 0
    for rule in rules.select_related("tag__tag_set").order_by("pk"):
        tag = rule.tag
        for chunk in _chunks(list(_rule_matches(rule, datasource_id)), MAX_BULK):
            held = set(
                TagAssignment.objects.filter(
                    asset_type=asset_type_of(chunk[0]),
                    asset_id__in=[a.pk for a in chunk],
                )
                .filter(
                    Q(tag=tag)
                    | Q(exclusive_set_id=tag.tag_set_id if tag.tag_set.mutually_exclusive else -1)
                )
                .values_list("asset_id", flat=True)
            )
            todo = [a for a in chunk if a.pk not in held]
            if todo:
                change = add_tags(
                    actor=None, assets=todo, tags=[tag], source=LinkSource.RULE, rule=rule
                )
                added += len(change.added)
    return added


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def effective_rule_set_id(run: Any) -> int | None:
    """The rule set a scan run used: its scan's, or the system default for its source kind."""
    from governance.scanrules.models import ScanRuleSet

    scan = run.scan
    if scan.rule_set_id is not None:
        return scan.rule_set_id
    kind = DataSource.objects.filter(pk=run.datasource_id).values_list("kind", flat=True).first()
    return (
        ScanRuleSet.objects.filter(is_system=True, source_kind=kind)
        .values_list("pk", flat=True)
        .first()
    )


AFTER_SCAN = "governance.glossary.tasks.after_scan"
SUGGEST = "governance.glossary.tasks.suggest_terms"


def on_scan_finished(run: Any) -> None:
    """After a successful scan (a receiver, after its commit): rule tags on its assets, then
    term suggestions for them, in the background."""
    from pursight.celery import task

    rule_set_id = None
    if TagRule.objects.filter(enabled=True).exists():
        rule_set_id = effective_rule_set_id(run)
    task(AFTER_SCAN).delay(run.datasource_id, rule_set_id)


def request_suggestions(*, actor: Any) -> list[int]:
    """Queue matching for the data sources where ``actor`` may decide suggestions; returns
    their ids (none: refused)."""
    from pursight.celery import task

    s = permissions.action_scope(actor, TermSuggestion, "decide")
    if not s:
        raise permissions.PermissionDenied("You may not decide term suggestions.")
    sources = DataSource.objects.all()
    if not s.everything:
        sources = sources.filter(collection_id__in=sorted(s.collection_ids))
    ids = list(sources.values_list("pk", flat=True))
    audit.record(
        actor=actor,
        action="term.suggest",
        object_type="glossary.termsuggestion",
        object_repr="Find term suggestions",
        changes={"datasources": ids},
    )
    task(SUGGEST).delay_on_commit(ids)
    return ids


def tagged_ids(asset_type: str, tags: Sequence[str]) -> models.QuerySet:
    """A single-column queryset of the ids of assets of ``asset_type`` carrying one of
    ``tags``: ``"Set.Tag"`` names, or a set's name alone for any tag of the set (names match
    whatever their case). No query is run: compliance compiles it into its rules' SQL."""
    return TagAssignment.objects.filter(tag_names_q(tags), asset_type=asset_type).values("asset_id")


def tag_names_q(tags: Sequence[str]) -> Q:
    """Tag assignments of tags named ``"Set.Tag"`` (or of any tag of a set named alone)."""
    which = Q(pk__in=[])
    for name in tags:
        set_name, dot, tag_name = name.strip().partition(".")
        if dot:
            which |= Q(tag__tag_set__name__iexact=set_name, tag__name__iexact=tag_name)
        else:
            which |= Q(tag__tag_set__name__iexact=set_name)
    return which


# --- CSV --------------------------------------------------------------------------------------

from .csv_io import export_terms_csv, import_terms_csv  # noqa: E402, F401
