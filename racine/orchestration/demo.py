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
