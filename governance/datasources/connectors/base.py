"""The connector interface: plain data in, plain data out, no Django."""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, Self
from urllib.parse import quote, quote_plus

DEFAULT_PORTS: dict[str, int] = {"postgresql": 5432, "mysql": 3306}
REDACTED = "***"
#: Option keys whose values are secrets (``sslpassword``, ``ssl_key``…): stored encrypted,
#: never shown, scrubbed from messages.
SECRET_OPTION = re.compile(r"pass|secret|token|key|cred|private|auth", re.IGNORECASE)
#: Option values must be plain scalars (a driver gets them as text).
SCALARS = (str, int, float, bool)


def is_secret_option(key: str) -> bool:
    """Is ``key`` a secret-like connection option (password, secret, token, key, credential…)?"""
    return bool(SECRET_OPTION.search(str(key)))


class ErrorCode(enum.StrEnum):
    """What kind of failure a :class:`ConnectorError` reports."""

    AUTH_FAILED = "auth_failed"
    HOST_UNREACHABLE = "host_unreachable"
    DATABASE_MISSING = "database_missing"
    TIMEOUT = "timeout"
    PERMISSION_DENIED = "permission_denied"
    OBJECT_MISSING = "object_missing"  # a schema, table, view or column vanished
    DRIVER_ERROR = "driver_error"
    INVALID_CONFIG = "invalid_config"


def scrub(text: str, *secrets: str) -> str:
    """``text`` with every secret, raw or in a URL/DSN-escaped form, replaced by ``***``."""
    for secret in secrets:
        if not secret:
            continue
        forms = {
            secret,
            quote(secret, safe=""),
            quote(secret),
            quote_plus(secret),
            secret.replace("\\", "\\\\").replace("'", "\\'"),  # libpq conninfo escaping
        }
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, REDACTED)
    return text


class FileAccessLike(Protocol):
    """What a connector asks of :class:`~.files.FileAccess` (kept here to avoid a cycle)."""

    def resolve(self, path: str) -> str: ...

    def check_identity(self, real: str, shown: str) -> None: ...

    def check_not_protected(self, path: str) -> None: ...


class ConnectorError(Exception):
    """A failure with a :class:`ErrorCode` and a plain-words message free of secrets.

    ``detail`` keeps the (scrubbed) driver message for logs.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        detail: str = "",
        secrets: Iterable[str] = (),
    ) -> None:
        hidden = tuple(s for s in secrets if s)
        self.code = ErrorCode(code)
        self.message = scrub(message, *hidden)
        self.detail = scrub(detail, *hidden)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ConnectorError({self.code.name}, {self.message!r})"

    def __reduce__(self) -> Any:
        return (_rebuild_error, (self.code.value, self.message, self.detail))


def _rebuild_error(code: str, message: str, detail: str) -> ConnectorError:
    return ConnectorError(ErrorCode(code), message, detail=detail)


@dataclass(frozen=True, repr=False)
class ConnectionParams:
    """Where and as whom to connect. ``repr`` never shows the password."""

    kind: str
    host: str = ""
    port: int | None = None
    database: str = ""
    username: str = ""
    password: str = ""
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    def __repr__(self) -> str:
        options = (
            {k: REDACTED if is_secret_option(k) else v for k, v in self.options.items()}
            if isinstance(self.options, dict)
            else self.options
        )
        return (
            f"ConnectionParams(kind={self.kind!r}, host={self.host!r}, port={self.port!r}, "
            f"database={self.database!r}, username={self.username!r}, "
            f"password={REDACTED if self.password else ''!r}, options={options!r})"
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """The password and the values of secret-like options (to scrub from messages)."""
        values = [self.password]
        if isinstance(self.options, dict):
            values += [str(v) for k, v in self.options.items() if is_secret_option(k)]
        return tuple(v for v in values if v)

    @property
    def where(self) -> str:
        """The target in words: ``host:port``, or the file path for SQLite."""
        if self.kind in ("sqlite", "files"):
            return self.database
        port = self.port or DEFAULT_PORTS.get(self.kind)
        host = self.host or "localhost"
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        return f"{host}:{port}" if port else host


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    data_type: str
    nullable: bool
    ordinal: int  # 1-based position in the table
    default: str | None = None
    comment: str | None = None


@dataclass
class TableInfo:
    schema: str
    name: str
    kind: Literal["table", "view"]
    columns: list[ColumnInfo]
    comment: str | None = None
    definition: str | None = None  # views only: the SELECT
    row_estimate: int | None = None  # tables only; None when the server has no estimate
    # An opaque token that changes whenever the table's data may have changed (tables only);
    # None when the engine cannot tell, and the table must then be sampled on every scan.
    data_version: str | None = None


@dataclass(frozen=True)
class KnownSchema:
    """What the caller stored for a table at a given ``data_version`` (its catalog row)."""

    columns: list[ColumnInfo]
    row_estimate: int | None = None
    comment: str | None = None


#: ``(schema, name, data_version) -> KnownSchema | None``: the stored schema of a table whose
#: data is unchanged since it was stored (``None``: unknown or changed; the table is read).
SchemaLookup = Callable[[str, str, str], KnownSchema | None]


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    server_version: str
    latency_ms: float


class Connector(ABC):
    """A read-only connection to one database; use as a context manager."""

    kind: ClassVar[str]
    options_allowed: ClassVar[frozenset[str]] = frozenset()  # driver options a source may set
    #: Stored schemas of unchanged tables, set by the caller (a scan, from the catalog). A
    #: connector whose schema reads are costly (files) takes a table's schema from it instead
    #: of reading it again; the others ignore it.
    known_schemas: SchemaLookup | None = None

    def __init__(
        self,
        params: ConnectionParams,
        *,
        connect_timeout: int = 10,
        statement_timeout: int = 30,
        file_access: FileAccessLike | None = None,
    ) -> None:
        for name, value in (
            ("connect_timeout", connect_timeout),
            ("statement_timeout", statement_timeout),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConnectorError(
                    ErrorCode.INVALID_CONFIG, f"{name} must be a whole number of seconds >= 1."
                )
        self.params = params
        self.connect_timeout = connect_timeout
        self.statement_timeout = statement_timeout
        # Where files may be read (SQLite databases, TLS key files); None: nowhere.
        self.file_access = file_access

    @classmethod
    def check_file_options(cls, options: dict[str, Any], access: FileAccessLike) -> None:
        """Refuse options naming files the connector may not read (none by default)."""
        return None

    @classmethod
    def check_options(cls, options: Any) -> None:
        """Refuse options that are not a flat object of scalar values with supported keys."""
        if not isinstance(options, dict):
            raise ConnectorError(
                ErrorCode.INVALID_CONFIG,
                'Options must be an object of names and values, e.g. {"sslmode": "require"}.',
            )
        nested = sorted(str(k) for k, v in options.items() if not isinstance(v, SCALARS))
        if nested:
            raise ConnectorError(
                ErrorCode.INVALID_CONFIG,
                f"Option value(s) of {', '.join(map(repr, nested))} must be text, a number or "
                "true/false (no lists, objects or null).",
            )
        unknown = sorted(str(k) for k in options if k not in cls.options_allowed)
        if unknown:
            allowed = ", ".join(sorted(cls.options_allowed)) or "none"
            raise ConnectorError(
                ErrorCode.INVALID_CONFIG,
                f"Unsupported option(s) {', '.join(map(repr, unknown))} for "
                f"{getattr(cls, 'kind', 'this kind')}; supported: {allowed}.",
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.params.where}>"

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the connector may be used again afterwards."""

    @abstractmethod
    def test_connection(self) -> ConnectionTestResult:
        """Connect and ask the server version; raises :class:`ConnectorError` on failure."""

    @abstractmethod
    def list_schemas(self) -> list[str]:
        """The non-system schemas this connection can see."""

    @abstractmethod
    def discover(
        self,
        schemas: Iterable[str] | None = None,
        include: Callable[[str, str], bool] | None = None,
    ) -> Iterator[TableInfo]:
        """Tables and views of ``schemas`` (default: :meth:`list_schemas`).

        ``include(schema, name)`` filters before any per-table work.
        """

    @abstractmethod
    def sample(
        self,
        schema: str,
        table: str,
        columns: list[str],
        limit: int,
        method: str = "top",
    ) -> dict[str, list[str | None]]:
        """At most ``limit`` values per column, as text, from one bounded query."""

    def invalid(self, reason: str) -> ConnectorError:
        """A refused request or setting (each connector says where it connects)."""
        return ConnectorError(ErrorCode.INVALID_CONFIG, f"Invalid request: {reason}.")

    def sample_request(
        self, columns: list[str], limit: int, method: str
    ) -> dict[str, list[str | None]]:
        """Check a :meth:`sample` request: its empty answer, one list per distinct column."""
        if method not in SAMPLE_METHODS:
            raise self.invalid(f"unknown sample method {method!r}; use 'top' or 'random'")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise self.invalid("the sample limit must be a whole number >= 0")
        return {c: [] for c in dict.fromkeys(columns)}


SAMPLE_METHODS = ("top", "random")


def to_text(value: Any) -> str | None:
    """A driver value as text: ``None`` stays ``None``, bytes become hex."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


_WS = re.compile(r"\s+")


def one_line(text: str, limit: int = 400) -> str:
    """Whitespace collapsed, cut to ``limit`` characters."""
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
