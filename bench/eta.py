#!/usr/bin/env python
"""How far off is a scan's ETA? The duration model of ``governance.scans.history``
measured on held-out history.

    .venv/bin/python bench/eta.py [--sources 12] [--runs 6] [--seed 7]

Builds ``--sources`` SQLite databases of very different sizes (5 to 150 tables, 4 to 30
columns each), registers them and scans each ``--runs`` times for real (in process, as a
worker does), changing a random share of tables between runs so that some runs re-sample many
tables and others few. The history is then split in time: the model is fitted on every run but
the last two of each source, and predicts those from what was known when they were queued
(their source's earlier runs: the ETA a queued run shows).
Prints
the median and 90th-percentile absolute error, in per cent of the actual duration, beside a
naive baseline (the duration of the source's previous run).

A temporary SQLite catalog and var directory are used; the classifier model trained by an
earlier run of the project (``var/classifier``) is reused when there is one.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(path: Path, tables: int, rng: random.Random) -> None:
    con = sqlite3.connect(path)
    for t in range(tables):
        cols = rng.randint(4, 30)
        names = ["id INTEGER PRIMARY KEY", "email TEXT", "created_at TEXT"]
        names += [f"c{i} TEXT" for i in range(cols - 3)]
        con.execute(f"CREATE TABLE t{t} ({', '.join(names)})")
        rows = [
            (i, f"user{i}@example.com", "2024-01-01", *[f"v{i}-{j}" for j in range(cols - 3)])
            for i in range(rng.randint(5, 60))
        ]
        marks = ",".join("?" * cols)
        con.executemany(f"INSERT INTO t{t} VALUES ({marks})", rows)
    con.commit()
    con.close()


def touch(path: Path, share: float, rng: random.Random) -> int:
    """Change ``share`` of the tables (new rows): their scan tokens move."""
    con = sqlite3.connect(path)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    changed = rng.sample(tables, max(0, round(len(tables) * share)))
    for name in changed:
        cols = len(con.execute(f"PRAGMA table_info({name})").fetchall())
        start = con.execute(f"SELECT MAX(id) + 1 FROM {name}").fetchone()[0] or 1
        marks = ",".join("?" * cols)
        con.execute(f"INSERT INTO {name} VALUES ({marks})", (start, *["x"] * (cols - 1)))
    con.commit()
    con.close()
    return len(changed)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=12)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="pursight-eta-"))
    var = work / "var"
    var.mkdir()
    trained = ROOT / "var" / "classifier"
    if trained.is_dir():
        (var / "classifier").symlink_to(trained, target_is_directory=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="pursight.settings.test",
        DATABASE_URL=f"sqlite:///{work / 'catalog.sqlite3'}",
        PURSIGHT_VAR_DIR=str(var),
        PURSIGHT_FILE_SOURCE_ROOTS=str(work),
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    from governance.datasources.services import register_datasource
    from governance.rbac import services as rbac
    from governance.scans import services as scans
    from governance.scans.history import DurationModel, queued_seconds
    from governance.scans.models import ScanRun

    call_command("migrate", verbosity=0)
    collection = rbac.create_collection(actor=None, name="Bench")
    sizes = [int(5 * (150 / 5) ** (i / max(1, args.sources - 1))) for i in range(args.sources)]
    rng.shuffle(sizes)
    started = time.monotonic()
    sources = []
    for i, tables in enumerate(sizes):
        path = work / f"s{i}.sqlite"
        build(path, tables, rng)
        source = register_datasource(
            actor=None, name=f"s{i}", kind="sqlite", database=str(path), collection=collection
        )
        sources.append((source, path))
    for run_no in range(args.runs):
        for source, path in sources:
            if run_no:
                touch(path, rng.choice([0.0, 0.05, 0.2, 0.5, 1.0]), rng)
            scan = scans.default_scan(actor=None, source=source)
            queued = scans.start_scan(actor=None, scan=scan, enqueue=False)
            scans.execute_run(queued.pk)
        print(f"round {run_no + 1}/{args.runs} scanned ({time.monotonic() - started:.0f} s)")
    runs = list(ScanRun.objects.filter(state="succeeded").order_by("started_at"))
    by_source: dict[int, list] = {}
    for run in runs:
        by_source.setdefault(run.datasource_id, []).append(run)
    train = [r for rows in by_source.values() for r in rows[:-2]]
    model = DurationModel.fit(train)
    errors, naive = [], []
    for rows in by_source.values():
        for i in (len(rows) - 2, len(rows) - 1):
            run, before = rows[i], rows[:i][::-1]  # what was known when it was queued
            actual = run.duration_seconds
            predicted = queued_seconds(before, run.datasource_id, model)
            errors.append(abs(predicted - actual) / actual * 100)
            naive.append(abs(before[0].duration_seconds - actual) / actual * 100)
    held = errors
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {len(sources)} sources of {min(sizes)}-{max(sizes)} "
        f"tables, {len(runs)} runs ({min(r.duration_seconds for r in runs):.2f}-"
        f"{max(r.duration_seconds for r in runs):.2f} s); fitted on {len(train)}, "
        f"held out {len(held)} (each source's last two)"
    )
    print(f"{'':28}{'median':>10}{'p90':>10}{'max':>10}")
    for label, values in (("model (% of actual)", errors), ("previous run (baseline)", naive)):
        print(
            f"{label:28}{statistics.median(values):>9.1f}%{percentile(values, 0.9):>9.1f}%"
            f"{max(values):>9.1f}%"
        )


if __name__ == "__main__":
    main()
