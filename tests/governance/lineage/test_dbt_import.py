"""``manage.py import_dbt PATH --source NAME``: a generated dbt project's manifest gives table
edges from depends_on and column edges from compiled SQL; re-importing closes what left the
project; clear errors for an unknown source or a malformed file."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from governance.lineage.models import LineageEdge

from .capture_support import catalogue, column

pytestmark = pytest.mark.django_db

RAW = {
    "main.raw_customers": ["id", "first_name", "last_name", "email", "country"],
    "main.raw_orders": ["id", "customer_id", "ordered_at", "status", "amount_cents"],
    "main.raw_payments": ["id", "order_id", "method", "amount_cents"],
}
MODELS = {
    "stg_customers": (
        ["source.shop.raw.customers"],
        "select id as customer_id, first_name || ' ' || last_name as full_name, email, country\n"
        'from "main"."raw_customers"',
        ["customer_id", "full_name", "email", "country"],
    ),
    "stg_orders": (
        ["source.shop.raw.orders"],
        "select id as order_id, customer_id, ordered_at, status, amount_cents / 100.0 as amount\n"
        'from "main"."raw_orders"',
        ["order_id", "customer_id", "ordered_at", "status", "amount"],
    ),
    "stg_payments": (
        ["source.shop.raw.payments"],
        'select * from "main"."raw_payments"',
        ["id", "order_id", "method", "amount_cents"],
    ),
    "customer_orders": (
        ["model.shop.stg_customers", "model.shop.stg_orders"],
        "with orders as (select customer_id, count(*) as orders, sum(amount) as revenue\n"
        '  from "main"."stg_orders" where status <> \'cancelled\' group by customer_id)\n'
        "select c.customer_id, c.full_name, c.email, coalesce(o.orders, 0) as orders,\n"
        "  coalesce(o.revenue, 0) as lifetime_value\n"
        'from "main"."stg_customers" c left join orders o on o.customer_id = c.customer_id',
        ["customer_id", "full_name", "email", "orders", "lifetime_value"],
    ),
}


def manifest(models=MODELS, *, compiled: bool = True, project: str = "shop") -> dict:
    """A manifest.json as dbt 1.8 writes it (schema v12), for the models above."""
    nodes, sources = {}, {}
    for name in ("customers", "orders", "payments"):
        uid = f"source.{project}.raw.{name}"
        sources[uid] = {
            "unique_id": uid,
            "resource_type": "source",
            "database": "main",
            "schema": "main",
            "name": name,
            "identifier": f"raw_{name}",
            "source_name": "raw",
            "package_name": project,
            "relation_name": f'"main"."raw_{name}"',
        }
    for name, (deps, code, _cols) in models.items():
        uid = f"model.{project}.{name}"
        node = {
            "unique_id": uid,
            "resource_type": "model",
            "database": "main",
            "schema": "main",
            "name": name,
            "alias": name,
            "package_name": project,
            "config": {"materialized": "view"},
            "depends_on": {"macros": [], "nodes": deps},
            "raw_code": "-- jinja",
            "relation_name": f'"main"."{name}"',
        }
        if compiled:
            node["compiled_code"] = code
            node["compiled"] = True
        nodes[uid] = node
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.8.0",
            "project_name": project,
            "adapter_type": "sqlite",
        },
        "nodes": nodes,
        "sources": sources,
        "macros": {},
        "exposures": {},
        "metrics": {},
    }


@pytest.fixture
def source(make_source, tmp_path):
    db = tmp_path / "shop.sqlite"
    db.touch()
    src = make_source(db, name="shop-dw")
    catalogue(src, {**RAW, **{f"main.{n}": cols for n, (_, _, cols) in MODELS.items()}})
    return src


def run(path: Path, source: str = "shop-dw") -> str:
    out = StringIO()
    call_command("import_dbt", str(path), "--source", source, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def ups(table: str, col: str) -> set[tuple[str, str]]:
    return {
        (e.upstream_column.table.name, e.upstream_column.name)
        for e in LineageEdge.objects.open()
        .filter(level="column", downstream_column__table__name=table, downstream_column__name=col)
        .select_related("upstream_column__table")
    }


def test_a_generated_project_gives_table_and_column_lineage(source, tmp_path) -> None:
    out = run(write(tmp_path, manifest()))
    assert "4 nodes, 5 table edges" in out and "Lineage imported." in out
    tables = set(
        LineageEdge.objects.filter(level="table").values_list(
            "upstream_table__name", "downstream_table__name"
        )
    )
    assert tables == {
        ("raw_customers", "stg_customers"),
        ("raw_orders", "stg_orders"),
        ("raw_payments", "stg_payments"),
        ("stg_customers", "customer_orders"),
        ("stg_orders", "customer_orders"),
    }
    assert ups("stg_customers", "full_name") == {
        ("raw_customers", "first_name"),
        ("raw_customers", "last_name"),
    }
    assert ups("customer_orders", "lifetime_value") == {("stg_orders", "amount")}
    assert ups("customer_orders", "email") == {("stg_customers", "email")}
    assert ups("stg_payments", "method") == {("raw_payments", "method")}  # SELECT * expanded
    edge = LineageEdge.objects.get(downstream_column=column(source, "main.stg_orders", "amount"))
    assert edge.origin == "dbt" and edge.origin_ref.endswith("/shop/model.shop.stg_orders")
    assert "amount_cents" in edge.transformation


def test_reimport_closes_removed_nodes_and_table_only_without_compiled_sql(
    source, tmp_path
) -> None:
    run(write(tmp_path, manifest()))
    smaller = {k: v for k, v in MODELS.items() if k != "stg_payments"}
    out = run(write(tmp_path, manifest(smaller, compiled=False)))
    assert "0 column edges" in out
    assert not LineageEdge.objects.open().filter(downstream_table__name="stg_payments").exists()
    assert not LineageEdge.objects.open().filter(level="column").exists()
    assert LineageEdge.objects.open().filter(level="table").count() == 4
    run(write(tmp_path, manifest()))
    assert LineageEdge.objects.open().count() == LineageEdge.objects.count()


def test_unknown_models_are_reported_and_skipped(source, tmp_path) -> None:
    models = {**MODELS, "ghost": (["model.shop.stg_orders"], "select 1 as x", ["x"])}
    out = run(write(tmp_path, manifest(models)))
    assert "Not in the catalog (skipped): model.shop.ghost" in out


def test_unknown_source_and_bad_files_are_clear_errors(source, tmp_path) -> None:
    good = write(tmp_path, manifest())
    with pytest.raises(CommandError, match=r"No data source named 'nope'.*shop-dw"):
        run(good, "nope")
    with pytest.raises(CommandError, match="not valid JSON at line 1"):
        run(write(tmp_path, "{bad"))
    with pytest.raises(CommandError, match="no 'nodes'"):
        run(write(tmp_path, {"metadata": {}}))
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.json")
    with pytest.raises(CommandError, match=r"depends_on\.nodes must be a list"):
        bad = manifest()
        bad["nodes"]["model.shop.stg_orders"]["depends_on"]["nodes"] = "stg"
        run(write(tmp_path, bad))
    assert not LineageEdge.objects.exists()
