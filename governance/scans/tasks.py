"""Celery tasks of scans: thin wrappers that load ids and call services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    name="governance.scans.tasks.run_scan",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.PURSIGHT_SCAN["SOFT_TIME_LIMIT"],
    time_limit=settings.PURSIGHT_SCAN["SOFT_TIME_LIMIT"] + 300,
)
def run_scan(run_id: int) -> str | None:
    run = services.execute_run(run_id)
    return run.state if run else None


@shared_task(name="governance.scans.tasks.detect_stale_runs")
def detect_stale_runs() -> list[int]:
    return services.detect_stale_runs()
