"""API latency benchmark: catalog list and search for a Data Reader holding a role on 1 of 50
collections, with 200,000 columns in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py

A dedicated database (``pursight_bench_api``) is created (dropped first), migrated and filled
with COPY; requests go through Django's test Client in-process (full middleware, session auth).
Prints p50/p95/max per endpoint.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLLECTIONS = 50
COLUMNS = int(os.environ.get("BENCH_COLUMNS", "200000"))
TABLES_PER_SOURCE = 40
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
DB_NAME = "pursight_bench_api"


def _prepare_database() -> None:
    import psycopg

    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(admin_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/api.py needs a PostgreSQL DATABASE_URL")
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _fill() -> object:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from governance.catalog.models import CatalogColumn, CatalogSchema, CatalogTable
    from governance.datasources.models import DataSource
    from governance.rbac import services
    from governance.rbac.models import Role

    now = timezone.now()
    root = services.create_collection(actor=None, name="Bench")
    collections = [
        services.create_collection(actor=None, name=f"Domain {i}", parent=root)
        for i in range(COLLECTIONS)
    ]
    sources = DataSource.objects.bulk_create(
        DataSource(name=f"src{i}", kind="sqlite", database=f"/b{i}.sqlite", collection=c)
        for i, c in enumerate(collections)
    )
    schemas = CatalogSchema.objects.bulk_create(
        CatalogSchema(
            datasource=s,
            name="public",
            qualified_name=f"{s.pk}/public",
            first_seen=now,
            last_seen=now,
        )
        for s in sources
    )
    tables = CatalogTable.objects.bulk_create(
        CatalogTable(
            datasource=s,
            schema=sc,
            name=f"orders_{t}",
            qualified_name=f"{s.pk}/public/orders_{t}",
            first_seen=now,
            last_seen=now,
        )
        for s, sc in zip(sources, schemas, strict=True)
        for t in range(TABLES_PER_SOURCE)
    )
    per_table = max(1, COLUMNS // len(tables))
    words = ["customer", "email", "amount", "status", "created", "country", "phone", "total"]
    opts = CatalogColumn._meta
    cols = [
        "datasource_id",
        "name",
        "qualified_name",
        "description",
        "first_seen",
        "last_seen",
        "updated_at",
        "table_id",
        "data_type",
        "nullable",
        "ordinal",
        "comment",
        "top_values",
    ]
    buf = io.StringIO()
    stamp = now.isoformat()
    for t in tables:
        for i in range(per_table):
            name = f"{words[i % len(words)]}_{i}"
            buf.write(
                f"{t.datasource_id}\t{name}\t{t.qualified_name}/{name}\t\t{stamp}\t{stamp}\t"
                f"{stamp}\t{t.pk}\tvarchar\tt\t{i}\t\t[]\n"
            )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            f"COPY {opts.db_table} ({', '.join(cols)}) FROM STDIN"
        ) as copy:
            copy.write(buf.getvalue())
        cursor.execute(f"ANALYZE {opts.db_table}")
    print(f"inserted {len(tables) * per_table} columns in {time.perf_counter() - start:.1f}s")
    reader = get_user_model().objects.create_user("reader", is_staff=False)
    services.assign_role(
        actor=None,
        role=Role.objects.get(slug="data-reader"),
        collection=collections[7],
        user=reader,
    )
    return reader


def _measure(client: object, url: str) -> list[float]:
    for _ in range(10):  # warm up
        client.get(url)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def main() -> None:
    _prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    reader = _fill()
    client = Client()
    client.force_login(reader)
    visible = client.get("/api/v1/catalog/columns/").json()["count"]
    print(f"reader sees {visible} columns of {COLUMNS} (1 of {COLLECTIONS} collections)")
    for label, url in [
        ("list  /api/v1/catalog/columns/", "/api/v1/catalog/columns/"),
        ("search ?q=email", "/api/v1/catalog/columns/?q=email"),
        ("search ?q=cust stat (2 words)", "/api/v1/catalog/columns/?q=cust%20stat"),
    ]:
        t = sorted(_measure(client, url))
        p95 = t[int(len(t) * 0.95) - 1]
        print(
            f"{label:34s} n={len(t)} p50={statistics.median(t):6.1f} ms "
            f"p95={p95:6.1f} ms max={t[-1]:6.1f} ms"
        )


if __name__ == "__main__":
    main()
