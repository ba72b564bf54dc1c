"""Workspace services: lifecycle, members, pins and saved searches.

Every service checks the gate itself (``permissions.check``), writes in one transaction,
records the change in the audit trail and announces it as a domain event
(:func:`pursight.events.emit`, delivered after the commit). Membership roles are granted as
guardian rows on the workspace (``WorkspaceUserObjectPermission``: ``view_workspace``,
``edit_workspace``, ``manage_workspace``), kept in step with :class:`Membership` here and
nowhere else.

An archived workspace is read-only: every write refuses with :class:`WorkspaceArchived` until
it is restored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from pursight import audit, consumers, events, permissions
from pursight.registry import Registry

from . import pinning
from .choices import EDIT, MANAGE, ROLE_CODENAMES, VIEW, WorkspaceRole, WorkspaceStatus
from .models import Membership, Pin, SavedSearch, Workspace, WorkspaceUserObjectPermission

ALL_CODENAMES = (VIEW, EDIT, MANAGE)
ARCHIVED_MESSAGE = "This workspace is archived (read-only): restore it first."
NO_SUCH_USER = "No such user."
NOT_A_MEMBER = "This user is not a member of the workspace."
LAST_OWNER = (
    "A workspace needs an owner: make another member owner (or transfer the ownership) first."
)
MAX_FILTERS = 50


class WorkspaceArchived(ValidationError):
    """A write refused because the workspace is archived (the API answers 409)."""


# Live pages whose audience is a workspace's members: ``(page kind, page id, codename the page
# needs)`` for one workspace. When a member leaves, is removed or loses a role, their sockets
# leave the pages that now need more than they hold. Higher layers (co-edited notes) add theirs.
MemberPages = Callable[[Workspace], Iterable[tuple[str, int, str]]]
member_pages: Registry[MemberPages] = Registry("workspace member pages")
member_pages.register("workspace", lambda ws: [("workspace", ws.pk, VIEW)])


def _user_or_none(actor: Any) -> Any:
    """The acting user for foreign keys and event data (None for the system)."""
    return actor if getattr(actor, "pk", None) else None


def _is_system(actor: Any) -> bool:
    """Management commands and the demo act as the system (``actor=None``)."""
    return actor is None


def _check(actor: Any, action: str, obj: models.Model) -> None:
    if not _is_system(actor):
        permissions.check(actor, action, obj)


def _writable(workspace: Workspace) -> None:
    if workspace.read_only:
        raise WorkspaceArchived(ARCHIVED_MESSAGE)


def _lock(workspace: Workspace) -> Workspace:
    """The workspace's row, locked for this transaction (membership changes serialise), with
    the caller's object refreshed (its status may have changed meanwhile)."""
    locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
    for field in ("status", "archived_at", "name", "description", "notes"):
        setattr(workspace, field, getattr(locked, field))
    return workspace


def _user_data(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": display_name(user)}


def display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _validate_role(role: Any) -> str:
    if role not in WorkspaceRole.values:
        raise ValidationError(
            {"role": f"Choose one of: {', '.join(WorkspaceRole.values)}."}, code="invalid"
        )
    return str(role)


# --- guardian rows ----------------------------------------------------------------------------


def _permission_objects() -> dict[str, Permission]:
    return {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label=Workspace._meta.app_label,
            content_type__model=Workspace._meta.model_name,
            codename__in=ALL_CODENAMES,
        )
    }


def _sync_grants(workspace: Workspace, user: Any, role: str | None) -> set[str]:
    """Make ``user``'s guardian rows on ``workspace`` those of ``role`` (None: no rows).
    Returns the codenames the user lost."""
    wanted = set(ROLE_CODENAMES[role]) if role else set()
    rows = WorkspaceUserObjectPermission.objects.filter(content_object=workspace, user=user)
    existing = set(rows.values_list("permission__codename", flat=True))
    lost = (existing - wanted) & set(ALL_CODENAMES)
    if lost:
        rows.filter(permission__codename__in=lost).delete()
    if wanted - existing:
        perms = _permission_objects()
        WorkspaceUserObjectPermission.objects.bulk_create(
            [
                WorkspaceUserObjectPermission(
                    content_object=workspace, user=user, permission=perms[c]
                )
                for c in sorted(wanted - existing)
            ],
            ignore_conflicts=True,
        )
    permissions.forget(user)
    return lost


def _revoke_pages(workspace: Workspace, user: Any, lost: set[str]) -> None:
    """After the commit, ``user``'s sockets leave the member pages that need what they lost."""
    if not lost:
        return
    for pages in member_pages:
        for kind, pk, codename in pages(workspace):
            if codename in lost:
                consumers.revoke_users(kind, pk, [user.pk])


def _open_console(*, actor: Any, user: Any) -> None:
    """A member works in the admin console: make them staff (audited) if they are not yet.
    What the console shows them is still the gate's decision."""
    User = get_user_model()
    changed = User.objects.filter(pk=user.pk, is_staff=False).update(is_staff=True)
    if changed:
        user.is_staff = True
        audit.record(
            actor=actor, action="user.staff_granted", obj=user, changes={"is_staff": [False, True]}
        )


def _set_role(workspace: Workspace, user: Any, role: str | None, actor: Any = None) -> set[str]:
    lost = _sync_grants(workspace, user, role)
    _revoke_pages(workspace, user, lost)
    if getattr(actor, "pk", None) == user.pk:
        permissions.forget(actor)  # the actor's own role changed: its cached scopes are stale
    return lost


def _owners(workspace: Workspace) -> QuerySet:
    return Membership.objects.filter(workspace=workspace, role=WorkspaceRole.OWNER)


def _membership(workspace: Workspace, user: Any) -> Membership:
    member = (
        Membership.objects.select_related("user")
        .filter(workspace=workspace, user_id=getattr(user, "pk", user))
        .first()
    )
    if member is None:
        raise ValidationError({"user": NOT_A_MEMBER})
    return member


def role_of(user: Any, workspace: Workspace) -> str | None:
    """``user``'s role in ``workspace`` (None if not a member)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(workspace=workspace, user=user)
        .values_list("role", flat=True)
        .first()
    )


def nameable_users(actor: Any) -> QuerySet:
    """Users ``actor`` may name (invite, make owner): the gate's people choice."""
    users = get_user_model().objects.filter(is_active=True)
    return users if _is_system(actor) else permissions.restrict_people(users, actor)


def _nameable(actor: Any, user: Any) -> Any:
    """``user`` (an object or an id) if ``actor`` may name them; unknown, inactive and
    unnameable users are refused with the same message."""
    pk = getattr(user, "pk", user)
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise ValidationError({"user": NO_SUCH_USER})
    found = nameable_users(actor).filter(pk=pk).first()
    if found is None:
        raise ValidationError({"user": NO_SUCH_USER})
    return found


# --- lifecycle --------------------------------------------------------------------------------


def _clean_text(workspace: Workspace) -> None:
    workspace.name = (workspace.name or "").strip()
    if not workspace.name:
        raise ValidationError({"name": "Give the workspace a name."})
    workspace.full_clean(exclude=["created_by", "updated_by"])


@transaction.atomic
def create_workspace(
    *,
    actor: Any,
    name: str,
    description: str = "",
    status: str = WorkspaceStatus.ACTIVE,
) -> Workspace:
    """A new workspace (draft or active) whose creator is its owner."""
    if not _is_system(actor) and not permissions.can_any(actor, Workspace, permissions.ADD):
        raise permissions.PermissionDenied("You may not create workspaces.")
    if status not in (WorkspaceStatus.DRAFT, WorkspaceStatus.ACTIVE):
        raise ValidationError({"status": "A new workspace is a draft or active."})
    workspace = Workspace(
        name=name,
        description=description or "",
        status=status,
        created_by=_user_or_none(actor),
        updated_by=_user_or_none(actor),
    )
    _clean_text(workspace)
    workspace.save()
    audit.record(
        actor=actor, action="workspace.create", obj=workspace, changes=audit.snapshot(workspace)
    )
    if not _is_system(actor):
        Membership.objects.create(workspace=workspace, user=actor, role=WorkspaceRole.OWNER)
        _sync_grants(workspace, actor, WorkspaceRole.OWNER)
        audit.record(
            actor=actor,
            action="membership.create",
            obj=workspace,
            changes={"user": actor.pk, "role": WorkspaceRole.OWNER},
        )
    events.emit("workspace.created", workspace, actor=_user_or_none(actor), name=workspace.name)
    return workspace


UPDATABLE = ("name", "description")


@transaction.atomic
def update_workspace(*, actor: Any, workspace: Workspace, **fields: Any) -> Workspace:
    """Rename or describe a workspace (owners). The status changes through
    :func:`archive_workspace`, :func:`restore_workspace` and :func:`activate_workspace`."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    _check(actor, "change", workspace)
    _lock(workspace)
    _writable(workspace)
    for key, value in fields.items():
        setattr(workspace, key, value if value is not None else "")
    _clean_text(workspace)
    workspace.updated_by = _user_or_none(actor)
    audit.audited_save(
        actor=actor,
        obj=workspace,
        action="workspace.update",
        fields=[*UPDATABLE, "updated_by", "updated_at"],
    )
    return workspace


@transaction.atomic
def update_notes(*, actor: Any, workspace: Workspace, notes: str) -> Workspace:
    """Save the workspace's notes (editors; the co-edited text, at most every few seconds)."""
    _check(actor, "edit", workspace)
    _lock(workspace)
    _writable(workspace)
    if notes == workspace.notes:
        return workspace
    workspace.notes = notes
    audit.audited_save(
        actor=actor, obj=workspace, action="workspace.notes", fields=["notes", "updated_at"]
    )
    events.emit("notes.edited", workspace, actor=_user_or_none(actor), length=len(notes))
    return workspace


def _transition(
    actor: Any, workspace: Workspace, *, allowed_from: tuple[str, ...], to: str, message: str
) -> Workspace:
    _check(actor, "manage", workspace)
    _lock(workspace)
    if workspace.status not in allowed_from:
        raise ValidationError(message)
    before = workspace.status
    workspace.status = to
    workspace.archived_at = timezone.now() if to == WorkspaceStatus.ARCHIVED else None
    workspace.updated_by = _user_or_none(actor)
    workspace.save(update_fields=["status", "archived_at", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        action=f"workspace.{_VERBS[to]}",
        obj=workspace,
        changes={"status": [before, to]},
    )
    events.emit(f"workspace.{_VERBS[to]}", workspace, actor=_user_or_none(actor), previous=before)
    return workspace


_VERBS = {
    WorkspaceStatus.ARCHIVED: "archived",
    WorkspaceStatus.ACTIVE: "activated",
}


@transaction.atomic
def archive_workspace(*, actor: Any, workspace: Workspace) -> Workspace:
    """Archive: the workspace becomes read-only (members keep reading it)."""
    return _transition(
        actor,
        workspace,
        allowed_from=(WorkspaceStatus.DRAFT, WorkspaceStatus.ACTIVE),
        to=WorkspaceStatus.ARCHIVED,
        message="This workspace is already archived.",
    )


@transaction.atomic
def restore_workspace(*, actor: Any, workspace: Workspace) -> Workspace:
    """Bring an archived workspace back: active, writable again."""
    _check(actor, "manage", workspace)
    _lock(workspace)
    if workspace.status != WorkspaceStatus.ARCHIVED:
        raise ValidationError("Only an archived workspace can be restored.")
    workspace.status = WorkspaceStatus.ACTIVE
    workspace.archived_at = None
    workspace.updated_by = _user_or_none(actor)
    workspace.save(update_fields=["status", "archived_at", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        action="workspace.restored",
        obj=workspace,
        changes={"status": [WorkspaceStatus.ARCHIVED, WorkspaceStatus.ACTIVE]},
    )
    events.emit("workspace.restored", workspace, actor=_user_or_none(actor))
    return workspace


@transaction.atomic
def activate_workspace(*, actor: Any, workspace: Workspace) -> Workspace:
    """A draft goes live (an archived workspace is restored with :func:`restore_workspace`)."""
    _check(actor, "manage", workspace)
    _lock(workspace)
    _writable(workspace)
    return _transition(
        actor,
        workspace,
        allowed_from=(WorkspaceStatus.DRAFT,),
        to=WorkspaceStatus.ACTIVE,
        message="Only a draft workspace can be activated.",
    )


@transaction.atomic
def delete_workspace(*, actor: Any, workspace: Workspace) -> None:
    """Delete a workspace with its members, pins and saved searches (owners)."""
    _check(actor, "delete", workspace)
    _lock(workspace)
    _writable(workspace)
    users = list(Membership.objects.filter(workspace=workspace).select_related("user"))
    audit.record(
        actor=actor,
        action="workspace.delete",
        obj=workspace,
        changes={"name": workspace.name, "members": [m.user_id for m in users]},
    )
    for member in users:
        _revoke_pages(workspace, member.user, set(ALL_CODENAMES))
    pk = workspace.pk
    workspace.delete()
    workspace.pk = pk  # for the caller's messages
    for member in users:
        permissions.forget(member.user)


# --- members ----------------------------------------------------------------------------------


@transaction.atomic
def invite_member(
    *, actor: Any, workspace: Workspace, user: Any, role: str = WorkspaceRole.VIEWER
) -> Membership:
    """Add ``user`` (someone the actor may name) to the workspace with ``role`` (owners)."""
    _check(actor, "manage", workspace)
    role = _validate_role(role)
    user = _nameable(actor, user)
    _lock(workspace)
    _writable(workspace)
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError({"user": f"{display_name(user)} is already a member."})
    try:
        with transaction.atomic():
            member = Membership.objects.create(
                workspace=workspace, user=user, role=role, invited_by=_user_or_none(actor)
            )
    except IntegrityError:
        raise ValidationError({"user": f"{display_name(user)} is already a member."}) from None
    _sync_grants(workspace, user, role)
    _open_console(actor=actor, user=user)
    audit.record(
        actor=actor,
        action="membership.create",
        obj=workspace,
        changes={"user": user.pk, "role": role},
    )
    events.emit(
        "member.added", workspace, actor=_user_or_none(actor), user=_user_data(user), role=role
    )
    return member


def _refuse_last_owner(workspace: Workspace, member: Membership) -> None:
    if member.role == WorkspaceRole.OWNER and _owners(workspace).count() <= 1:
        raise ValidationError(LAST_OWNER)


def _drop(actor: Any, workspace: Workspace, member: Membership, action: str) -> None:
    user = member.user
    audit.record(
        actor=actor,
        action=action,
        obj=workspace,
        changes={"user": user.pk, "role": [member.role, None]},
    )
    member.delete()
    _set_role(workspace, user, None, actor)
    events.emit(
        "member.removed",
        workspace,
        actor=_user_or_none(actor),
        user=_user_data(user),
        role=member.role,
    )


@transaction.atomic
def remove_member(*, actor: Any, workspace: Workspace, user: Any) -> None:
    """Remove a member (owners). Their sockets on the workspace's pages are closed at once."""
    _check(actor, "manage", workspace)
    _lock(workspace)
    _writable(workspace)
    member = _membership(workspace, user)
    _refuse_last_owner(workspace, member)
    _drop(actor, workspace, member, "membership.delete")


@transaction.atomic
def leave_workspace(*, actor: Any, workspace: Workspace) -> None:
    """The actor leaves the workspace; the last owner cannot."""
    _check(actor, "view", workspace)
    _lock(workspace)
    _writable(workspace)
    member = Membership.objects.select_related("user").filter(workspace=workspace, user=actor)
    found = member.first()
    if found is None:
        raise ValidationError("You are not a member of this workspace.")
    if found.role == WorkspaceRole.OWNER and _owners(workspace).count() <= 1:
        raise ValidationError(
            "You are the last owner: make another member owner (or transfer the ownership) "
            "before leaving."
        )
    _drop(actor, workspace, found, "membership.leave")


@transaction.atomic
def change_role(*, actor: Any, workspace: Workspace, user: Any, role: str) -> Membership:
    """Give a member another role (owners); the last owner keeps theirs."""
    _check(actor, "manage", workspace)
    role = _validate_role(role)
    _lock(workspace)
    _writable(workspace)
    member = _membership(workspace, user)
    if member.role == role:
        return member
    if role != WorkspaceRole.OWNER:
        _refuse_last_owner(workspace, member)
    before = member.role
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    _set_role(workspace, member.user, role, actor)
    audit.record(
        actor=actor,
        action="membership.update",
        obj=workspace,
        changes={"user": member.user_id, "role": [before, role]},
    )
    events.emit(
        "member.role_changed",
        workspace,
        actor=_user_or_none(actor),
        user=_user_data(member.user),
        role=role,
        previous=before,
    )
    return member


@transaction.atomic
def transfer_ownership(*, actor: Any, workspace: Workspace, user: Any) -> Membership:
    """Make the member ``user`` the owner; the previous owner (the actor, or every owner when
    the actor is not one, e.g. a superuser) becomes an editor."""
    _check(actor, "manage", workspace)
    _lock(workspace)
    _writable(workspace)
    new = _membership(workspace, user)
    if new.role == WorkspaceRole.OWNER and not _owners(workspace).exclude(pk=new.pk).exists():
        raise ValidationError({"user": f"{display_name(new.user)} is already the owner."})
    owners = _owners(workspace).exclude(pk=new.pk).select_related("user")
    if not _is_system(actor) and owners.filter(user=actor).exists():
        owners = owners.filter(user=actor)
    previous = list(owners)
    for old in previous:
        old.role = WorkspaceRole.EDITOR
        old.save(update_fields=["role", "updated_at"])
        _set_role(workspace, old.user, WorkspaceRole.EDITOR, actor)
    before = new.role
    new.role = WorkspaceRole.OWNER
    new.save(update_fields=["role", "updated_at"])
    _set_role(workspace, new.user, WorkspaceRole.OWNER, actor)
    audit.record(
        actor=actor,
        action="workspace.transfer",
        obj=workspace,
        changes={
            "owner": [[m.user_id for m in previous], new.user_id],
            "role": [before, WorkspaceRole.OWNER],
        },
    )
    events.emit(
        "workspace.ownership_transferred",
        workspace,
        actor=_user_or_none(actor),
        user=_user_data(new.user),
        role=WorkspaceRole.OWNER,
        previous_owners=[_user_data(m.user) for m in previous],
    )
    return new


# --- pins -------------------------------------------------------------------------------------


def _target_data(target: models.Model) -> dict[str, Any]:
    ref = pinning.target_ref(target)
    return {"type": ref["type"], "id": ref["id"], "name": ref["name"]}


@transaction.atomic
def pin(*, actor: Any, workspace: Workspace, target: models.Model, note: str = "") -> Pin:
    """Pin ``target`` to the workspace (editors). A target of a kind that is not pinnable, or
    one the gate hides from the actor, is refused exactly like a missing one."""
    _check(actor, "edit", workspace)
    if target is None or target.pk is None or not pinning.is_pinnable(target):
        raise ValidationError({"target": pinning.NOT_FOUND})
    if not _is_system(actor) and not permissions.can(actor, permissions.VIEW, target):
        raise ValidationError({"target": pinning.NOT_FOUND})
    note = (note or "").strip()
    if len(note) > Pin._meta.get_field("note").max_length:
        raise ValidationError({"note": "Keep the note under 300 characters."})
    _lock(workspace)
    _writable(workspace)
    ct = pinning.content_type(type(target))
    if Pin.objects.filter(workspace=workspace, target_type=ct, target_id=target.pk).exists():
        raise ValidationError({"target": "This is already pinned to the workspace."})
    try:
        with transaction.atomic():
            pinned = Pin.objects.create(
                workspace=workspace,
                target_type=ct,
                target_id=target.pk,
                pinned_by=_user_or_none(actor),
                note=note,
            )
    except IntegrityError:
        raise ValidationError({"target": "This is already pinned to the workspace."}) from None
    data = _target_data(target)
    audit.record(
        actor=actor,
        action="pin.create",
        obj=workspace,
        changes={"target": data, "note": note},
    )
    events.emit("pin.added", workspace, actor=_user_or_none(actor), target=data, pin=pinned.pk)
    return pinned


@transaction.atomic
def unpin(*, actor: Any, pin: Pin) -> None:
    """Remove a pin (editors who may see its target)."""
    workspace = pin.workspace
    _check(actor, "edit", workspace)
    _check(actor, "delete", pin)
    _lock(workspace)
    _writable(workspace)
    target = pin.target
    data = (
        _target_data(target)
        if target is not None
        else {"type": pin.target_type.model, "id": pin.target_id, "name": ""}
    )
    audit.record(actor=actor, action="pin.delete", obj=workspace, changes={"target": data})
    pk = pin.pk
    pin.delete()
    pin.pk = pk
    events.emit("pin.removed", workspace, actor=_user_or_none(actor), target=data, pin=pk)


@transaction.atomic
def update_pin(*, actor: Any, pin: Pin, note: str) -> Pin:
    """Change a pin's note (editors who may see its target)."""
    _check(actor, "edit", pin.workspace)
    _check(actor, "change", pin)
    _lock(pin.workspace)
    _writable(pin.workspace)
    pin.note = (note or "").strip()
    if len(pin.note) > Pin._meta.get_field("note").max_length:
        raise ValidationError({"note": "Keep the note under 300 characters."})
    audit.audited_save(actor=actor, obj=pin, action="pin.update", fields=["note", "updated_at"])
    return pin


def pins_of(user: Any, workspace: Workspace) -> list[dict[str, Any]]:
    """The pins of ``workspace`` that ``user`` may see, described (a fixed number of queries)."""
    pins = list(
        pinning.visible_pins(user, Pin.objects.filter(workspace=workspace)).select_related(
            "pinned_by"
        )
    )
    described = pinning.describe_pins(pins)
    return [
        {
            "id": p.pk,
            "target": described[p.pk],
            "note": p.note,
            "pinned_by": _user_data(p.pinned_by) if p.pinned_by_id else None,
            "created_at": p.created_at,
        }
        for p in pins
        if p.pk in described
    ]


# --- saved searches ---------------------------------------------------------------------------


def _clean_filters(filters: Any) -> dict[str, Any]:
    if filters in (None, ""):
        return {}
    if not isinstance(filters, dict):
        raise ValidationError({"filters": "Give the filters as an object of names and values."})
    if len(filters) > MAX_FILTERS:
        raise ValidationError({"filters": f"At most {MAX_FILTERS} filters."})
    clean: dict[str, Any] = {}
    for key, value in filters.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 100:
            raise ValidationError({"filters": "Filter names are short, non-empty texts."})
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_FILTERS or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) and len(str(v)) <= 200
            for v in values
        ):
            raise ValidationError(
                {"filters": f"The value of '{key[:100]}' must be a text or number, or a list."}
            )
        clean[key] = value
    return clean


def check_saved_search(search: SavedSearch) -> None:
    """Normalise and validate ``search`` (unsaved changes): a name unique in its workspace
    (ignoring case), filters as names and values. Raises ``ValidationError`` by field."""
    search.name = (search.name or "").strip()
    search.query = (search.query or "").strip()
    search.filters = _clean_filters(search.filters)
    if not search.name:
        raise ValidationError({"name": "Give the search a name."})
    if (
        SavedSearch.objects.filter(workspace_id=search.workspace_id, name__iexact=search.name)
        .exclude(pk=search.pk)
        .exists()
    ):
        raise ValidationError({"name": "The workspace already has a search with this name."})
    search.full_clean(exclude=["workspace", "created_by", "updated_by"], validate_unique=False)


def _save_search(actor: Any, search: SavedSearch, action: str) -> SavedSearch:
    check_saved_search(search)
    search.updated_by = _user_or_none(actor)
    try:
        with transaction.atomic():
            audit.audited_save(actor=actor, obj=search, action=action)
    except IntegrityError:
        raise ValidationError(
            {"name": "The workspace already has a search with this name."}
        ) from None
    return search


@transaction.atomic
def create_saved_search(
    *,
    actor: Any,
    workspace: Workspace,
    name: str,
    query: str = "",
    filters: dict[str, Any] | None = None,
) -> SavedSearch:
    """Keep a catalog search in the workspace (editors)."""
    _check(actor, "edit", workspace)
    _lock(workspace)
    _writable(workspace)
    search = SavedSearch(
        workspace=workspace,
        name=name,
        query=query or "",
        filters=filters or {},
        created_by=_user_or_none(actor),
    )
    return _save_search(actor, search, "savedsearch.create")


@transaction.atomic
def update_saved_search(*, actor: Any, search: SavedSearch, **fields: Any) -> SavedSearch:
    """Change a saved search's name, text or filters (editors); it stays in its workspace."""
    unknown = set(fields) - {"name", "query", "filters"}
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    _check(actor, "change", search)
    _lock(search.workspace)
    _writable(search.workspace)
    for key, value in fields.items():
        setattr(search, key, value)
    return _save_search(actor, search, "savedsearch.update")


@transaction.atomic
def delete_saved_search(*, actor: Any, search: SavedSearch) -> None:
    """Delete a saved search and its pins (editors)."""
    _check(actor, "delete", search)
    _lock(search.workspace)
    _writable(search.workspace)
    audit.record(actor=actor, action="savedsearch.delete", obj=search, changes={})
    Pin.objects.filter(target_type=pinning.content_type(SavedSearch), target_id=search.pk).delete()
    search.delete()
