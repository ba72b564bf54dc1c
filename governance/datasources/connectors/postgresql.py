"""PostgreSQL through psycopg 3: read-only sessions with connect and statement timeouts."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine.reflection import Inspector, ObjectKind
from sqlalchemy.sql.expression import Select

from .base import ErrorCode
from .registry import register
from .sqlalchemy_base import Phase, SQLAlchemyConnector

SQLSTATES: dict[str, ErrorCode] = {
    "28P01": ErrorCode.AUTH_FAILED,  # invalid_password
    "28000": ErrorCode.AUTH_FAILED,  # invalid_authorization_specification
    "3D000": ErrorCode.DATABASE_MISSING,
    "42P01": ErrorCode.OBJECT_MISSING,  # undefined_table
    "42703": ErrorCode.OBJECT_MISSING,  # undefined_column
    "3F000": ErrorCode.OBJECT_MISSING,  # invalid_schema_name
    "57014": ErrorCode.TIMEOUT,  # query_canceled (statement_timeout)
    "55P03": ErrorCode.TIMEOUT,  # lock_not_available
    "42501": ErrorCode.PERMISSION_DENIED,  # insufficient_privilege
    "25006": ErrorCode.PERMISSION_DENIED,  # read_only_sql_transaction
}
# Connection failures carry no SQLSTATE in psycopg: recognise libpq's words instead.
AUTH_WORDS = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    "is not permitted to log in",
    "no pg_hba.conf entry",
)
ROLE_MISSING = re.compile(r'role ".*" does not exist')
DATABASE_MISSING = re.compile(r'database ".*" does not exist')
UNREACHABLE_WORDS = (
    "connection refused",
    "could not translate host",
    "failed to resolve host",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "server closed the connection unexpectedly",
)
CONFIG_WORDS = ("invalid connection option", "invalid sslmode", "invalid value for parameter")

#: TABLESAMPLE only pays off on big tables; smaller ones are read with a plain LIMIT.
TABLESAMPLE_MIN_ROWS = 10_000


@register("postgresql", aliases=("postgres",))
class PostgreSQLConnector(SQLAlchemyConnector):
    driver = "postgresql+psycopg"
    system_schemas = frozenset({"information_schema", "pg_catalog", "pg_toast"})
    options_allowed = frozenset(
        {
            "sslmode",
            "sslrootcert",
            "sslcert",
            "sslkey",
            "sslcrl",
            "sslpassword",
            "application_name",
            "target_session_attrs",
            "gssencmode",
            "channel_binding",
        }
    )
    file_options = frozenset({"sslrootcert", "sslcert", "sslkey", "sslcrl"})
    view_kind = ObjectKind.ANY_VIEW  # views and materialized views

    def engine_kwargs(self) -> dict[str, Any]:
        options = (
            "-c default_transaction_read_only=on "
            f"-c statement_timeout={self.statement_timeout * 1000} "
            f"-c lock_timeout={self.statement_timeout * 1000}"
        )
        connect_args: dict[str, Any] = {"application_name": "pursight"}
        connect_args.update({k: str(v) for k, v in self.params.options.items()})
        connect_args.update(connect_timeout=self.connect_timeout, options=options)
        return {"connect_args": connect_args}

    def is_system_schema(self, name: str) -> bool:
        return name in self.system_schemas or name.startswith(("pg_temp_", "pg_toast_temp_"))

    def classify(self, orig: BaseException, text: str, phase: Phase) -> ErrorCode | None:
        state = getattr(orig, "sqlstate", None)
        if state in SQLSTATES:
            return SQLSTATES[state]
        low = text.lower()
        if type(orig).__name__ == "ConnectionTimeout" or "timeout expired" in low:
            return ErrorCode.TIMEOUT
        if any(w in low for w in AUTH_WORDS) or ROLE_MISSING.search(low):
            return ErrorCode.AUTH_FAILED
        if DATABASE_MISSING.search(low):
            return ErrorCode.DATABASE_MISSING
        if any(w in low for w in UNREACHABLE_WORDS):
            return ErrorCode.HOST_UNREACHABLE
        if any(w in low for w in CONFIG_WORDS):
            return ErrorCode.INVALID_CONFIG
        return None

    def version_query(self) -> str:
        return "SHOW server_version"

    def view_names(self, inspector: Inspector, schema: str) -> list[str]:
        return [
            *inspector.get_view_names(schema=schema),
            *inspector.get_materialized_view_names(schema=schema),
        ]

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, c.reltuples FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'f')"
            ),
            {"schema": schema},
        )
        # reltuples is -1 for a table never vacuumed nor analyzed (PostgreSQL 14+).
        return {name: (round(n) if n is not None and n >= 0 else None) for name, n in rows}

    def data_versions(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, str | None]:
        """Cumulative insert/update/delete counters and the storage file (changes on TRUNCATE
        and rewrites). Counters reach the statistics system within about a second of a commit;
        without statistics (reset, or a foreign table) there is no token."""
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, c.relfilenode, s.n_tup_ins, s.n_tup_upd, s.n_tup_del "
                "FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'm')"
            ),
            {"schema": schema},
        )
        return {
            name: (f"pg:{node}:{ins}:{upd}:{dels}" if ins is not None else None)
            for name, node, ins, upd, dels in rows
        }

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, pg_catalog.pg_get_viewdef(c.oid, true) "
                "FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('v', 'm')"
            ),
            {"schema": schema},
        )
        return {name: (definition or "").strip() for name, definition in rows}

    def sample_statement(
        self, conn: Connection, schema: str, table: str, columns: list[str], limit: int, method: str
    ) -> Select[Any]:
        """``random`` on a big table reads a few random pages (TABLESAMPLE SYSTEM), then LIMIT."""
        if method != "random":
            return super().sample_statement(conn, schema, table, columns, limit, method)
        found = conn.execute(
            sa.text(
                "SELECT c.relkind, c.reltuples, c.relpages FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relname = :table"
            ),
            {"schema": schema, "table": table},
        ).first()
        if found is None:  # let the server say what is missing
            return super().sample_statement(conn, schema, table, columns, limit, method)
        relkind, rows, pages = found
        if relkind not in ("r", "m", "p") or rows < max(TABLESAMPLE_MIN_ROWS, limit * 50):
            return super().sample_statement(conn, schema, table, columns, limit, method)
        # Aim at 5x the rows asked for, and at least ~20 pages, so the sample is rarely short.
        fraction = max(5.0 * limit / rows, 20.0 / pages if pages > 0 else 1.0)
        percent = min(100.0, 100.0 * fraction)
        sampled = sa.tablesample(
            self.source(schema, table, columns),
            sa.func.system(sa.literal_column(f"{percent:.6f}")),
            name="sampled",
        )
        return sa.select(*sampled.c).limit(limit)
