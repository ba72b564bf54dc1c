"""Connectors by kind, and source URLs parsed into connection parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .base import ConnectionParams, Connector, ConnectorError, ErrorCode

_connectors: dict[str, type[Connector]] = {}

SCHEMES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mysql+pymysql": "mysql",
    "sqlite": "sqlite",
}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


def register(kind: str) -> Callable[[type[Connector]], type[Connector]]:
    def decorator(cls: type[Connector]) -> type[Connector]:
        cls.kind = kind
        _connectors[kind] = cls
        return cls

    return decorator


def kinds() -> list[str]:
    return sorted(_connectors)


def get_connector(params: ConnectionParams, **kwargs: Any) -> Connector:
    try:
        cls = _connectors[params.kind]
    except KeyError:
        raise ConnectorError(
            ErrorCode.INVALID_CONFIG,
            f"Unknown data source kind '{params.kind}'; known kinds: {', '.join(kinds())}.",
        ) from None
    return cls(params, **kwargs)


def parse_url(url: str) -> ConnectionParams:
    """``postgresql://user:pass@host:5432/db``, ``mysql://…``, ``sqlite:///path/to.db``."""
    url = (url or "").strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConnectorError(
            ErrorCode.INVALID_CONFIG,
            "Malformed URL: expected kind://user:password@host:port/database or sqlite:///path.",
        )
    kind = SCHEMES.get(scheme.lower())
    if kind is None:
        raise ConnectorError(
            ErrorCode.INVALID_CONFIG,
            f"Unknown URL scheme '{scheme}'; use one of: {', '.join(sorted(SCHEMES))}.",
        )
    if kind == "sqlite":
        path = unquote(rest[1:] if rest.startswith("/") else rest)
        if not path or path == "/":
            raise ConnectorError(
                ErrorCode.INVALID_CONFIG, "A sqlite URL needs a file path: sqlite:///path/to.db"
            )
        return ConnectionParams(kind="sqlite", database=path)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConnectorError(
            ErrorCode.INVALID_CONFIG, "Malformed URL: the port is not a number."
        ) from None
    if not parts.hostname:
        raise ConnectorError(ErrorCode.INVALID_CONFIG, "Malformed URL: a host is required.")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ConnectorError(
            ErrorCode.INVALID_CONFIG, "Malformed URL: a database name is required."
        )
    return ConnectionParams(
        kind=kind,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[kind],
        database=database,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        options=dict(parse_qsl(parts.query)),
    )
