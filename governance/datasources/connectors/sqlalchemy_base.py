"""The shared SQLAlchemy 2 Core implementation; dialect modules hold only what differs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import quoted_name

from .base import (
    ColumnInfo,
    ConnectionTestResult,
    Connector,
    ConnectorError,
    ErrorCode,
    TableInfo,
    one_line,
    scrub,
    timed,
    to_text,
)


class SQLAlchemyConnector(Connector):
    driver: ClassVar[str]
    system_schemas: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._engine: Engine | None = None

    # --- what dialects provide -------------------------------------------------------------
    def url(self) -> URL:
        p = self.params
        return URL.create(
            self.driver,
            username=p.username or None,
            password=p.password or None,
            host=p.host or None,
            port=p.port,
            database=p.database or None,
        )

    def connect_args(self) -> dict[str, Any]:
        return {}

    def on_connect(self, dbapi_connection: Any) -> None:
        """Make the session read-only and bounded (per dialect)."""

    def classify_error(self, exc: BaseException, text: str) -> ErrorCode:
        return ErrorCode.DRIVER_ERROR

    def version_query(self) -> str:
        return "SELECT version()"

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        return {}

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        return {}

    # --- shared machinery ------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                engine = sa.create_engine(
                    self.url(), poolclass=NullPool, connect_args=self.connect_args()
                )
            except ConnectorError:
                raise
            except Exception as exc:  # a missing driver or a malformed option
                raise self.error(exc) from None
            sa.event.listen(engine, "connect", lambda dbapi, _rec: self.on_connect(dbapi))
            self._engine = engine
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def error(self, exc: BaseException, *, what: str = "") -> ConnectorError:
        original = getattr(exc, "orig", None) or exc
        text = scrub(one_line(str(original)), self.params.password)
        code = self.classify_error(original, text)
        p = self.params
        where = p.where
        messages = {
            ErrorCode.AUTH_FAILED: f"Authentication failed for user '{p.username}' on {where}.",
            ErrorCode.HOST_UNREACHABLE: f"Host {where} is unreachable ({text}).",
            ErrorCode.DATABASE_MISSING: f"Database '{p.database}' does not exist on {where}.",
            ErrorCode.TIMEOUT: f"Timed out talking to {where} ({text}).",
            ErrorCode.PERMISSION_DENIED: f"Permission denied{what and ' on ' + what}: {text}",
            ErrorCode.OBJECT_MISSING: f"{what or 'An object'} no longer exists ({text}).",
            ErrorCode.DRIVER_ERROR: f"Driver error from {where}: {text}",
        }
        return ConnectorError(code, scrub(messages.get(code, text), p.password))

    @contextmanager
    def connection(self, what: str = "") -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
                conn.rollback()
        except ConnectorError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise self.error(exc, what=what) from None
        except OSError as exc:
            raise self.error(exc, what=what) from None

    def test_connection(self) -> ConnectionTestResult:
        def probe() -> str:
            with self.connection() as conn:
                return str(conn.execute(sa.text(self.version_query())).scalar())

        return timed(probe)

    def list_schemas(self) -> list[str]:
        with self.connection() as conn:
            names = sa.inspect(conn).get_schema_names()
        return [n for n in names if n not in self.system_schemas and not n.startswith("pg_")]

    def _type_name(self, type_: Any) -> str:
        try:
            return type_.compile(dialect=self.engine.dialect)
        except Exception:
            return str(type_.__class__.__name__).upper()

    def discover(
        self,
        schemas: Iterable[str] | None = None,
        include: Callable[[str, str], bool] | None = None,
    ) -> Iterator[TableInfo]:
        with self.connection() as conn:
            inspector = sa.inspect(conn)
            for schema in list(schemas) if schemas is not None else self.list_schemas():
                tables = [
                    t
                    for t in inspector.get_table_names(schema=schema)
                    if not include or include(schema, t)
                ]
                views = [
                    v
                    for v in inspector.get_view_names(schema=schema)
                    if not include or include(schema, v)
                ]
                estimates = self.row_estimates(conn, schema, tables) if tables else {}
                definitions = self.view_definitions(conn, schema) if views else {}
                for kind, names, object_kind in (
                    ("table", tables, ObjectKind.TABLE),
                    ("view", views, ObjectKind.VIEW),
                ):
                    if not names:
                        continue
                    columns = inspector.get_multi_columns(
                        schema=schema, filter_names=names, kind=object_kind
                    )
                    try:
                        comments = inspector.get_multi_table_comment(
                            schema=schema, filter_names=names, kind=object_kind
                        )
                    except NotImplementedError:
                        comments = {}
                    for name in names:
                        key = (schema, name)
                        cols = columns.get(key) or columns.get((None, name)) or []
                        comment = (comments.get(key) or comments.get((None, name)) or {}).get(
                            "text"
                        )
                        yield TableInfo(
                            schema=schema,
                            name=name,
                            kind=kind,
                            comment=comment,
                            definition=definitions.get(name) if kind == "view" else None,
                            row_estimate=estimates.get(name) if kind == "table" else None,
                            columns=[
                                ColumnInfo(
                                    name=c["name"],
                                    data_type=self._type_name(c["type"]),
                                    nullable=bool(c.get("nullable", True)),
                                    ordinal=i,
                                    default=None if c.get("default") is None else str(c["default"]),
                                    comment=c.get("comment"),
                                )
                                for i, c in enumerate(cols, start=1)
                            ],
                        )

    def sample_statement(
        self, schema: str, table: str, columns: list[str], limit: int, method: str
    ) -> Any:
        cols = [sa.column(quoted_name(c, quote=True)) for c in columns]
        source = sa.table(quoted_name(table, quote=True), schema=quoted_name(schema, quote=True))
        return sa.select(*cols).select_from(source).limit(limit)

    def sample(
        self, schema: str, table: str, columns: list[str], limit: int, method: str = "top"
    ) -> dict[str, list[str | None]]:
        if not columns or limit <= 0:
            return {c: [] for c in columns}
        statement = self.sample_statement(schema, table, columns, limit, method)
        with self.connection(what=f"{schema}.{table}") as conn:
            rows = conn.execute(statement).fetchmany(limit)
        values: dict[str, list[str | None]] = {c: [] for c in columns}
        for row in rows:
            for c, v in zip(columns, row, strict=False):
                values[c].append(to_text(v))
        return values

    def schema_for_sqlite(self) -> str:  # pragma: no cover - overridden
        return "main"

    @staticmethod
    def errors_of(text: str, *needles: str) -> bool:
        low = text.lower()
        return any(n in low for n in needles)
