"""The shared SQLAlchemy 2 Core implementation; dialect modules hold only what differs."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Literal

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.engine.reflection import Inspector, ObjectKind
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import quoted_name
from sqlalchemy.sql.expression import Select

from .base import (
    ColumnInfo,
    ConnectionParams,
    ConnectionTestResult,
    Connector,
    ConnectorError,
    ErrorCode,
    FileAccessLike,
    TableInfo,
    one_line,
    scrub,
    to_text,
)
from .files import FileAccess

Phase = Literal["connect", "query"]
#: Names per batched reflection call when an ``include`` filter picked some of a schema.
FILTER_CHUNK = 1000


class SQLAlchemyConnector(Connector):
    """Reflection, sampling and error mapping over a SQLAlchemy engine (no pool kept)."""

    driver: ClassVar[str]  # SQLAlchemy drivername, e.g. "postgresql+psycopg"
    system_schemas: ClassVar[frozenset[str]] = frozenset()
    #: Options naming files the driver reads (TLS certificates and keys).
    file_options: ClassVar[frozenset[str]] = frozenset()
    view_kind: ClassVar[ObjectKind] = ObjectKind.VIEW

    def __init__(
        self,
        params: ConnectionParams,
        *,
        connect_timeout: int = 10,
        statement_timeout: int = 30,
        file_access: FileAccessLike | None = None,
    ) -> None:
        super().__init__(
            params,
            connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
            file_access=file_access,
        )
        self._engine: Engine | None = None
        # One connection for the connector's lifetime: a scan samples a thousand tables, and a
        # new connection each time (TLS, authentication, session settings, SQLite's schema
        # parse) would cost more than the samples themselves.
        self._conn: Connection | None = None
        self.validate()

    # --- what dialects provide -------------------------------------------------------------
    def validate(self) -> None:
        """Reject settings that cannot work, before any connection attempt."""
        p = self.params
        if p.port is not None and (
            isinstance(p.port, bool) or not isinstance(p.port, int) or not 0 < p.port < 65536
        ):
            raise self.invalid("the port must be a number from 1 to 65535")
        try:
            self.check_options(p.options)
        except ConnectorError as exc:
            raise self.invalid(exc.message[:1].lower() + exc.message[1:].rstrip(".")) from None
        self.check_file_options(p.options, self.file_access or FileAccess())

    @classmethod
    def check_file_options(cls, options: dict[str, Any], access: FileAccessLike) -> None:
        """Options naming files (TLS certificates and keys) must not point at PurSight's own."""
        for key in sorted(cls.file_options & set(options)):
            value = str(options[key])
            if key == "sslrootcert" and value == "system":  # libpq: the system's CA store
                continue
            access.check_not_protected(value)

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

    def engine_kwargs(self) -> dict[str, Any]:
        """Extra ``create_engine`` arguments (connect_args, creator…)."""
        return {}

    def on_engine(self, engine: Engine) -> None:
        """Install event listeners on a new engine."""
        sa.event.listen(engine, "connect", self.on_connect)

    def on_connect(self, dbapi_connection: Any, record: Any) -> None:
        """Make a new session read-only and bounded."""

    def classify(self, orig: BaseException, text: str, phase: Phase) -> ErrorCode | None:
        """The code for a driver exception, or None when unknown (DRIVER_ERROR)."""
        return None

    def version_query(self) -> str:
        return "SELECT version()"

    def row_estimates(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, int | None]:
        """Estimated rows per table of ``schema``, fetched cheaply (one query if possible)."""
        return {}

    def data_versions(
        self, conn: Connection, schema: str, tables: list[str]
    ) -> dict[str, str | None]:
        """Per table, a token that changes when its data may have changed (one query)."""
        return {}

    def view_definitions(self, conn: Connection, schema: str) -> dict[str, str]:
        """The SELECT of every view of ``schema``, in one query."""
        return {}

    def view_names(self, inspector: Inspector, schema: str) -> list[str]:
        return inspector.get_view_names(schema=schema)

    def sample_statement(
        self, conn: Connection, schema: str, table: str, columns: list[str], limit: int, method: str
    ) -> Select[Any] | str:
        """``SELECT "c1", … FROM "schema"."table" LIMIT n``; every identifier quoted.

        Plain SQL built with the dialect's quoting: a scan samples every table once, so a
        compiled-statement cache never hits and compiling would cost more than the query.
        """
        quote = conn.dialect.identifier_preparer.quote_identifier
        # Columns are qualified by an alias: SQLite reads an unknown "name" as a string literal,
        # but never an unknown "src"."name".
        alias = quote("src")
        names = ", ".join(f"{alias}.{quote(c)}" for c in columns)
        return f"SELECT {names} FROM {quote(schema)}.{quote(table)} AS {alias} LIMIT {int(limit)}"

    # --- shared machinery ------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine (created lazily; NullPool, so nothing stays open between calls)."""
        if self._engine is None:
            try:
                engine = sa.create_engine(self.url(), poolclass=NullPool, **self.engine_kwargs())
            except ConnectorError:
                raise
            except ImportError as exc:
                raise ConnectorError(
                    ErrorCode.DRIVER_ERROR,
                    f"The database driver for {self.kind} is not installed ({exc.name}).",
                ) from None
            except (sa.exc.ArgumentError, TypeError, ValueError) as exc:
                raise self.invalid(one_line(str(exc))) from None
            self.on_engine(engine)
            self._engine = engine
        return self._engine

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection is dropped either way
                conn.close()

    def close(self) -> None:
        self._drop_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def invalid(self, reason: str) -> ConnectorError:
        return ConnectorError(
            ErrorCode.INVALID_CONFIG,
            f"Invalid connection settings for {self.params.where}: {reason}.",
            secrets=self.params.secrets,
        )

    def translate(
        self, exc: BaseException, *, phase: Phase = "query", what: str = ""
    ) -> ConnectorError:
        """The one place where driver exceptions become :class:`ConnectorError`."""
        if isinstance(exc, ConnectorError):
            return exc
        orig: BaseException = exc
        if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
            orig = exc.orig
        p = self.params
        text = scrub(one_line(self.driver_text(orig)), *p.secrets)
        if isinstance(exc, sa.exc.NoSuchTableError):
            code: ErrorCode | None = ErrorCode.OBJECT_MISSING
        else:
            code = self.classify(orig, text, phase)
        if code is None and phase == "connect" and isinstance(orig, TypeError | ValueError):
            code = ErrorCode.INVALID_CONFIG
        code = code or ErrorCode.DRIVER_ERROR
        where = p.where
        subject = what or where
        reason = self.server_reason(text)
        if code is ErrorCode.AUTH_FAILED:
            message = f"Authentication failed for user '{p.username}' on {where} ({reason})"
        elif code is ErrorCode.HOST_UNREACHABLE:
            message = f"Host {where} is unreachable ({self.unreachable_reason(text)})"
        elif code is ErrorCode.DATABASE_MISSING:
            message = f"Database '{p.database}' does not exist on {where}"
        elif code is ErrorCode.TIMEOUT and phase == "connect":
            message = f"Timed out after {self.connect_timeout}s connecting to {where}"
        elif code is ErrorCode.TIMEOUT:
            message = (
                f"Query on {subject} was stopped by the {self.statement_timeout}s statement "
                f"timeout ({reason})"
            )
        elif code is ErrorCode.PERMISSION_DENIED:
            message = f"Permission denied for user '{p.username}' on {subject} ({reason})"
        elif code is ErrorCode.OBJECT_MISSING:
            thing = f"{what[:1].upper()}{what[1:]}" if what else f"An object on {where}"
            message = f"{thing} no longer exists, or lacks a requested column ({reason})"
        elif code is ErrorCode.INVALID_CONFIG:
            message = f"Invalid connection settings for {where} ({reason})"
        else:
            message = f"Database driver error on {subject} ({reason})"
        return ConnectorError(code, message, detail=text, secrets=p.secrets)

    @staticmethod
    def driver_text(orig: BaseException) -> str:
        """The driver's message; ``(errno, message)`` pairs (PyMySQL) read as words."""
        args = orig.args
        if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
            return f"{args[1]} [error {args[0]}]"
        return str(orig) or type(orig).__name__

    @staticmethod
    def server_reason(text: str) -> str:
        """The server's own words: the part after the last ``FATAL:``/``ERROR:`` if any."""
        for marker in ("FATAL:", "ERROR:"):
            if marker in text:
                text = text.rsplit(marker, 1)[1]
        return text.strip() or "no details"

    @staticmethod
    def unreachable_reason(text: str) -> str:
        low = text.lower()
        for needles, reason in (
            (("refused",), "connection refused"),
            (
                (
                    "name or service not known",
                    "could not translate host",
                    "failed to resolve host",
                    "nodename nor servname",
                    "name resolution",
                    "getaddrinfo",
                    "errno -2",
                    "errno -3",
                    "errno -5",
                ),
                "host name could not be resolved",
            ),
            (("no route to host",), "no route to host"),
            (("network is unreachable",), "network is unreachable"),
            (("lost connection", "gone away", "closed the connection"), "connection lost"),
        ):
            if any(n in low for n in needles):
                return reason
        return text

    @contextmanager
    def connection(self, what: str = "") -> Iterator[Connection]:
        """The connector's read-only SQLAlchemy connection, opened on first use and kept until
        :meth:`close`; each use ends its transaction. Driver errors come out as ConnectorError,
        and a failed connection is dropped so that the next use reconnects."""
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            try:
                self._conn = self.engine.connect()
            except ConnectorError:
                raise
            except (sa.exc.SQLAlchemyError, OSError, TypeError, ValueError) as exc:
                raise self.translate(exc, phase="connect") from None
        conn = self._conn
        try:
            yield conn
            if conn.in_transaction():
                conn.rollback()
        except ConnectorError:
            self._drop_connection()
            raise
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self._drop_connection()
            raise self.translate(exc, phase="query", what=what) from None
        except BaseException:
            self._drop_connection()
            raise

    def test_connection(self) -> ConnectionTestResult:
        start = time.perf_counter()
        with self.connection() as conn:
            version = conn.execute(sa.text(self.version_query())).scalar()
        latency = (time.perf_counter() - start) * 1000
        return ConnectionTestResult(ok=True, server_version=str(version), latency_ms=latency)

    def is_system_schema(self, name: str) -> bool:
        return name in self.system_schemas

    def list_schemas(self) -> list[str]:
        with self.connection() as conn:
            names = sa.inspect(conn).get_schema_names()
        return sorted(n for n in names if not self.is_system_schema(n))

    def type_name(self, type_: Any, dialect: sa.Dialect) -> str:
        if isinstance(type_, sa.types.NullType):
            return ""  # SQLite: no declared type
        try:
            return str(type_.compile(dialect=dialect))
        except Exception:  # a type this SQLAlchemy version cannot render
            return type(type_).__name__.upper()

    def discover(
        self,
        schemas: Iterable[str] | None = None,
        include: Callable[[str, str], bool] | None = None,
    ) -> Iterator[TableInfo]:
        wanted = list(schemas) if schemas is not None else self.list_schemas()
        with self.connection() as conn:
            inspector = sa.inspect(conn)
            present = set(inspector.get_schema_names())
            for schema in wanted:
                if schema not in present:
                    continue  # dropped since it was listed
                yield from self._discover_schema(conn, inspector, schema, include)

    def _discover_schema(
        self,
        conn: Connection,
        inspector: Inspector,
        schema: str,
        include: Callable[[str, str], bool] | None,
    ) -> Iterator[TableInfo]:
        def keep(names: list[str]) -> list[str]:
            return sorted(n for n in names if include is None or include(schema, n))

        tables = keep(inspector.get_table_names(schema=schema))
        views = keep(self.view_names(inspector, schema))
        estimates = self.row_estimates(conn, schema, tables) if tables else {}
        versions = self.data_versions(conn, schema, tables) if tables else {}
        definitions = self.view_definitions(conn, schema) if views else {}
        dialect = conn.dialect
        kinds: tuple[tuple[Literal["table", "view"], list[str], ObjectKind], ...] = (
            ("table", tables, ObjectKind.TABLE),
            ("view", views, self.view_kind),
        )
        for kind, names, object_kind in kinds:
            # Everything at once when nothing is filtered out; else the kept names, in chunks.
            batches: list[list[str] | None] = (
                [None]
                if include is None
                else [names[i : i + FILTER_CHUNK] for i in range(0, len(names), FILTER_CHUNK)]
            )
            for batch in batches if names else []:
                columns = inspector.get_multi_columns(
                    schema=schema, filter_names=batch, kind=object_kind
                )
                comments: dict[Any, Any] = {}
                if dialect.supports_comments:
                    comments = inspector.get_multi_table_comment(
                        schema=schema, filter_names=batch, kind=object_kind
                    )
                for name in names if batch is None else batch:
                    yield TableInfo(
                        schema=schema,
                        name=name,
                        kind=kind,
                        comment=(comments.get((schema, name)) or {}).get("text"),
                        definition=definitions.get(name) if kind == "view" else None,
                        row_estimate=estimates.get(name) if kind == "table" else None,
                        data_version=versions.get(name) if kind == "table" else None,
                        columns=[
                            self.column_info(c, i, dialect)
                            for i, c in enumerate(columns.get((schema, name), []), start=1)
                        ],
                    )

    def column_info(self, column: Any, ordinal: int, dialect: sa.Dialect) -> ColumnInfo:
        """A reflected column (SQLAlchemy's dict) as :class:`ColumnInfo`."""
        default = column.get("default")
        return ColumnInfo(
            name=column["name"],
            data_type=self.type_name(column["type"], dialect),
            nullable=bool(column.get("nullable", True)),
            ordinal=ordinal,
            default=None if default is None else str(default),
            comment=column.get("comment"),
        )

    @staticmethod
    def source(schema: str, table: str, columns: list[str]) -> sa.TableClause:
        """A table clause whose schema, name and columns are always quoted."""
        return sa.table(
            quoted_name(table, quote=True),
            *(sa.column(quoted_name(c, quote=True)) for c in columns),
            schema=quoted_name(schema, quote=True),
        )

    def sample(
        self,
        schema: str,
        table: str,
        columns: list[str],
        limit: int,
        method: str = "top",
    ) -> dict[str, list[str | None]]:
        values = self.sample_request(columns, limit, method)
        columns = list(values)
        if not columns or limit == 0:
            return values
        what = f"table '{schema}.{table}'"
        with self.connection(what=what) as conn:
            statement = self.sample_statement(conn, schema, table, columns, limit, method)
            if isinstance(statement, str):
                result = conn.exec_driver_sql(statement)
            else:
                result = conn.execute(statement)
            rows = result.fetchmany(limit)
        if rows:
            for column, column_values in zip(columns, zip(*rows, strict=True), strict=True):
                values[column] = [
                    v if v is None or type(v) is str else to_text(v) for v in column_values
                ]
        return values

    @staticmethod
    def contains(text: str, *needles: str) -> bool:
        low = text.lower()
        return any(n in low for n in needles)
