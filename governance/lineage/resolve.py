"""From the names an origin uses to catalog assets.

Every origin names datasets its own way: a view by ``schema.table`` inside its source, an
OpenLineage event by a namespace (``postgres://host:5432``) and ``database.schema.table``, a dbt
node by ``database``/``schema``/``alias``. All of them come down to a :class:`DatasetName`: a
server, a database, a schema and a table. A name is looked up in every data source that
points at that server and database (so an edge crosses sources when the names match) through
the catalog's unique qualified names (``<source id>/<schema>/<table>[/<column>]``), a constant
number of queries for a whole batch of names. Names are compared as stored, then without
regard to case (SQLite and MySQL on most systems do not distinguish it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.db.models.functions import Lower

from governance.catalog.models import CatalogColumn, CatalogTable, qualified
from governance.datasources.choices import DEFAULT_PORTS, SourceKind
from governance.datasources.models import DataSource

#: Kinds located by a file path rather than a host (SQLite, file sources).
FILE_KINDS = frozenset({SourceKind.SQLITE, "files"})

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
#: OpenLineage namespace schemes → data source kinds.
SCHEMES: dict[str, str] = {
    "postgres": SourceKind.POSTGRESQL,
    "postgresql": SourceKind.POSTGRESQL,
    "mysql": SourceKind.MYSQL,
    "mariadb": SourceKind.MYSQL,
    "sqlite": SourceKind.SQLITE,
    "file": SourceKind.SQLITE,
}


@dataclass(frozen=True)
class Server:
    """Where a database lives: ``kind`` and host/port, or the file path for SQLite."""

    kind: str
    host: str = ""
    port: int | None = None
    path: str = ""

    @classmethod
    def make(cls, kind: str, host: str = "", port: int | None = None, path: str = "") -> Server:
        if kind in FILE_KINDS:
            return cls(kind, path=_norm_path(path))
        host = (host or "localhost").strip().lower()
        if host in LOCAL_HOSTS:
            host = "localhost"
        return cls(kind, host=host, port=port or DEFAULT_PORTS.get(kind))


def _norm_path(path: str) -> str:
    return os.path.normpath(path) if path else ""


@dataclass(frozen=True)
class DatasetName:
    server: Server
    database: str  # PostgreSQL: the database; MySQL: unused (the schema is the database)
    schema: str
    table: str

    def __str__(self) -> str:
        where = self.server.path or f"{self.server.host}:{self.server.port}"
        parts = [p for p in (self.database, self.schema, self.table) if p]
        return f"{self.server.kind}://{where}/{'.'.join(parts)}"


@dataclass(frozen=True)
class TableHit:
    id: int
    datasource_id: int
    schema: str
    name: str


def server_of(source: DataSource) -> Server:
    return Server.make(source.kind, source.host, source.port, source.database)


def dataset_in(source: DataSource, schema: str, table: str, database: str = "") -> DatasetName:
    """A table named inside ``source`` (a view's reference, a dbt relation)."""
    if source.kind == SourceKind.POSTGRESQL:
        database = database or source.database
    elif source.kind in FILE_KINDS:
        database, schema = "", schema or "main"
    else:
        database = ""
    return DatasetName(server_of(source), database, schema, table)


class NameError_(ValueError):
    """An OpenLineage dataset name that does not fit its namespace."""


def openlineage_dataset(namespace: str, name: str) -> DatasetName | None:
    """The dataset an OpenLineage ``namespace``/``name`` pair names, per the OpenLineage naming
    conventions: ``postgres://host:port`` + ``database.schema.table``, ``mysql://host:port`` +
    ``database.table``, ``sqlite:///path`` (or ``file:///path``) + ``[schema.]table``.

    ``None`` for a namespace of another kind of system (its datasets are not in this catalog);
    :class:`NameError_` for a name without the parts its namespace requires."""
    parts = urlsplit(namespace)
    kind = SCHEMES.get(parts.scheme.lower())
    if kind is None:
        return None
    pieces = _split_name(name)
    if kind == SourceKind.SQLITE:
        path = unquote(parts.path or parts.netloc)
        if len(pieces) == 1:
            pieces = ["main", *pieces]
        if len(pieces) != 2:
            raise NameError_("expected [schema.]table for a SQLite dataset")
        return DatasetName(Server.make(kind, path=path), "", pieces[0], pieces[1])
    try:
        port = parts.port
    except ValueError:
        raise NameError_("the namespace's port is not a number") from None
    server = Server.make(kind, parts.hostname or "", port)
    if kind == SourceKind.POSTGRESQL:
        if len(pieces) != 3:
            raise NameError_("expected database.schema.table for a PostgreSQL dataset")
        return DatasetName(server, pieces[0], pieces[1], pieces[2])
    if len(pieces) != 2:
        raise NameError_("expected database.table for a MySQL dataset")
    return DatasetName(server, "", pieces[0], pieces[1])


def _split_name(name: str) -> list[str]:
    """``a.b."c.d"`` → ``[a, b, c.d]`` (double quotes or backticks protect dots)."""
    out, current, quote = [], [], ""
    for ch in name:
        if quote:
            if ch == quote:
                quote = ""
            else:
                current.append(ch)
        elif ch in '"`':
            quote = ch
        elif ch == ".":
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return out


class Resolver:
    """Resolves batches of dataset names to catalog tables, and columns of those tables.

    ``prefer`` is the data source a name is first looked up in (a view's own source); only
    live assets resolve. Queries: one for the candidate data sources (cached), one or two per
    batch of tables, one or two per batch of columns."""

    def __init__(self, *, prefer: DataSource | None = None) -> None:
        self.prefer = prefer
        self._sources: list[tuple[int, Server, str]] | None = None

    def _all_sources(self) -> list[tuple[int, Server, str]]:
        if self._sources is None:
            rows = DataSource.objects.order_by("pk").values_list(
                "pk", "kind", "host", "port", "database"
            )
            self._sources = [
                (pk, Server.make(kind, host, port, database), database)
                for pk, kind, host, port, database in rows
            ]
        return self._sources

    def candidates(self, name: DatasetName) -> list[int]:
        """Ids of the data sources ``name`` may live in, the preferred one first."""
        found = []
        for pk, server, database in self._all_sources():
            if server != name.server:
                continue
            if name.server.kind == SourceKind.POSTGRESQL and database != name.database:
                continue
            if name.server.kind == SourceKind.MYSQL and database not in ("", name.schema):
                continue
            found.append(pk)
        if self.prefer is not None and self.prefer.pk in found:
            found.remove(self.prefer.pk)
            found.insert(0, self.prefer.pk)
        return found

    def tables(self, names: Iterable[DatasetName]) -> dict[DatasetName, TableHit]:
        wanted: dict[str, list[tuple[int, DatasetName]]] = {}
        order: dict[DatasetName, list[str]] = {}
        for name in set(names):
            for rank, source_id in enumerate(self.candidates(name)):
                qn = qualified(source_id, name.schema, name.table)
                wanted.setdefault(qn, []).append((rank, name))
                order.setdefault(name, []).append(qn)
        if not wanted:
            return {}
        rows = {
            qn: TableHit(pk, ds, schema, table)
            for pk, qn, ds, schema, table in CatalogTable.objects.live()
            .filter(qualified_name__in=list(wanted))
            .values_list("pk", "qualified_name", "datasource_id", "schema__name", "name")
        }
        missing = [qn for qn in wanted if qn not in rows]
        if missing:
            lowered = {qn.lower(): qn for qn in missing}
            source_ids = sorted({int(qn.split("/", 1)[0]) for qn in missing})
            for pk, qn, ds, schema, table in (
                CatalogTable.objects.live()
                .filter(datasource_id__in=source_ids)
                .annotate(lqn=Lower("qualified_name"))
                .filter(lqn__in=list(lowered))
                .order_by("pk")
                .values_list("pk", "qualified_name", "datasource_id", "schema__name", "name")
            ):
                asked = lowered.get(qn.lower())
                if asked is not None and asked not in rows:
                    rows[asked] = TableHit(pk, ds, schema, table)
        out: dict[DatasetName, TableHit] = {}
        for name, qns in order.items():
            for qn in qns:
                if qn in rows:
                    out[name] = rows[qn]
                    break
        return out

    @staticmethod
    def columns(pairs: Iterable[tuple[TableHit, str]]) -> dict[tuple[int, str], int]:
        """``{(table id, column as asked): column id}`` for live columns of resolved tables."""
        wanted: dict[str, tuple[int, str]] = {}
        for hit, column in set(pairs):
            wanted[qualified(hit.datasource_id, hit.schema, hit.name, column)] = (hit.id, column)
        if not wanted:
            return {}
        out: dict[tuple[int, str], int] = {}
        for pk, qn in (
            CatalogColumn.objects.live()
            .filter(qualified_name__in=list(wanted))
            .values_list("pk", "qualified_name")
        ):
            out[wanted[qn]] = pk
        missing = {qn.lower(): key for qn, key in wanted.items() if key not in out}
        if missing:
            table_ids = sorted({key[0] for key in missing.values()})
            for pk, qn in (
                CatalogColumn.objects.live()
                .filter(table_id__in=table_ids)
                .annotate(lqn=Lower("qualified_name"))
                .filter(lqn__in=list(missing))
                .order_by("pk")
                .values_list("pk", "qualified_name")
            ):
                out.setdefault(missing[qn.lower()], pk)
        return out
