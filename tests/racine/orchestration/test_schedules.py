"""Schedules: django-celery-beat fires a missed schedule once after a downtime, and
fire_schedule drops the duplicates of a slot (several beats, catch-up messages queued while
workers were down); next runs honour the time zone; a scan's schedule starts a scan run."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from governance.scans.models import ScanRun
from racine.orchestration import services
from racine.orchestration.choices import ScheduleKind
from racine.orchestration.models import Schedule, WorkflowRun

from .conftest import noop

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def cron(wf, expression="0 2 * * *", tz="UTC") -> Schedule:
    return services.save_schedule(
        actor=None, schedule=Schedule(name="nightly", workflow=wf, cron=expression, timezone=tz)
    )


def test_beat_sends_a_long_missed_schedule_once(make_workflow):
    """What ``celery beat`` (DatabaseScheduler) does after three days down: the entry is due
    once; after it ran, it is not due again until the next slot."""
    from django_celery_beat.schedulers import ModelEntry

    schedule = cron(make_workflow([noop("a")]))
    task = schedule.periodic_task
    task.last_run_at = timezone.now() - timedelta(days=3)
    task.save()
    entry = ModelEntry(task)
    due, _ = entry.is_due()
    assert due
    after = next(entry)  # what beat does when it sends the task
    due_again, wait = after.is_due()
    assert not due_again and 0 < wait <= 24 * 3600


def test_fire_drops_duplicates_of_a_slot(make_workflow, committed):
    wf = make_workflow([noop("a")])
    schedule = cron(wf)
    t = datetime(2026, 3, 3, 2, 0, 3, tzinfo=UTC)
    with committed():
        outcomes = [
            services.fire_schedule(schedule.pk, now=t),
            services.fire_schedule(schedule.pk, now=t + timedelta(seconds=5)),  # another beat
            services.fire_schedule(schedule.pk, now=t + timedelta(hours=7)),  # queued catch-up
        ]
    assert outcomes[0].startswith("started workflow run")
    assert outcomes[1:] == ["duplicate", "duplicate"]
    assert WorkflowRun.objects.filter(schedule=schedule).count() == 1
    # The next night is a new slot.
    with committed():
        assert services.fire_schedule(schedule.pk, now=t + timedelta(days=1)).startswith("started")
    assert WorkflowRun.objects.filter(schedule=schedule, trigger="schedule").count() == 2


def test_interval_slots(make_workflow):
    wf = make_workflow([noop("a")])
    schedule = services.save_schedule(
        actor=None,
        schedule=Schedule(
            name="hourly", workflow=wf, kind=ScheduleKind.INTERVAL, every=1, period="hours"
        ),
    )
    t = timezone.now()
    assert services.fire_schedule(schedule.pk, now=t).startswith("started")
    assert services.fire_schedule(schedule.pk, now=t + timedelta(minutes=10)) == "duplicate"
    assert services.fire_schedule(schedule.pk, now=t + timedelta(minutes=61)).startswith("started")


def test_next_run_in_the_schedule_s_time_zone(make_workflow):
    schedule = cron(make_workflow([noop("a")]), "0 2 * * *", "Europe/Paris")
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 14:00 in Paris (summer)
    when = services.next_run(schedule, now=now)
    assert when.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M") == (
        "2026-07-02 02:00"
    )
    assert when.astimezone(UTC).hour == 0
    schedule.enabled = False
    assert services.next_run(schedule, now=now) is None


def test_a_disabled_workflow_or_schedule_does_not_run(make_workflow):
    wf = make_workflow([noop("a")])
    schedule = cron(wf)
    wf.enabled = False
    wf.save()
    assert "disabled" in services.fire_schedule(schedule.pk)
    schedule.enabled = False
    services.save_schedule(actor=None, schedule=schedule)
    assert services.fire_schedule(schedule.pk) == "disabled"
    assert schedule.periodic_task.enabled is False
    assert not WorkflowRun.objects.exists()


def test_a_scan_schedule_starts_a_scan_run(make_source, shop_db, make_user, grant):
    from governance.scans.services import default_scan

    source = make_source(shop_db)
    owner = make_user("owner")
    grant(owner, "manage_datasources", source.collection)
    grant(owner, "view_catalog", source.collection)
    scan = default_scan(actor=None, source=source)
    schedule = services.save_schedule(
        actor=owner, schedule=Schedule(name="scan nightly", scan=scan, cron="15 1 * * *")
    )
    assert schedule.collection_id == source.collection_id
    outcome = services.fire_schedule(schedule.pk)
    run = ScanRun.objects.get()
    assert outcome == f"started scan run #{run.pk}" and run.trigger == "schedule"
    # Its creator lost the right: the schedule records why it did not start.
    from guardian.shortcuts import remove_perm

    remove_perm("rbac.manage_datasources", owner, source.collection)
    schedule.last_fired_at = None
    schedule.save()
    assert services.fire_schedule(schedule.pk).startswith("not started: You may not run")


def test_a_schedule_needs_the_rights_to_run_its_target(make_workflow, make_user, grant, collection):
    from pursight.permissions import PermissionDenied

    reader = make_user("reader")
    grant(reader, "view_catalog", collection)
    with pytest.raises(PermissionDenied):
        services.save_schedule(
            actor=reader,
            schedule=Schedule(name="x", workflow=make_workflow([noop("a")]), cron="0 2 * * *"),
        )
    assert not Schedule.objects.exists()


def test_the_demo_schedules_its_scan(make_source, shop_db, admin_user):
    from io import StringIO

    from governance.scans.services import default_scan, start_scan
    from racine.orchestration.demo import DEMO_SCHEDULE, schedule_demo_scan

    source = make_source(shop_db)
    run = start_scan(actor=None, scan=default_scan(actor=None, source=source), enqueue=False)
    out = StringIO()
    for _ in range(2):  # idempotent
        schedule_demo_scan(stdout=out, user=admin_user, source=source, run=run)
    schedule = Schedule.objects.get(name=DEMO_SCHEDULE)
    assert schedule.scan == run.scan and schedule.timezone == "Europe/Paris"
    assert "next run" in out.getvalue()


def test_the_demo_creates_its_nightly_governance_workflow(
    make_source, make_collection, shop_db, admin_user
):
    from io import StringIO

    from django.core.management import call_command

    from governance.compliance.models import Framework
    from governance.scans.services import default_scan, start_scan
    from racine.orchestration.demo import DEMO_WORKFLOW, demo_workflow
    from racine.orchestration.models import Workflow

    call_command("load_frameworks", stdout=StringIO())
    source = make_source(shop_db, collection=make_collection("Demo"))
    run = start_scan(actor=None, scan=default_scan(actor=None, source=source), enqueue=False)
    out = StringIO()
    for _ in range(2):  # idempotent
        demo_workflow(stdout=out, user=admin_user, source=source, run=run)
    workflow = Workflow.objects.get(name=DEMO_WORKFLOW)
    assert workflow.collection == source.collection
    steps = {s.key: s for s in workflow.steps.all()}
    assert set(steps) == {"scan", "gdpr", "sign-off"}
    # This demo's own ids, not those a fresh database would give.
    assert steps["scan"].params == {"scan": run.scan_id}
    gdpr = Framework.objects.get(code="gdpr")
    assert steps["gdpr"].params == {"framework": gdpr.pk, "datasource": source.pk}
    assert steps["sign-off"].params["approvers"] == [admin_user.pk]
    assert out.getvalue().count("Created workflow 'Nightly governance' (3 steps") == 1
