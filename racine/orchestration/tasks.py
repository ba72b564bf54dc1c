"""Celery tasks of workflows: thin wrappers that load ids and call services.

Step tasks are idempotent (the step's state machine and dispatch number, under
``select_for_update``), so they are acknowledged late and requeued if their worker dies.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import services


@shared_task(bind=True, name=services.EXECUTE_STEP, acks_late=True, reject_on_worker_lost=True)
def execute_step(self: Any, step_id: int, dispatch: int) -> str | None:
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    step = services.execute_step(
        step_id, dispatch, redelivered=redelivered, worker=self.request.hostname or None
    )
    return step.state if step else None


@shared_task(name=services.WAKE_STEP, acks_late=True, reject_on_worker_lost=True)
def wake_step(step_id: int) -> str | None:
    step = services.wake_step(step_id)
    return step.state if step else None


@shared_task(name=services.ADVANCE_RUN, acks_late=True, reject_on_worker_lost=True)
def advance_run(run_id: int) -> str | None:
    run = services.advance(run_id)
    return run.state if run else None


@shared_task(name=services.FIRE_SCHEDULE, acks_late=True, reject_on_worker_lost=True)
def fire_schedule(schedule_id: int) -> str:
    return services.fire_schedule(schedule_id)


@shared_task(name="racine.orchestration.tasks.reconcile")
def reconcile() -> dict[str, int]:
    return services.reconcile()
