"""Audit of authentication and of Django's own permission tables (users, groups)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from pursight import audit

USER_AUDITED_FIELDS = [
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "password",
]


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        actor=user,
        action="auth.login",
        obj=user,
        source_ip=audit.client_ip(request),
        changes={"backend": getattr(user, "backend", "")},
    )


def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action="auth.logout", obj=user, source_ip=audit.client_ip(request))


def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username"))
    audit.record(
        actor=f"anonymous ({username})"[:150],
        action="auth.login_failed",
        object_type=get_user_model()._meta.label_lower,
        object_repr=username[:300],
        source_ip=audit.client_ip(request),
        changes={"locked_out": bool(getattr(request, "axes_locked_out", False))},
    )


def _snapshot_user(user: Any) -> dict[str, Any]:
    data = audit.snapshot(user, USER_AUDITED_FIELDS)
    data["password"] = audit.REDACTED if data.get("password") else ""
    return data


def before_user_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    fields = kwargs.get("update_fields")
    if fields is not None and set(fields) <= {"last_login"}:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    if old is not None:
        instance._pursight_audit_before = _snapshot_user(old)
        instance._pursight_audit_password = old.password


def after_user_save(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    fields = kwargs.get("update_fields")
    if not created and fields is not None and set(fields) <= {"last_login"}:
        return
    actor = _actor()
    if created:
        audit.record(
            actor=actor, action="user.create", obj=instance, changes=_snapshot_user(instance)
        )
        return
    before = instance.__dict__.pop("_pursight_audit_before", None)
    old_password = instance.__dict__.pop("_pursight_audit_password", None)
    if before is None:
        return
    changes = audit.diff(before, _snapshot_user(instance))
    changes.pop("password", None)
    if old_password is not None and old_password != instance.password:
        changes["password"] = [audit.REDACTED, audit.REDACTED]
    if changes:
        audit.record(actor=actor, action="user.update", obj=instance, changes=changes)


def after_user_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    audit.record(actor=_actor(), action="user.delete", obj=instance)


def after_group_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        audit.record(
            actor=_actor(), action=f"group.{'create' if created else 'update'}", obj=instance
        )


def after_group_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    audit.record(actor=_actor(), action="group.delete", obj=instance)


def _m2m_handler(action_name: str, related: str) -> Any:
    def handler(
        sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kw: Any
    ) -> None:
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        verb = {"post_add": "add", "post_remove": "remove", "post_clear": "clear"}[action]
        ids = sorted(pk_set or [])
        if reverse:  # e.g. group.user_set.add(user): record per owning side in one event
            audit.record(
                actor=_actor(),
                action=f"{action_name}.{verb}",
                obj=instance,
                changes={"reverse": True, "ids": ids},
            )
            return
        labels = []
        if ids:
            labels = [str(o) for o in model._default_manager.filter(pk__in=ids)]
        audit.record(
            actor=_actor(),
            action=f"{action_name}.{verb}",
            obj=instance,
            changes={related: labels or ids},
        )

    return handler


def _actor() -> Any:
    request = audit.current_request()
    user = getattr(request, "user", None) if request is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def connect() -> None:
    User = get_user_model()
    user_logged_in.connect(on_login, dispatch_uid="pursight.audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="pursight.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="pursight.audit.login_failed")
    pre_save.connect(before_user_save, sender=User, dispatch_uid="pursight.audit.user_pre")
    post_save.connect(after_user_save, sender=User, dispatch_uid="pursight.audit.user_post")
    post_delete.connect(after_user_delete, sender=User, dispatch_uid="pursight.audit.user_del")
    post_save.connect(after_group_save, sender=Group, dispatch_uid="pursight.audit.group_post")
    post_delete.connect(after_group_delete, sender=Group, dispatch_uid="pursight.audit.group_del")
    m2m_changed.connect(
        _m2m_handler("user.groups", "groups"),
        sender=User.groups.through,
        dispatch_uid="pursight.audit.user_groups",
        weak=False,
    )
    m2m_changed.connect(
        _m2m_handler("user.permissions", "permissions"),
        sender=User.user_permissions.through,
        dispatch_uid="pursight.audit.user_perms",
        weak=False,
    )
    m2m_changed.connect(
        _m2m_handler("group.permissions", "permissions"),
        sender=Group.permissions.through,
        dispatch_uid="pursight.audit.group_perms",
        weak=False,
    )
