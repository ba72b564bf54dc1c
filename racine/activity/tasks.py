"""Celery tasks of the activity stream: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="racine.activity.tasks.prune_activity")
def prune_activity() -> int:
    """Delete events older than the retention (scheduled daily, CELERY_BEAT_SCHEDULE)."""
    return services.prune_activity()


@shared_task(name="racine.activity.tasks.email_notifications")
def email_notifications(notification_ids: list[int]) -> int:
    return services.email_notifications(list(notification_ids))
