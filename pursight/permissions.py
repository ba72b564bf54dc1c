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

import logging
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
class Root:
    """A securable root: permissions are granted on its rows with guardian's direct-foreign-key
    tables (``<Model>UserObjectPermission``/``<Model>GroupObjectPermission`` in the same app).
    ``tree``: rows carry a materialised ``path`` and a grant covers the subtree (collections)."""

    label: str  # "rbac.Collection", "workspaces.Workspace"
    tree: bool = False

    @property
    def app_label(self) -> str:
        return self.label.partition(".")[0]

    def grant_models(self) -> tuple[type[models.Model], type[models.Model]]:
        app_label, _, name = self.label.partition(".")
        return (
            apps.get_model(app_label, f"{name}UserObjectPermission"),
            apps.get_model(app_label, f"{name}GroupObjectPermission"),
        )


_roots: dict[str, Root] = {COLLECTION_MODEL: Root(COLLECTION_MODEL, tree=True)}


def register_root(label: str, *, tree: bool = False) -> None:
    """Declare another securable root (a workspace): its own grants, no inheritance from
    collections. Models under it register with ``root=label`` and a lookup to it."""
    _roots[label] = Root(label, tree=tree)


def is_root(model: type[models.Model]) -> bool:
    return model._meta.concrete_model._meta.label in _roots


@dataclass(frozen=True)
class Securable:
    model: type[models.Model]
    collection_lookup: str  # path to the root ("" when the model is the root itself, or global)
    actions: dict[str, str]  # action -> codename on the root (or SIGNED_IN)
    platform: bool = False  # a global model: actions need a platform-wide grant
    root: str = COLLECTION_MODEL  # the securable root the lookup reaches
    # action -> user fields of the row (foreign keys or many-to-many to users): the users a
    # row names may perform the action on it besides the root's grants (a request's requester
    # and reviewers see it).
    people: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def collection_id_lookup(self) -> str:
        return f"{self.collection_lookup}_id" if self.collection_lookup else "pk"


@dataclass(frozen=True)
class Targeted:
    """Rows about another object (a comment, an activity event, a pin): visible where their
    target is. ``actions`` name the action needed *on the target* for each action on the row."""

    model: type[models.Model]
    type_field: str  # the ContentType foreign key
    id_field: str  # the target's primary key
    actions: dict[str, str]
    optional: bool = False  # a row without a target (null type) is visible on its own terms


_registry: dict[type[models.Model], Securable] = {}
_targeted: dict[type[models.Model], Targeted] = {}


def register(
    model: type[models.Model],
    *,
    collection_lookup: str,
    actions: dict[str, str],
    root: str = COLLECTION_MODEL,
    people: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Declare how ``model`` reaches its root (a collection unless ``root`` names another)
    and which permission each action needs. An action may be :data:`SIGNED_IN` (creating a
    new root: anyone signed in may start a workspace).

    ``people``: for an action, the row's user fields (foreign keys or many-to-many to users)
    whose users may also perform it on that row, whatever their grants (an approval request
    is seen by its requester and its reviewers as well as by its collection's admins)."""
    if root not in _roots:
        raise LookupError(f"{root} is not a registered securable root")
    _registry[model] = Securable(
        model,
        collection_lookup,
        dict(actions),
        root=root,
        people={a: tuple(f) for a, f in (people or {}).items()},
    )


def register_targeted(
    model: type[models.Model],
    *,
    type_field: str = "target_type",
    id_field: str = "target_id",
    actions: dict[str, str] | None = None,
    optional: bool = False,
) -> None:
    """Declare a model whose rows point at another securable object through a generic
    relation: a user sees (and acts on) a row only where the gate lets them see its target.

    A model may also be registered with :func:`register` (a pin belongs to a workspace *and*
    points at an asset): then both must allow. ``optional``: rows without a target pass this
    check (a task about nothing in particular)."""
    _targeted[model] = Targeted(
        model, type_field, id_field, dict(actions or {VIEW: VIEW}), optional=optional
    )


def is_targeted(model: type[models.Model]) -> bool:
    return model._meta.concrete_model in _targeted


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


def scope(user: Any, codename: str, root: str = COLLECTION_MODEL) -> Scope:
    """The rows of ``root`` (collections, subtrees included, unless another root is named)
    where ``user`` holds ``<root app>.<codename>``."""
    if not _is_active(user):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    cache: dict[Any, Scope] = user.__dict__.setdefault("_pursight_scopes", {})
    key = codename if root == COLLECTION_MODEL else (root, codename)
    if key in cache:
        return cache[key]
    spec = _roots[root]
    if user.has_perm(f"{spec.app_label}.{codename}"):  # a model-wide grant covers every row
        result = Scope(everything=True)
    else:
        result = _root_scope(user, codename, spec)
    cache[key] = result
    return result


def cached_scope(user: Any, codename: str, root: str = COLLECTION_MODEL) -> Scope | None:
    """The scope if this user object already resolved it (no query), else None."""
    if not _is_active(user):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    key = codename if root == COLLECTION_MODEL else (root, codename)
    return user.__dict__.get("_pursight_scopes", {}).get(key)


def _root_scope(user: Any, codename: str, spec: Root) -> Scope:
    root_model = apps.get_model(spec.label)
    user_perm, group_perm = spec.grant_models()
    perm = {"permission__codename": codename, "permission__content_type__app_label": spec.app_label}
    granted_ids = user_perm.objects.filter(user=user, **perm).values("content_object_id")
    group_granted = group_perm.objects.filter(group__user=user, **perm).values("content_object_id")
    granted = root_model.objects.filter(Q(pk__in=granted_ids) | Q(pk__in=group_granted))
    if not spec.tree:
        ids = frozenset(granted.values_list("pk", flat=True))
        return Scope(collection_ids=ids, reasons=dict.fromkeys(ids, "granted here"))
    collection = root_model
    roots = list(granted.values_list("pk", "path"))
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
    if codename == SIGNED_IN:
        return Scope(everything=_is_active(user))
    if spec.platform:
        return Scope(everything=platform(user, codename))
    return scope(user, codename, spec.root)


def restrict(
    queryset: QuerySet, user: Any, action: str = VIEW, *, as_subquery: bool = False
) -> QuerySet:
    """``queryset`` narrowed to the objects on which ``user`` may perform ``action``.

    ``as_subquery``: the result is used inside another query (``id IN (...)``); models reached
    through several hops then join instead of reading the first hop's ids into Python."""
    if is_targeted(queryset.model):
        spec_t = _targeted[queryset.model._meta.concrete_model]
        queryset = restrict_targets(
            queryset,
            user,
            action=spec_t.actions.get(action, ""),
            type_field=spec_t.type_field,
            id_field=spec_t.id_field,
            optional=spec_t.optional,
        )
        if queryset.model._meta.concrete_model not in _registry:
            return queryset
    s = action_scope(user, queryset.model, action)
    if s.everything:
        return queryset
    named = _named(queryset.model, user, action)
    if not s.collection_ids:
        return queryset.filter(named) if named is not None else queryset.none()
    spec = securable(queryset.model)
    first, _, rest = spec.collection_lookup.partition("__")
    if rest and not as_subquery:
        # Several hops (column → data source → collection): resolve the first hop's ids once
        # (one query, cached for the request) and filter on the local foreign key. The planner
        # then uses the row's own index instead of a join it misestimates.
        ids = _first_hop_ids(user, queryset.model, first, rest, s)
        granted = Q(**{f"{first}_id__in": ids})
    else:
        granted = Q(**{f"{spec.collection_id_lookup}__in": sorted(s.collection_ids)})
    return queryset.filter(granted | named if named is not None else granted)


def _people_fields(model: type[models.Model], action: str) -> tuple[str, ...]:
    spec = _registry.get(model._meta.concrete_model)
    return spec.people.get(action, ()) if spec is not None else ()


def _named(model: type[models.Model], user: Any, action: str) -> Q | None:
    """The rows of ``model`` that name ``user`` in a field allowed to ``action`` them (None when
    none may: no such field, or an inactive user). Many-to-many fields through a subquery, so
    that the rows are never repeated."""
    fields = _people_fields(model, action)
    if not fields or not _is_active(user):
        return None
    clauses = []
    for name in fields:
        f = model._meta.get_field(name)
        if f.many_to_many:
            rows = model._default_manager.filter(**{name: user.pk}).values("pk")
            clauses.append(Q(pk__in=rows))
        else:
            clauses.append(Q(**{f.attname: user.pk}))
    return reduce(or_, clauses)


def _names(obj: models.Model, user: Any, action: str) -> bool:
    """Does ``obj`` name ``user`` in a field allowed to ``action`` it?"""
    if not _is_active(user):
        return False
    for name in _people_fields(type(obj), action):
        f = obj._meta.get_field(name)
        if f.many_to_many:
            if getattr(obj, name).filter(pk=user.pk).exists():
                return True
        elif getattr(obj, f.attname) == user.pk:
            return True
    return False


def _named_ids(obj: models.Model, action: str) -> list[int]:
    """The ids of the users ``obj`` names in fields allowed to ``action`` it."""
    ids: set[int] = set()
    for name in _people_fields(type(obj), action):
        f = obj._meta.get_field(name)
        if f.many_to_many:
            ids.update(getattr(obj, name).values_list("pk", flat=True))
        elif (pk := getattr(obj, f.attname)) is not None:
            ids.add(pk)
    return sorted(ids)


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


def restrict_targets(
    queryset: QuerySet,
    user: Any,
    *,
    action: str = VIEW,
    type_field: str = "target_type",
    id_field: str = "target_id",
    models_: list[type[models.Model]] | None = None,
    optional: bool = False,
) -> QuerySet:
    """Rows pointing at a generic target, kept where ``user`` may ``action`` the target.

    One SQL query whatever the number of rows or kinds of targets: each registered model
    contributes ``(type = T AND id IN (<its restricted ids>))``. A target of a model the gate
    does not know is never visible; an empty ``action`` hides everything but from superusers.
    """
    from django.contrib.contenttypes.models import ContentType

    if not _is_active(user) or not action:
        return queryset.none() if not (_is_active(user) and user.is_superuser) else queryset
    if user.is_superuser:
        return queryset
    # Rows about rows (an activity event about a task or a pin) reach the targeted models
    # registered with a root too; those restrict their own targets to plain models only, so
    # this never recurses further.
    nested = queryset.model._meta.concrete_model in _registry
    candidates = models_ or [m for m in _registry if not (nested and is_targeted(m))]
    clauses = [Q(**{f"{type_field}__isnull": True})] if optional else []
    for model in candidates:
        s = action_scope(user, model, action)
        if not s and not _people_fields(model, action):
            continue
        ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
        clause = Q(**{f"{type_field}_id": ct.pk})
        if not s.everything:
            ids = restrict(model._default_manager.all(), user, action, as_subquery=True).values(
                "pk"
            )
            clause &= Q(**{f"{id_field}__in": ids})
        clauses.append(clause)
    if not clauses:
        return queryset.none()
    return queryset.filter(reduce(or_, clauses))


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
    """May ``user`` perform ``action`` on ``obj``? (A targeted row: the action its
    registration names, on its target.)"""
    if is_targeted(type(obj)):
        spec = _targeted[type(obj)._meta.concrete_model]
        needed = spec.actions.get(action)
        if getattr(obj, f"{spec.type_field}_id") is None and spec.optional:
            allowed = _is_active(user)
        else:
            target = _generic_target(obj, spec)
            allowed = bool(needed) and target is not None and can(user, needed, target)
        if not allowed or type(obj)._meta.concrete_model not in _registry:
            return allowed
    if action_scope(user, type(obj), action).contains(collection_id_of(obj)):
        return True
    return _names(obj, user, action)


def _generic_target(obj: models.Model, spec: Targeted) -> models.Model | None:
    ct = getattr(obj, spec.type_field)
    if ct is None:
        return None
    model = ct.model_class()
    if model is None or not is_securable(model):
        return None
    return model._default_manager.filter(pk=getattr(obj, spec.id_field)).first()


def can_any(user: Any, model: type[models.Model], action: str) -> bool:
    """Does ``user`` hold ``action`` on ``model`` in at least one collection (or root)? For a
    targeted model: on at least one kind of target."""
    if is_targeted(model) and model._meta.concrete_model not in _registry:
        needed = _targeted[model._meta.concrete_model].actions.get(action)
        return bool(needed) and any(
            action_scope(user, m, needed) or (_people_fields(m, needed) and _is_active(user))
            for m in _registry
            if not is_targeted(m)
        )
    if _people_fields(model, action) and _is_active(user):
        return True  # some rows may name them
    return bool(action_scope(user, model, action))


# --- The same question asked of every user at once -------------------------------------------

_NOBODY = Q(pk__in=[])


def users_who_can(action: str, obj: models.Model, queryset: QuerySet | None = None) -> QuerySet:
    """The active users (of ``queryset``, every user by default) who may ``action`` ``obj``:
    what :func:`can` answers for one user, for all of them in one SQL query (plus one to read
    a collection's path when ``obj`` hangs below the collection tree).

    Read from the grant tables: superusers, holders of the permission model-wide (directly or
    through a group), and holders of a guardian row on the object's root (for collections, on
    the root or one of its ancestors; directly or through a group). For autocompletes (who may
    be mentioned, assigned) without a query per user."""
    from django.contrib.auth import get_user_model

    if queryset is None:
        queryset = get_user_model()._default_manager.all()
    return queryset.filter(_holders(action, obj), is_active=True)


def _holders(action: str, obj: models.Model) -> Q:
    model = type(obj)._meta.concrete_model
    if model in _targeted:
        spec = _targeted[model]
        if getattr(obj, f"{spec.type_field}_id") is None and spec.optional:
            on_target = Q()
        else:
            needed = spec.actions.get(action)
            target = _generic_target(obj, spec)
            if not needed or target is None:
                return _NOBODY
            on_target = _holders(needed, target)
        if model not in _registry:
            return on_target
        return on_target & _own_holders(action, obj)
    return _own_holders(action, obj)


def _own_holders(action: str, obj: models.Model) -> Q:
    granted = _granted_holders(action, obj)
    for name in _people_fields(type(obj), action):  # the users the row names (subqueries)
        f = obj._meta.get_field(name)
        if f.many_to_many:
            rows = type(obj)._default_manager.filter(pk=obj.pk, **{f"{name}__isnull": False})
            granted |= Q(pk__in=rows.values(name))
        elif (pk := getattr(obj, f.attname)) is not None:
            granted |= Q(pk=pk)
    return granted


def _granted_holders(action: str, obj: models.Model) -> Q:
    spec = securable(type(obj))
    codename = spec.actions.get(action)
    superusers = Q(is_superuser=True)
    if codename is None:
        return superusers
    if codename == SIGNED_IN:
        return Q()
    root = _roots[COLLECTION_MODEL if spec.platform else spec.root]
    holders = superusers | _model_wide_holders(root.app_label, codename)
    root_id = None if spec.platform else collection_id_of(obj)
    if root_id is None:
        return holders
    ids = _ancestor_ids(root, obj, root_id) if root.tree else [root_id]
    perm = {"permission__codename": codename, "permission__content_type__app_label": root.app_label}
    user_perm, group_perm = root.grant_models()
    direct = user_perm.objects.filter(content_object_id__in=ids, **perm).values("user_id")
    groups = group_perm.objects.filter(content_object_id__in=ids, **perm).values("group_id")
    return holders | Q(pk__in=direct) | Q(pk__in=_members_of(groups))


def _members_of(groups: QuerySet) -> QuerySet:
    """User ids of the members of ``groups`` (a values queryset of group ids), as a subquery
    (no join on the users' query, hence no duplicate rows)."""
    from django.contrib.auth import get_user_model

    field = get_user_model()._meta.get_field("groups")
    through = field.remote_field.through
    user_col, group_col = field.m2m_field_name(), field.m2m_reverse_field_name()
    return through.objects.filter(**{f"{group_col}_id__in": groups}).values(f"{user_col}_id")


def _model_wide_holders(app_label: str, codename: str) -> Q:
    """Users holding ``<app_label>.<codename>`` model-wide (what ``user.has_perm`` without an
    object reads): directly or through a group."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.filter(codename=codename, content_type__app_label=app_label)
    field = get_user_model()._meta.get_field("user_permissions")
    through = field.remote_field.through
    user_col, perm_col = field.m2m_field_name(), field.m2m_reverse_field_name()
    direct = through.objects.filter(**{f"{perm_col}_id__in": perms.values("pk")})
    group_perms = Group.permissions.through.objects.filter(permission_id__in=perms.values("pk"))
    return Q(pk__in=direct.values(f"{user_col}_id")) | Q(
        pk__in=_members_of(group_perms.values("group_id"))
    )


def _ancestor_ids(root: Root, obj: models.Model, root_id: int) -> list[int]:
    """The tree root row ``root_id`` and its ancestors (read from its materialised path)."""
    root_model = apps.get_model(root.label)
    if isinstance(obj, root_model) and obj.pk == root_id:
        path = obj.path
    else:
        path = root_model._default_manager.filter(pk=root_id).values_list("path", flat=True).first()
    ids = [int(part) for part in (path or "").split("/") if part.isdigit()]
    return ids or [root_id]


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
    name a grantee) see everyone; anyone else sees themselves, their own groups, the people
    who hold a role on a collection they can see and the members of the workspaces (rows of a
    non-tree root) they can see: their colleagues, never someone who works only in a
    collection or workspace hidden from them.
    """
    if not _is_active(user):
        return queryset.none()
    if user.is_superuser or scope(user, PEOPLE_CODENAME) or scope(user, PEOPLE_VIEW).everything:
        return queryset
    assignments = apps.get_model("rbac", "RoleAssignment").objects.filter(
        collection_id__in=sorted(scope(user, PEOPLE_VIEW).collection_ids)
    )
    groups = assignments.filter(group__isnull=False).values("group")
    co_users, co_groups = _co_members(user)
    if queryset.model._meta.label == "auth.Group":
        return queryset.filter(Q(user=user) | Q(pk__in=groups) | co_groups).distinct()
    users = assignments.filter(user__isnull=False).values("user")
    return queryset.filter(
        Q(pk=user.pk) | Q(pk__in=users) | Q(groups__in=groups) | co_users
    ).distinct()


def _co_members(user: Any) -> tuple[Q, Q]:
    """(users, groups) holding a grant on a row of a non-tree root (a workspace) that ``user``
    may see: the members they already see listed there."""
    users, groups = _NOBODY, _NOBODY
    for root in _roots.values():
        if root.tree:
            continue
        spec = _registry.get(apps.get_model(root.label)._meta.concrete_model)
        view = spec.actions.get(VIEW) if spec else None
        if not view or view == SIGNED_IN:
            continue
        s = scope(user, view, root.label)
        if not s:
            continue
        user_perm, group_perm = root.grant_models()
        user_rows, group_rows = user_perm.objects.all(), group_perm.objects.all()
        if not s.everything:
            user_rows = user_rows.filter(content_object_id__in=sorted(s.collection_ids))
            group_rows = group_rows.filter(content_object_id__in=sorted(s.collection_ids))
        users |= Q(pk__in=user_rows.values("user_id")) | Q(
            pk__in=_members_of(group_rows.values("group_id"))
        )
        groups |= Q(pk__in=group_rows.values("group_id"))
    return users, groups


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
    if is_root(model) or is_securable(model) or is_targeted(model):
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


# --- Requirements: an object's visibility as plain data, checked later without the object ------


def requirement(obj: models.Model, action: str = VIEW) -> dict[str, Any]:
    """What ``user`` must hold to ``action`` ``obj``, as JSON-able data (carried by a live event
    so that each socket checks it against its cached scopes, with no query per event)."""
    if is_targeted(type(obj)):
        spec_t = _targeted[type(obj)._meta.concrete_model]
        if getattr(obj, f"{spec_t.type_field}_id") is None and spec_t.optional:
            on_target: dict[str, Any] = {"signed_in": True}
        else:
            target = _generic_target(obj, spec_t)
            if target is None:
                return {"superuser": True}
            on_target = requirement(target, spec_t.actions.get(action, ""))
        if type(obj)._meta.concrete_model not in _registry:
            return on_target
        return {"all": [on_target, _own_requirement(obj, action)]}
    return _own_requirement(obj, action)


def _own_requirement(obj: models.Model, action: str) -> dict[str, Any]:
    granted = _granted_requirement(obj, action)
    if not _people_fields(type(obj), action):
        return granted
    return {"any": [granted, {"users": _named_ids(obj, action)}]}


def _granted_requirement(obj: models.Model, action: str) -> dict[str, Any]:
    spec = securable(type(obj))
    codename = spec.actions.get(action)
    if codename is None:
        return {"superuser": True}
    if codename == SIGNED_IN:
        return {"signed_in": True}
    if spec.platform:
        return {"platform": codename}
    return {"root": spec.root, "codename": codename, "id": collection_id_of(obj)}


def meets(user: Any, req: dict[str, Any] | None, *, cached_only: bool = False) -> bool | None:
    """Does ``user`` satisfy ``req`` (from :func:`requirement`)? With ``cached_only``, answer
    None instead of querying when the scope is not resolved on this user object yet."""
    if not req:
        return _is_active(user)
    if not _is_active(user):
        return False
    if "all" in req:
        answers = [meets(user, r, cached_only=cached_only) for r in req["all"]]
        if False in answers:
            return False
        return None if None in answers else True
    if "any" in req:
        answers = [meets(user, r, cached_only=cached_only) for r in req["any"]]
        if True in answers:
            return True
        return None if None in answers else False
    if "users" in req:
        return user.is_superuser or user.pk in req["users"]
    if user.is_superuser or req.get("signed_in"):
        return True
    if req.get("superuser"):
        return False
    root = req.get("root", COLLECTION_MODEL)
    codename = req.get("platform") or req["codename"]
    s = cached_scope(user, codename, root)
    if s is None:
        if cached_only:
            return None
        s = scope(user, codename, root)
    if req.get("platform"):
        return s.everything
    return s.contains(req.get("id"))


# --- The gate's generation: when did any access last shrink? --------------------------------
#
# A live socket re-checks its pages against the gate only when access may have shrunk since its
# last check, not on a timer for every socket: every revocation (an object permission row
# deleted, a user leaving a group, an account deactivated) bumps one counter after its commit,
# the publisher stamps each live event with the counter, and a socket whose last check is older
# than the stamp checks again before forwarding it. Kept in the cache (Redis when configured,
# so that every process sees it; in the process otherwise).

GENERATION_KEY = "pursight:gate-generation"


def generation() -> int:
    """The current generation (0 until the first revocation)."""
    from django.core.cache import cache

    try:
        return int(cache.get(GENERATION_KEY) or 0)
    except Exception:  # the cache is away: every socket re-checks on its timer instead
        return 0


def bump_generation() -> None:
    """Access may have shrunk: after the commit, make live sockets re-check at their next
    event."""
    from django.core.cache import cache
    from django.db import transaction

    def bump() -> None:
        try:
            if not cache.add(GENERATION_KEY, 1, timeout=None):
                cache.incr(GENERATION_KEY)
        except Exception as exc:  # best effort: the sockets' timers are the safety net
            logging.getLogger(__name__).warning("gate.generation_failed error=%r", exc)

    transaction.on_commit(bump)


def _on_revocation(sender: Any, **kwargs: Any) -> None:
    bump_generation()


def _on_membership(sender: Any, action: str = "", **kwargs: Any) -> None:
    if action in ("post_remove", "post_clear"):
        bump_generation()


def _on_user_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        bump_generation()


def connect_generation() -> None:
    """Bump the generation on every revocation (from the kernel's ``ready()``)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    for model in apps.get_models():
        if issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase):
            post_delete.connect(
                _on_revocation, sender=model, dispatch_uid=f"gate.gen.{model._meta.label}"
            )
    user = get_user_model()
    m2m_changed.connect(_on_membership, sender=user.groups.through, dispatch_uid="gate.gen.grp")
    post_save.connect(_on_user_saved, sender=user, dispatch_uid="gate.gen.user")
