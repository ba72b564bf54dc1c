"""SQLite files opened read-only (``mode=ro``): a missing file is an error, never created."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection

from .base import ConnectorError, ErrorCode
from .files import FileAccess
from .registry import register
from .sqlalchemy_base import Phase, SQLAlchemyConnector

#: The progress handler runs every this many SQLite VM instructions to enforce the timeout.
PROGRESS_STEPS = 10_000
_IDENT = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s.(]+)'
_VIEW_HEAD = re.compile(
    rf"^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"{_IDENT}(?:\s*\.\s*{_IDENT})?\s*(?:\([^()]*\)\s*)?AS\s+",
    re.IGNORECASE | re.DOTALL,
)


def view_select(sql: str) -> str:
    """The SELECT of a ``CREATE VIEW … AS SELECT …`` statement."""
    match = _VIEW_HEAD.match(sql)
    return (sql[match.end() :] if match else sql).strip()


@register("sqlite")
class SQLiteConnector(SQLAlchemyConnector):
    driver = "sqlite+pysqlite"
    system_schemas = frozenset({"temp"})
    options_allowed = frozenset({"immutable"})

    def validate(self) -> None:
        super().validate()
        if not self.params.database or self.params.database.startswith(":memory:"):
            raise self.invalid("a SQLite source needs a database file path")
        self.resolve()

    def resolve(self) -> Path:
        """The resolved file, confined to the allowed roots (checked again at every open, so
        that a file replaced by a link after registration is refused)."""
        access = self.file_access or FileAccess()
        return Path(access.resolve(self.params.database))

    @property
    def path(self) -> Path:
        return self.resolve()

    def url(self) -> URL:
        return URL.create(self.driver)  # the file is opened by creator()

    def engine_kwargs(self) -> dict[str, Any]:
        return {"creator": self.open_file}

    def open_file(self) -> sqlite3.Connection:
        """Open the file read-only; refuse (DATABASE_MISSING) rather than create it."""
        path = self.resolve()
        (self.file_access or FileAccess()).check_identity(str(path), self.params.database)
        if not path.exists():
            raise ConnectorError(
                ErrorCode.DATABASE_MISSING,
                f"Database file '{self.params.database}' does not exist.",
            )
        if not path.is_file():
            raise self.invalid(f"'{self.params.database}' is not a file")
        uri = f"{path.as_uri()}?mode=ro"
        if str(self.params.options.get("immutable", "")).lower() in {"1", "true", "yes", "on"}:
            uri += "&immutable=1"
        return sqlite3.connect(uri, uri=True, timeout=self.connect_timeout, check_same_thread=False)

    def on_connect(self, dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")
        info = record.info
        limit = self.statement_timeout

        def over_time() -> int:
            started = info.get("statement_started")
            return int(started is not None and time.monotonic() - started > limit)

        dbapi_connection.set_progress_handler(over_time, PROGRESS_STEPS)

    def on_engine(self, engine: sa.Engine) -> None:
        super().on_engine(engine)
        sa.event.listen(engine, "before_cursor_execute", self._start_clock)

    @staticmethod
    def _start_clock(conn: Connection, *args: Any) -> None:
        conn.info["statement_started"] = time.monotonic()

    def classify(self, orig: BaseException, text: str, phase: Phase) -> ErrorCode | None:
        if self.contains(text, "no such table", "no such column", "unknown database"):
            return ErrorCode.OBJECT_MISSING
        if self.contains(text, "unable to open database"):
            return ErrorCode.DATABASE_MISSING
        if self.contains(text, "interrupted", "database is locked", "database table is locked"):
            return ErrorCode.TIMEOUT
        if self.contains(text, "readonly", "read-only"):
            return ErrorCode.PERMISSION_DENIED
        if self.contains(text, "file is not a database"):
            return ErrorCode.INVALID_CONFIG
        return None

    def version_query(self) -> str:
        return "SELECT 'SQLite ' || sqlite_version()"

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        """``max(rowid)`` per table (a b-tree edge lookup, not a count); ``sqlite_stat1`` for
        WITHOUT ROWID tables when ANALYZE has been run."""
        quote = conn.dialect.identifier_preparer.quote_identifier
        stats = self._stat1(conn, schema)
        estimates: dict[str, int | None] = {}
        for name in tables:
            try:
                value = conn.exec_driver_sql(
                    f"SELECT max(rowid) FROM {quote(schema)}.{quote(name)}"
                ).scalar()
            except sa.exc.DBAPIError:  # WITHOUT ROWID table
                estimates[name] = stats.get(name)
            else:
                estimates[name] = int(value) if value is not None else 0
        return estimates

    def data_versions(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, str | None]:
        """The database file's (and its write-ahead log's) size and modification time: any
        write changes them, so every table shares the token."""
        if schema != "main":
            return {}
        path = self.resolve()
        parts = []
        for file in (path, path.with_name(path.name + "-wal")):
            try:
                st = file.stat()
            except OSError:
                continue
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        token = "sqlite:" + ":".join(parts) if parts else None
        return dict.fromkeys(tables, token)

    @staticmethod
    def _stat1(conn: Connection, schema: str) -> dict[str, int]:
        quote = conn.dialect.identifier_preparer.quote_identifier
        has_stats = conn.exec_driver_sql(
            f"SELECT 1 FROM {quote(schema)}.sqlite_master "
            "WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).first()
        if not has_stats:
            return {}
        rows: dict[str, int] = {}
        for table, stat in conn.exec_driver_sql(
            f"SELECT tbl, stat FROM {quote(schema)}.sqlite_stat1"
        ):
            head = (stat or "").split(" ", 1)[0]
            if head.isdigit():
                rows[table] = max(rows.get(table, 0), int(head))
        return rows

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        quote = conn.dialect.identifier_preparer.quote_identifier
        rows = conn.exec_driver_sql(
            f"SELECT name, sql FROM {quote(schema)}.sqlite_master WHERE type = 'view'"
        )
        return {name: view_select(sql or "") for name, sql in rows}
