"""``files://`` URLs of ``add_datasource``: a directory (or one file) of CSV, TSV, JSON lines
and Parquet files, with the file connector's options in the query string.

    files:///srv/lake                              the directory /srv/lake
    files:///srv/lake/orders.parquet               one file
    files:///srv/lake?sample_files=4&group_files=false

The path is absolute (three slashes) and percent-decoded (``%20`` for a space). The
settings are checked by the connector itself, as for the form and the API: the path must lie
inside ``PURSIGHT_FILE_SOURCE_ROOTS`` and exist, and the options must be known and in range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from governance.datasources.connectors import ConnectionParams, ConnectorError, ErrorCode
from governance.datasources.connectors.duckdb_files import DuckDBFilesConnector
from governance.datasources.files import file_access

SCHEME = "files"
EXAMPLE = "files:///absolute/path/to/directory?sample_files=8&group_files=true"


@dataclass(frozen=True)
class FilesSettings:
    """What ``register_datasource`` takes for a file source."""

    database: str
    options: dict[str, Any]


def _invalid(message: str) -> ConnectorError:
    return ConnectorError(ErrorCode.INVALID_CONFIG, message)


def is_files_url(url: str) -> bool:
    """A ``files://`` URL (or ``file://``, refused by :func:`parse_files_url` with a hint)."""
    scheme, sep, _ = (url or "").strip().partition("://")
    return bool(sep) and scheme.lower() in (SCHEME, "file")


def parse_files_url(url: str) -> FilesSettings:
    """The path and options of a ``files://`` URL, checked by the file connector (allowed
    roots, existence, options); a :class:`ConnectorError` says what is wrong."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() != SCHEME:
        raise _invalid(
            f"Unknown URL scheme '{parts.scheme}'; for a directory (or one file) of CSV, TSV, "
            f"JSON lines and Parquet files use {EXAMPLE}, for a SQLite database sqlite:///path."
        )
    if parts.netloc not in ("", "localhost"):
        raise _invalid(
            f"Malformed files URL: '{parts.netloc}' would be a host; give an absolute path "
            f"after three slashes, e.g. {EXAMPLE}."
        )
    if parts.fragment:
        raise _invalid("Malformed files URL: unexpected '#' (percent-encode it as %23).")
    path = unquote(parts.path)
    if not path or path == "/":
        raise _invalid(f"Malformed files URL: a directory or file path is required ({EXAMPLE}).")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise _invalid(f"Option(s) given more than once: {', '.join(map(repr, repeated))}.")
    raw = dict(pairs)
    # The connector's own checks: options known and in range, the path inside the roots and
    # not one of PurSight's files (INVALID_CONFIG), existing (DATABASE_MISSING).
    params = ConnectionParams(kind=SCHEME, database=path, options=raw)
    with DuckDBFilesConnector(params, file_access=file_access()) as connector:
        connector.check_path()
        sample_files, group_files = connector.option_values(raw)
    options: dict[str, Any] = {}
    if "sample_files" in raw:
        options["sample_files"] = sample_files
    if "group_files" in raw:
        options["group_files"] = group_files
    return FilesSettings(database=path, options=options)
