"""MySQL and MariaDB through PyMySQL: read-only sessions with connect and statement timeouts.

A schema is a database here. A source configured with a database sees only that database; one
without sees every non-system database the user may read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .base import ErrorCode
from .registry import register
from .sqlalchemy_base import Phase, SQLAlchemyConnector

ERRNOS: dict[int, ErrorCode] = {
    1045: ErrorCode.AUTH_FAILED,  # access denied (wrong user or password)
    1698: ErrorCode.AUTH_FAILED,  # access denied (no password / auth plugin)
    1130: ErrorCode.AUTH_FAILED,  # host not allowed to connect
    1049: ErrorCode.DATABASE_MISSING,  # unknown database
    1146: ErrorCode.OBJECT_MISSING,  # table doesn't exist
    1054: ErrorCode.OBJECT_MISSING,  # unknown column
    1051: ErrorCode.OBJECT_MISSING,  # unknown table
    1356: ErrorCode.OBJECT_MISSING,  # view references invalid table(s) or column(s)
    1044: ErrorCode.PERMISSION_DENIED,  # access denied to database
    1142: ErrorCode.PERMISSION_DENIED,  # command denied on table
    1143: ErrorCode.PERMISSION_DENIED,  # command denied on column
    1227: ErrorCode.PERMISSION_DENIED,  # needs a privilege
    1792: ErrorCode.PERMISSION_DENIED,  # cannot write in a READ ONLY transaction
    1969: ErrorCode.TIMEOUT,  # MariaDB max_statement_time exceeded
    3024: ErrorCode.TIMEOUT,  # MySQL max_execution_time exceeded
    1317: ErrorCode.TIMEOUT,  # query interrupted
    1205: ErrorCode.TIMEOUT,  # lock wait timeout
    2003: ErrorCode.HOST_UNREACHABLE,  # can't connect (refused, no route, bad name)
    2005: ErrorCode.HOST_UNREACHABLE,  # unknown host
    2006: ErrorCode.HOST_UNREACHABLE,  # server has gone away
    2013: ErrorCode.HOST_UNREACHABLE,  # lost connection
}
#: Read timeout on top of the server-side statement timeout, as a backstop.
READ_TIMEOUT_MARGIN = 5
BOOL_OPTIONS = ("ssl_verify_cert", "ssl_verify_identity", "ssl_disabled")


def _as_bool(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@register("mysql", aliases=("mariadb",))
class MySQLConnector(SQLAlchemyConnector):
    driver = "mysql+pymysql"
    system_schemas = frozenset({"mysql", "sys", "performance_schema", "information_schema"})
    options_allowed = frozenset(
        {"ssl_ca", "ssl_cert", "ssl_key", "ssl_verify_cert", "ssl_verify_identity", "ssl_disabled"}
    )
    file_options = frozenset({"ssl_ca", "ssl_cert", "ssl_key"})

    def engine_kwargs(self) -> dict[str, Any]:
        connect_args: dict[str, Any] = {
            "connect_timeout": self.connect_timeout,
            # The handshake is read with read_timeout: keep it short until connected.
            "read_timeout": self.connect_timeout,
            "write_timeout": self.statement_timeout + READ_TIMEOUT_MARGIN,
            "charset": "utf8mb4",
        }
        for key, value in self.params.options.items():
            connect_args[key] = _as_bool(value) if key in BOOL_OPTIONS else str(value)
        return {"connect_args": connect_args}

    def on_connect(self, dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time = {int(self.statement_timeout)}")
            else:  # MySQL 5.7.8+: SELECT statements only
                cursor.execute(
                    f"SET SESSION max_execution_time = {int(self.statement_timeout) * 1000}"
                )
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        finally:
            cursor.close()
        if hasattr(dbapi_connection, "_read_timeout"):  # PyMySQL: longer reads once connected
            dbapi_connection._read_timeout = self.statement_timeout + READ_TIMEOUT_MARGIN

    def classify(self, orig: BaseException, text: str, phase: Phase) -> ErrorCode | None:
        errno = orig.args[0] if orig.args and isinstance(orig.args[0], int) else None
        if errno in (2003, 2013) and self.contains(text, "timed out"):
            return ErrorCode.TIMEOUT
        if errno == 1049 and phase == "query":
            return ErrorCode.OBJECT_MISSING  # the schema (database) of a table vanished
        if errno in ERRNOS:
            return ERRNOS[errno]
        if self.contains(text, "timed out"):
            return ErrorCode.TIMEOUT
        return None

    def version_query(self) -> str:
        return "SELECT VERSION()"

    def list_schemas(self) -> list[str]:
        if self.params.database:
            with self.connection() as conn:
                current = conn.execute(sa.text("SELECT DATABASE()")).scalar()
            return [current] if current else []
        return super().list_schemas()

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, table_rows FROM information_schema.tables "
                "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
            ),
            {"schema": schema},
        )
        return {name: (int(n) if n is not None else None) for name, n in rows}

    def data_versions(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, str | None]:
        """``UPDATE_TIME`` with size counters; InnoDB keeps UPDATE_TIME in memory only, so
        after a server restart it is NULL and the table is sampled again."""
        rows = conn.execute(
            sa.text(
                "SELECT table_name, update_time, table_rows, data_length, auto_increment "
                "FROM information_schema.tables "
                "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
            ),
            {"schema": schema},
        )
        return {
            name: (f"my:{updated:%Y%m%d%H%M%S%f}:{n}:{size}:{auto}" if updated else None)
            for name, updated, n, size, auto in rows
        }

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, view_definition FROM information_schema.views "
                "WHERE table_schema = :schema"
            ),
            {"schema": schema},
        )
        return {name: (definition or "").strip() for name, definition in rows}
