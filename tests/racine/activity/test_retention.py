"""Retention: events older than PURSIGHT_ACTIVITY_RETENTION_DAYS are pruned, in batches, on a
schedule; so are the notifications they caused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from racine.activity import services, tasks
from racine.activity.models import ActivityEvent, Notification

pytestmark = pytest.mark.django_db


def _age(event, days: int) -> None:
    ActivityEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_old_events_are_pruned_in_batches_with_their_notifications(world, record, settings) -> None:
    settings.PURSIGHT_ACTIVITY_RETENTION_DAYS = 30
    old = [
        record("comment.created", world.src_a, actor=world.owner, mentions=[world.member.pk])[0]
        for _ in range(5)
    ]
    (recent,) = record("notes.edited", world.ws, actor=world.owner)
    # Another kind: two edits of the notes by one person would fold into one session event.
    (edge,) = record("workspace.updated", world.ws, actor=world.owner)
    for event in old:
        _age(event, 31)
    _age(edge, 29)
    assert Notification.objects.count() == 5
    assert services.prune_activity(batch=2) == 5
    assert set(ActivityEvent.objects.values_list("pk", flat=True)) == {recent.pk, edge.pk}
    assert not Notification.objects.exists()
    assert services.prune_activity(batch=2) == 0  # nothing left to do


def test_zero_days_keeps_everything(world, record, settings) -> None:
    settings.PURSIGHT_ACTIVITY_RETENTION_DAYS = 0
    (event,) = record("notes.edited", world.ws, actor=world.owner)
    _age(event, 5000)
    assert services.prune_activity() == 0 and ActivityEvent.objects.count() == 1


def test_the_task_prunes_and_is_scheduled_daily(world, record, settings) -> None:
    settings.PURSIGHT_ACTIVITY_RETENTION_DAYS = 365
    (event,) = record("notes.edited", world.ws, actor=world.owner)
    _age(event, 400)
    assert tasks.prune_activity() == 1
    schedule = {
        entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["racine.activity.tasks.prune_activity"] == 24 * 3600.0
    from pursight.settings import base

    assert base.PURSIGHT_ACTIVITY_RETENTION_DAYS == 365  # the default: a year
