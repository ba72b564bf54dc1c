"""The connector interface: plain data in, plain data out, no Django."""

from __future__ import annotations

import enum
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus


class ErrorCode(str, enum.Enum):
    AUTH_FAILED = "auth_failed"
    HOST_UNREACHABLE = "host_unreachable"
    DATABASE_MISSING = "database_missing"
    TIMEOUT = "timeout"
    PERMISSION_DENIED = "permission_denied"
    OBJECT_MISSING = "object_missing"
    DRIVER_ERROR = "driver_error"
    INVALID_CONFIG = "invalid_config"


class ConnectorError(Exception):
    """A failure with a code saying which kind, and a message free of secrets."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ConnectionParams:
    kind: str
    host: str = ""
    port: int | None = None
    database: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        if self.kind == "sqlite":
            return self.database
        return f"{self.host}:{self.port}" if self.port else self.host


@dataclass
class ColumnInfo:
    name: str
    data_type: str
    nullable: bool
    ordinal: int
    default: str | None = None
    comment: str | None = None


@dataclass
class TableInfo:
    schema: str
    name: str
    kind: str  # "table" | "view"
    columns: list[ColumnInfo]
    comment: str | None = None
    definition: str | None = None
    row_estimate: int | None = None


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    server_version: str
    latency_ms: float


def scrub(text: str, secret: str) -> str:
    """Remove ``secret`` (and its URL-encoded forms) from ``text``."""
    if not secret:
        return text
    for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
        text = text.replace(form, "***")
    return text


class Connector(ABC):
    """A read-only connection to one database."""

    kind: ClassVar[str]

    def __init__(
        self, params: ConnectionParams, *, connect_timeout: int = 10, statement_timeout: int = 30
    ) -> None:
        self.params = params
        self.connect_timeout = connect_timeout
        self.statement_timeout = statement_timeout

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    def test_connection(self) -> ConnectionTestResult: ...

    @abstractmethod
    def list_schemas(self) -> list[str]: ...

    @abstractmethod
    def discover(
        self,
        schemas: Iterable[str] | None = None,
        include: Callable[[str, str], bool] | None = None,
    ) -> Iterator[TableInfo]: ...

    @abstractmethod
    def sample(
        self, schema: str, table: str, columns: list[str], limit: int, method: str = "top"
    ) -> dict[str, list[str | None]]: ...


def to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def timed(func: Callable[[], str]) -> ConnectionTestResult:
    start = time.perf_counter()
    version = func()
    return ConnectionTestResult(True, version, (time.perf_counter() - start) * 1000)


_WS = re.compile(r"\s+")


def one_line(text: str, limit: int = 300) -> str:
    return _WS.sub(" ", text).strip()[:limit]
