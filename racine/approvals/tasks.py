"""Scheduled work of the approval engine: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="racine.approvals.tasks.escalate_overdue")
def escalate_overdue() -> int:
    """Escalate open requests past their due date to the collection admins (beat)."""
    return services.escalate_overdue()


@shared_task(name="racine.approvals.tasks.expire_access")
def expire_access() -> int:
    """Revoke time-bound grants whose end has come (beat)."""
    return services.expire_access()
