"""Lineage graph benchmark: the graph API at depth 3 on 100,000 lineage edges in PostgreSQL,
and the propagation of one accepted classification through that lineage.

    .venv/bin/python bench/lineage_graph.py [--edges 100000] [--requests 60] [--keep]

A dedicated database (``pursight_bench_lineage``) is created (dropped first), migrated and filled
with COPY (``pursight.bulk.insert_rows``): 20 collections with one data source each, tables in
five layers (raw → staging → core → mart → report, 8 columns each); every table of a layer is
fed by 2 to 4 tables of the layer before (one table-level edge per pair from a dbt model, plus
column-level edges from a view or an OpenLineage job), until ``--edges`` edges exist. Two hub
tables (a date and a currency dimension) feed 2,000 tables each (the worst case of a wide
neighbourhood). Requests go through Django's test Client in-process (full middleware, session
auth, the permission gate) as a steward holding a role on 1 of the 20 collections (most
neighbours are hidden placeholders for them) and as a platform-wide reader, each on random
roots in the middle layer, plus the hubs. Prints p50/p95/max and the queries per request. The
database is dropped at the end unless ``--keep``.

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
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchdb import drop_database, prepare_database  # noqa: E402

DB_NAME = "pursight_bench_lineage"
COLLECTIONS = 20
LAYERS = ["raw", "staging", "core", "mart", "report"]
COLUMNS = ["id", "customer_id", "email", "card_number", "amount", "country", "created_at", "status"]
HUB_FANOUT = 2000


def _prepare_database() -> str:
    return prepare_database(DB_NAME, "bench/lineage_graph.py")


def _drop_database(admin_url: str) -> None:
    drop_database(admin_url, DB_NAME)


def _fill(edges_total: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.utils import timezone

    from governance.catalog.models import CatalogColumn, CatalogSchema, CatalogTable
    from governance.datasources.models import DataSource
    from governance.lineage.models import LineageEdge
    from governance.rbac import services
    from governance.rbac.models import Role
    from pursight.bulk import insert_rows

    rng = random.Random(11)
    now = timezone.now()
    root = services.create_collection(actor=None, name="Enterprise")
    collections = [
        services.create_collection(actor=None, name=f"Domain {i:02d}", parent=root)
        for i in range(COLLECTIONS)
    ]
    sources = DataSource.objects.bulk_create(
        DataSource(name=f"warehouse{i:02d}", kind="sqlite", database=f"/b{i}.db", collection=c)
        for i, c in enumerate(collections)
    )
    # ~3 pairs per table, ~3.3 edges per pair (1 table-level, 1-3 column-level).
    per_layer = max(50, edges_total // (len(LAYERS) - 1) // 10)
    print(
        f"filling: {len(LAYERS)} layers x {per_layer} tables x {len(COLUMNS)} columns", flush=True
    )
    started = time.perf_counter()
    schemas: dict[tuple[int, str], int] = {}
    for source in sources:
        for layer in LAYERS:
            schemas[(source.pk, layer)] = CatalogSchema.objects.create(
                datasource=source,
                name=layer,
                qualified_name=f"{source.pk}/{layer}",
                first_seen=now,
                last_seen=now,
            ).pk
    layers: list[list[int]] = []
    filled: list[tuple[list[int], list[dict]]] = []
    columns: dict[int, list[int]] = {}
    for layer in LAYERS:
        rows = []
        for t in range(per_layer):
            # The two hubs (first raw tables) are the steward's: seen with hidden neighbours.
            source = (
                sources[7] if layer == "raw" and t < 2 else sources[rng.randrange(len(sources))]
            )
            name = f"{layer}_{t:06d}"
            rows.append(
                {
                    "datasource_id": source.pk,
                    "schema_id": schemas[(source.pk, layer)],
                    "name": name,
                    "kind": "view" if layer in ("mart", "report") else "table",
                    "qualified_name": f"{source.pk}/{layer}/{name}",
                    "first_seen": now,
                    "last_seen": now,
                }
            )
        ids = insert_rows(CatalogTable, rows)
        filled.append((ids, rows))
        column_rows = [
            {
                "datasource_id": row["datasource_id"],
                "table_id": tid,
                "name": col,
                "qualified_name": f"{row['qualified_name']}/{col}",
                "data_type": "varchar",
                "ordinal": i,
                "first_seen": now,
                "last_seen": now,
            }
            for tid, row in zip(ids, rows, strict=True)
            for i, col in enumerate(COLUMNS)
        ]
        col_ids = insert_rows(CatalogColumn, column_rows)
        for i, tid in enumerate(ids):
            columns[tid] = col_ids[i * len(COLUMNS) : (i + 1) * len(COLUMNS)]
        layers.append(ids)
    edge_rows: list[dict] = []

    # Each edge carries its tables' data sources (as ``services.sync_edges`` writes them).
    source_of = {
        tid: row["datasource_id"]
        for ids, table_rows in filled
        for tid, row in zip(ids, table_rows, strict=True)
    }

    def add(up: int, down: int, origin: str, ref: str, cols: list[int] | None) -> None:
        base = {
            "upstream_table_id": up,
            "downstream_table_id": down,
            "upstream_datasource_id": source_of[up],
            "downstream_datasource_id": source_of[down],
            "origin": origin,
            "origin_ref": ref,
            "last_seen": now,
            "first_seen": now,
        }
        if cols is None:
            edge_rows.append({**base, "level": "table"})
        else:
            edge_rows.append(
                {
                    **base,
                    "level": "column",
                    "upstream_column_id": cols[0],
                    "downstream_column_id": cols[1],
                }
            )

    hubs = layers[0][:2]
    for layer_index in range(1, len(LAYERS)):
        for down in layers[layer_index]:
            for up in rng.sample(layers[layer_index - 1], rng.randint(2, 4)):
                ref = f"model.bench.{LAYERS[layer_index]}_{down}"
                add(up, down, "dbt", ref, None)
                for c in rng.sample(range(len(COLUMNS)), rng.randint(1, 3)):
                    add(up, down, "view", f"view.{down}", [columns[up][c], columns[down][c]])
            if len(edge_rows) >= edges_total - 2 * HUB_FANOUT:
                break
    for hub in hubs:
        for down in rng.sample(layers[1] + layers[2], min(HUB_FANOUT, per_layer)):
            add(hub, down, "openlineage", f"job.dim_{hub}", [columns[hub][0], columns[down][0]])
    for i in range(0, len(edge_rows), 50_000):
        insert_rows(LineageEdge, edge_rows[i : i + 50_000])
    with connection.cursor() as cursor:
        for table in (
            "catalog_catalogtable",
            "catalog_catalogcolumn",
            "lineage_lineageedge",
        ):
            cursor.execute(f'VACUUM ANALYZE "{table}"')
    print(
        f"filled in {time.perf_counter() - started:.0f} s: "
        f"{sum(len(x) for x in layers):,} tables, {len(columns) * len(COLUMNS):,} columns, "
        f"{LineageEdge.objects.count():,} edges",
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
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="rbac", codename="view_catalog")
    )
    steward_tables = set(
        CatalogTable.objects.filter(datasource__collection=collections[7]).values_list(
            "pk", flat=True
        )
    )
    return {
        "steward": steward,
        "reader": reader,
        "middle": layers[2],
        "steward_middle": [t for t in layers[2] if t in steward_tables],
        "hubs": hubs,
        "raw": layers[0],
        "columns": columns,
    }


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return f"p50={statistics.median(times):6.1f} ms  p95={p95:6.1f} ms  max={times[-1]:6.1f} ms"


def _measure(client: object, qns: list[str], params: dict, requests: int) -> tuple[list, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, nodes, queries = [], 0, 0
    for i in range(requests + 3):
        qn = qns[i % len(qns)]
        url = "/api/v1/lineage/?" + urlencode({"asset": qn, **params})
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
        if i >= 3:  # the first three warm up
            times.append(elapsed)
            nodes = max(nodes, len(response.json()["nodes"]))
            queries = max(queries, len(ctx.captured_queries))
    return times, nodes, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    admin_url = _prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings.test")
    os.environ.setdefault("PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from governance.catalog.models import CatalogTable

    try:
        call_command("migrate", verbosity=0)
        world = _fill(args.edges)
        print(
            f"machine: {os.cpu_count()} cores, {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        rng = random.Random(3)
        qn = dict(CatalogTable.objects.values_list("pk", "qualified_name"))
        cases = [
            ("reader", "middle layer", rng.sample(world["middle"], 40)),
            ("steward", "middle layer", rng.sample(world["steward_middle"], 20)),
            ("reader", "hub (2,000 downstream)", world["hubs"]),
            ("steward", "hub (2,000 downstream)", world["hubs"]),
        ]
        for who, label, roots in cases:
            client = Client()
            client.force_login(world[who])
            for params in (
                {"direction": "both", "depth": 3},
                {"direction": "down", "depth": 3},
            ):
                t, nodes, queries = _measure(client, [qn[r] for r in roots], params, args.requests)
                print(
                    f"{who:8s} {label:24s} {params['direction']:4s} depth 3: {_percentiles(t)}"
                    f"  nodes<={nodes}  queries<={queries}",
                    flush=True,
                )
        _propagation(world)
    finally:
        if not args.keep:
            _drop_database(admin_url)


def _propagation(world: dict) -> None:
    """Accept a classification on a raw table's card_number column and propagate it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.catalog.models import ColumnClassification
    from governance.classifications.models import Classification
    from governance.lineage import propagation
    from governance.lineage.models import LineageEdge

    card = Classification.objects.get(code="CREDIT_CARD_NUMBER")
    # A raw table whose card numbers flow downstream (through views and dbt models).
    flowing = (
        LineageEdge.objects.filter(
            upstream_table_id__in=world["raw"][2:], upstream_column__name="card_number"
        )
        .order_by("upstream_table_id")
        .values_list("upstream_table_id", flat=True)
        .first()
    )
    for label, table, col_index in (
        ("one raw table's card_number", flowing, COLUMNS.index("card_number")),
        ("a hub's id (2,000 downstream)", world["hubs"][0], 0),
    ):
        col = world["columns"][table][col_index]
        ColumnClassification.objects.create(
            column_id=col,
            datasource_id=_source_of(col),
            classification=card,
            confidence=1.0,
            source="manual",
            status="accepted",
            sensitivity_label=card.default_label,
        )
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = propagation.recompute_for_tables([table])
            elapsed = (time.perf_counter() - start) * 1000
        print(
            f"propagation from {label}: {result.created:,} rows, {result.levels} levels, "
            f"{elapsed:.0f} ms, {len(ctx.captured_queries)} queries",
            flush=True,
        )


def _source_of(column_id: int) -> int:
    from governance.catalog.models import CatalogColumn

    return CatalogColumn.objects.values_list("datasource_id", flat=True).get(pk=column_id)


if __name__ == "__main__":
    main()
