"""The run engine in one process (eager tasks): the step state machine, parallel branches,
retries, conditions, cancel, resume, stale workers and duplicate messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from racine.activity.models import ActivityEvent, Notification
from racine.orchestration import services
from racine.orchestration.choices import RunState, StepState
from racine.orchestration.models import StepRun, WorkflowRun

from .conftest import noop

pytestmark = pytest.mark.django_db


def states(run: WorkflowRun) -> dict[str, str]:
    return dict(run.steps.values_list("key", "state"))


def start(workflow: Any, committed: Any, actor: Any = None) -> WorkflowRun:
    with committed():
        run = services.start_run(actor=actor, workflow=workflow)
    run.refresh_from_db()
    return run


def test_three_steps_with_parallel_branches_succeed(make_workflow, committed, make_user):
    owner = make_user("owner", superuser=True)
    wf = make_workflow([noop("a"), noop("b", "a"), noop("c", "a"), noop("d", "b", "c")], owner=None)
    run = start(wf, committed, actor=owner)
    assert run.state == RunState.SUCCEEDED, run.error
    assert states(run) == dict.fromkeys("abcd", StepState.SUCCEEDED)
    order = list(run.steps.order_by("started_at", "id").values_list("key", flat=True))
    assert order[0] == "a" and order[-1] == "d"
    assert all(s.attempts == 1 for s in run.steps.all())
    kinds = set(ActivityEvent.objects.values_list("kind", flat=True))
    assert {"workflow.started", "workflow.finished"} <= kinds


def test_transient_failure_is_retried_then_succeeds(make_workflow, committed):
    wf = make_workflow([noop("flaky", fail_attempts=2, retries=2, retry_backoff=0)])
    run = start(wf, committed)
    step = run.steps.get()
    assert run.state == RunState.SUCCEEDED and step.attempts == 3


def test_retries_exhausted_fail_the_run_and_tell_the_owner(make_workflow, committed, make_user):
    owner = make_user("owner", superuser=True)
    wf = make_workflow(
        [noop("flaky", fail_attempts=5, retries=1, retry_backoff=0), noop("after", "flaky")]
    )
    wf.owner = owner
    wf.save()
    run = start(wf, committed)
    assert run.state == RunState.FAILED
    assert states(run) == {"flaky": StepState.FAILED, "after": StepState.CANCELLED}
    assert run.steps.get(key="flaky").attempts == 2
    assert "Rehearsed failure" in run.error
    note = Notification.objects.get(recipient=owner)
    assert note.kind == "workflow_failed" and f"#{run.pk}" in note.title
    assert ActivityEvent.objects.filter(kind="workflow.failed").exists()


def test_resume_runs_only_the_failed_steps(make_workflow, committed):
    wf = make_workflow([noop("a"), noop("b", "a", fail_attempts=1), noop("c", "b")])
    run = start(wf, committed)
    assert run.state == RunState.FAILED
    first_a = run.steps.get(key="a")
    with committed():
        services.resume_run(actor=None, run=run)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED and run.resumed == 1
    a = run.steps.get(key="a")
    assert a.attempts == 1 and a.started_at == first_a.started_at  # not run again
    assert run.steps.get(key="b").attempts == 2
    with pytest.raises(ValidationError, match="only a failed or cancelled run"):
        services.resume_run(actor=None, run=run)


def test_condition_false_skips_what_follows(make_workflow, committed):
    wf = make_workflow(
        [
            noop("measure"),
            {
                "key": "check",
                "type": "condition",
                "after": ["measure"],
                "params": {"step": "measure", "field": "attempt", "op": ">", "value": 1},
            },
            noop("alert", "check"),
            noop("after-alert", "alert"),
            noop("always", "measure"),
        ]
    )
    run = start(wf, committed)
    assert run.state == RunState.SUCCEEDED
    assert states(run) == {
        "measure": "succeeded",
        "check": "succeeded",
        "alert": "skipped",
        "after-alert": "skipped",
        "always": "succeeded",
    }
    assert run.steps.get(key="check").result == {"passed": False, "actual": 1}


def test_delay_waits_without_a_worker_and_cancel_stops_it(make_workflow, committed):
    wf = make_workflow(
        [
            noop("a"),
            {"key": "pause", "type": "delay", "after": ["a"], "params": {"seconds": 60}},
            noop("b", "pause"),
        ]
    )
    run = start(wf, committed)
    assert run.state == RunState.RUNNING
    assert states(run) == {"a": "succeeded", "pause": "waiting", "b": "pending"}
    with committed():
        services.cancel_run(actor=None, run=run)
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED
    assert states(run) == {"a": "succeeded", "pause": "cancelled", "b": "cancelled"}
    # The reconciler leaves a cancelled run alone.
    with committed():
        services.reconcile(now=timezone.now() + timedelta(minutes=5))
    assert states(run)["b"] == "cancelled"
    with pytest.raises(ValidationError, match="nothing to cancel"):
        services.cancel_run(actor=None, run=run)


def test_delay_ends_when_its_time_comes(make_workflow, committed):
    wf = make_workflow(
        [{"key": "pause", "type": "delay", "params": {"seconds": 30}}, noop("b", "pause")]
    )
    run = start(wf, committed)
    with committed():
        counts = services.reconcile(now=timezone.now() + timedelta(seconds=5))
    assert counts["polled"] == 1 and states(run)["pause"] == "waiting"
    with committed():
        services.reconcile(now=timezone.now() + timedelta(seconds=31))
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED


def test_a_silent_worker_s_step_is_dispatched_again_once(make_workflow, committed):
    wf = make_workflow([noop("a"), noop("b", "a")])
    run = services.start_run(actor=None, workflow=wf)  # not committed: nothing dispatched
    # A worker claimed "a" (dispatch 1, attempt 1) and died: running, heartbeat long gone.
    old = timezone.now() - timedelta(minutes=10)
    run.steps.filter(key="a").update(
        state=StepState.RUNNING,
        dispatch=1,
        dispatched_at=old,
        attempts=1,
        heartbeat_at=old,
        started_at=old,
    )
    with committed():
        counts = services.reconcile()
    assert counts["redispatched"] == 1
    run.refresh_from_db()
    a, b = run.steps.get(key="a"), run.steps.get(key="b")
    assert run.state == RunState.SUCCEEDED
    assert (a.state, a.attempts, a.dispatch, a.result["workers_lost"]) == ("succeeded", 2, 2, 1)
    assert (b.state, b.attempts) == ("succeeded", 1)
    # The dead worker's message, redelivered later, carries dispatch 1: dropped.
    assert services.execute_step(a.pk, 1, redelivered=True) is None
    assert StepRun.objects.get(pk=a.pk).attempts == 2


def test_a_redelivered_message_takes_over_only_a_dead_claim(make_workflow, committed):
    wf = make_workflow([noop("a")])
    run = services.start_run(actor=None, workflow=wf)
    now = timezone.now()
    run.steps.update(state=StepState.RUNNING, dispatch=1, attempts=1, heartbeat_at=now)
    # Alive elsewhere (fresh heartbeat) and not a redelivery: a duplicate, dropped.
    assert services.execute_step(run.steps.get().pk, 1) is None
    # Redelivered after its worker died (reject_on_worker_lost): taken over.
    with committed():
        step = services.execute_step(run.steps.get().pk, 1, redelivered=True)
    assert step.state == StepState.SUCCEEDED and step.attempts == 2


def test_a_duplicate_message_of_a_finished_step_does_nothing(make_workflow, committed):
    wf = make_workflow([noop("a")])
    run = start(wf, committed)
    a = run.steps.get()
    assert services.execute_step(a.pk, a.dispatch) is None
    a.refresh_from_db()
    assert a.attempts == 1 and a.state == StepState.SUCCEEDED


def test_approval_waits_for_an_approver(make_workflow, committed, make_user):
    boss, other = make_user("boss"), make_user("other")
    wf = make_workflow(
        [
            {
                "key": "ok",
                "type": "approval",
                "params": {"approvers": [boss.pk], "message": "Ship it?"},
            },
            noop("ship", "ok"),
        ]
    )
    run = start(wf, committed)
    assert states(run) == {"ok": "waiting", "ship": "pending"}
    from racine.approvals.models import ApprovalRequest

    request = ApprovalRequest.objects.get()  # filed in the approvers' inbox
    assert request.kind == "workflow.step" and list(request.reviewers.all()) == [boss]
    from pursight.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.decide_approval(actor=other, run=run, step_key="ok", approve=True)
    with committed():
        services.decide_approval(actor=boss, run=run, step_key="ok", approve=True, note="go")
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert run.steps.get(key="ok").result["decision"] == "approved"


def test_rejection_fails_the_run(make_workflow, committed, make_user):
    boss = make_user("boss")
    wf = make_workflow([{"key": "ok", "type": "approval", "params": {"approvers": [boss.pk]}}])
    run = start(wf, committed)
    with committed():
        services.decide_approval(actor=boss, run=run, step_key="ok", approve=False, note="no")
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "Rejected by boss: no" in run.error
