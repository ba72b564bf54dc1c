"""PostgreSQL through psycopg 3: read-only transactions, statement and connect timeouts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import quoted_name

from .base import ErrorCode
from .registry import register
from .sqlalchemy_base import SQLAlchemyConnector

SQLSTATES = {
    "28P01": ErrorCode.AUTH_FAILED,
    "28000": ErrorCode.AUTH_FAILED,
    "3D000": ErrorCode.DATABASE_MISSING,
    "42P01": ErrorCode.OBJECT_MISSING,
    "42703": ErrorCode.OBJECT_MISSING,
    "3F000": ErrorCode.OBJECT_MISSING,
    "57014": ErrorCode.TIMEOUT,
    "42501": ErrorCode.PERMISSION_DENIED,
    "25006": ErrorCode.PERMISSION_DENIED,
}


@register("postgresql")
class PostgreSQLConnector(SQLAlchemyConnector):
    driver = "postgresql+psycopg"
    system_schemas = frozenset({"information_schema", "pg_catalog", "pg_toast"})

    def connect_args(self) -> dict[str, Any]:
        return {
            "connect_timeout": self.connect_timeout,
            "options": "-c default_transaction_read_only=on "
            f"-c statement_timeout={self.statement_timeout * 1000}",
            "application_name": "pursight-scanner",
            **{k: v for k, v in self.params.options.items() if k in {"sslmode", "sslrootcert"}},
        }

    def classify_error(self, exc: BaseException, text: str) -> ErrorCode:
        state = getattr(exc, "sqlstate", None)
        if state in SQLSTATES:
            return SQLSTATES[state]
        if self.errors_of(text, "password authentication failed", "no password supplied"):
            return ErrorCode.AUTH_FAILED
        if self.errors_of(text, "database") and self.errors_of(text, "does not exist"):
            return ErrorCode.DATABASE_MISSING
        if self.errors_of(text, "timeout expired", "timed out"):
            return ErrorCode.TIMEOUT
        if self.errors_of(
            text,
            "connection refused",
            "could not translate host",
            "no route to host",
            "name or service not known",
            "network is unreachable",
            "could not connect",
        ):
            return ErrorCode.HOST_UNREACHABLE
        return ErrorCode.DRIVER_ERROR

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, c.reltuples::bigint FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'm', 'f')"
            ),
            {"schema": schema},
        )
        return {name: (int(n) if n is not None and n >= 0 else None) for name, n in rows}

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        rows = conn.execute(
            sa.text("SELECT viewname, definition FROM pg_views WHERE schemaname = :schema"),
            {"schema": schema},
        )
        return {name: (definition or "").strip() for name, definition in rows}

    def sample_statement(
        self, schema: str, table: str, columns: list[str], limit: int, method: str
    ) -> Any:
        if method != "random":
            return super().sample_statement(schema, table, columns, limit, method)
        prep = self.engine.dialect.identifier_preparer
        cols = ", ".join(prep.quote_identifier(c) for c in columns)
        target = f"{prep.quote_identifier(schema)}.{prep.quote_identifier(table)}"
        with self.connection(what=f"{schema}.{table}") as conn:
            estimate = conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": target}
            ).scalar()
        if estimate and estimate > limit * 20:
            percent = min(100.0, max(0.01, limit * 400.0 / float(estimate)))
            return sa.text(
                f"SELECT {cols} FROM {target} TABLESAMPLE SYSTEM ({percent:.4f}) LIMIT {int(limit)}"
            )
        # Small table: a random order over at most limit*20 rows is bounded.
        return sa.text(f"SELECT {cols} FROM {target} ORDER BY random() LIMIT {int(limit)}")

    def _quoted(self, name: str) -> quoted_name:
        return quoted_name(name, quote=True)
