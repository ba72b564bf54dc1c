"""Workflows on a real Celery worker (Redis broker, PostgreSQL catalog): a run succeeds, a
failing step retries then fails the run, a run is cancelled mid-step and resumed from its
failed step, a worker killed mid-step leaves a run that completes after a restart with no
step run twice, and beat (django-celery-beat's database scheduler) fires a schedule.

Needs REDIS_URL and DATABASE_URL (PostgreSQL: the worker must see the test database); skipped
without them unless PURSIGHT_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from pursight.celery import app as celery_app
from pursight.testing import celery_broker, service_url
from racine.orchestration import services
from racine.orchestration.choices import RUN_FINAL, RunState, ScheduleKind, StepState
from racine.orchestration.models import Schedule, WorkflowRun

from .conftest import noop

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]
QUEUES = ("default", "scans")
WORKER_ENV = {"PURSIGHT_WORKFLOW_HEARTBEAT_SECONDS": "0.3"}


def _db_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="module")
def broker(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    redis_url = service_url("REDIS_URL")
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if vendor != "postgresql":
        service_url("DATABASE_URL")
        pytest.skip("the worker tests need a PostgreSQL catalog (DATABASE_URL)")
    import redis

    # Messages left by an earlier session (a killed worker's) would name rows of another test
    # database: start from empty queues.
    redis.Redis.from_url(redis_url).delete(*QUEUES, "unacked", "unacked_index", "unacked_mutex")
    with celery_broker(redis_url):
        yield redis_url


class Worker:
    def __init__(self, redis_url: str, name: str) -> None:
        self.name = f"{name}-{os.getpid()}@{os.uname().nodename}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pursight.settings",
            "DATABASE_URL": _db_url(),
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PURSIGHT_VAR_DIR": str(settings.VAR_DIR),
            **WORKER_ENV,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.racine.orchestration.worker_app",
                "worker",
                "-Q",
                ",".join(QUEUES),
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "-n",
                self.name.split("@")[0] + "@%h",
                "-l",
                "warning",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if celery_app.control.ping(timeout=0.5, destination=[self.name]):
                return
            if self.process.poll() is not None:
                raise RuntimeError("the Celery worker exited at start-up")
        self.stop(signal.SIGKILL)
        raise RuntimeError("the Celery worker did not answer within 60 s")

    def wait_idle(self, timeout: float = 20) -> None:
        """Until the worker runs no task: what a run does after its last commit (activity,
        notifications, live updates) must be over before the test database is flushed."""
        if self.process.poll() is not None:
            return
        deadline = time.monotonic() + timeout
        inspect = celery_app.control.inspect(destination=[self.name], timeout=1)
        while time.monotonic() < deadline:
            active = (inspect.active() or {}).get(self.name)
            if active == []:
                return
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


@pytest.fixture(scope="module")
def shared_worker(broker: str) -> Iterator[Worker]:
    """One worker for the module's tests (starting one costs seconds); the test that kills a
    worker stops it and starts its own."""
    w = Worker(broker, "wf-shared")
    yield w
    w.stop()


@pytest.fixture
def worker(broker: str, shared_worker: Worker) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        w = Worker(broker, f"wf{len(started)}")
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


@pytest.fixture(autouse=True)
def _idle_after(request: Any) -> Iterator[None]:
    yield
    if "shared_worker" in request.fixturenames:
        request.getfixturevalue("shared_worker").wait_idle()


def wait_for(
    run: WorkflowRun, predicate: Callable[[WorkflowRun], bool], timeout: float = 30
) -> WorkflowRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if predicate(run):
            return run
        time.sleep(0.05)
    steps = dict(run.steps.values_list("key", "state"))
    raise AssertionError(f"run #{run.pk} stuck in {run.state}: {steps}")


def step_is(key: str, state: str) -> Callable[[WorkflowRun], bool]:
    return lambda run: run.steps.filter(key=key, state=state).exists()


def final(run: WorkflowRun) -> bool:
    return run.state in RUN_FINAL


def test_three_steps_succeed_on_a_worker(shared_worker, make_workflow):
    wf = make_workflow([noop("a"), noop("b", "a"), noop("c", "a")])
    run = wait_for(services.start_run(actor=None, workflow=wf), final)
    assert run.state == RunState.SUCCEEDED, run.error
    steps = {s.key: s for s in run.steps.all()}
    assert all(s.state == StepState.SUCCEEDED and s.attempts == 1 for s in steps.values())
    assert steps["a"].worker and steps["a"].finished_at <= steps["b"].started_at


def test_failing_step_retries_fails_the_run_then_resumes(shared_worker, make_workflow):
    wf = make_workflow(
        [
            noop("a"),
            noop("flaky", "a", fail_attempts=3, retries=2, retry_backoff=0),
            noop("after", "flaky"),
        ]
    )
    run = wait_for(services.start_run(actor=None, workflow=wf), final)
    assert run.state == RunState.FAILED
    flaky = run.steps.get(key="flaky")
    assert flaky.state == StepState.FAILED and flaky.attempts == 3  # 1 + 2 retries
    assert run.steps.get(key="after").state == StepState.CANCELLED
    a_before = run.steps.get(key="a")

    # Resume from the failed step: "a" is kept, "flaky" runs a fourth time and succeeds.
    services.resume_run(actor=None, run=run)
    run = wait_for(run, final)
    assert run.state == RunState.SUCCEEDED, run.error
    assert dict(run.steps.values_list("key", "attempts")) == {"a": 1, "flaky": 4, "after": 1}
    assert run.steps.get(key="a").finished_at == a_before.finished_at


def test_cancel_mid_step(shared_worker, make_workflow):
    wf = make_workflow([noop("a"), noop("slow", "a", sleep=30), noop("c", "slow")])
    run = services.start_run(actor=None, workflow=wf)
    run = wait_for(run, step_is("slow", StepState.RUNNING))
    started = time.monotonic()
    services.cancel_run(actor=None, run=run)
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED
    assert dict(run.steps.values_list("key", "state")) == {
        "a": "succeeded",
        "slow": "cancelled",
        "c": "cancelled",
    }
    # The worker notices within a moment (the step checks between its pauses): the worker is
    # free for the next run well before the 30 s the step would have taken.
    other = make_workflow([noop("x")])
    quick = wait_for(services.start_run(actor=None, workflow=other), final, timeout=15)
    assert quick.state == RunState.SUCCEEDED and time.monotonic() - started < 15
    run.refresh_from_db()
    assert run.steps.get(key="slow").state == StepState.CANCELLED  # its outcome was dropped


def test_a_schedule_fires_through_beat(shared_worker, make_workflow):
    """django-celery-beat's DatabaseScheduler (what ``celery beat`` runs) sends the due
    schedule; the worker's fire_schedule starts the run."""
    from django_celery_beat.schedulers import DatabaseScheduler

    wf = make_workflow([noop("tick")])
    schedule = services.save_schedule(
        actor=None,
        schedule=Schedule(
            name="every minute", workflow=wf, kind=ScheduleKind.INTERVAL, every=1, period="minutes"
        ),
    )
    # Beat was down for an hour: the schedule is long overdue.
    task = schedule.periodic_task
    task.last_run_at = timezone.now() - timedelta(hours=1)
    task.save()
    scheduler = DatabaseScheduler(app=celery_app, lazy=False)
    for _ in range(3):  # beat's loop, several ticks: one message for the missed slots
        scheduler.tick()
    deadline = time.monotonic() + 20
    while not WorkflowRun.objects.filter(schedule=schedule, state__in=RUN_FINAL).exists():
        assert time.monotonic() < deadline, "the schedule did not fire"
        time.sleep(0.1)
    scheduler.sync()
    time.sleep(0.5)
    run = WorkflowRun.objects.get(schedule=schedule)  # exactly one
    assert run.trigger == "schedule" and run.state == RunState.SUCCEEDED
    schedule.refresh_from_db()
    assert "started workflow run" in schedule.last_outcome
    task.refresh_from_db()
    assert task.total_run_count == 1 and task.last_run_at > timezone.now() - timedelta(minutes=1)


def test_worker_killed_mid_step_completes_after_restart(
    worker, shared_worker, make_workflow, settings
):
    first = shared_worker  # killed here: the module's last test
    wf = make_workflow([noop("a"), noop("b", "a", sleep=4), noop("c", "b")])
    run = services.start_run(actor=None, workflow=wf)
    run = wait_for(run, step_is("b", StepState.RUNNING))
    time.sleep(0.5)  # a heartbeat or two
    first.stop(signal.SIGKILL)
    b = run.steps.get(key="b")
    assert b.state == StepState.RUNNING and b.attempts == 1

    worker()
    # Nothing happens by itself: the message is unacknowledged in Redis (visibility timeout).
    time.sleep(1)
    assert run.steps.get(key="b").state == StepState.RUNNING
    # The reconciler (a beat task) sees the silent step and dispatches it again.
    settings.PURSIGHT_ORCHESTRATION = {**settings.PURSIGHT_ORCHESTRATION, "STALE_AFTER_SECONDS": 1}
    counts = services.reconcile()
    assert counts["redispatched"] == 1
    run = wait_for(run, final)
    assert run.state == RunState.SUCCEEDED, run.error
    steps = {s.key: s for s in run.steps.all()}
    assert (steps["a"].attempts, steps["b"].attempts, steps["c"].attempts) == (1, 2, 1)
    assert steps["b"].result["workers_lost"] == 1
    assert steps["a"].finished_at < steps["b"].started_at < steps["c"].started_at
    # Later reconciles find nothing to do: no step runs twice.
    assert not any(services.reconcile().values())
