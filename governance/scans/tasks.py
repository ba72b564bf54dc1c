"""Celery tasks of scans: thin wrappers that load ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init, worker_ready
from django.conf import settings

from . import services

log = logging.getLogger(__name__)


@worker_process_init.connect
def warm_up(**_: object) -> None:
    """Load the classifier when a worker process starts, not in its first scan."""
    try:
        services.warm_up()
    except Exception as exc:  # a cold engine still works; the first scan loads it
        log.warning("scan.warm_up_failed error=%s", type(exc).__name__)


@worker_ready.connect
def warm_up_executor(sender: object = None, **_: object) -> None:
    """The main process warms up only where it runs tasks itself (solo or thread pools):
    prefork children warm up on their own, and a classifier in the parent would be wasted."""
    pool = getattr(sender, "pool", None)
    if pool is not None and "prefork" in type(pool).__module__:
        return
    warm_up()


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
