#!/usr/bin/env python
"""Compliance benchmark: every built-in framework over a synthetic catalog of 200,000 columns.

Creates a dedicated PostgreSQL database, migrates it, bulk-loads a synthetic catalog (COPY for
columns), loads the built-in frameworks and times:

1. the first evaluation of all frameworks (opens every finding)           target < 30 s
2. an unchanged re-evaluation of all frameworks                          (for reference)
3. an unchanged re-evaluation of one data source (all frameworks)        target < 2 s

    .venv/bin/python bench/compliance.py [--columns 200000] [--sources 20] [--keep]

The admin URL comes from ``PURSIGHT_TEST_POSTGRES_URL`` (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get(
    "PURSIGHT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "pursight_bench_compliance"

COLUMN_NAMES = [
    "id", "created_at", "updated_at", "status", "code", "label", "quantity", "amount",
    "email", "phone", "first_name", "last_name", "card_number", "diagnosis", "birth_date",
    "address", "notes", "total", "currency", "country",
]  # fmt: skip
TABLE_NAMES = ["customers", "orders", "invoices", "patients", "payments", "events", "ledger"]
SCHEMAS = ["main", "public", "staging", "sales", "finance"]


def admin_dsn() -> str:
    return PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def recreate_database() -> str:
    import psycopg

    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return with_db(admin_dsn(), DB_NAME)


def drop_database() -> None:
    import psycopg

    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def build_catalog(columns: int, sources: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from governance.catalog.models import CatalogSchema, CatalogTable, qualified
    from governance.datasources.models import DataSource
    from governance.rbac.services import create_collection
    from governance.scans.models import Scan, ScanRun, SchemaChange

    now = timezone.now()
    per_table = len(COLUMN_NAMES)
    tables_total = columns // per_table
    tables_per_source = tables_total // sources
    colls = [create_collection(actor=None, name=f"Business unit {i}") for i in range(4)]
    ds_list = DataSource.objects.bulk_create(
        [
            DataSource(
                name=f"db{i:02d}",
                kind=("postgresql", "mysql", "sqlite")[i % 3],
                host="db.internal",
                port=5432,
                database=f"db{i}",
                collection=colls[i % len(colls)],
                encrypted_at_rest=i % 2 == 0,
                store_samples=i % 5 == 0,
                retention_days=365 if i % 3 else None,
                last_scan_at=now if i % 4 else None,
            )
            for i in range(sources)
        ]
    )
    schemas = CatalogSchema.objects.bulk_create(
        [
            CatalogSchema(
                datasource=ds,
                name=s,
                qualified_name=qualified(ds.pk, s),
                first_seen=now,
                last_seen=now,
            )
            for ds in ds_list
            for s in SCHEMAS
        ],
        batch_size=5000,
    )
    by_ds: dict[int, list] = {}
    for sc in schemas:
        by_ds.setdefault(sc.datasource_id, []).append(sc)
    tables = []
    for ds in ds_list:
        for t in range(tables_per_source):
            sc = by_ds[ds.pk][t % len(SCHEMAS)]
            name = f"{TABLE_NAMES[t % len(TABLE_NAMES)]}_{t}"
            tables.append(
                CatalogTable(
                    datasource=ds,
                    schema=sc,
                    name=name,
                    qualified_name=qualified(ds.pk, sc.name, name),
                    first_seen=now,
                    last_seen=now,
                    description="documented" if t % 2 else "",
                )
            )
    tables = CatalogTable.objects.bulk_create(tables, batch_size=5000)
    schema_name = {sc.pk: sc.name for sc in schemas}
    buf = io.StringIO()
    n = 0
    for table in tables:
        for o, col in enumerate(COLUMN_NAMES):
            qn = qualified(table.datasource_id, schema_name[table.schema_id], table.name, col)
            desc = "described" if (n % 3 == 0) else ""
            row = [
                str(table.datasource_id), col, qn, desc, now.isoformat(), now.isoformat(),
                now.isoformat(), str(table.pk), "numeric" if col in ("amount", "total") else "text",
                "t" if o % 2 else "f", str(o), "", "[]",
            ]  # fmt: skip
            buf.write("\t".join(row) + "\n")
            n += 1
    buf.seek(0)
    with connection.cursor() as cur:
        with cur.connection.cursor().copy(
            "COPY catalog_catalogcolumn (datasource_id, name, qualified_name, description, "
            "first_seen, last_seen, updated_at, table_id, data_type, nullable, ordinal, comment, "
            "top_values) FROM STDIN"
        ) as copy:
            copy.write(buf.getvalue())
        cur.execute("ANALYZE")
    # One successful scan run per source with a few type changes (schema drift).
    changes = []
    for ds in ds_list:
        scan = Scan.objects.create(name="default", datasource=ds)
        run = ScanRun.objects.create(scan=scan, datasource=ds, state="succeeded", finished_at=now)
        for table in tables[:: max(1, len(tables) // 200)]:
            if table.datasource_id == ds.pk:
                changes.append(
                    SchemaChange(
                        run=run,
                        datasource=ds,
                        asset_type="column",
                        change="type_changed",
                        qualified_name=table.qualified_name + "/amount",
                        display_name=f"{table.name}.amount",
                    )
                )
    SchemaChange.objects.bulk_create(changes)
    print(f"catalog: {sources} sources, {len(tables)} tables, {n} columns, {len(changes)} changes")


def main() -> None:
    global DB_NAME
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", type=int, default=200_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--db-name", default=DB_NAME, help="Name of the scratch database.")
    args = parser.parse_args()
    DB_NAME = args.db_name

    url = recreate_database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("governance").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, reset_queries

    try:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        build_catalog(args.columns, args.sources)
        print(f"load: {time.perf_counter() - t0:.1f} s")
        from governance.compliance import builtins, services
        from governance.compliance.models import Finding, Rule
        from governance.datasources.models import DataSource

        builtins.load_frameworks()
        print(f"rules: {Rule.objects.filter(enabled=True).count()} enabled")

        def timed(label: str, **kw: object) -> float:
            reset_queries()
            connection.force_debug_cursor = True
            t = time.perf_counter()
            runs = services.evaluate(actor=None, **kw)
            elapsed = time.perf_counter() - t
            queries = len(connection.queries)
            connection.force_debug_cursor = False
            opened = sum(r.findings_opened for r in runs)
            closed = sum(r.findings_closed for r in runs)
            checks = sum(r.assets_checked for r in runs)
            skipped = sum(r.rules_skipped for r in runs)
            print(
                f"{label}: {elapsed:.2f} s ({len(runs)} frameworks, {checks} asset checks, "
                f"{opened} opened, {closed} closed, {skipped} rules skipped, {queries} queries)"
            )
            return elapsed

        first = timed("all frameworks, first evaluation")
        again = timed("all frameworks, unchanged re-evaluation")
        source = DataSource.objects.order_by("name")[1]
        one = timed(f"one data source ({source.name}), unchanged", datasource=source)
        print(f"findings: {Finding.objects.count()}")
        print(
            f"RESULT first_all={first:.2f}s (target < 30) rerun_all={again:.2f}s "
            f"one_source={one:.2f}s (target < 2)"
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
