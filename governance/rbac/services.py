"""Collection tree services."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from pursight import audit, permissions

from . import roles, signals
from .models import (
    PATH_SEP,
    Collection,
    CollectionGroupObjectPermission,
    CollectionUserObjectPermission,
    Role,
    RoleAssignment,
)

MANAGE = roles.MANAGE_COLLECTION
SLUG_BASE_LENGTH = 90  # room for a "-<n>" suffix within the field's 100 characters


def _is_system(actor: Any) -> bool:
    """Management commands, migrations and fixtures act as the system (``actor=None``)."""
    return actor is None


def collection_slug(name: str) -> str:
    """The slug a name suggests, in any script ("Финансы" → "финансы"); "collection" when the
    name has no letter or digit at all (a unique suffix is added among siblings)."""
    return slugify(name, allow_unicode=True)[:SLUG_BASE_LENGTH].strip("-_") or "collection"


def _compute_path(collection: Collection) -> str:
    parent_path = collection.parent.path if collection.parent_id else PATH_SEP
    return f"{parent_path}{collection.pk}{PATH_SEP}"


def _siblings(parent: Collection | None, exclude_pk: int | None) -> Any:
    qs = Collection.objects.filter(parent=parent)
    return qs.exclude(pk=exclude_pk) if exclude_pk is not None else qs


def _same_name(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _free_slug(*, actor: Any, name: str, parent: Collection | None, exclude_pk: int | None) -> str:
    """A slug for ``name`` unused among the siblings under ``parent``.

    A sibling with the same name (ignoring case) that ``actor`` can see is a validation error
    on ``name``. A sibling the actor cannot see is never revealed: it is treated like names
    that differ but suggest the same slug ("Sales", "Sales!"), which get a numbered suffix.
    """
    siblings = list(_siblings(parent, exclude_pk).values_list("pk", "name", "slug"))
    visible = permissions.action_scope(actor, Collection, permissions.VIEW)
    if any(
        _same_name(other, name) and (_is_system(actor) or visible.contains(pk))
        for pk, other, _ in siblings
    ):
        raise ValidationError(
            {"name": f"A collection named '{name.strip()}' already exists at this level."}
        )
    taken = {slug for _, _, slug in siblings}
    base = collection_slug(name)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_placement(actor: Any, collection: Collection | None, parent: Collection | None) -> None:
    """May ``actor`` put ``collection`` (``None``: a new one) under ``parent`` (``None``: at the
    root)? Roots only for platform-wide Collection Admins (and superusers); otherwise only under
    a collection the actor manages; never under the collection itself or its descendants."""
    if (
        collection is not None
        and parent is not None
        and (parent.pk == collection.pk or parent.path.startswith(collection.path))
    ):
        raise ValidationError(
            {"parent": "A collection cannot be moved under itself or its descendants."}
        )
    if _is_system(actor):
        return
    if parent is None:
        if not permissions.platform(actor, MANAGE):
            raise permissions.PermissionDenied(
                "Only platform administrators create root collections."
            )
    elif not permissions.can(actor, permissions.ADD, parent):
        raise permissions.PermissionDenied(
            "You may place collections only under a collection you manage."
        )


def _save(collection: Collection, **kwargs: Any) -> None:
    """Save, turning a sibling's concurrent claim on the same slug into a name error."""
    try:
        with transaction.atomic():
            collection.save(**kwargs)
    except IntegrityError:
        raise ValidationError(
            {"name": "A collection with this name already exists at this level."}
        ) from None


def _forget_scopes(actor: Any) -> None:
    """The tree changed: the actor's cached scopes (subtrees by path) are stale."""
    if not _is_system(actor):
        permissions.forget(actor)


def allowed_parents(*, actor: Any, collection: Collection | None = None) -> Any:
    """Collections ``actor`` may choose as the parent of ``collection`` (or of a new one)."""
    qs = permissions.allowed_collections(actor, MANAGE)
    if collection is not None and collection.pk is not None:
        qs = qs.exclude(path__startswith=collection.path).exclude(pk=collection.pk)
    return qs


def may_create_roots(actor: Any) -> bool:
    return _is_system(actor) or permissions.platform(actor, MANAGE)


def check_collection(
    *, actor: Any, collection: Collection, name: str, parent: Collection | None
) -> None:
    """Raise unless ``actor`` may create ``collection`` (unsaved) or rename/move it to ``name``
    under ``parent``: the checks of :func:`save_collection`, for forms to show before saving."""
    stored = Collection.objects.get(pk=collection.pk) if collection.pk is not None else None
    if stored is not None and not _is_system(actor):
        permissions.check(actor, permissions.CHANGE, stored)
    if stored is None or stored.parent_id != (parent.pk if parent else None):
        _check_placement(actor, stored, parent)
    _free_slug(actor=actor, name=name, parent=parent, exclude_pk=collection.pk)


@transaction.atomic
def create_collection(
    *, actor: Any, name: str, parent: Collection | None = None, description: str = ""
) -> Collection:
    _check_placement(actor, None, parent)
    name = (name or "").strip()
    collection = Collection(
        name=name,
        slug=_free_slug(actor=actor, name=name, parent=parent, exclude_pk=None),
        parent=parent,
        description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    collection.full_clean(exclude=["path"])
    _save(collection)
    collection.path = _compute_path(collection)
    collection.save(update_fields=["path"])
    audit.record(actor=actor, action="collection.create", obj=collection)
    _forget_scopes(actor)
    return collection


@transaction.atomic
def move_collection(*, actor: Any, collection: Collection, parent: Collection | None) -> Collection:
    """Re-parent a collection and rewrite the paths of its whole subtree."""
    stored = Collection.objects.select_for_update().get(pk=collection.pk)
    if not _is_system(actor):
        permissions.check(actor, permissions.CHANGE, stored)
    _check_placement(actor, stored, parent)
    old_path = stored.path
    collection.slug = _free_slug(
        actor=actor, name=collection.name, parent=parent, exclude_pk=collection.pk
    )
    collection.parent = parent
    collection.path = _compute_path(collection)
    _save(collection, update_fields=["parent", "slug", "path", "updated_at"])
    descendants = list(
        Collection.objects.filter(path__startswith=old_path).exclude(pk=collection.pk)
    )
    for node in descendants:
        node.path = collection.path + node.path[len(old_path) :]
    Collection.objects.bulk_update(descendants, ["path"])
    _forget_scopes(actor)
    audit.record(
        actor=actor,
        action="collection.move",
        obj=collection,
        changes={"path": [old_path, collection.path]},
    )
    return collection


def _find_child(parent: Collection | None, part: str) -> Collection | None:
    children = list(_siblings(parent, None))
    by_name = next((c for c in children if _same_name(c.name, part)), None)
    slug = collection_slug(part)
    return by_name or next((c for c in children if c.slug in (part, slug)), None)


def ensure_collection_path(*, actor: Any, path: str) -> Collection:
    """Return the collection at ``a/b/c`` (names or slugs), creating missing levels."""
    parent: Collection | None = None
    parts = [p.strip() for p in path.strip("/").split("/") if p.strip()]
    if not parts:
        raise ValidationError("A collection path needs at least one name, e.g. 'Finance/EMEA'.")
    for part in parts:
        found = _find_child(parent, part)
        parent = found or create_collection(actor=actor, name=part, parent=parent)
    assert parent is not None
    return parent


def save_collection(*, actor: Any, collection: Collection) -> Collection:
    """Create or update a collection from a form/serializer-populated instance.

    Creating or moving stays within the actor's scope (see :func:`_check_placement`); a name
    already used by a sibling is a validation error on ``name``.
    """
    if collection.pk is None:
        return create_collection(
            actor=actor,
            name=collection.name,
            parent=collection.parent,
            description=collection.description,
        )
    with transaction.atomic():
        before = Collection.objects.select_for_update().get(pk=collection.pk)
        if not _is_system(actor):
            permissions.check(actor, permissions.CHANGE, before)
        collection.name = (collection.name or "").strip()
        if before.parent_id != collection.parent_id:
            move_collection(actor=actor, collection=collection, parent=collection.parent)
        else:
            collection.path = before.path
            collection.slug = _free_slug(
                actor=actor,
                name=collection.name,
                parent=collection.parent,
                exclude_pk=collection.pk,
            )
        collection.updated_by = actor if getattr(actor, "pk", None) else None
        collection.full_clean(exclude=["path"])
        _save(collection)
        audit.record(
            actor=actor,
            action="collection.update",
            obj=collection,
            changes=audit.diff(audit.snapshot(before), audit.snapshot(collection)),
        )
    return collection


@transaction.atomic
def delete_collection(*, actor: Any, collection: Collection) -> None:
    if not _is_system(actor):
        permissions.check(actor, permissions.DELETE, collection)
    if collection.children.exists() or collection.datasources.exists():
        raise ValidationError(
            "Only an empty collection (no children, no data sources) can be deleted."
        )
    audit.record(actor=actor, action="collection.delete", obj=collection)
    collection.delete()


# --- Roles and role assignments --------------------------------------------------------------


def _check_manages(actor: Any, collection: Collection) -> None:
    """Only Collection Admins of ``collection`` (or an ancestor) change its role assignments."""
    if _is_system(actor):
        return
    if not permissions.scope(actor, roles.MANAGE_COLLECTION).contains(collection.pk):
        raise permissions.PermissionDenied(
            f"You may assign roles on '{collection}' only as a Collection Admin of it "
            "or of a collection above it."
        )


def _collection_permissions(codenames: Iterable[str]) -> list[Permission]:
    ct = ContentType.objects.get_for_model(Collection)
    wanted = set(codenames)
    found = list(Permission.objects.filter(content_type=ct, codename__in=wanted))
    missing = wanted - {p.codename for p in found}
    if missing:
        raise ValidationError(f"Unknown collection permissions: {', '.join(sorted(missing))}.")
    return found


def role_codenames(role: Role) -> set[str]:
    return {p.codename for p in role.permissions.all()}


def _principal_filter(*, user: Any = None, group: Any = None) -> dict[str, Any]:
    return {"user": user} if user is not None else {"group": group}


def _perm_table(*, user: Any = None, group: Any = None) -> type:
    return CollectionUserObjectPermission if user is not None else CollectionGroupObjectPermission


def _granted_codenames(
    *, collection: Collection, user: Any = None, group: Any = None, exclude_pk: int | None = None
) -> set[str]:
    """Codenames that the principal's assignments on ``collection`` grant (minus one)."""
    qs = RoleAssignment.objects.filter(
        collection=collection, **_principal_filter(user=user, group=group)
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return set(qs.values_list("role__permissions__codename", flat=True)) - {None}


def _sync_rows(
    *, collection: Collection, user: Any = None, group: Any = None, removable: set[str]
) -> None:
    """Make the principal's guardian rows on ``collection`` match its role assignments.

    Rows for codenames granted by some assignment are created; rows in ``removable`` that no
    remaining assignment grants are deleted. Other rows (granted outside roles) are left alone.
    """
    granted = _granted_codenames(collection=collection, user=user, group=group)
    table = _perm_table(user=user, group=group)
    principal = _principal_filter(user=user, group=group)
    existing = set(
        table.objects.filter(content_object=collection, **principal).values_list(
            "permission__codename", flat=True
        )
    )
    to_add = _collection_permissions(granted - existing) if granted - existing else []
    to_remove = (removable & existing) - granted
    with signals.role_sync():
        table.objects.bulk_create(
            [table(permission=p, content_object=collection, **principal) for p in to_add],
            ignore_conflicts=True,
        )
        if to_remove:
            table.objects.filter(
                content_object=collection, permission__codename__in=to_remove, **principal
            ).delete()
    if user is not None:
        permissions.forget(user)


def _lock_principal(*, collection: Collection, user: Any = None, group: Any = None) -> None:
    """Serialise concurrent assign/revoke for one principal on one collection."""
    list(
        RoleAssignment.objects.select_for_update()
        .filter(collection=collection, **_principal_filter(user=user, group=group))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def assign_role(
    *, actor: Any, role: Role, collection: Collection, user: Any = None, group: Any = None
) -> RoleAssignment:
    """Give ``user`` or ``group`` ``role`` on ``collection`` and its subtree (idempotent)."""
    if (user is None) == (group is None):
        raise ValidationError("Assign a role to exactly one user or one group.")
    _check_manages(actor, collection)
    _lock_principal(collection=collection, user=user, group=group)
    assignment, created = RoleAssignment.objects.get_or_create(
        role=role,
        collection=collection,
        **_principal_filter(user=user, group=group),
        defaults={"created_by": actor if getattr(actor, "pk", None) else None},
    )
    _sync_rows(collection=collection, user=user, group=group, removable=set())
    _open_console(actor=actor, user=user, group=group)
    if created:
        audit.record(
            actor=actor,
            action="roleassignment.create",
            obj=assignment,
            changes=_assignment_changes(role, collection, user, group, role_codenames(role)),
        )
    return assignment


def _open_console(*, actor: Any, user: Any = None, group: Any = None) -> None:
    """A role makes the admin console usable: its holder (or the group's members) become staff.

    Staff status only opens the console's door; what the console shows is still decided by the
    permission gate. Revoking a role leaves staff status alone (it may have been given for other
    reasons); a user added later to a group that holds a role is made staff by
    :func:`signals.on_group_join`.
    """
    ids = [user.pk] if user is not None else group.user_set.values_list("pk", flat=True)
    signals.open_console(actor=actor, user_ids=ids)
    if user is not None:
        user.is_staff = True


def _assignment_changes(
    role: Any, collection: Any, user: Any, group: Any, codenames: Iterable[str]
) -> dict[str, Any]:
    """What the audit trail records of a role assignment (granted or revoked)."""
    return {
        "role": role.name,
        "collection": collection.pk,
        "user": user.pk if user is not None else None,
        "group": group.pk if group is not None else None,
        "permissions": sorted(codenames),
    }


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> None:
    """Remove an assignment; permissions still granted by another assignment survive."""
    collection = assignment.collection
    _check_manages(actor, collection)
    user, group = assignment.user, assignment.group
    _lock_principal(collection=collection, user=user, group=group)
    role = assignment.role
    codenames = role_codenames(role)
    audit.record(
        actor=actor,
        action="roleassignment.delete",
        obj=assignment,
        changes=_assignment_changes(role, collection, user, group, codenames),
    )
    assignment.delete()
    _sync_rows(collection=collection, user=user, group=group, removable=codenames)


def _check_role(actor: Any, action: str, role: Role) -> None:
    """Roles are global: the gate lets only platform administrators write them."""
    if not _is_system(actor) and not permissions.can(actor, action, role):
        raise permissions.PermissionDenied("Only platform administrators manage roles.")


@transaction.atomic
def save_role(
    *,
    actor: Any,
    name: str,
    codenames: Iterable[str],
    description: str = "",
    role: Role | None = None,
) -> Role:
    """Create a custom role, or change one (its assignments' permissions follow)."""
    creating = role is None or role.pk is None
    _check_role(actor, permissions.ADD if creating else permissions.CHANGE, role or Role())
    perms = _collection_permissions(codenames)
    if role is not None and role.pk is not None:
        role = Role.objects.select_for_update().get(pk=role.pk)
        before = {"name": role.name, "permissions": sorted(role_codenames(role))}
        if role.is_builtin:
            unchanged = (name.strip(), description, {p.codename for p in perms}) == (
                role.name,
                role.description,
                set(before["permissions"]),
            )
            if unchanged:
                return role  # saving a built-in role as it is changes nothing
            raise ValidationError("Built-in roles cannot be changed; create a custom role.")
        action = "role.update"
    else:
        role, before, action = Role(is_builtin=False), {}, "role.create"
    role.name = name.strip()
    role.slug = slugify(role.name) or "role"
    role.description = description
    role.full_clean(exclude=["permissions"])
    role.save()
    old = set(before.get("permissions", []))
    role.permissions.set(perms)
    new = {p.codename for p in perms}
    audit.record(
        actor=actor,
        action=action,
        obj=role,
        changes=audit.diff(before, {"name": role.name, "permissions": sorted(new)}),
    )
    if old != new:
        for assignment in RoleAssignment.objects.filter(role=role).select_related(
            "collection", "user", "group"
        ):
            _sync_rows(
                collection=assignment.collection,
                user=assignment.user,
                group=assignment.group,
                removable=old - new,
            )
    return role


@transaction.atomic
def delete_role(*, actor: Any, role: Role) -> None:
    _check_role(actor, permissions.DELETE, role)
    if role.is_builtin:
        raise ValidationError("Built-in roles cannot be deleted.")
    if role.assignments.exists():
        raise ValidationError("Revoke the role's assignments before deleting it.")
    audit.record(actor=actor, action="role.delete", obj=role)
    role.delete()


# --- "What can this user see and do, and why" ------------------------------------------------


@dataclass
class Grant:
    """One source of permissions: a role assignment or a raw guardian row."""

    collection: Collection
    codenames: set[str]
    reason: str


@dataclass
class CollectionAccess:
    collection: Collection
    permissions: dict[str, list[str]] = field(default_factory=dict)  # codename -> reasons


@dataclass
class AccessReport:
    user: Any
    everything: list[str]  # global reasons (superuser, model-wide permission)
    collections: list[CollectionAccess]


def _grants_of(user: Any) -> list[Grant]:
    group_ids = list(user.groups.values_list("pk", flat=True))
    grants: list[Grant] = []
    covered: set[tuple[str, int, int, str]] = set()  # (kind, principal, collection, codename)
    assignments = (
        RoleAssignment.objects.filter(Q(user=user) | Q(group_id__in=group_ids))
        .select_related("role", "collection", "group")
        .prefetch_related("role__permissions")
    )
    for a in assignments:
        codes = {p.codename for p in a.role.permissions.all()}
        via = "" if a.user_id else f" via group '{a.group}'"
        grants.append(Grant(a.collection, codes, f"{a.role.name} on '{a.collection}'{via}"))
        kind, principal = ("u", a.user_id) if a.user_id else ("g", a.group_id)
        covered |= {(kind, principal, a.collection_id, c) for c in codes}
    raw_user = CollectionUserObjectPermission.objects.filter(user=user).select_related(
        "permission", "content_object"
    )
    raw_group = CollectionGroupObjectPermission.objects.filter(
        group_id__in=group_ids
    ).select_related("permission", "content_object", "group")
    for row in raw_user:
        if ("u", user.pk, row.content_object_id, row.permission.codename) not in covered:
            grants.append(
                Grant(
                    row.content_object,
                    {row.permission.codename},
                    f"direct object permission on '{row.content_object}' (not from a role)",
                )
            )
    for row in raw_group:
        if ("g", row.group_id, row.content_object_id, row.permission.codename) not in covered:
            grants.append(
                Grant(
                    row.content_object,
                    {row.permission.codename},
                    f"group '{row.group}' object permission on '{row.content_object}' "
                    "(not from a role)",
                )
            )
    return grants


def explain_access(user: Any) -> AccessReport:
    """Per collection, the effective permissions of ``user`` and which grant gives each one."""
    everything: list[str] = []
    if not user.is_active:
        return AccessReport(user, ["inactive user: no access"], [])
    if user.is_superuser:
        everything.append("superuser: every permission on every collection")
    model_wide = sorted(c for c in roles.COLLECTION_PERMISSIONS if user.has_perm(f"rbac.{c}"))
    if model_wide and not user.is_superuser:
        everything.append(
            "model-wide permission (user or group) on every collection: " + ", ".join(model_wide)
        )
    grants = _grants_of(user)
    if not grants:
        return AccessReport(user, everything, [])
    tops = {g.collection.path for g in grants}
    subtree = Q()
    for p in tops:
        subtree |= Q(path__startswith=p)
    rows: list[CollectionAccess] = []
    for collection in Collection.objects.filter(subtree).order_by("path"):
        access = CollectionAccess(collection)
        for g in grants:
            if not collection.path.startswith(g.collection.path):
                continue
            where = "" if g.collection.pk == collection.pk else " (inherited)"
            for codename in sorted(g.codenames):
                access.permissions.setdefault(codename, []).append(g.reason + where)
        # The gate has the last word: list only what it grants.
        access.permissions = {
            c: r
            for c, r in sorted(access.permissions.items())
            if permissions.scope(user, c).contains(collection.pk)
        }
        if access.permissions:
            rows.append(access)
    return AccessReport(user, everything, rows)
