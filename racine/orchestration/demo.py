"""The demo schedules its scan (a step of ``manage.py demo``, see scans.extensions)."""

from __future__ import annotations

from typing import Any

from .choices import ScheduleKind
from .models import Schedule

DEMO_SCHEDULE = "Demo shop: nightly scan"


def schedule_demo_scan(*, stdout: Any, user: Any, source: Any, run: Any) -> None:
    """Scan the demo source every night at 02:00 (Europe/Paris), once."""
    from . import services

    schedule = Schedule.objects.filter(name=DEMO_SCHEDULE).first()
    if schedule is None:
        schedule = Schedule(
            name=DEMO_SCHEDULE,
            scan=run.scan,
            kind=ScheduleKind.CRON,
            cron="0 2 * * *",
            timezone="Europe/Paris",
        )
        schedule = services.save_schedule(actor=user, schedule=schedule)
    nxt = services.next_run(schedule)
    stdout.write(f"Scheduled '{schedule.name}': next run {nxt:%Y-%m-%d %H:%M %Z}.")


DEMO_WORKFLOW = "nightly-governance"


def demo_workflow(*, stdout: Any, user: Any, source: Any, run: Any) -> None:
    """The nightly governance of ``docs/examples/nightly-governance.yaml`` with this demo's
    own ids: scan the demo shop, evaluate GDPR on it, and wait for the admin's sign-off when
    the evaluation opened findings. Once; in the demo source's collection."""
    from governance.compliance.models import Framework

    from . import services
    from .models import Workflow

    if Workflow.objects.filter(name=DEMO_WORKFLOW, collection=source.collection).exists():
        return
    steps: list[dict[str, Any]] = [{"key": "scan", "type": "scan", "params": {"scan": run.scan_id}}]
    gdpr = Framework.objects.filter(code="gdpr").first()
    if gdpr is not None:
        steps += [
            {
                "key": "gdpr",
                "type": "evaluate",
                "after": ["scan"],
                "params": {"framework": gdpr.pk, "datasource": source.pk},
            },
            {
                "key": "sign-off",
                "type": "approval",
                "after": ["gdpr"],
                "params": {"approvers": [user.pk], "message": "Check tonight's GDPR findings"},
            },
        ]
    data = {
        "name": DEMO_WORKFLOW,
        "title": "Nightly governance",
        "collection": source.collection_id,
        "steps": steps,
    }
    workflow = services.save_workflow(actor=user, data=data)
    stdout.write(f"Created workflow '{workflow.title}' ({len(steps)} steps; run it from its page).")
