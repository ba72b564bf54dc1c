"""Source URLs parsed into :class:`ConnectionParams`.

SQLite follows SQLAlchemy's convention: ``sqlite:///relative.db`` is relative to the working
directory, ``sqlite:////abs/path.db`` (four slashes) is absolute.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from .base import DEFAULT_PORTS, ConnectionParams, ConnectorError, ErrorCode

SCHEMES: dict[str, str] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\+[A-Za-z0-9_]+)?$")
_EXAMPLES = "postgresql://user:password@host:5432/db, mysql://user:password@host:3306/db or sqlite:///path.db"


def _invalid(message: str) -> ConnectorError:
    return ConnectorError(ErrorCode.INVALID_CONFIG, message)


def parse_url(url: str) -> ConnectionParams:
    """``postgresql://user:pass@host:5432/db``, ``mysql://…``, ``mariadb://…``, ``sqlite:///x.db``.

    User and password are percent-decoded; the query string becomes ``options``. Errors are
    INVALID_CONFIG and never quote the URL (it may hold the password).
    """
    url = (url or "").strip()
    scheme, sep, _rest = url.partition("://")
    if not sep or not scheme:
        raise _invalid(f"Malformed URL: expected a URL such as {_EXAMPLES}.")
    if not _SCHEME.match(scheme):
        raise _invalid(f"Malformed URL: the scheme is not valid; use one of {_EXAMPLES}.")
    kind = SCHEMES.get(scheme.split("+", 1)[0].lower())
    if kind is None:
        raise _invalid(
            f"Unknown URL scheme '{scheme}'; use postgresql://, mysql://, mariadb:// or sqlite://."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        raise _invalid(
            "Malformed URL: the host or port cannot be read (percent-encode special characters "
            "in the user name and password, and give the port as a number from 1 to 65535)."
        ) from None
    if parts.fragment:
        raise _invalid("Malformed URL: unexpected '#' (percent-encode it as %23 in a password).")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))

    if kind == "sqlite":
        if parts.netloc:
            raise _invalid(
                "Malformed SQLite URL: it has no host; use sqlite:///relative.db or "
                "sqlite:////absolute/path.db."
            )
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise _invalid("Malformed SQLite URL: a file path is required (sqlite:///path.db).")
        return ConnectionParams(kind="sqlite", database=path, options=options)

    if not hostname:
        raise _invalid("Malformed URL: a host is required (…://user:password@host:port/db).")
    if port == 0:
        raise _invalid("Malformed URL: the port must be a number from 1 to 65535.")
    database = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not database:
        raise _invalid("Malformed URL: a database name is required (…@host:port/database).")
    if "/" in database:
        raise _invalid("Malformed URL: the database name cannot contain '/'.")
    return ConnectionParams(
        kind=kind,
        host=hostname,
        port=port or DEFAULT_PORTS[kind],
        database=database,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        options=options,
    )
