"""Global search benchmark: the header box's suggestions, the results page and the search API on
a catalog of 1,000,000 columns in PostgreSQL.

    .venv/bin/python bench/search.py [--columns 1000000] [--requests 40] [--keep]

A dedicated database (``pursight_bench_search``) is created (dropped first), migrated and filled
with COPY (``pursight.bulk.insert_rows``): 20 collections with one data source each, 40
columns per table, realistic table and column names, classifications on a quarter of the
columns, GDPR findings on some of them. Requests go through Django's test Client in-process
(full middleware, session auth, the permission gate) as a steward holding a role on 1 of the 20
collections (5% of the catalog) and as a reader holding it platform-wide (everything). Prints
p50/p95/max per query. The database is dropped at the end unless ``--keep``.

Set ``DATABASE_URL`` to another server's maintenance database to use it
(default ``postgres://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchdb import drop_database, prepare_database  # noqa: E402

DB_NAME = "pursight_bench_search"
COLLECTIONS = 20
COLUMNS_PER_TABLE = 40
SCHEMAS = ["public", "sales", "hr", "finance", "staging"]
TABLE_NOUNS = [
    "customers", "orders", "order_items", "invoices", "payments", "refunds", "employees",
    "salaries", "products", "inventory", "shipments", "suppliers", "accounts", "contacts",
    "leads", "campaigns", "sessions", "events", "tickets", "subscriptions", "addresses",
    "patients", "claims", "policies", "transactions", "ledger", "budgets", "devices",
]  # fmt: skip
# Column names: (name, info type code or None). Personal ones get a classification.
COLUMN_NAMES = [
    ("id", None), ("created_at", None), ("updated_at", None), ("status", None),
    ("amount", None), ("currency", None), ("quantity", None), ("price", None),
    ("discount", None), ("tax_rate", None), ("notes", None), ("description", None),
    ("category", None), ("reference", None), ("source_system", None), ("is_active", None),
    ("customer_id", None), ("order_id", None), ("product_id", None), ("account_id", None),
    ("country", None), ("city", None), ("region", None), ("postal_code", None),
    ("email", "EMAIL_ADDRESS"), ("contact_email", "EMAIL_ADDRESS"),
    ("phone", "PHONE_NUMBER"), ("mobile_phone", "PHONE_NUMBER"),
    ("first_name", "PERSON_NAME"), ("last_name", "PERSON_NAME"), ("full_name", "PERSON_NAME"),
    ("birth_date", "DATE_OF_BIRTH"), ("iban", "IBAN"), ("card_number", "CREDIT_CARD_NUMBER"),
    ("ssn", "US_SSN"), ("ip_address", "IP_ADDRESS"),
    ("street_address", "STREET_ADDRESS"), ("passport_number", "PASSPORT_NUMBER"),
    ("user_agent", None), ("login_count", None), ("last_login", None), ("score", None),
]  # fmt: skip
# Typical queries: (label, words).
QUERIES = [
    ("common word", "email"),
    ("prefix", "cust"),
    ("two words", "customer email"),
    ("two prefixes", "ord amo"),
    ("rare word", "passport"),
    ("no match", "zebra"),
]


def _prepare_database() -> str:
    return prepare_database(DB_NAME, "bench/search.py")


def _drop_database(admin_url: str) -> None:
    drop_database(admin_url, DB_NAME)


def _fill(columns_total: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from governance.catalog.models import (
        CatalogColumn,
        CatalogSchema,
        CatalogTable,
        ColumnClassification,
    )
    from governance.classifications.models import Classification
    from governance.classifications.services import effective_label_ids
    from governance.compliance import builtins
    from governance.compliance.models import Finding, Rule
    from governance.datasources.models import DataSource
    from governance.rbac import services
    from governance.rbac.models import Role
    from pursight.bulk import insert_rows

    rng = random.Random(7)
    now = timezone.now()
    builtins.load_frameworks()
    root = services.create_collection(actor=None, name="Enterprise")
    collections = [
        services.create_collection(actor=None, name=f"Domain {i:02d}", parent=root)
        for i in range(COLLECTIONS)
    ]
    sources = DataSource.objects.bulk_create(
        DataSource(name=f"warehouse{i:02d}", kind="sqlite", database=f"/b{i}.db", collection=c)
        for i, c in enumerate(collections)
    )
    types = {
        c.code: c.pk
        for c in Classification.objects.filter(
            code__in={t for _, t in COLUMN_NAMES if t is not None}
        )
    }
    labels = effective_label_ids()
    tables_per_source = max(1, columns_total // COLUMNS_PER_TABLE // len(sources))
    rule = Rule.objects.get(builtin_key="gdpr/personal-encrypted")
    print(
        f"filling: {len(sources)} sources x {tables_per_source} tables x "
        f"{COLUMNS_PER_TABLE} columns",
        flush=True,
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:  # GIN upkeep row by row is slow: build it once at the end
        for index in ("catalog_table_search", "catalog_column_search"):
            cursor.execute(f'DROP INDEX IF EXISTS "{index}"')
    counts = {"tables": 0, "columns": 0, "classifications": 0, "findings": 0}
    for source in sources:
        schemas = {
            name: CatalogSchema.objects.create(
                datasource=source,
                name=name,
                qualified_name=f"{source.pk}/{name}",
                first_seen=now,
                last_seen=now,
            )
            for name in SCHEMAS
        }
        table_rows = []
        for t in range(tables_per_source):
            schema = SCHEMAS[t % len(SCHEMAS)]
            name = f"{rng.choice(TABLE_NOUNS)}_{t:05d}"
            table_rows.append(
                {
                    "datasource_id": source.pk,
                    "schema_id": schemas[schema].pk,
                    "name": name,
                    "qualified_name": f"{source.pk}/{schema}/{name}",
                    "first_seen": now,
                    "last_seen": now,
                    "description": f"The {name.split('_')[0]} of {source.name}."
                    if t % 10 == 0
                    else "",
                    "row_estimate": rng.randint(10, 10**7),
                }
            )
        table_ids = insert_rows(CatalogTable, table_rows)
        column_rows = []
        personal: list[tuple[int, str]] = []  # (row index, info type)
        for table_id, table in zip(table_ids, table_rows, strict=True):
            picked = rng.sample(COLUMN_NAMES, COLUMNS_PER_TABLE)
            for ordinal, (name, info_type) in enumerate(picked, start=1):
                if info_type is not None:
                    personal.append((len(column_rows), info_type))
                column_rows.append(
                    {
                        "datasource_id": source.pk,
                        "table_id": table_id,
                        "name": name,
                        "qualified_name": f"{table['qualified_name']}/{name}",
                        "data_type": "varchar",
                        "ordinal": ordinal,
                        "first_seen": now,
                        "last_seen": now,
                        "sample_size": 100,
                        "null_fraction": 0.1,
                        "distinct_count": 90,
                    }
                )
        column_ids = insert_rows(CatalogColumn, column_rows)
        classification_rows = []
        finding_rows = []
        for i, (row, info_type) in enumerate(personal):
            if info_type not in types:
                continue
            column_id = column_ids[row]
            classification_rows.append(
                {
                    "column_id": column_id,
                    "datasource_id": source.pk,
                    "classification_id": types[info_type],
                    "confidence": 0.9,
                    "source": "rule+model",
                    "status": "accepted" if i % 3 == 0 else "suggested",
                    "reasons": ["name and values match"],
                    "sensitivity_label_id": labels.get(types[info_type]),
                }
            )
            if i % 4 == 0:
                col = column_rows[row]
                finding_rows.append(
                    {
                        "rule_id": rule.pk,
                        "framework_id": rule.framework_id,
                        "asset_type": "column",
                        "asset_id": column_id,
                        "qualified_name": col["qualified_name"],
                        "asset_name": col["qualified_name"].split("/", 1)[1].replace("/", "."),
                        "datasource_id": source.pk,
                        "status": "open",
                        "severity": rule.severity,
                        "first_seen": now,
                        "seen_at": now,
                    }
                )
        insert_rows(ColumnClassification, classification_rows)
        insert_rows(Finding, finding_rows)
        counts["tables"] += len(table_ids)
        counts["columns"] += len(column_ids)
        counts["classifications"] += len(classification_rows)
        counts["findings"] += len(finding_rows)
        print(f"  {source.name}: {counts['columns']:,} columns so far", flush=True)
    with connection.cursor() as cursor:
        for table, index in (
            ("catalog_catalogtable", "catalog_table_search"),
            ("catalog_catalogcolumn", "catalog_column_search"),
        ):
            cursor.execute(f'CREATE INDEX "{index}" ON "{table}" USING gin (search_document)')
        for table in (
            "catalog_catalogtable",
            "catalog_catalogcolumn",
            "catalog_columnclassification",
            "compliance_finding",
        ):
            cursor.execute(f'VACUUM ANALYZE "{table}"')
    print(
        f"filled in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items()),
        flush=True,
    )
    User = get_user_model()
    steward = User.objects.create_user("steward", is_staff=True)
    services.assign_role(
        actor=None,
        role=Role.objects.get(slug="data-curator"),
        collection=collections[7],
        user=steward,
    )
    reader = User.objects.create_user("reader", is_staff=True)
    from django.contrib.auth.models import Permission

    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="rbac", codename="view_catalog")
    )
    return {"steward": steward, "reader": reader, "counts": counts}


def _measure(client: object, url: str, requests: int) -> list[float]:
    for _ in range(3):  # warm up
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    admin_url = _prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings.test")
    os.environ.setdefault("PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    try:
        call_command("migrate", verbosity=0)
        world = _fill(args.columns)
        print(
            f"machine: {os.cpu_count()} cores, {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for who in ("steward", "reader"):
            client = Client()
            client.force_login(world[who])
            api = client.get("/api/v1/search/?q=email&type=column").json()
            email = next(t for t in api["types"] if t["type"] == "column")
            more = "+" if email["capped"] else ""
            print(
                f"\n{who}: columns matching 'email' (counted up to the cap): {email['count']}{more}"
            )
            for label, words in QUERIES:
                q = quote(words)
                for kind, url in (
                    ("suggest", f"/admin/find/suggest/?q={q}"),
                    ("page", f"/admin/find/?q={q}"),
                    ("columns", f"/admin/find/?q={q}&type=column"),
                    ("api", f"/api/v1/search/?q={q}"),
                ):
                    t = _measure(client, url, args.requests)
                    p95 = t[max(0, int(len(t) * 0.95) - 1)]
                    print(
                        f"  {label:13s} {words!r:18s} {kind:8s} p50={statistics.median(t):7.1f} ms"
                        f" p95={p95:7.1f} ms max={t[-1]:7.1f} ms",
                        flush=True,
                    )
        print(f"\nload at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if not args.keep:
            _drop_database(admin_url)


if __name__ == "__main__":
    main()
