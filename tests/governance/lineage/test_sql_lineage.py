"""The SQL engine (no database): dialects, CTEs, unions, windows, SELECT * from the catalog,
problems reported instead of raised, and the generated corpus of the benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from governance.lineage import sql

ROOT = Path(__file__).resolve().parents[3]


def edges(result: sql.QueryLineage) -> set[tuple[str, str, str]]:
    return {(e.target_column, e.source.name, e.source_column) for e in result.columns}


SHOP = {
    ("main", "customers"): ["id", "email", "country"],
    ("main", "orders"): ["id", "customer_id", "total"],
}


def test_create_view_statement_joins_and_aggregates() -> None:
    result = sql.parse_query(
        "CREATE VIEW t AS SELECT c.id, COUNT(*) AS n, SUM(o.total) AS spent "
        "FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id",
        dialect="sqlite",
        schema=sql.catalog_schema(SHOP, dialect="sqlite"),
        default_schema="main",
    )
    assert result.complete and result.outputs == ["id", "n", "spent"]
    assert edges(result) == {("id", "customers", "id"), ("spent", "orders", "total")}
    assert {t.name for t in result.tables} == {"customers", "orders"}
    spent = next(e for e in result.columns if e.target_column == "spent")
    assert spent.transformation == "SUM(o.total)"


def test_star_expands_only_from_a_known_table() -> None:
    schema = sql.catalog_schema(SHOP, dialect="sqlite")
    known = sql.parse_query(
        "SELECT * FROM customers", dialect="sqlite", schema=schema, default_schema="main"
    )
    assert edges(known) == {(c, "customers", c) for c in ("id", "email", "country")}
    unknown = sql.parse_query(
        "SELECT * FROM elsewhere", dialect="sqlite", schema=schema, default_schema="main"
    )
    assert not unknown.complete and "SELECT *" in unknown.problems[0]


def test_postgres_case_and_three_part_names() -> None:
    schema = sql.catalog_schema(
        {("public", "People"): ["Id", "name"]}, dialect="postgres", catalog="hr"
    )
    result = sql.parse_query(
        'SELECT p."Id" AS person, p.name FROM "People" p',
        dialect="postgres",
        schema=schema,
        default_schema="public",
        default_catalog="hr",
    )
    assert result.tables == [sql.TableRef("hr", "public", "People")]
    assert edges(result) == {("person", "People", "Id"), ("name", "People", "name")}


@pytest.mark.parametrize(
    "text", ["", "SELEC 1", "DELETE FROM orders", "SELECT 1; SELECT 2", "CREATE TABLE x (a int)"]
)
def test_what_is_not_one_query_fails_with_a_reason(text: str) -> None:
    result = sql.parse_query(text, dialect="postgres")
    assert result.failed and not result.complete and result.problems
    assert "\x1b" not in result.problems[0]


def test_the_benchmark_corpus_is_large_varied_and_traced() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from lineage_views import SCHEMA, TABLES, views
    finally:
        sys.path.remove(str(ROOT / "bench"))
    corpus = views()
    assert len(corpus) >= 200 and len({v.sql for v in corpus}) == len(corpus)
    assert {v.dialect for v in corpus} == {"postgres", "mysql", "sqlite"}
    assert len({v.shape for v in corpus}) >= 12
    mapping = {d: {(SCHEMA[d], t): c for t, c in TABLES.items()} for d in SCHEMA}
    for v in corpus:
        mapping[v.dialect][(SCHEMA[v.dialect], v.name)] = v.columns
    schemas = {d: sql.catalog_schema(m, dialect=d) for d, m in mapping.items()}
    expected_n = correct = 0
    for v in corpus:
        result = sql.parse_query(
            v.sql, dialect=v.dialect, schema=schemas[v.dialect], default_schema=SCHEMA[v.dialect]
        )
        assert result.complete, (v.name, result.problems)
        expected = {(o, t, c) for o, src in v.expected.items() for t, c in src}
        expected_n += len(expected)
        correct += len(expected & edges(result))
    assert correct / expected_n >= 0.99
