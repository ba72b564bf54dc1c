#!/usr/bin/env python
"""Workflow orchestration benchmark: runs of a 5-step workflow of no-op steps through a real
Celery worker (Redis broker, PostgreSQL catalog).

Three phases, after a warm-up:

1. latency: ``--sequential`` runs one after another: the orchestration overhead of a step
   (from the moment it could start, i.e. its predecessor finished, to its own end; a no-op
   step does nothing else) with an idle worker, p50/p95;
2. throughput: ``--runs`` runs (500) started at once: runs per second and steps per second
   end to end, and the per-step overhead under that load (queueing included);
3. concurrency: ``--concurrent`` runs (100) started at once, then checked: every run
   succeeded, every step ran exactly once (one attempt, one dispatch), none lost.

    .venv/bin/python bench/workflows.py [--runs 500] [--concurrent 100] [--sequential 50]
        [--concurrency 2] [--redis-url redis://127.0.0.1:6379/15]

The catalog is PostgreSQL ``pursight_bench_wf`` (created and dropped) unless
``--catalog-url`` is given. The worker is ``celery -A pursight worker`` with ``--concurrency``
prefork processes.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get(
    "PURSIGHT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "pursight_bench_wf"
STEPS = ["a", "b", "c", "d", "e"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def start_worker(env: dict[str, str], concurrency: int) -> subprocess.Popen:
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pursight",
            "worker",
            "-Q",
            "default",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "-n",
            "bench-wf@%h",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from pursight.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5, destination=[f"bench-wf@{os.uname().nodename}"]):
            return worker
        if worker.poll() is not None:
            raise SystemExit("the Celery worker exited at start-up")
    os.killpg(worker.pid, signal.SIGKILL)
    raise SystemExit("the Celery worker did not answer within 120 s")


def launch(workflow: Any, n: int) -> list[int]:
    from racine.orchestration import services

    return [services.start_run(actor=None, workflow=workflow).pk for _ in range(n)]


def wait(ids: list[int], timeout: float) -> float:
    from racine.orchestration.choices import RUN_FINAL
    from racine.orchestration.models import WorkflowRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = WorkflowRun.objects.filter(pk__in=ids).exclude(state__in=RUN_FINAL).count()
        if not left:
            return time.monotonic()
        time.sleep(0.1)
    raise SystemExit(f"{left} of {len(ids)} runs unfinished after {timeout} s")


def overheads(ids: list[int]) -> list[float]:
    """Per step: from when it could start (predecessor finished / run started) to its end."""
    from racine.orchestration.models import StepRun, WorkflowRun

    started = dict(WorkflowRun.objects.filter(pk__in=ids).values_list("pk", "started_at"))
    rows = StepRun.objects.filter(run_id__in=ids).values_list("run_id", "key", "finished_at")
    finished = {(r, k): f for r, k, f in rows}
    out = []
    for (run_id, key), end in finished.items():
        i = STEPS.index(key)
        ready = started[run_id] if i == 0 else finished[(run_id, STEPS[i - 1])]
        out.append((end - ready).total_seconds() * 1000)
    return out


def check_once(ids: list[int]) -> tuple[int, int, int]:
    """(runs succeeded, steps that ran more than once or were dispatched twice, steps lost)."""
    from racine.orchestration.models import StepRun, WorkflowRun

    ok = WorkflowRun.objects.filter(pk__in=ids, state="succeeded").count()
    steps = StepRun.objects.filter(run_id__in=ids)
    twice = steps.exclude(attempts=1, dispatch=1).count()
    lost = len(ids) * len(STEPS) - steps.filter(state="succeeded").count()
    return ok, twice, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--sequential", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--catalog-url", default="")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    import psycopg

    catalog_url = args.catalog_url
    if not catalog_url:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
        catalog_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pursight.settings",
        "DATABASE_URL": catalog_url.replace("postgresql://", "postgres://"),
        "REDIS_URL": args.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PURSIGHT_SCAN_CLASSIFY_IN_HELPER": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import redis

    redis.Redis.from_url(args.redis_url).delete(
        "default", "unacked", "unacked_index", "unacked_mutex"
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from racine.orchestration import services

    workflow = services.save_workflow(
        actor=None,
        data={
            "name": "bench",
            "steps": [
                {"key": k, "type": "noop", "after": [STEPS[i - 1]] if i else []}
                for i, k in enumerate(STEPS)
            ],
        },
    )
    worker = start_worker(env, args.concurrency)
    try:
        wait(launch(workflow, 4), 300)  # warm-up: worker processes, connections

        seq: list[int] = []
        for _ in range(args.sequential):
            ids = launch(workflow, 1)
            wait(ids, 60)
            seq += ids
        lat = overheads(seq)
        print(
            f"latency    {args.sequential} runs one at a time: per-step overhead "
            f"p50={statistics.median(lat):.1f} ms p95={pct(lat, 0.95):.1f} ms"
        )

        t0 = time.monotonic()
        ids = launch(workflow, args.runs)
        t_launched = time.monotonic()
        t1 = wait(ids, 1800)
        load = overheads(ids)
        ok, twice, lost = check_once(ids)
        print(
            f"throughput {args.runs} runs ({args.runs * len(STEPS)} steps) started at once "
            f"(launch {t_launched - t0:.1f} s): {args.runs / (t1 - t0):.1f} runs/s, "
            f"{args.runs * len(STEPS) / (t1 - t0):.0f} steps/s; per-step overhead under load "
            f"p50={statistics.median(load):.0f} ms p95={pct(load, 0.95):.0f} ms; "
            f"succeeded {ok}/{args.runs}, duplicated {twice}, lost {lost}"
        )

        ids = launch(workflow, args.concurrent)
        wait(ids, 900)
        ok, twice, lost = check_once(ids)
        print(
            f"concurrent {args.concurrent} runs at once: succeeded {ok}/{args.concurrent}, "
            f"steps run twice or dispatched twice {twice}, steps lost {lost}"
        )
        if ok != args.concurrent or twice or lost:
            raise SystemExit("runs were lost or duplicated")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.catalog_url:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
