"""Workflows: definitions, runs on Celery, and schedules.

**Definitions.** :func:`save_workflow` validates a definition (:mod:`.definition`: typed step
parameters, known types, no cycle, objects visible to the author through the gate), checks the
author may manage workflows of its collection, and replaces the steps in one transaction.

**Runs.** A run snapshots the definition and gets one :class:`StepRun` per step, each a state
machine (pending → running → waiting → succeeded | failed | skipped | cancelled). The engine
is a few idempotent functions, each one short transaction under ``select_for_update``:

- :func:`advance` (run row locked) skips the steps after a false condition, dispatches the
  steps whose dependencies succeeded (parallel branches go out together), and finishes the run
  when nothing is left in flight;
- :func:`execute_step` (the Celery task's body, ``acks_late``) claims a step by its dispatch
  number (a stale or duplicate message finds another number, or a running step with a live
  heartbeat, and does nothing), runs it outside any transaction with a heartbeat, then
  :func:`finish_step` records the outcome only if the step is still that attempt (a cancel or a
  timeout in between wins) and retries transient errors with exponential backoff;
- :func:`wake_step` polls a waiting step (a scan run, a report, an approval, a delay);
- :func:`reconcile` (a beat task) re-dispatches steps whose worker stopped sending heartbeats,
  fails steps past their timeout, polls waiting steps and re-sends lost messages.

So a killed worker's step is run again by another worker; a step that succeeded never runs
again, and a redelivered message is dropped. :func:`cancel_run` and :func:`resume_run` (from
the failed steps; succeeded ones are kept) complete the state machine.

**Schedules** own a django-celery-beat ``PeriodicTask`` calling :func:`fire_schedule`, which
drops the duplicates of a slot that already fired (a catch-up after beat was down fires once).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from pursight import audit, events, permissions, realtime
from pursight.celery import app as celery_app
from pursight.celery import task as celery_task

from . import definition as defs
from . import notifying
from .choices import (
    RUN_FINAL,
    STEP_FINAL,
    STEP_IN_FLIGHT,
    Period,
    RunState,
    ScheduleKind,
    StepState,
    Trigger,
)
from .models import Schedule, StepRun, Workflow, WorkflowRun, WorkflowStep
from .steps import TRANSIENT_ERRORS, Context, Outcome, get_type
from .timing import cron_parts, validate_timezone

log = logging.getLogger(__name__)

EXECUTE_STEP = "racine.orchestration.tasks.execute_step"
WAKE_STEP = "racine.orchestration.tasks.wake_step"
ADVANCE_RUN = "racine.orchestration.tasks.advance_run"
FIRE_SCHEDULE = "racine.orchestration.tasks.fire_schedule"
LIVE_PAGE = "workflowrun"
MANAGE = "manage_datasources"
# What the engine notes on a step's result and keeps across attempts.
KEPT_RESULT = ("workers_lost",)


def conf(name: str) -> Any:
    return settings.PURSIGHT_ORCHESTRATION[name]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and actor.pk else None


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _eager() -> bool:
    return bool(celery_app.conf.task_always_eager)


# --- definitions ----------------------------------------------------------------------------


def check(actor: Any, action: str, obj: Any) -> None:
    """The gate's check; ``actor=None`` is the system (commands, start-up)."""
    if actor is not None:
        permissions.check(actor, action, obj)


@transaction.atomic
def save_workflow(
    *, actor: Any, data: dict[str, Any], workflow: Workflow | None = None
) -> Workflow:
    """Create (or, given ``workflow``, replace) a workflow from its definition ``data`` (the
    YAML/JSON form). Validated whole; nothing is written unless it is valid."""
    from governance.rbac.models import Collection

    defs.check_top(data)
    name = data.get("name") if workflow is None else data.get("name", workflow.name)
    if workflow is None:
        workflow = Workflow(created_by=_user(actor), owner=_user(actor))
    else:
        check(actor, "change", workflow)
        workflow.updated_by = _user(actor)
    workflow.name = name or ""
    for attr in ("title", "description"):
        if attr in data:
            setattr(workflow, attr, data[attr] or "")
    if "enabled" in data:
        workflow.enabled = bool(data["enabled"])
    if "collection" in data:
        cid = data["collection"]
        collection = None
        if cid is not None:
            if isinstance(cid, bool) or not isinstance(cid, int):
                raise ValidationError({"collection": "A collection id (a whole number)."})
            allowed = (
                permissions.allowed_collections(actor, MANAGE)
                if actor is not None
                else Collection.objects.all()
            )
            collection = allowed.filter(pk=cid).first()
            if collection is None:
                raise ValidationError({"collection": f"No collection {cid} you manage."})
        workflow.collection = collection
    workflow.full_clean(exclude=["created_by", "updated_by", "owner"], validate_constraints=False)
    _check_name_free(Workflow, workflow, "workflow")
    # The author must manage workflows where it lands (checked after any move: never out of
    # reach).
    check(actor, "add" if workflow.pk is None else "change", workflow)
    specs = defs.validate_steps(data.get("steps"), user=actor)
    if workflow.pk is not None:
        workflow.version += 1
    audit.audited_save(
        actor=actor,
        obj=workflow,
        action=f"workflow.{'update' if workflow.pk else 'create'}",
    )
    replace_steps(workflow, specs)
    return workflow


def replace_steps(workflow: Workflow, specs: list[defs.StepSpec]) -> None:
    """Store validated steps (in topological order) as the workflow's steps."""
    workflow.steps.all().delete()
    WorkflowStep.objects.bulk_create(
        [
            WorkflowStep(
                workflow=workflow,
                key=s.key,
                type=s.type,
                params=s.params,
                depends_on=s.after,
                retries=s.retries,
                retry_backoff=s.retry_backoff,
                timeout=s.timeout,
                position=i,
            )
            for i, s in enumerate(specs)
        ]
    )


def _check_name_free(model: type[models.Model], obj: Any, noun: str) -> None:
    """Names are unique in a collection (and among platform rows): the author manages that
    collection, so the answer speaks only of names they may see."""
    same = model._default_manager.filter(name=obj.name, collection_id=obj.collection_id)
    if same.exclude(pk=obj.pk).exists():
        where = "in this collection" if obj.collection_id else "among platform " + noun + "s"
        raise ValidationError({"name": f"A {noun} named '{obj.name}' already exists {where}."})


def import_workflow(*, actor: Any, text: str | bytes, replace: bool = False) -> Workflow:
    """Create a workflow from YAML/JSON text; with ``replace``, update the one of that name
    in the definition's collection (one the actor may see; else a new one is created there)."""
    data = defs.parse(text)
    existing = None
    if replace:
        mine = (
            Workflow.objects.all()
            if actor is None
            else permissions.restrict(Workflow.objects.all(), actor)
        )
        cid = data.get("collection")
        existing = mine.filter(
            name=data.get("name"), collection_id=cid if isinstance(cid, int) else None
        ).first()
    return save_workflow(actor=actor, data=data, workflow=existing)


def export_workflow(workflow: Workflow, fmt: str = "yaml") -> str:
    return defs.dump(defs.export(workflow), fmt)


def delete_workflow(*, actor: Any, workflow: Workflow) -> None:
    check(actor, "delete", workflow)
    if workflow.runs.filter(state__in=(RunState.PENDING, RunState.RUNNING)).exists():
        raise ValidationError("The workflow has a run in progress; cancel it first.")
    with transaction.atomic():
        audit.record(actor=actor, action="workflow.delete", obj=workflow)
        for schedule in workflow.schedules.all():
            _drop_periodic_task(schedule)
        workflow.delete()


# --- runs -----------------------------------------------------------------------------------


def check_run(actor: Any, workflow: Workflow, specs: Iterable[dict[str, Any]]) -> None:
    """May ``actor`` run ``workflow``: the workflow's ``run`` right, and what each step needs
    (run its scan, evaluate its framework...)."""
    if actor is None:
        return
    permissions.check(actor, "run", workflow)
    for spec in specs:
        get_type(spec["type"]).authorize(actor, spec["params"])


def _definition(workflow: Workflow) -> dict[str, Any]:
    return defs.export(workflow)


def start_run(
    *,
    actor: Any,
    workflow: Workflow,
    trigger: str = Trigger.MANUAL,
    schedule: Schedule | None = None,
) -> WorkflowRun:
    """Start a run of ``workflow``; its first steps are dispatched when the transaction
    commits."""
    snapshot = _definition(workflow)
    check_run(actor, workflow, snapshot["steps"])
    now = timezone.now()
    with transaction.atomic():
        run = WorkflowRun.objects.create(
            workflow=workflow,
            definition=snapshot,
            state=RunState.RUNNING,
            trigger=trigger,
            requested_by=_user(actor),
            schedule=schedule,
            started_at=now,
        )
        steps = StepRun.objects.bulk_create(
            [
                StepRun(run=run, key=s["key"], type=s["type"], position=i)
                for i, s in enumerate(snapshot["steps"])
            ]
        )
        audit.record(actor=actor, action="workflow.run", obj=run, changes={"trigger": trigger})
        events.emit(
            "workflow.started", run, actor=_user(actor), workflow=workflow.name, trigger=trigger
        )
        publish(run, steps)
        transaction.on_commit(lambda: kick(run.pk))
    return run


def kick(run_id: int) -> None:
    """Move a run on after the commit that started (or resumed) it. With a broker this only
    queues its first steps. With eager tasks (no broker: ``make run`` without Redis) the steps
    would run in the caller's thread, so the run is handed to a background thread (its own
    database connection) and the request returns at once; inside an enclosing transaction
    (tests) no other thread could see the run, so it runs in this one."""
    from django.db import connection

    if not _eager() or connection.in_atomic_block:
        advance(run_id)
        return

    def work() -> None:
        try:
            advance(run_id)
        except Exception:  # the run's steps record their own failures; a last resort
            log.exception("workflow.background_crashed run=%s", run_id)
        finally:
            connections.close_all()

    threading.Thread(target=work, name=f"workflow-run-{run_id}", daemon=True).start()


def _spec(run: WorkflowRun, key: str) -> dict[str, Any]:
    for s in run.definition.get("steps", []):
        if s["key"] == key:
            return s
    raise KeyError(key)


@dataclass
class _Send:
    step_id: int
    dispatch: int
    countdown: float | None = None
    timeout: int | None = None


def _send(sends: list[_Send]) -> None:
    """Queue the step messages (after the commit that numbered them)."""
    task = celery_task(EXECUTE_STEP)
    for s in sends:
        options: dict[str, Any] = {}
        if s.countdown:
            options["countdown"] = s.countdown
        if s.timeout and not _eager():
            options["soft_time_limit"] = s.timeout
            options["time_limit"] = s.timeout + conf("KILL_GRACE_SECONDS")
        try:
            task.apply_async((s.step_id, s.dispatch), **options)
        except Exception as exc:  # broker down: the reconciler sends it again
            log.warning("workflow.enqueue_failed step=%s error=%r", s.step_id, exc)


def _dispatch(step: StepRun, spec: dict[str, Any], now: datetime, delay: float = 0) -> _Send:
    step.dispatch += 1
    step.dispatched_at = now
    step.not_before = now + timedelta(seconds=delay) if delay else None
    return _Send(step.pk, step.dispatch, delay or None, spec.get("timeout"))


def advance(run_id: int) -> WorkflowRun | None:
    """Move a run on: skip, dispatch, or finish it (idempotent; the run row is locked)."""
    sends: list[_Send] = []
    with transaction.atomic():
        run = (
            WorkflowRun.objects.select_for_update(of=("self",))
            .select_related("workflow")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.state in RUN_FINAL:
            return run
        steps = list(run.steps.all())
        by_key = {s.key: s for s in steps}
        now = timezone.now()
        for step in steps:  # stored in topological order: a skip propagates in one pass
            if step.state != StepState.PENDING or step.dispatched_at is not None:
                continue
            spec = _spec(run, step.key)
            deps = [by_key[d] for d in spec.get("after", []) if d in by_key]
            if any(d.state in (StepState.FAILED, StepState.CANCELLED) for d in deps):
                continue  # decided when the run ends
            if any(
                d.state == StepState.SKIPPED
                or (
                    d.type == "condition"
                    and d.state == StepState.SUCCEEDED
                    and d.result.get("passed") is False
                )
                for d in deps
            ):
                step.state, step.finished_at = StepState.SKIPPED, now
                step.error = "Skipped: a condition before it was false."
                step.save(update_fields=["state", "finished_at", "error"])
                continue
            if all(d.state == StepState.SUCCEEDED for d in deps):
                sends.append(_dispatch(step, spec, now))
                step.save(update_fields=["dispatch", "dispatched_at", "not_before"])
        in_flight = [
            s
            for s in steps
            if s.state in STEP_IN_FLIGHT
            or (s.state == StepState.PENDING and s.dispatched_at is not None)
        ]
        if not in_flight:
            _finish_run(run, steps, now)
        publish(run, steps)
        if sends:
            transaction.on_commit(lambda: _send(sends))
    return run


def _finish_run(run: WorkflowRun, steps: list[StepRun], now: datetime) -> None:
    failed = [s for s in steps if s.state == StepState.FAILED]
    for s in steps:
        if s.state == StepState.PENDING:  # never reached: an earlier step failed
            s.state, s.finished_at = StepState.CANCELLED, now
            s.error = "Not run: a step before it failed."
            s.save(update_fields=["state", "finished_at", "error"])
    run.finished_at = now
    if failed:
        run.state = RunState.FAILED
        run.error = "; ".join(f"{s.key}: {s.error}" for s in failed)[:4000]
    else:
        run.state = RunState.SUCCEEDED
        run.error = ""
    run.save(update_fields=["state", "finished_at", "error"])
    audit.record(actor=None, action=f"workflow.{run.state}", obj=run, changes={"error": run.error})
    summary = {
        "workflow": run.workflow.name,
        "steps": len(steps),
        "succeeded": sum(s.state == StepState.SUCCEEDED for s in steps),
        "skipped": sum(s.state == StepState.SKIPPED for s in steps),
    }
    if failed:
        events.emit("workflow.failed", run, error=run.error[:500], **summary)
        transaction.on_commit(lambda: notifying.notify_failure(run))
    else:
        events.emit("workflow.finished", run, **summary)


class _Heartbeat:
    """Refresh a running step's heartbeat from a thread (its own database connection) while
    the step runs in this worker; only in a real worker (eager runs have no one to watch)."""

    def __init__(self, step_id: int, attempt: int) -> None:
        self.step_id, self.attempt = step_id, attempt
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if not _eager():
            self.thread = threading.Thread(target=self._beat, daemon=True, name="step-heartbeat")
            self.thread.start()
        return self

    def _beat(self) -> None:
        try:
            while not self.stop.wait(conf("HEARTBEAT_SECONDS")):
                StepRun.objects.filter(
                    pk=self.step_id, state=StepState.RUNNING, attempts=self.attempt
                ).update(heartbeat_at=timezone.now())
        except Exception as exc:
            log.warning("workflow.heartbeat_failed step=%s error=%r", self.step_id, exc)
        finally:
            connections.close_all()

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)


def _claim(step_id: int, dispatch: int, worker: str, redelivered: bool) -> StepRun | None:
    stale = timedelta(seconds=conf("STALE_AFTER_SECONDS"))
    with transaction.atomic():
        step = (
            StepRun.objects.select_for_update(of=("self",))
            .select_related("run")
            .filter(pk=step_id)
            .first()
        )
        if step is None or step.dispatch != dispatch:
            log.info("workflow.step_message_stale step=%s dispatch=%s", step_id, dispatch)
            return None
        now = timezone.now()
        if step.state == StepState.RUNNING:
            # The same message again: its worker died (redelivered) or went silent; otherwise
            # another worker is running it right now.
            alive = step.heartbeat_at and now - step.heartbeat_at < stale
            if alive and not redelivered:
                log.info("workflow.step_claim_skipped step=%s reason=alive_elsewhere", step_id)
                return None
        elif step.state != StepState.PENDING:
            return None
        if step.run.state in RUN_FINAL:
            return None
        spec = _spec(step.run, step.key)
        step.state = StepState.RUNNING
        step.attempts += 1
        step.started_at = now
        step.finished_at = None
        step.heartbeat_at = now
        step.not_before = None
        step.deadline_at = now + timedelta(seconds=spec.get("timeout") or 3600)
        step.worker = worker
        step.save(
            update_fields=[
                "state",
                "attempts",
                "started_at",
                "finished_at",
                "heartbeat_at",
                "not_before",
                "deadline_at",
                "worker",
            ]
        )
        publish(step.run)
    return step


def _context(step: StepRun, run: WorkflowRun) -> Context:
    spec = _spec(run, step.key)
    deps = spec.get("after", [])
    results = dict(run.steps.filter(key__in=deps).values_list("key", "result")) if deps else {}
    if step.type == "condition":  # it may read any step it follows, even indirectly
        results = dict(run.steps.filter(state=StepState.SUCCEEDED).values_list("key", "result"))
    attempt = step.attempts

    def is_cancelled() -> bool:
        return not StepRun.objects.filter(
            pk=step.pk, state=StepState.RUNNING, attempts=attempt
        ).exists()

    return Context(
        actor=run.requested_by,
        params=spec.get("params") or {},
        step=step,
        run=run,
        results=results,
        is_cancelled=is_cancelled,
    )


def execute_step(
    step_id: int, dispatch: int, *, redelivered: bool = False, worker: str | None = None
) -> StepRun | None:
    """Body of the step task: claim, run, record, move the run on. Idempotent."""
    step = _claim(step_id, dispatch, worker or _worker_name(), redelivered)
    if step is None:
        return None
    run = WorkflowRun.objects.select_related("workflow", "requested_by").get(pk=step.run_id)
    attempt = step.attempts
    try:
        ctx = _context(step, run)
        with _Heartbeat(step.pk, attempt):
            outcome = get_type(step.type).run(ctx)
    except SoftTimeLimitExceeded:
        outcome = Outcome.failed("Timed out (the step's time limit).", transient=True)
    except TRANSIENT_ERRORS as exc:
        outcome = Outcome.failed(f"{type(exc).__name__}: {exc}", transient=True)
    except (ValidationError, permissions.PermissionDenied) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        outcome = Outcome.failed(text)
    except Exception as exc:
        log.exception("workflow.step_crashed step=%s type=%s", step.pk, step.type)
        outcome = Outcome.failed(f"{type(exc).__name__}: {exc}")
    return finish_step(step.pk, attempt, outcome)


def finish_step(step_id: int, attempt: int, outcome: Outcome) -> StepRun | None:
    """Record ``outcome`` of attempt ``attempt`` (dropped if the step moved on meanwhile)."""
    sends: list[_Send] = []
    wake = False
    with transaction.atomic():
        step = (
            StepRun.objects.select_for_update(of=("self",))
            .select_related("run")
            .filter(pk=step_id)
            .first()
        )
        if step is None or step.state != StepState.RUNNING or step.attempts != attempt:
            log.info("workflow.step_outcome_dropped step=%s attempt=%s", step_id, attempt)
            return step
        now = timezone.now()
        spec = _spec(step.run, step.key)
        kept = {k: v for k, v in step.result.items() if k in KEPT_RESULT}
        outcome.result = {**outcome.result, **kept}
        if outcome.kind == "done":
            step.state, step.result, step.error = StepState.SUCCEEDED, outcome.result, ""
            step.finished_at = now
        elif outcome.kind == "wait":
            step.state, step.result = StepState.WAITING, outcome.result
            step.waiting_for = outcome.waiting_for[:100]
            wake = True
        elif outcome.transient and step.attempts - step.retry_base <= spec.get("retries", 0):
            delay = (spec.get("retry_backoff") or 0) * 2 ** (step.attempts - step.retry_base - 1)
            step.state, step.error = StepState.PENDING, outcome.error[:4000]
            step.result = outcome.result
            sends.append(_dispatch(step, spec, now, delay))
        else:
            step.state, step.error = StepState.FAILED, outcome.error[:4000]
            step.result, step.finished_at = outcome.result, now
        step.save()
        if sends or wake:  # otherwise advance() publishes the run, this step included
            publish(step.run)
    if sends:
        _send(sends)
    if wake:
        wake_step(step.pk)
    elif not sends:
        advance(step.run_id)
    return step


def wake_step(step_id: int, *, now: datetime | None = None) -> StepRun | None:
    """Poll a waiting step; complete it when what it waits for is over, else poll later."""
    later: float | None = None
    with transaction.atomic():
        step = (
            StepRun.objects.select_for_update(of=("self",))
            .select_related("run", "run__workflow", "run__requested_by")
            .filter(pk=step_id)
            .first()
        )
        if step is None or step.state != StepState.WAITING:
            return step
        now = now or timezone.now()
        step_type = get_type(step.type)
        ctx = _context(step, step.run)
        ctx.now = lambda: now
        try:
            outcome = step_type.poll(ctx) if step_type.poll else Outcome.done(**step.result)
        except Exception as exc:
            log.warning("workflow.poll_failed step=%s error=%r", step_id, exc)
            outcome = None
        if outcome is None:
            if step.deadline_at and now >= step.deadline_at:
                if step_type.cancel:
                    step_type.cancel(ctx)
                outcome = Outcome.failed(
                    f"Timed out after {_spec(step.run, step.key)['timeout']} s."
                )
            else:
                poll_in = _poll_in(step, step_type, now)
                later = poll_in
        if outcome is not None:
            step.result = {**step.result, **outcome.result}
            step.finished_at = now
            if outcome.kind == "done":
                step.state, step.error = StepState.SUCCEEDED, ""
            else:
                step.state, step.error = StepState.FAILED, outcome.error[:4000]
            step.save(update_fields=["result", "finished_at", "state", "error"])
            publish(step.run)
    if step.state == StepState.WAITING:
        if later is not None and not _eager():
            try:
                celery_task(WAKE_STEP).apply_async((step.pk,), countdown=later)
            except Exception as exc:  # the reconciler polls it anyway
                log.warning("workflow.poll_enqueue_failed step=%s error=%r", step.pk, exc)
        return step
    advance(step.run_id)
    return step


def _poll_in(step: StepRun, step_type: Any, now: datetime) -> float | None:
    if step.type == "delay":
        until = datetime.fromisoformat(step.result["until"])
        return max(0.05, (until - now).total_seconds())
    return 30.0 if step_type.poll and step.type not in ("approval",) else None


def wake_waiting(waiting_for: str) -> int:
    """Wake the steps waiting for ``waiting_for`` ("scans.ScanRun:42"); returns how many."""
    ids = list(
        StepRun.objects.filter(waiting_for=waiting_for, state=StepState.WAITING).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        wake_step(pk)
    return len(ids)


def on_domain_event(sender: Any, *, kind: str, obj: Any, **_: Any) -> None:
    """A scan run that ended wakes the steps waiting for it (after its commit)."""
    if kind in ("scan.finished", "scan.failed", "scan.cancelled"):
        wake_waiting(f"scans.ScanRun:{obj.pk}")


def cancel_run(*, actor: Any, run: WorkflowRun) -> WorkflowRun:
    """Cancel a run now: pending and waiting steps are cancelled (a scan it waits for is asked
    to stop), a running step is told to stop and its outcome is dropped."""
    check(actor, "cancel", run)
    with transaction.atomic():
        run = (
            WorkflowRun.objects.select_for_update(of=("self",))
            .select_related("workflow", "requested_by")
            .get(pk=run.pk)
        )
        if run.state in RUN_FINAL:
            raise ValidationError(f"Run #{run.pk} has already {run.state}; nothing to cancel.")
        now = timezone.now()
        who = getattr(_user(actor), "username", None) or "the system"
        steps = list(run.steps.select_for_update().exclude(state__in=STEP_FINAL))
        for step in steps:
            if step.state == StepState.WAITING:
                step_type = get_type(step.type)
                if step_type.cancel:
                    try:
                        step_type.cancel(_context(step, run))
                    except Exception as exc:
                        log.warning("workflow.cancel_failed step=%s error=%r", step.pk, exc)
            step.state, step.finished_at = StepState.CANCELLED, now
            step.error = f"Cancelled by {who}."
            step.save(update_fields=["state", "finished_at", "error"])
        run.state, run.finished_at, run.cancel_requested = RunState.CANCELLED, now, True
        run.error = f"Cancelled by {who}."
        run.save(update_fields=["state", "finished_at", "cancel_requested", "error"])
        audit.record(actor=actor, action="workflow.cancel", obj=run)
        events.emit("workflow.cancelled", run, actor=_user(actor), workflow=run.workflow.name)
        publish(run)
    return run


def resume_run(*, actor: Any, run: WorkflowRun) -> WorkflowRun:
    """Run a failed (or cancelled) run again from its failed and unfinished steps; the steps
    that succeeded keep their results and are not run again."""
    check_run(actor, run.workflow, run.definition.get("steps", []))
    with transaction.atomic():
        run = WorkflowRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
        if run.state not in (RunState.FAILED, RunState.CANCELLED):
            raise ValidationError(
                f"Run #{run.pk} is {run.get_state_display().lower()}: only a failed or "
                "cancelled run can be resumed."
            )
        again = run.steps.select_for_update().filter(
            state__in=(StepState.FAILED, StepState.CANCELLED)
        )
        for step in again:
            step.state = StepState.PENDING
            step.retry_base = step.attempts
            step.dispatched_at = step.not_before = step.started_at = step.finished_at = None
            step.heartbeat_at = step.deadline_at = None
            step.error, step.result, step.waiting_for = "", {}, ""
            step.save()
        run.state, run.finished_at, run.error = RunState.RUNNING, None, ""
        run.cancel_requested = False
        run.resumed += 1
        run.save(update_fields=["state", "finished_at", "error", "cancel_requested", "resumed"])
        audit.record(actor=actor, action="workflow.resume", obj=run)
        events.emit("workflow.resumed", run, actor=_user(actor), workflow=run.workflow.name)
        publish(run)
        transaction.on_commit(lambda: kick(run.pk))
    return run


def decide_approval(
    *, actor: Any, run: WorkflowRun, step_key: str, approve: bool, note: str = ""
) -> StepRun:
    """One of an approval step's approvers approves or rejects it."""
    with transaction.atomic():
        step = (
            StepRun.objects.select_for_update()
            .filter(run=run, key=step_key, type="approval")
            .first()
        )
        if step is None:
            raise ValidationError({"step": f"Run #{run.pk} has no approval step '{step_key}'."})
        if step.state != StepState.WAITING:
            raise ValidationError(
                {"step": f"The step '{step_key}' is {step.state}; it waits for no decision."}
            )
        from .approvals import gateway

        gateway().decide(step, actor=actor, approve=approve, note=note)
        audit.record(
            actor=actor,
            action=f"workflow.approval.{'approve' if approve else 'reject'}",
            obj=run,
            changes={"step": step_key, "note": note[:500]},
        )
    wake_step(step.pk)
    step.refresh_from_db()
    return step


def reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """The beat task: re-dispatch steps whose worker went silent, fail steps past their
    timeout, poll waiting steps, re-send messages that never arrived, move stuck runs on."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=conf("STALE_AFTER_SECONDS"))
    lost_message = now - timedelta(seconds=conf("LOST_MESSAGE_SECONDS"))
    counts = {"redispatched": 0, "timed_out": 0, "polled": 0, "resent": 0, "advanced": 0}
    active = Q(run__state=RunState.RUNNING)
    for step_id in StepRun.objects.filter(
        active, state=StepState.RUNNING, heartbeat_at__lt=stale
    ).values_list("pk", flat=True):
        counts["redispatched"] += _redispatch_silent(step_id, stale, now)
    for step_id in StepRun.objects.filter(
        active,
        state=StepState.RUNNING,
        deadline_at__lt=now - timedelta(seconds=conf("KILL_GRACE_SECONDS")),
    ).values_list("pk", flat=True):
        finish_step_if(step_id, StepState.RUNNING, Outcome.failed("Timed out.", transient=True))
        counts["timed_out"] += 1
    for step_id in StepRun.objects.filter(active, state=StepState.WAITING).values_list(
        "pk", flat=True
    ):
        wake_step(step_id, now=now)
        counts["polled"] += 1
    sends: list[_Send] = []
    for step in StepRun.objects.filter(
        active, state=StepState.PENDING, dispatched_at__lt=lost_message
    ).filter(Q(not_before__isnull=True) | Q(not_before__lt=lost_message)):
        sends.append(_Send(step.pk, step.dispatch))
    _send(sends)
    counts["resent"] = len(sends)
    busy = StepRun.objects.filter(
        Q(state__in=STEP_IN_FLIGHT) | Q(state=StepState.PENDING, dispatched_at__isnull=False)
    ).values("run_id")
    for run_id in (
        WorkflowRun.objects.filter(state=RunState.RUNNING, started_at__lt=stale)
        .exclude(pk__in=busy)
        .values_list("pk", flat=True)
    ):
        advance(run_id)
        counts["advanced"] += 1
    if any(counts.values()):
        log.info("workflow.reconciled %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def _redispatch_silent(step_id: int, stale: datetime, now: datetime) -> int:
    with transaction.atomic():
        step = (
            StepRun.objects.select_for_update(of=("self",))
            .select_related("run")
            .filter(pk=step_id)
            .first()
        )
        if (
            step is None
            or step.state != StepState.RUNNING
            or (step.heartbeat_at and step.heartbeat_at >= stale)
        ):
            return 0
        spec = _spec(step.run, step.key)
        lost = int(step.result.get("workers_lost", 0)) + 1
        if lost > conf("MAX_WORKERS_LOST"):
            step.state, step.finished_at = StepState.FAILED, now
            step.error = f"Its worker stopped responding {lost} times; giving up."
            step.save(update_fields=["state", "finished_at", "error"])
            send = None
        else:
            step.error = (
                f"The worker {step.worker or '?'} stopped responding (no heartbeat since "
                f"{step.heartbeat_at:%H:%M:%S} UTC); dispatched again."
            )
            step.state = StepState.PENDING
            step.result = {**step.result, "workers_lost": lost}
            send = _dispatch(step, spec, now)
            step.save()
        publish(step.run)
    if send is not None:
        _send([send])
    else:
        advance(step.run_id)
    return 1


def finish_step_if(step_id: int, state: str, outcome: Outcome) -> None:
    step = StepRun.objects.filter(pk=step_id, state=state).only("attempts").first()
    if step is not None:
        finish_step(step_id, step.attempts, outcome)


# --- live page ------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def step_status(step: StepRun, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "key": step.key,
        "type": step.type,
        "state": step.state,
        "attempts": step.attempts,
        "after": (spec or {}).get("after", []),
        "started_at": _iso(step.started_at),
        "finished_at": _iso(step.finished_at),
        "not_before": _iso(step.not_before),
        "error": step.error,
        "result": step.result,
    }


def run_status(run: WorkflowRun, steps: list[StepRun] | None = None) -> dict[str, Any]:
    """The run as its live page shows it (initial state and each ``progress`` event)."""
    steps = list(run.steps.all()) if steps is None else steps
    specs = {s["key"]: s for s in run.definition.get("steps", [])}
    done = sum(s.state in STEP_FINAL for s in steps)
    return {
        "id": run.pk,
        "state": run.state,
        "error": run.error,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "now": _iso(timezone.now()),
        "progress": done / len(steps) if steps else 1.0,
        "steps": [step_status(s, specs.get(s.key)) for s in steps],
    }


def publish(run: WorkflowRun, steps: list[StepRun] | None = None) -> None:
    """Send the run's status to its page once the transaction commits. ``steps``: the run's
    steps as this transaction leaves them (the run row locked, its workflow loaded): the status
    is built now, with no query after the commit."""
    run_id = run.pk
    if steps is not None:
        payload, requires = run_status(run, steps), permissions.requirement(run)
        transaction.on_commit(
            lambda: realtime.send_now(LIVE_PAGE, run_id, "progress", payload, requires=requires)
        )
        return

    def send() -> None:
        fresh = WorkflowRun.objects.select_related("workflow").filter(pk=run_id).first()
        if fresh is not None:
            realtime.send_now(
                LIVE_PAGE,
                run_id,
                "progress",
                run_status(fresh),
                requires=permissions.requirement(fresh),
            )

    transaction.on_commit(send)


def live_run_status(user: Any, run_id: int) -> dict[str, Any] | None:
    run = (
        permissions.restrict(WorkflowRun.objects.select_related("workflow"), user)
        .filter(pk=run_id)
        .first()
    )
    return run_status(run) if run else None


# --- schedules ------------------------------------------------------------------------------


def _collection_of(schedule: Schedule) -> Any:
    if schedule.workflow_id:
        return schedule.workflow.collection
    return schedule.scan.datasource.collection


@transaction.atomic
def save_schedule(*, actor: Any, schedule: Schedule) -> Schedule:
    """Create or update a schedule and the django-celery-beat task that fires it. Needs the
    right to run its workflow (or scan) and to manage schedules of its collection."""
    if bool(schedule.workflow_id) == bool(schedule.scan_id):
        raise ValidationError("A schedule runs either a workflow or a scan (exactly one).")
    validate_timezone(schedule.timezone)
    if schedule.kind == ScheduleKind.CRON:
        schedule.cron = " ".join(cron_parts(schedule.cron or ""))
        schedule.every, schedule.period = None, ""
    else:
        if not schedule.every or schedule.every < 1:
            raise ValidationError({"every": "How often: a whole number of at least 1."})
        if schedule.period not in Period.values:
            raise ValidationError({"period": "Choose seconds, minutes, hours or days."})
        schedule.cron = ""
    target = schedule.workflow if schedule.workflow_id else schedule.scan
    if actor is not None:
        if not permissions.can(actor, permissions.VIEW, target):
            raise ValidationError({"workflow" if schedule.workflow_id else "scan": "Not found."})
        if schedule.workflow_id:
            check_run(actor, schedule.workflow, defs.export(schedule.workflow)["steps"])
        else:
            permissions.check(actor, "run", schedule.scan)
    schedule.collection = _collection_of(schedule)
    user = _user(actor)
    if schedule.pk is None:
        schedule.created_by = user
    else:
        schedule.updated_by = user
    schedule.full_clean(exclude=["created_by", "updated_by", "periodic_task", "collection"])
    _check_name_free(Schedule, schedule, "schedule")
    check(actor, "add" if schedule.pk is None else "change", schedule)
    schedule = audit.audited_save(actor=actor, obj=schedule)
    sync_periodic_task(schedule)
    return schedule


def sync_periodic_task(schedule: Schedule) -> None:
    """Keep the schedule's ``PeriodicTask`` (and its crontab or interval) in step."""
    import json

    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    fields: dict[str, Any] = {
        "task": FIRE_SCHEDULE,
        "kwargs": json.dumps({"schedule_id": schedule.pk}),
        "enabled": schedule.enabled,
        "description": f"PurSight schedule {schedule.pk}: {schedule.name}",
        "crontab": None,
        "interval": None,
    }
    if schedule.kind == ScheduleKind.CRON:
        minute, hour, dom, month, dow = schedule.cron.split()
        fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=dom,
            month_of_year=month,
            day_of_week=dow,
            timezone=schedule.timezone,
        )
    else:
        fields["interval"], _ = IntervalSchedule.objects.get_or_create(
            every=schedule.every, period=schedule.period
        )
    task = schedule.periodic_task
    name = f"pursight-schedule-{schedule.pk}"
    if task is None:
        task = PeriodicTask(name=name)
    for attr, value in fields.items():
        setattr(task, attr, value)
    task.save()
    if schedule.periodic_task_id != task.pk:
        Schedule.objects.filter(pk=schedule.pk).update(periodic_task=task)
        schedule.periodic_task = task


def _drop_periodic_task(schedule: Schedule) -> None:
    if schedule.periodic_task_id:
        schedule.periodic_task.delete()


def delete_schedule(*, actor: Any, schedule: Schedule) -> None:
    check(actor, "delete", schedule)
    with transaction.atomic():
        audit.record(actor=actor, action="schedule.delete", obj=schedule)
        _drop_periodic_task(schedule)
        schedule.delete()


def celery_schedule(schedule: Schedule) -> Any:
    """The celery schedule object (crontab in the schedule's time zone, or an interval)."""
    from celery.schedules import schedule as interval
    from django_celery_beat.tzcrontab import TzAwareCrontab

    if schedule.kind == ScheduleKind.CRON:
        minute, hour, dom, month, dow = schedule.cron.split()
        return TzAwareCrontab(
            minute=minute,
            hour=hour,
            day_of_month=dom,
            month_of_year=month,
            day_of_week=dow,
            tz=validate_timezone(schedule.timezone),
            app=celery_app,
        )
    return interval(timedelta(**{schedule.period: schedule.every}), app=celery_app)


def next_run(schedule: Schedule, now: datetime | None = None) -> datetime | None:
    """When the schedule fires next: a cron's next due minute in its time zone; an interval's
    last fire plus the period (now, if that is past: beat sends an overdue entry at once)."""
    if not schedule.enabled:
        return None
    now = now or timezone.now()
    if schedule.kind == ScheduleKind.CRON:
        tz = validate_timezone(schedule.timezone)
        local = now.astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
        return _next_cron_time(celery_schedule(schedule), local).astimezone(now.tzinfo or tz)
    last = None
    if schedule.periodic_task_id and schedule.periodic_task.last_run_at:
        last = schedule.periodic_task.last_run_at
    last = last or schedule.last_fired_at or schedule.created_at or now
    return max(last + timedelta(**{schedule.period: schedule.every}), now)


def _cron_day_matches(sched: Any, day: datetime) -> bool:
    return (
        day.month in sched.month_of_year
        and day.day in sched.day_of_month
        and (day.isoweekday() % 7) in sched.day_of_week  # 0 = Sunday
    )


def _next_cron_time(sched: Any, local: datetime) -> datetime:
    """The first due minute at or after ``local`` (aware, in the schedule's time zone)."""
    minutes, hours = sorted(sched.minute), sorted(sched.hour)
    day = local.replace(hour=0, minute=0)
    for _ in range(366 * 5):
        if _cron_day_matches(sched, day):
            for h in hours:
                for m in minutes:
                    candidate = day.replace(hour=h, minute=m)
                    if candidate >= local:
                        return candidate
        day = (day + timedelta(days=1)).replace(hour=0, minute=0)
    return local + timedelta(days=366 * 5)


def fire_schedule(schedule_id: int, *, now: datetime | None = None) -> str:
    """Body of the beat-fired task: run the schedule's workflow or scan, once per slot.

    Beat sends one message per due time; after a downtime of beat or of the workers the
    messages of missed slots arrive together (or several beats send one each). The schedule
    row is locked and a message of a slot that already fired is dropped, so a catch-up runs
    once, not many times. Runs as the schedule's creator (their rights, checked now)."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule = (
            Schedule.objects.select_for_update(of=("self",))
            .select_related("workflow", "scan", "created_by")
            .filter(pk=schedule_id)
            .first()
        )
        if schedule is None:
            return "missing"
        if not schedule.enabled:
            return "disabled"
        if schedule.last_fired_at and schedule.last_fired_at > _previous_due(schedule, now):
            log.info("workflow.schedule_duplicate schedule=%s", schedule_id)
            return "duplicate"
        schedule.last_fired_at = now
        actor = schedule.created_by
        try:
            if schedule.workflow_id:
                if not schedule.workflow.enabled:
                    outcome = "skipped: the workflow is disabled"
                else:
                    run = start_run(
                        actor=actor,
                        workflow=schedule.workflow,
                        trigger=Trigger.SCHEDULE,
                        schedule=schedule,
                    )
                    outcome = f"started workflow run #{run.pk}"
            else:
                from governance.scans import services as scans
                from governance.scans.choices import Trigger as ScanTrigger

                if actor is not None:
                    permissions.check(actor, "run", schedule.scan)
                scan_run = scans.start_scan(
                    actor=actor, scan=schedule.scan, trigger=ScanTrigger.SCHEDULE
                )
                outcome = f"started scan run #{scan_run.pk}"
        except Exception as exc:  # recorded on the schedule; the next slot tries again
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            outcome = f"not started: {text}"
            log.warning("workflow.schedule_failed schedule=%s error=%s", schedule_id, text)
        schedule.last_outcome = outcome[:500]
        schedule.save(update_fields=["last_fired_at", "last_outcome"])
    return outcome


def _previous_due(schedule: Schedule, now: datetime) -> datetime:
    """The latest due time at or before ``now`` (a fire after it belongs to this slot)."""
    if schedule.kind == ScheduleKind.INTERVAL:
        # Interval slots are anchored on the last fire: anything within one period is the
        # same slot (a tolerance of a tenth keeps the next on-time fire from being dropped).
        period = timedelta(**{schedule.period: schedule.every})
        return now - period * 0.9
    tz = validate_timezone(schedule.timezone)
    local = now.astimezone(tz).replace(second=0, microsecond=0)
    return _last_cron_time(celery_schedule(schedule), local).astimezone(now.tzinfo or tz)


def _last_cron_time(sched: Any, local: datetime) -> datetime:
    """The latest due minute at or before ``local``."""
    minutes, hours = sorted(sched.minute), sorted(sched.hour)
    day = local.replace(hour=0, minute=0)
    for _ in range(366 * 5):
        if _cron_day_matches(sched, day):
            for h in reversed(hours):
                for m in reversed(minutes):
                    candidate = day.replace(hour=h, minute=m)
                    if candidate <= local:
                        return candidate
        day = (day - timedelta(days=1)).replace(hour=0, minute=0)
    return local - timedelta(days=366 * 5)
