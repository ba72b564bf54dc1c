"""Recording audit events. Services call :func:`record`; secrets are redacted here.

The current request (set by :class:`pursight.core.middleware.AuditContextMiddleware`) supplies
the source IP when a caller does not pass one, so services need not know about requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import models

REDACTED = "***"
# Keys of ``changes`` whose values never reach the trail, whatever model they come from.
SECRET_KEY_PATTERN = re.compile(
    r"(password|passwd|secret|token|digest|api[_-]?key|credential)", re.IGNORECASE
)

M = TypeVar("M", bound=models.Model)

_current_request: ContextVar[Any] = ContextVar("pursight_audit_request", default=None)


@contextmanager
def request_context(request: Any) -> Iterator[None]:
    """Make ``request`` the one :func:`record` reads its source IP from."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def current_request() -> Any:
    return _current_request.get()


def client_ip(request: Any) -> str | None:
    """The peer address Django saw (behind a proxy, configure it to set REMOTE_ADDR)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def redact(data: Any) -> Any:
    """``data`` with the values of secret-looking keys replaced, recursively."""
    if isinstance(data, dict):
        return {
            k: (REDACTED if SECRET_KEY_PATTERN.search(str(k)) else redact(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact(v) for v in data]
    return data


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of ``obj`` (concrete, non-relational-object) with secrets redacted."""
    secret = set(getattr(obj, "secret_fields", ()))
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in secret or _is_encrypted(field):
            data[field.name] = REDACTED
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def _is_encrypted(field: models.Field) -> bool:
    from pursight.crypto import EncryptedTextField

    return isinstance(field, EncryptedTextField)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields that differ."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _collection_of(obj: models.Model | None) -> int | None:
    if obj is None:
        return None
    from pursight import permissions

    try:
        # Only rows under the collection tree have a collection (a workspace's pk is not one).
        if (
            permissions.is_securable(type(obj))
            and permissions.securable(type(obj)).root == permissions.COLLECTION_MODEL
        ):
            return permissions.collection_id_of(obj)
    except Exception:  # a half-deleted object must not stop the record
        return None
    return None


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_repr: str = "",
    source_ip: str | None = None,
    collection_id: int | None = None,
) -> None:
    """Append one audit event (secrets in ``changes`` are redacted)."""
    from pursight.core.models import AuditEvent

    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)[:300]
    if collection_id is None:
        collection_id = _collection_of(obj)
    if source_ip is None:
        source_ip = client_ip(current_request())
    user = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.create(
        actor=user,
        actor_repr=(user.get_username() if user else str(actor or "system"))[:150],
        action=action[:64],
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=object_repr[:300],
        changes=redact(_jsonable(changes or {})),
        source_ip=source_ip,
        collection_id=collection_id,
    )


def audited_save(
    *,
    actor: Any,
    obj: M,
    action: str | None = None,
    source_ip: str | None = None,
    fields: Sequence[str] | None = None,
) -> M:
    """Save ``obj`` and record what changed: snapshot the stored row, save, record the diff.

    Call it inside the service's transaction, after validating ``obj``. ``before`` is the row as
    stored (not the instance in memory, which may already hold the new values); an object not
    yet stored is a creation and records every field. ``action`` defaults to
    ``"<model>.create"`` or ``"<model>.update"``. ``fields`` saves only those fields
    (``update_fields``) and records only their changes. Secrets are redacted as in
    :func:`record`. Returns ``obj``.
    """
    names = list(fields) if fields is not None else None
    stored = None
    if obj.pk is not None:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    before = snapshot(stored, names) if stored is not None else {}
    obj.save(update_fields=names)
    if action is None:
        action = f"{obj._meta.model_name}.{'create' if stored is None else 'update'}"
    record(
        actor=actor,
        action=action,
        obj=obj,
        changes=diff(before, snapshot(obj, names)),
        source_ip=source_ip,
    )
    return obj
