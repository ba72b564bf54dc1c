"""Audit of guardian object-permission rows changed outside role assignments, and the console
opened to a user who joins a group that holds a role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from pursight import audit

_in_role_sync: ContextVar[bool] = ContextVar("rbac_in_role_sync", default=False)


@contextmanager
def role_sync() -> Iterator[None]:
    """Rows written while syncing role assignments are audited as the assignment itself."""
    token = _in_role_sync.set(True)
    try:
        yield
    finally:
        _in_role_sync.reset(token)


def _actor() -> Any:
    request = audit.current_request()
    user = getattr(request, "user", None) if request is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def _record(instance: Any, verb: str) -> None:
    if _in_role_sync.get():
        return
    principal = (
        f"user {instance.user_id}" if hasattr(instance, "user_id") else f"group {instance.group_id}"
    )
    audit.record(
        actor=_actor(),
        action=f"objectpermission.{verb}",
        object_type="rbac.collection",
        object_repr=f"{instance.permission.codename} for {principal}",
        collection_id=instance.content_object_id,
        changes={
            "permission": instance.permission.codename,
            "principal": principal,
            "collection": instance.content_object_id,
        },
    )


def on_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        _record(instance, "grant")


def on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    _record(instance, "revoke")


def open_console(*, actor: Any, user_ids: Any) -> list[Any]:
    """Make the users among ``user_ids`` who are not staff yet staff, one audit record each
    (``user.staff_granted``, as :func:`governance.rbac.services.assign_role` records it).

    Staff status only opens the console's door: what it shows is still the gate's decision.
    Returns the users made staff.
    """
    users = get_user_model().objects.filter(pk__in=list(user_ids), is_staff=False)
    members = list(users.select_for_update())
    if not members:
        return []
    get_user_model().objects.filter(pk__in=[m.pk for m in members]).update(is_staff=True)
    for member in members:
        audit.record(
            actor=actor,
            action="user.staff_granted",
            obj=member,
            changes={"is_staff": [False, True]},
        )
    return members


def on_group_join(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A user added to a group that holds a role (on any collection) becomes staff, like a user
    granted the role directly: ``user.groups.add(group)`` and ``group.user_set.add(user)``."""
    if action != "post_add" or not pk_set:
        return
    from .models import RoleAssignment

    if reverse:  # group.user_set.add(...): instance is the group, pk_set the users
        if not RoleAssignment.objects.filter(group=instance).exists():
            return
        user_ids: Any = pk_set
    else:  # user.groups.add(...): instance is the user, pk_set the groups
        if instance.is_staff or not RoleAssignment.objects.filter(group_id__in=pk_set).exists():
            return
        user_ids = [instance.pk]
    opened = open_console(actor=_actor(), user_ids=user_ids)
    if not reverse and opened:
        instance.is_staff = True  # a later save of this instance keeps it


def connect() -> None:
    from .models import CollectionGroupObjectPermission, CollectionUserObjectPermission

    m2m_changed.connect(
        on_group_join,
        sender=get_user_model().groups.through,
        dispatch_uid="rbac.staff_on_group_join",
    )

    for model in (CollectionUserObjectPermission, CollectionGroupObjectPermission):
        post_save.connect(on_save, sender=model, dispatch_uid=f"rbac.audit.{model.__name__}.save")
        post_delete.connect(
            on_delete, sender=model, dispatch_uid=f"rbac.audit.{model.__name__}.delete"
        )
