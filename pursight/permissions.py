"""The one permission gate: who may see or do what.

Permissions are django-guardian object permissions granted on collections (``rbac.Collection``)
and inherited down the tree. Every securable model registers how it reaches its collection
(``collection_lookup``) and which collection permission each action needs. The admin, every API
viewset, every WebSocket subscription and every export call this module; nothing else calls
``user.has_perm``.

Models outside the collection tree (frameworks, info types, sensitivity labels, rule sets, roles)
act on every collection at once. They register with :func:`register_global`: any signed-in user
may read them, and changing them needs a *platform-wide* grant of the named permission (a
model-wide guardian/Django permission, i.e. the role held on every collection) or superuser. A
role on one collection never changes what acts on the others.

Resolution costs a constant number of queries per user and permission (cached on the user object,
which lives for one request): one for the collections granted (directly or through groups), one for
their subtrees, and for models reached through several hops (column → data source → collection)
one for the ids of the first hop. Object checks for a whole page then cost nothing more, whatever
the number of objects or the depth of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.db.models import Q, QuerySet

COLLECTION_MODEL = "rbac.Collection"
VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
# For global models: an action any signed-in, active user may perform (reading shared definitions).
SIGNED_IN = "@signed-in"


class PermissionDenied(DjangoPermissionDenied):
    """A visible object without the needed permission (HTTP 403 in every view: Django answers
    its own ``PermissionDenied`` with 403, and the API's exception handler keeps the message)."""


@dataclass(frozen=True)
class Securable:
    model: type[models.Model]
    collection_lookup: str  # "" when the model is the collection itself (or global)
    actions: dict[str, str]  # action -> codename on rbac.Collection
    platform: bool = False  # a global model: actions need a platform-wide grant

    @property
    def collection_id_lookup(self) -> str:
        return f"{self.collection_lookup}_id" if self.collection_lookup else "pk"


_registry: dict[type[models.Model], Securable] = {}


def register(model: type[models.Model], *, collection_lookup: str, actions: dict[str, str]) -> None:
    """Declare how ``model`` reaches its collection and which permission each action needs."""
    _registry[model] = Securable(model, collection_lookup, dict(actions))


def register_global(model: type[models.Model], *, actions: dict[str, str]) -> None:
    """Declare a model that belongs to no collection and acts on all of them.

    ``actions`` maps each action to :data:`SIGNED_IN` (any signed-in user) or to a collection
    permission that the user must hold platform-wide; an action not listed is for superusers.
    """
    _registry[model] = Securable(model, "", dict(actions), platform=True)


def securable(model: type[models.Model]) -> Securable:
    concrete = model._meta.concrete_model
    try:
        return _registry[concrete]
    except KeyError:
        raise LookupError(
            f"{model._meta.label} is not registered with the permission gate"
        ) from None


def is_securable(model: type[models.Model]) -> bool:
    """Registered with the gate (in the collection tree, or global)."""
    return model._meta.concrete_model in _registry


def is_global(model: type[models.Model]) -> bool:
    spec = _registry.get(model._meta.concrete_model)
    return spec is not None and spec.platform


@dataclass
class Scope:
    """Collections in which a user holds one permission. ``everything`` for global grants."""

    everything: bool = False
    collection_ids: frozenset[int] = field(default_factory=frozenset)
    reasons: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.everything or bool(self.collection_ids)

    def contains(self, collection_id: int | None) -> bool:
        return self.everything or (
            collection_id is not None and collection_id in self.collection_ids
        )


def _is_active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def scope(user: Any, codename: str) -> Scope:
    """The collections (subtrees included) where ``user`` holds ``rbac.<codename>``."""
    if not _is_active(user):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    cache: dict[str, Scope] = user.__dict__.setdefault("_pursight_scopes", {})
    if codename in cache:
        return cache[codename]
    if user.has_perm(f"rbac.{codename}"):  # a model-wide grant covers every collection
        result = Scope(everything=True)
    else:
        result = _collection_scope(user, codename)
    cache[codename] = result
    return result


def _collection_scope(user: Any, codename: str) -> Scope:
    collection = apps.get_model(COLLECTION_MODEL)
    user_perm = apps.get_model("rbac", "CollectionUserObjectPermission")
    group_perm = apps.get_model("rbac", "CollectionGroupObjectPermission")
    granted_ids = user_perm.objects.filter(
        user=user, permission__codename=codename, permission__content_type__app_label="rbac"
    ).values("content_object_id")
    group_granted = group_perm.objects.filter(
        group__user=user, permission__codename=codename, permission__content_type__app_label="rbac"
    ).values("content_object_id")
    roots = list(
        collection.objects.filter(Q(pk__in=granted_ids) | Q(pk__in=group_granted)).values_list(
            "pk", "path"
        )
    )
    if not roots:
        return Scope()
    paths = sorted({p for _, p in roots})
    # Keep only the top-most granted paths; their subtrees cover the rest.
    tops: list[str] = []
    for p in paths:
        if not any(p.startswith(t) for t in tops):
            tops.append(p)
    subtree = reduce(or_, (Q(path__startswith=p) for p in tops))
    rows = collection.objects.filter(subtree).values_list("pk", "path")
    root_by_path = {p: pk for pk, p in roots}
    reasons: dict[int, str] = {}
    ids = set()
    for pk, path in rows:
        ids.add(pk)
        origin = next((root_by_path[t] for t in tops if path.startswith(t)), pk)
        reasons[pk] = "granted here" if origin == pk else f"inherited from collection {origin}"
    return Scope(collection_ids=frozenset(ids), reasons=reasons)


def platform(user: Any, codename: str) -> bool:
    """Does ``user`` hold ``codename`` platform-wide (every collection, present and future)?"""
    return scope(user, codename).everything


def action_scope(user: Any, model: type[models.Model], action: str) -> Scope:
    spec = securable(model)
    codename = spec.actions.get(action)
    if codename is None:
        return Scope(everything=_is_active(user) and user.is_superuser)
    if spec.platform:
        if codename == SIGNED_IN:
            return Scope(everything=_is_active(user))
        return Scope(everything=platform(user, codename))
    return scope(user, codename)


def restrict(queryset: QuerySet, user: Any, action: str = VIEW) -> QuerySet:
    """``queryset`` narrowed to the objects on which ``user`` may perform ``action``."""
    s = action_scope(user, queryset.model, action)
    if s.everything:
        return queryset
    if not s.collection_ids:
        return queryset.none()
    spec = securable(queryset.model)
    first, _, rest = spec.collection_lookup.partition("__")
    if rest:
        # Several hops (column → data source → collection): resolve the first hop's ids once
        # (one query, cached for the request) and filter on the local foreign key. The planner
        # then uses the row's own index instead of a join it misestimates.
        ids = _first_hop_ids(user, queryset.model, first, rest, s)
        return queryset.filter(**{f"{first}_id__in": ids})
    return queryset.filter(**{f"{spec.collection_id_lookup}__in": sorted(s.collection_ids)})


def _first_hop_ids(
    user: Any, model: type[models.Model], first: str, rest: str, s: Scope
) -> list[Any]:
    related = model._meta.get_field(first).related_model
    key = (related._meta.label, rest, s.collection_ids)
    cache: dict[tuple, list[Any]] = user.__dict__.setdefault("_pursight_hops", {})
    if key not in cache:
        cache[key] = list(
            related._default_manager.filter(
                **{f"{rest}_id__in": sorted(s.collection_ids)}
            ).values_list("pk", flat=True)
        )
    return cache[key]


def collection_id_of(obj: models.Model) -> int | None:
    """Follow the model's collection lookup through attributes (select_related avoids queries)."""
    spec = securable(type(obj))
    if spec.platform:
        return None
    if not spec.collection_lookup:
        return obj.pk
    parts = spec.collection_lookup.split("__")
    target: Any = obj
    for part in parts[:-1]:
        target = getattr(target, part, None)
        if target is None:
            return None
    return getattr(target, f"{parts[-1]}_id", None)


def can(user: Any, action: str, obj: models.Model) -> bool:
    """May ``user`` perform ``action`` on ``obj``?"""
    return action_scope(user, type(obj), action).contains(collection_id_of(obj))


def can_any(user: Any, model: type[models.Model], action: str) -> bool:
    """Does ``user`` hold ``action`` on ``model`` in at least one collection?"""
    return bool(action_scope(user, model, action))


def check(user: Any, action: str, obj: models.Model) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may ``action`` ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(f"You may not {action} this {obj._meta.verbose_name}.")


def allowed_collections(user: Any, codename: str) -> QuerySet:
    """Collections where ``user`` holds ``codename`` (for form choices)."""
    collection = apps.get_model(COLLECTION_MODEL)
    s = scope(user, codename)
    if s.everything:
        return collection.objects.all()
    return collection.objects.filter(pk__in=sorted(s.collection_ids))


def forget(user: Any) -> None:
    """Drop cached scopes (after a grant or revoke within the same request)."""
    user.__dict__.pop("_pursight_scopes", None)
    user.__dict__.pop("_pursight_hops", None)
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def restrict_by_collection(
    queryset: QuerySet, user: Any, codename: str, field: str = "collection_id"
) -> QuerySet:
    """Narrow rows that carry a plain collection id (``field``) to ``user``'s ``codename`` scope.

    For records that are not securable models themselves (the audit trail): rows without a
    collection are kept only for users with a global grant.
    """
    s = scope(user, codename)
    if s.everything:
        return queryset
    if not s.collection_ids:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": sorted(s.collection_ids)})


# --- Choices: every queryset that feeds a form field, filter or drop-down ----------------------

PEOPLE_MODELS = ("auth.Group",)  # and settings.AUTH_USER_MODEL
PEOPLE_CODENAME = "manage_collection"  # those who grant roles must be able to name a grantee
PEOPLE_VIEW = "view_catalog"
# Models that are not governed data: anyone signed in may see them listed as choices.
PUBLIC_CHOICES: set[str] = {"auth.Permission", "contenttypes.ContentType"}


def _is_people(model: type[models.Model]) -> bool:
    from django.conf import settings

    return model._meta.label in (*PEOPLE_MODELS, settings.AUTH_USER_MODEL)


def restrict_people(queryset: QuerySet, user: Any) -> QuerySet:
    """Users or groups ``user`` may see named and pick (an owner, an assignee, a grantee).

    Superusers, platform-wide readers and those who grant roles somewhere (they must be able to
    name a grantee) see everyone; anyone else sees themselves, their own groups and the people
    who hold a role on a collection they can see: their colleagues, never someone who works
    only in a collection hidden from them.
    """
    if not _is_active(user):
        return queryset.none()
    if user.is_superuser or scope(user, PEOPLE_CODENAME) or scope(user, PEOPLE_VIEW).everything:
        return queryset
    assignments = apps.get_model("rbac", "RoleAssignment").objects.filter(
        collection_id__in=sorted(scope(user, PEOPLE_VIEW).collection_ids)
    )
    groups = assignments.filter(group__isnull=False).values("group")
    if queryset.model._meta.label == "auth.Group":
        return queryset.filter(Q(user=user) | Q(pk__in=groups)).distinct()
    users = assignments.filter(user__isnull=False).values("user")
    return queryset.filter(Q(pk=user.pk) | Q(pk__in=users) | Q(groups__in=groups)).distinct()


def restrict_choices(
    queryset: QuerySet,
    user: Any,
    *,
    referenced_by: QuerySet | None = None,
    field: str | None = None,
) -> QuerySet:
    """``queryset`` narrowed to the objects ``user`` may see as a choice.

    Collections and gated models: what the user may view. Other models: in a filter
    (``referenced_by`` is the visible rows and ``field`` their path to this model) only those
    the visible rows refer to; users and groups in a form: :func:`restrict_people`. A model
    the gate does not know raises ``LookupError``: a new model must be registered before it
    can feed a choice.
    """
    model = queryset.model
    if model._meta.label == COLLECTION_MODEL or is_securable(model):
        return restrict(queryset, user, VIEW)
    if _is_people(model):
        if referenced_by is None:
            return restrict_people(queryset, user)
    elif model._meta.label not in PUBLIC_CHOICES:
        raise LookupError(
            f"{model._meta.label} is not registered with the permission gate; it cannot be "
            "offered as a choice"
        )
    if referenced_by is not None and field:
        queryset = queryset.filter(pk__in=referenced_by.order_by().values(field))
    return queryset
