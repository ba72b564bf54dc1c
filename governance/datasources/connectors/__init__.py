"""Database connectors behind one interface, registered by kind. Free of Django."""

from . import duckdb_files, mysql, postgresql, sqlite  # noqa: F401  (importing registers them)
from .base import (
    ColumnInfo,
    ConnectionParams,
    ConnectionTestResult,
    Connector,
    ConnectorError,
    ErrorCode,
    KnownSchema,
    SchemaLookup,
    TableInfo,
)
from .registry import get_connector, kinds, register
from .urls import parse_url

__all__ = [
    "ColumnInfo",
    "ConnectionParams",
    "ConnectionTestResult",
    "Connector",
    "ConnectorError",
    "ErrorCode",
    "KnownSchema",
    "SchemaLookup",
    "TableInfo",
    "get_connector",
    "kinds",
    "parse_url",
    "register",
]
