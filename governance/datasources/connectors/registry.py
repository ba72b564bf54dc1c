"""Connector classes registered by kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from .base import ConnectionParams, Connector, ConnectorError, ErrorCode

_connectors: dict[str, type[Connector]] = {}
_aliases: dict[str, str] = {}


def register(
    kind: str, *, aliases: Iterable[str] = ()
) -> Callable[[type[Connector]], type[Connector]]:
    """Class decorator: make ``cls`` the connector for ``kind`` (and its ``aliases``)."""

    def decorator(cls: type[Connector]) -> type[Connector]:
        cls.kind = kind
        _connectors[kind] = cls
        for alias in aliases:
            _aliases[alias] = kind
        return cls

    return decorator


def kinds() -> list[str]:
    """The registered kinds, sorted."""
    return sorted(_connectors)


def connector_class(kind: str) -> type[Connector]:
    """The class for ``kind`` or one of its aliases; unknown kinds are INVALID_CONFIG."""
    name = _aliases.get(kind, kind)
    try:
        return _connectors[name]
    except KeyError:
        raise ConnectorError(
            ErrorCode.INVALID_CONFIG,
            f"Unknown data source kind '{kind}'; known kinds: {', '.join(kinds())}.",
        ) from None


def get_connector(params: ConnectionParams, **kwargs: Any) -> Connector:
    """A connector for ``params.kind``; ``kwargs`` are the timeouts."""
    cls = connector_class(params.kind)
    if params.kind != cls.kind:  # an alias such as "mariadb"
        params = replace(params, kind=cls.kind)
    return cls(params, **kwargs)
