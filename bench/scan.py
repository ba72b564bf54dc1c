#!/usr/bin/env python
"""Scan benchmark: first scan and rescan of the shared classification tables copied N times.

Builds the public benchmark database with ``../shared/benchmarks/classification/generate.py``,
copies its 59 tables ``--copies`` times (20 by default: 1,180 tables, 11,880 columns) into a SQLite
file and into a PostgreSQL database, registers both in a fresh catalog, and scans each twice in a
child process (what a single Celery worker does), reporting columns per second end to end (from
the start of the run to the catalog committed) and the child's peak RSS.

    .venv/bin/python bench/scan.py [--copies 20] [--targets sqlite,postgresql]

The catalog database is PostgreSQL ``pursight_bench`` (created and dropped) unless
``--catalog-url`` is given.

The SQLite files are built (once, then reused) in ``--build-dir`` (``$PURSIGHT_BENCH_BUILD_DIR``,
by default ``pursight-bench-<uid>`` in the system's temporary directory). PurSight refuses file
sources inside its own tree, so the directory must lie outside the project; it is passed to the
child processes as a file source root (``PURSIGHT_FILE_SOURCE_ROOTS``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks" / "classification"
DEFAULT_BUILD = Path(tempfile.gettempdir()) / f"pursight-bench-{os.getuid()}"
BENCH_COLLECTION = "Bench"
PG_ADMIN = os.environ.get(
    "PURSIGHT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def build_dir(path: str) -> Path:
    """The directory for the SQLite targets: outside the project, where PurSight refuses them."""
    build = Path(path or os.environ.get("PURSIGHT_BENCH_BUILD_DIR") or DEFAULT_BUILD)
    build = Path(os.path.realpath(build.expanduser()))
    if build == ROOT or ROOT in build.parents:
        raise SystemExit(
            f"--build-dir {build} lies inside the project ({ROOT}), where PurSight refuses "
            "file-based sources; pick a directory outside it."
        )
    if "," in str(build):
        raise SystemExit(f"--build-dir {build}: a comma cannot be passed in a list setting.")
    build.mkdir(parents=True, exist_ok=True)
    return build


def child_env(catalog_url: str, build: Path) -> dict[str, str]:
    """The environment of the child processes: the catalog, and the build directory as a file
    source root (besides any configured ones)."""
    roots = [r for r in os.environ.get("PURSIGHT_FILE_SOURCE_ROOTS", "").split(",") if r.strip()]
    env = {
        **os.environ,
        "DATABASE_URL": catalog_url,
        "LOG_LEVEL": "WARNING",
        "PURSIGHT_FILE_SOURCE_ROOTS": ",".join([*roots, str(build)]),
    }
    env.pop("REDIS_URL", None)
    return env


def build_public(build: Path) -> Path:
    target = build / "public.sqlite"
    if not target.exists():
        subprocess.run(
            [sys.executable, str(SHARED / "generate.py"), "--sqlite", str(target)],
            check=True,
            cwd=SHARED,
            stdout=subprocess.DEVNULL,
        )
    return target


def tables_of(con: sqlite3.Connection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()


def build_sqlite_copies(public: Path, copies: int) -> Path:
    target = public.parent / f"scan{copies}.sqlite"
    if target.exists():
        return target
    src = sqlite3.connect(public)
    dst = sqlite3.connect(target)
    dst.execute(f"ATTACH DATABASE '{public}' AS src")
    for name, sql in tables_of(src):
        for i in range(1, copies + 1):
            copy = f"{name}_c{i:02d}"
            dst.execute(
                re.sub(
                    r'CREATE TABLE\s+("?)' + re.escape(name) + r"\1",
                    f'CREATE TABLE "{copy}"',
                    sql,
                    count=1,
                )
            )
            dst.execute(f'INSERT INTO "{copy}" SELECT * FROM src."{name}"')
    dst.commit()
    dst.close()
    return target


SAFE_PG_TYPES = {
    "varchar",
    "char",
    "text",
    "integer",
    "bigint",
    "smallint",
    "numeric",
    "real",
    "date",
}


def _pg_type(declared: str) -> str:
    """The declared type, without length limits SQLite never enforced, or text."""
    base = re.match(r"[a-z]*", declared.lower()).group()
    if base == "char":
        return "varchar"
    return base if base in SAFE_PG_TYPES else "text"


def build_postgres_copies(public: Path, copies: int) -> str:
    import psycopg

    name = f"pursight_bench_target_{copies}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname='public'").fetchone()[0]:
            return url
        src = sqlite3.connect(public)
        for table, _ in tables_of(src):
            cols = src.execute(f'PRAGMA table_info("{table}")').fetchall()
            rows = src.execute(f'SELECT * FROM "{table}"').fetchall()
            typed = ", ".join(f'"{c[1]}" {_pg_type(c[2] or "text")}' for c in cols)
            plain = ", ".join(f'"{c[1]}" text' for c in cols)
            for i in range(1, copies + 1):
                copy = f"{table}_c{i:02d}"
                for ddl in (typed, plain):  # values SQLite let through may not fit the type
                    try:
                        with conn.transaction():
                            conn.execute(f'CREATE TABLE "{copy}" ({ddl})')
                            with conn.cursor().copy(f'COPY "{copy}" FROM STDIN') as cp:
                                for row in rows:
                                    cp.write_row(row)
                        break
                    except psycopg.DataError:
                        continue
        conn.execute("ANALYZE")
        conn.commit()
    return url


def child(source_name: str) -> None:
    """Run one scan of ``source_name`` in this process; print a JSON line of figures."""
    import django

    django.setup()
    from governance.datasources.services import find_datasource
    from governance.scans import services

    source = find_datasource(source_name, BENCH_COLLECTION)
    services.warm_up()  # what a Celery worker does when it starts (governance.scans.tasks)
    scan = services.default_scan(actor=None, source=source)
    run = services.start_scan(actor=None, scan=scan, enqueue=False)
    profile_to = os.environ.get("PURSIGHT_BENCH_PROFILE")  # a path: cProfile stats of the run
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    run = services.execute_run(run.pk)
    elapsed = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile_to}.{source_name}.run{run.pk}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    helper_kb = 0
    from governance.classifications import services as classifications

    for helper in classifications._helper.values():  # the engine's helper process, if any
        status = Path(f"/proc/{helper.pid}/status").read_text()
        helper_kb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    print(
        json.dumps(
            {
                "state": run.state,
                "error": run.error,
                "columns": run.columns_seen,
                "tables": run.tables_seen,
                "added": run.columns_added,
                "changed": run.columns_changed,
                "seconds": elapsed,
                "peak_mb": peak_kb / 1024,
                "helper_peak_mb": helper_kb / 1024,
            }
        )
    )


def run_child(source: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", source],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--targets", default="sqlite,postgresql")
    parser.add_argument("--catalog-url", default="")
    parser.add_argument(
        "--build-dir",
        default="",
        help="Where the SQLite targets are built, outside the project "
        f"(default: $PURSIGHT_BENCH_BUILD_DIR or {DEFAULT_BUILD}).",
    )
    parser.add_argument("--child")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
    if args.child:
        child(args.child)
        return

    import psycopg

    build = build_dir(args.build_dir)
    public = build_public(build)
    targets = {}
    if "sqlite" in args.targets:
        targets["bench-sqlite"] = f"sqlite:///{build_sqlite_copies(public, args.copies)}"
    if "postgresql" in args.targets:
        targets["bench-postgresql"] = build_postgres_copies(public, args.copies)

    catalog_url = args.catalog_url
    drop = False
    if not catalog_url:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute('DROP DATABASE IF EXISTS "pursight_bench" WITH (FORCE)')
            admin.execute('CREATE DATABASE "pursight_bench"')
        catalog_url = PG_ADMIN.rsplit("/", 1)[0] + "/pursight_bench"
        drop = True
    env = child_env(catalog_url, build)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    results = []
    try:
        for name, url in targets.items():
            subprocess.run(
                [
                    *manage,
                    "add_datasource",
                    "--name",
                    name,
                    "--url",
                    url,
                    "--collection",
                    BENCH_COLLECTION,
                ],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            first = run_child(name, env)
            second = run_child(name, env)
            for label, r in (("first scan", first), ("rescan", second)):
                if r["state"] != "succeeded":
                    raise SystemExit(f"{name} {label} {r['state']}: {r['error']}")
                r["cps"] = r["columns"] / r["seconds"]
                results.append((name, label, r))
                print(
                    f"{name:18} {label:10} {r['columns']:6d} columns {r['seconds']:6.2f} s "
                    f"{r['cps']:8.0f} columns/s  peak RSS {r['peak_mb']:.0f} MB "
                    f"(helper {r['helper_peak_mb']:.0f} MB) "
                    f"(added {r['added']}, changed {r['changed']})"
                )
            print(f"{name:18} rescan speed-up x{first['seconds'] / second['seconds']:.1f}")
    finally:
        if drop:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute('DROP DATABASE IF EXISTS "pursight_bench" WITH (FORCE)')


if __name__ == "__main__":
    main()
