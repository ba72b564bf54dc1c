"""Lineage of one SQL query (a view's definition, a dbt model's compiled SQL), with sqlglot.

A pure engine: plain data in, plain data out, no Django. The query is parsed in its source's
dialect, qualified against a schema built from the catalog (so ``SELECT *`` expands to the
columns the catalog knows), and every output column is traced through CTEs, subqueries, unions
and window functions back to the columns of real tables it reads.

What the engine cannot attribute is reported as a problem of the query, never raised: a view
with problems still yields the edges it could trace (it is *partial*), and a query that does not
parse yields none (it *failed*).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope
from sqlglot.schema import MappingSchema

#: A data source kind → the sqlglot dialect that reads its SQL.
DIALECTS: dict[str, str] = {
    "postgresql": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "files": "duckdb",
}
#: The schema an unqualified table name means, by kind (MySQL and SQLite: the view's own).
DEFAULT_SCHEMA: dict[str, str | None] = {"postgresql": "public", "mysql": None, "sqlite": None}
TRANSFORMATION_LIMIT = 500


@dataclass(frozen=True, order=True)
class TableRef:
    """A table as the query names it, after qualification: ``catalog`` is the database (empty
    when the query does not name one), ``schema`` the schema (MySQL: the database)."""

    catalog: str
    schema: str
    name: str

    def __str__(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)


@dataclass(frozen=True, order=True)
class ColumnEdge:
    """``source.source_column`` flows into the output column ``target_column``.

    ``transformation`` is empty for a plain copy (the value passes unchanged through every
    level), else the output's expression."""

    source: TableRef
    source_column: str
    target_column: str
    transformation: str = ""


@dataclass
class QueryLineage:
    tables: list[TableRef] = field(default_factory=list)
    columns: list[ColumnEdge] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: bool = False

    @property
    def complete(self) -> bool:
        return not self.failed and not self.problems


def dialect_of(kind: str) -> str:
    """The sqlglot dialect of a data source kind ("" : sqlglot's generic SQL)."""
    return DIALECTS.get(kind, "")


def catalog_schema(
    tables: Mapping[tuple[str, ...], Iterable[str]], *, dialect: str, catalog: str = ""
) -> MappingSchema:
    """The sqlglot schema of catalog tables: ``{(schema, table): [column, ...]}``, nested
    under ``catalog`` when one is given (PostgreSQL: the database), or
    ``{(catalog, schema, table): [...]}`` for tables of several databases.

    PostgreSQL names are kept as stored (the query's unquoted names are folded to lower case as
    PostgreSQL does); MySQL's are compared as written and SQLite's case-insensitively."""
    nested: dict = {}
    for key, columns in tables.items():
        path = (catalog, *key) if catalog and len(key) == 2 else key
        level = nested
        for part in path[:-1]:
            level = level.setdefault(part, {})
        level[path[-1]] = dict.fromkeys(columns, "TEXT")
    return MappingSchema(nested, dialect=dialect, normalize=dialect == "sqlite")


def _query_of(sql: str, dialect: str) -> exp.Query:
    statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    if not statements:
        raise SqlglotError("The definition is empty.")
    if len(statements) > 1:
        raise SqlglotError("The definition holds several statements.")
    statement = statements[0]
    if isinstance(statement, exp.Create):
        statement = statement.expression
    if not isinstance(statement, exp.Query):
        raise SqlglotError(f"Not a query: {type(statement).__name__}.")
    return statement


def _name(identifier: exp.Expression | str | None) -> str:
    if identifier is None:
        return ""
    if isinstance(identifier, str):
        return identifier
    return identifier.name


def _table_ref(table: exp.Table) -> TableRef:
    return TableRef(_name(table.args.get("catalog")), _name(table.args.get("db")), table.name)


def _is_copy(node: Node) -> bool:
    for n in node.walk():
        if isinstance(n.expression, exp.Table):
            continue
        inner = n.expression.unalias() if isinstance(n.expression, exp.Alias) else n.expression
        if not isinstance(inner, exp.Column):
            return False
    return True


def _leaf_column(node: Node) -> str:
    """The column a leaf node reads (its name is ``alias.column``, possibly quoted)."""
    try:
        column = exp.maybe_parse(node.name, into=exp.Column)
        if isinstance(column, exp.Column):
            return column.name
    except SqlglotError:
        pass
    return node.name.rsplit(".", 1)[-1].strip('"`')


def parse_query(
    sql: str,
    *,
    dialect: str,
    schema: MappingSchema | None = None,
    default_schema: str | None = None,
    default_catalog: str | None = None,
) -> QueryLineage:
    """Trace ``sql`` (a SELECT, or a ``CREATE VIEW … AS SELECT``) to the tables and columns it
    reads. Never raises for bad SQL: the result says it failed and why."""
    result = QueryLineage()
    schema = schema or MappingSchema(dialect=dialect)
    try:
        query = _query_of(sql, dialect)
        qualified = qualify(
            query,
            dialect=dialect,
            schema=schema,
            db=default_schema or None,
            catalog=default_catalog or None,
            validate_qualify_columns=False,
            identify=False,
        )
        root = build_scope(qualified)
    except Exception as exc:  # any failure of the parser is the view's problem
        result.failed = True
        result.problems.append(f"Cannot parse: {_short(exc)}")
        return result
    if root is None:
        result.failed = True
        result.problems.append("Cannot parse: not a query.")
        return result

    tables: set[TableRef] = set()
    for scope in root.traverse():
        for source in scope.sources.values():
            if isinstance(source, exp.Table) and source.name:
                tables.add(_table_ref(source))
        for column in scope.columns:
            if not column.table and column.name and not _is_alias_ref(column, scope):
                result.problems.append(f"Column {column.name!r} could not be attributed.")
    result.tables = sorted(tables)

    selects = qualified.selects
    names = [s.alias_or_name for s in selects]
    result.outputs = names
    if any(isinstance(s, exp.Star) or s.alias_or_name == "*" for s in selects):
        result.problems.append(
            "SELECT * reads a table the catalog does not know: its columns cannot be expanded."
        )
    edges: set[ColumnEdge] = set()
    nodes: dict[str, Node] = {}
    try:
        nodes = lineage(None, qualified, schema, dialect=dialect, scope=root, copy=False)
    except Exception:  # retried column by column below
        for name in names:
            if not name or name == "*":
                continue
            try:
                nodes[name] = lineage(name, qualified, schema, dialect=dialect, scope=root)
            except Exception as exc:  # reported as the column's problem
                result.problems.append(f"Output column {name!r}: {_short(exc)}")
    for name, node in nodes.items():
        if name == "*":
            continue
        transformation = "" if _is_copy(node) else _expression_sql(node, dialect)
        for leaf in node.walk():
            if isinstance(leaf.expression, exp.Table) and leaf.expression.name:
                edges.add(
                    ColumnEdge(
                        _table_ref(leaf.expression), _leaf_column(leaf), name, transformation
                    )
                )
    result.columns = sorted(edges)
    result.problems = list(dict.fromkeys(result.problems))
    return result


def _is_alias_ref(column: exp.Column, scope: object) -> bool:
    """An unqualified name that refers to an output alias (``ORDER BY total``) or is a
    keyword-like literal the parser reads as a column: not a problem of attribution."""
    select = getattr(scope, "expression", None)
    if not isinstance(select, exp.Select):
        return False
    aliases = {s.alias for s in select.selects if isinstance(s, exp.Alias)}
    if column.name in aliases:
        return True
    return column.find_ancestor(exp.Order, exp.Group, exp.Having) is not None and (
        column.name in {s.alias_or_name for s in select.selects}
    )


def _expression_sql(node: Node, dialect: str) -> str:
    expression = node.expression
    if isinstance(expression, exp.Alias):
        expression = expression.this
    text = expression.sql(dialect=dialect)
    if len(text) > TRANSFORMATION_LIMIT:
        text = text[: TRANSFORMATION_LIMIT - 1] + "…"
    return text


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _short(exc: BaseException) -> str:
    text = " ".join(_ANSI.sub("", str(exc)).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
