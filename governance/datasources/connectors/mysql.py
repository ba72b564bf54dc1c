"""MySQL and MariaDB through PyMySQL: read-only session, statement and connect timeouts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .base import ErrorCode
from .registry import register
from .sqlalchemy_base import SQLAlchemyConnector

CODES = {
    1045: ErrorCode.AUTH_FAILED,
    1698: ErrorCode.AUTH_FAILED,
    1049: ErrorCode.DATABASE_MISSING,
    1146: ErrorCode.OBJECT_MISSING,
    1054: ErrorCode.OBJECT_MISSING,
    1356: ErrorCode.OBJECT_MISSING,
    1044: ErrorCode.PERMISSION_DENIED,
    1142: ErrorCode.PERMISSION_DENIED,
    1143: ErrorCode.PERMISSION_DENIED,
    1792: ErrorCode.PERMISSION_DENIED,
    1969: ErrorCode.TIMEOUT,  # MariaDB max_statement_time exceeded
    3024: ErrorCode.TIMEOUT,  # MySQL max_execution_time exceeded
    2013: ErrorCode.TIMEOUT,
}


@register("mysql")
class MySQLConnector(SQLAlchemyConnector):
    driver = "mysql+pymysql"
    system_schemas = frozenset({"mysql", "sys", "performance_schema", "information_schema"})

    def connect_args(self) -> dict[str, Any]:
        return {
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.statement_timeout + 5,
            "charset": "utf8mb4",
        }

    def on_connect(self, dbapi_connection: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time = {int(self.statement_timeout)}")
            else:
                cursor.execute(
                    f"SET SESSION max_execution_time = {int(self.statement_timeout) * 1000}"
                )
        finally:
            cursor.close()

    def classify_error(self, exc: BaseException, text: str) -> ErrorCode:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if code == 2003:
            return (
                ErrorCode.TIMEOUT
                if self.errors_of(text, "timed out")
                else ErrorCode.HOST_UNREACHABLE
            )
        if code in CODES:
            return CODES[code]
        if self.errors_of(text, "timed out"):
            return ErrorCode.TIMEOUT
        return ErrorCode.DRIVER_ERROR

    def list_schemas(self) -> list[str]:
        """A MySQL source is one database (schema); without one, every non-system database."""
        if self.params.database:
            with self.connection() as conn:
                found = conn.execute(sa.text("SELECT DATABASE()")).scalar()
            return [found] if found else []
        return super().list_schemas()

    def version_query(self) -> str:
        return "SELECT VERSION()"

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

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, view_definition FROM information_schema.views "
                "WHERE table_schema = :schema"
            ),
            {"schema": schema},
        )
        return {name: (definition or "").strip() for name, definition in rows}
