"""SQLite files, opened read-only (a missing file is an error, never silently created)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection

from .base import ConnectorError, ErrorCode
from .registry import register
from .sqlalchemy_base import SQLAlchemyConnector


@register("sqlite")
class SQLiteConnector(SQLAlchemyConnector):
    driver = "sqlite+pysqlite"

    def url(self) -> URL:
        path = Path(self.params.database).expanduser()
        if not path.is_file():
            raise ConnectorError(
                ErrorCode.DATABASE_MISSING,
                f"Database file '{self.params.database}' does not exist.",
            )
        return URL.create(
            self.driver, database=f"file:{path.resolve()}?mode=ro", query={"uri": "true"}
        )

    def connect_args(self) -> dict[str, Any]:
        return {"timeout": self.connect_timeout}

    def on_connect(self, dbapi_connection: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    def classify_error(self, exc: BaseException, text: str) -> ErrorCode:
        if self.errors_of(text, "no such table", "no such column"):
            return ErrorCode.OBJECT_MISSING
        if self.errors_of(text, "unable to open database"):
            return ErrorCode.DATABASE_MISSING
        if self.errors_of(text, "database is locked"):
            return ErrorCode.TIMEOUT
        if self.errors_of(text, "readonly", "read-only", "query_only"):
            return ErrorCode.PERMISSION_DENIED
        return ErrorCode.DRIVER_ERROR

    def version_query(self) -> str:
        return "SELECT 'SQLite ' || sqlite_version()"

    def list_schemas(self) -> list[str]:
        return ["main"]

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        """``max(rowid)`` per table: an index lookup, not a count."""
        estimates: dict[str, int | None] = {}
        prep = self.engine.dialect.identifier_preparer
        for name in tables:
            try:
                value = conn.execute(
                    sa.text(f"SELECT max(rowid) FROM {prep.quote_identifier(name)}")
                ).scalar()
            except sa.exc.DBAPIError:
                value = None  # WITHOUT ROWID tables
            estimates[name] = int(value) if value is not None else 0
        return estimates

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        rows = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
        return {name: (sql or "").strip() for name, sql in rows}
