"""Audit of guardian object-permission rows changed outside role assignments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_delete, post_save

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


def connect() -> None:
    from .models import CollectionGroupObjectPermission, CollectionUserObjectPermission

    for model in (CollectionUserObjectPermission, CollectionGroupObjectPermission):
        post_save.connect(on_save, sender=model, dispatch_uid=f"rbac.audit.{model.__name__}.save")
        post_delete.connect(
            on_delete, sender=model, dispatch_uid=f"rbac.audit.{model.__name__}.delete"
        )
