#!/usr/bin/env python
"""File source benchmark: discovery and scan of a generated tree of 10,000 data files.

Builds (once, then reuses) a tree in ``--build-dir`` (outside the project, where PurSight refuses
file sources): 20 Hive-partitioned Parquet tables of 100 partitions each (2,000 files), 50
resource sets of 100 CSV files each (5,000 files), 2,990 single CSV, TSV, JSON lines and Parquet
files, and 10 unreadable files (binary junk, truncated Parquet, a broken quote), 10,000 files
in all. Then, with the DuckDB connector alone (no Django):

* the listing of the tree (grouping files into tables),
* the discovery of every table's schema, cold (nothing cached),
* the sampling of every table (100 rows, the scans' default),
* the rediscovery by a new connector in the same process (schemas cached, no file opened),
* the rediscovery by a new connector with the schemas a catalog stored (as in a new process:
  nothing cached, every table vouched for by its data version, no file opened).

With ``--catalog-url`` (a PostgreSQL database that is migrated, then used as the catalog), it
also registers the tree as a file source and runs a first scan and a rescan end to end in child
processes (what a Celery worker does), reporting the run's time, tables sampled, warnings, the
files opened and the schemas taken from the catalog; ``--compare`` adds a rescan that ignores
the catalog's schemas (reads every table's schema from its files, as before).

    .venv/bin/python bench/files.py [--files 10000] [--build-dir DIR] [--catalog-url URL]
        [--compare]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD = Path(tempfile.gettempdir()) / f"pursight-bench-files-{os.getuid()}"
BENCH_COLLECTION = "Bench"
SOURCE_NAME = "bench-files"

ROWS = (
    "SELECT i AS id, 'person' || i || '@example.com' AS email, "
    "'Customer ' || i AS full_name, ['FR', 'DE', 'US', 'GB'][1 + i % 4] AS country, "
    "'note ' || i || ': call +44 20 7946 0' || lpad((i % 1000)::VARCHAR, 3, '0') AS notes "
    "FROM range({n}) t(i)"
)
FORMATS = {
    "csv": "FORMAT csv, HEADER",
    "tsv": "FORMAT csv, HEADER, DELIMITER '\t'",
    "jsonl": "FORMAT json",
    "parquet": "FORMAT parquet",
}


def letters(k: int) -> str:
    """``k`` in letters (a, b, … z, ba, bb…): names that never group by their digits."""
    out = ""
    while True:
        k, r = divmod(k, 26)
        out = string.ascii_lowercase[r] + out
        if not k:
            return out


def build_tree(build: Path, files: int) -> Path:
    """The tree of ``files`` files (``files`` must be a multiple of 1,000), built once."""
    tree = build / f"lake{files}"
    marker = tree / ".complete"
    if marker.exists():
        return tree
    import duckdb

    scale = files // 1000
    con = duckdb.connect()
    written = 0

    def copy(path: Path, fmt: str, n: int = 20) -> None:
        nonlocal written
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({ROWS.format(n=n)}) TO '{path}' ({FORMATS[fmt]})")
        written += 1

    for t in range(2 * scale):  # Hive partitions: 2,000 files per 10,000
        for year in range(2015, 2025):
            for month in range(1, 11):
                copy(
                    tree
                    / "events"
                    / f"stream_{letters(t)}"
                    / f"year={year}"
                    / f"month={month:02d}"
                    / "part-0.parquet",
                    "parquet",
                )
    for g in range(5 * scale):  # resource sets: 5,000 files per 10,000
        region = f"region_{letters(g % 10)}"
        for k in range(100):
            copy(tree / "sales" / region / f"orders_{letters(g)}_2024_{k:03d}.csv", "csv")
    bad = 10
    singles = files - written - bad
    kinds = list(FORMATS)
    for k in range(singles):
        fmt = kinds[k % len(kinds)]
        copy(tree / "misc" / f"dir_{letters(k // 100)}" / f"table_{letters(k)}.{fmt}", fmt)
    junk = tree / "misc" / "bad"
    junk.mkdir(parents=True, exist_ok=True)
    whole = (tree / "events").rglob("*.parquet").__next__().read_bytes()
    for k in range(bad):
        name = f"broken_{letters(k)}"
        if k % 3 == 0:
            (junk / f"{name}.csv").write_bytes(bytes(range(256)) * 8)
        elif k % 3 == 1:
            (junk / f"{name}.parquet").write_bytes(whole[:-40])
        else:
            (junk / f"{name}.csv").write_text('id,name\n1,"Ann\n2,Bob\n')
    con.close()
    marker.write_text("")
    return tree


def connector_phase(tree: Path) -> dict:
    """Listing, cold discovery, sampling and cached rediscovery with the connector alone."""
    from governance.datasources.connectors import ConnectionParams, duckdb_files, get_connector
    from governance.datasources.connectors.files import FileAccess

    access = FileAccess(roots=(str(tree.parent),))
    params = ConnectionParams("files", database=str(tree))
    duckdb_files._schema_cache.clear()
    figures: dict = {}
    with get_connector(params, file_access=access) as c:
        start = time.perf_counter()
        layout = c.layout()
        figures["list_s"] = time.perf_counter() - start
        figures["files"] = sum(len(t.files) for s in layout.values() for t in s.values())
        start = time.perf_counter()
        infos = list(c.discover())
        figures["discover_s"] = time.perf_counter() - start
        figures["tables"] = len(infos)
        figures["columns"] = sum(len(t.columns) for t in infos)
        figures["schema_reads"] = c.files_opened
        start = time.perf_counter()
        for t in infos:
            c.sample(t.schema, t.name, [col.name for col in t.columns], 100)
        figures["sample_s"] = time.perf_counter() - start
        figures["problems"] = len(c.problems)
        versions = {(t.schema, t.name): t.data_version for t in infos}
    with get_connector(params, file_access=access) as c:
        start = time.perf_counter()
        again = list(c.discover())
        figures["rediscover_s"] = time.perf_counter() - start
        figures["reopened"] = c.files_opened
        figures["unchanged"] = sum(
            versions.get((t.schema, t.name)) == t.data_version for t in again
        )
    stored = {
        (t.schema, t.name, t.data_version): duckdb_files.KnownSchema(
            columns=t.columns, row_estimate=t.row_estimate, comment=t.comment
        )
        for t in infos
    }
    duckdb_files._schema_cache.clear()  # a new process: only the catalog knows the schemas
    with get_connector(params, file_access=access) as c:
        c.known_schemas = lambda schema, name, version: stored.get((schema, name, version))
        start = time.perf_counter()
        again = list(c.discover())
        figures["stored_s"] = time.perf_counter() - start
        figures["stored_opened"] = c.files_opened
        figures["stored_reused"] = c.schemas_reused
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def child(tree: str, reuse: bool = True) -> None:
    """One scan of the bench source (registered on first use) in this process: a JSON line.
    ``reuse=False``: the catalog's schemas are ignored (every schema read from the files)."""
    import django

    django.setup()
    from governance.datasources.connectors import duckdb_files

    cls = duckdb_files.DuckDBFilesConnector
    counts = {"opened": 0, "reused": 0}
    close = cls.close

    def counting_close(self: duckdb_files.DuckDBFilesConnector) -> None:
        counts["opened"] += self.files_opened
        counts["reused"] += self.schemas_reused
        self.files_opened = self.schemas_reused = 0
        close(self)

    cls.close = counting_close  # type: ignore[method-assign]
    if not reuse:
        cls._reuse = lambda self, table: False  # type: ignore[method-assign]
    from governance.datasources.models import DataSource
    from governance.datasources.services import register_datasource
    from governance.rbac.models import Collection
    from governance.rbac.services import create_collection
    from governance.scans import services

    source = DataSource.objects.filter(name=SOURCE_NAME).first()
    if source is None:
        collection = Collection.objects.filter(name=BENCH_COLLECTION, parent=None).first()
        collection = collection or create_collection(actor=None, name=BENCH_COLLECTION)
        source = register_datasource(
            actor=None, name=SOURCE_NAME, kind="files", database=tree, collection=collection
        )
    services.warm_up()
    scan = services.default_scan(actor=None, source=source)
    run = services.start_scan(actor=None, scan=scan, enqueue=False)
    start = time.perf_counter()
    run = services.execute_run(run.pk)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "state": run.state,
                "error": run.error,
                "tables": run.tables_total,
                "sampled": run.tables_sampled,
                "columns": run.columns_seen,
                "warnings": len(run.warnings),
                "opened": counts["opened"],
                "reused": counts["reused"],
                "seconds": elapsed,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def scan_phase(tree: Path, catalog_url: str, compare: bool = False) -> list[dict]:
    env = {
        **os.environ,
        "DATABASE_URL": catalog_url,
        "LOG_LEVEL": "WARNING",
        "PURSIGHT_FILE_SOURCE_ROOTS": str(tree.parent),
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    results = []
    runs = [("first scan", []), ("rescan", [])]
    if compare:
        runs.append(("rescan, schemas from the files", ["--no-reuse"]))
    for label, extra in runs:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(tree), *extra],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if r["state"] != "succeeded":
            raise SystemExit(f"{label} {r['state']}: {r['error']}")
        print(
            f"{label:10} {r['tables']:5d} tables ({r['sampled']} sampled) {r['columns']:6d} "
            f"columns {r['seconds']:7.2f} s  {r['warnings']} warnings  {r['opened']} files "
            f"opened, {r['reused']} schemas from the catalog  peak RSS {r['peak_mb']:.0f} MB"
        )
        results.append(r)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000, help="a multiple of 1,000")
    parser.add_argument("--build-dir", default="")
    parser.add_argument("--catalog-url", default="")
    parser.add_argument("--compare", action="store_true", help="also rescan without reuse")
    parser.add_argument("--child")
    parser.add_argument("--no-reuse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
    if args.child:
        child(args.child, reuse=not args.no_reuse)
        return
    if args.files < 1000 or args.files % 1000:
        raise SystemExit("--files must be a multiple of 1,000")
    build = Path(os.path.realpath(Path(args.build_dir or DEFAULT_BUILD).expanduser()))
    if build == ROOT or ROOT in build.parents:
        raise SystemExit(f"--build-dir {build} lies inside the project; pick one outside it.")
    build.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tree = build_tree(build, args.files)
    print(f"tree        {tree} ({time.perf_counter() - start:.1f} s to build or find)")
    f = connector_phase(tree)
    print(
        f"connector   {f['files']} files -> {f['tables']} tables, {f['columns']} columns, "
        f"{f['problems']} unreadable files reported"
    )
    print(f"  listing              {f['list_s']:7.2f} s")
    print(
        f"  discovery (cold)     {f['discover_s']:7.2f} s  ({f['schema_reads']} schema reads, "
        f"{f['tables'] / f['discover_s']:.0f} tables/s)"
    )
    print(
        f"  sampling (100 rows)  {f['sample_s']:7.2f} s  ({f['tables'] / f['sample_s']:.0f} "
        "tables/s)"
    )
    print(
        f"  rediscovery          {f['rediscover_s']:7.2f} s  ({f['reopened']} files reopened, "
        f"{f['unchanged']} of {f['tables']} tables unchanged)"
    )
    print(
        f"  rediscovery, stored  {f['stored_s']:7.2f} s  ({f['stored_opened']} files opened, "
        f"{f['stored_reused']} schemas from the catalog)"
    )
    print(f"  peak RSS             {f['peak_mb']:7.0f} MB")
    if args.catalog_url:
        scan_phase(tree, args.catalog_url, compare=args.compare)


if __name__ == "__main__":
    main()
