"""Who may read the audit trail: superusers everything, Collection Admins their subtrees."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pursight import permissions

from .models import AuditEvent

AUDIT_CODENAME = "manage_collection"


def can_read_audit(user: Any) -> bool:
    return bool(permissions.scope(user, AUDIT_CODENAME))


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    return permissions.restrict_by_collection(
        AuditEvent.objects.select_related("actor"), user, AUDIT_CODENAME
    )
