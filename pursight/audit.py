"""Recording audit events. Services call :func:`record`; secrets are redacted here."""

from __future__ import annotations

from typing import Any

from django.db import models

REDACTED = "***"


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of ``obj`` (concrete, non-relational-object) with secrets redacted."""
    secret = set(getattr(obj, "secret_fields", ()))
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in secret:
            data[field.name] = REDACTED
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields that differ."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_repr: str = "",
    source_ip: str | None = None,
) -> None:
    """Append one audit event."""
    from pursight.core.models import AuditEvent

    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)[:300]
    user = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.create(
        actor=user,
        actor_repr=(user.get_username() if user else str(actor or "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=object_repr[:300],
        changes=_jsonable(changes or {}),
        source_ip=source_ip,
    )
