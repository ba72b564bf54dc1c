"""A real Celery worker process on Redis runs scans; one is killed mid-scan.

Needs REDIS_URL and a PostgreSQL catalog (DATABASE_URL): the worker process must see the test
database, which an in-memory SQLite test database cannot offer.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from governance.catalog.models import CatalogColumn, CatalogTable
from governance.scans import services
from governance.scans.choices import FINAL_STATES, RunState
from governance.scans.models import ScanRun
from pursight.celery import app as celery_app
from pursight.testing import celery_broker, service_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def broker():
    redis_url = service_url("REDIS_URL")
    if connection.vendor != "postgresql":
        service_url("DATABASE_URL")  # skip (or fail in CI) without a shared catalog database
        pytest.skip("the worker test needs a PostgreSQL catalog (DATABASE_URL)")
    import redis

    # Messages left by an earlier session (e.g. a killed worker's) would name runs of another
    # test database: start from empty queues.
    redis.Redis.from_url(redis_url).delete(
        "default", "scans", "unacked", "unacked_index", "unacked_mutex"
    )
    with celery_broker(redis_url):
        yield redis_url


def _db_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(redis_url: str, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pursight.settings",
        "DATABASE_URL": _db_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PURSIGHT_VAR_DIR": str(settings.VAR_DIR),
        # The worker opens the sources' files: the same roots as this process (make_source).
        "PURSIGHT_FILE_SOURCE_ROOTS": ",".join(map(str, settings.PURSIGHT_FILE_SOURCE_ROOTS)),
        **extra_env,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pursight",
            "worker",
            "-Q",
            "default,scans",
            "--pool",
            "solo",
            "-n",
            f"test-{os.getpid()}@%h",
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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if celery_app.control.ping(
            timeout=0.5, destination=[f"test-{os.getpid()}@{os.uname().nodename}"]
        ):
            return worker
        if worker.poll() is not None:
            raise RuntimeError("the Celery worker exited at start-up")
    stop(worker, signal.SIGKILL)
    raise RuntimeError("the Celery worker did not answer within 30 s")


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the worker (warm shutdown by default), killing it if it does not exit in time."""
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, sig)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=15)


def wait_for(run: ScanRun, predicate, timeout: float = 60) -> ScanRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if predicate(run):
            return run
        time.sleep(0.05)
    raise AssertionError(
        f"run #{run.pk} stuck in {run.state} ({run.tables_done}/{run.tables_total})"
    )


def many_tables(path: Path, n: int) -> Path:
    con = sqlite3.connect(path)
    for i in range(n):
        con.execute(f"CREATE TABLE t{i:04d} (id INTEGER PRIMARY KEY, name TEXT, amount REAL)")
        con.execute(f"INSERT INTO t{i:04d} (name, amount) VALUES ('x', 1.5), ('y', 2.5)")
    con.commit()
    con.close()
    return path


def test_scan_runs_through_a_real_worker(broker, shop_db, make_source):
    source = make_source(shop_db)
    worker = start_worker(broker)
    try:
        run = services.start_scan(actor=None, scan=services.default_scan(actor=None, source=source))
        run = wait_for(run, lambda r: r.state in FINAL_STATES)
    finally:
        stop(worker)
    assert run.state == RunState.SUCCEEDED, run.error
    assert run.worker and run.columns_seen == 9 and run.attempts == 1


def test_worker_killed_mid_scan_then_rerun_completes(broker, tmp_path, make_source, settings):
    source = make_source(many_tables(tmp_path / "many.sqlite", 1000))
    worker = start_worker(
        broker, PURSIGHT_SCAN_BATCH_TABLES="5", PURSIGHT_SCAN_HEARTBEAT_SECONDS="1"
    )
    try:
        run = services.start_scan(actor=None, scan=services.default_scan(actor=None, source=source))
        run = wait_for(run, lambda r: r.state == RunState.RUNNING and r.tables_done >= 20)
    finally:
        stop(worker, signal.SIGKILL)
    run.refresh_from_db()
    assert run.state == RunState.RUNNING and run.tables_done < 1000, "killed too late"

    # The beat task finds the silent run and fails it with a clear reason.
    later = timezone.now() + timedelta(seconds=settings.PURSIGHT_SCAN["STALE_AFTER_SECONDS"] + 1)
    assert services.detect_stale_runs(now=later) == [run.pk]
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "stopped responding" in run.error

    # The catalog is consistent: every committed table is whole.
    tables = CatalogTable.objects.count()
    assert 0 < tables < 1000
    assert CatalogColumn.objects.count() == 3 * tables

    worker = start_worker(broker)
    try:
        rerun = services.start_scan(
            actor=None, scan=services.default_scan(actor=None, source=source)
        )
        rerun = wait_for(rerun, lambda r: r.state in FINAL_STATES, timeout=120)
    finally:
        stop(worker)
    assert rerun.state == RunState.SUCCEEDED, rerun.error
    assert CatalogTable.objects.count() == 1000 and CatalogColumn.objects.count() == 3000
    assert rerun.tables_added == 1000 - tables
