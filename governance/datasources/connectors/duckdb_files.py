"""File sources: a directory (or one file) of CSV, TSV, JSON lines and Parquet files, read in
process with DuckDB.

Layout. Every directory that holds data files is a *schema*, named by its path from the root
(the root's own name first: ``lake``, ``lake/sales``). A file is a table; files of one
directory whose names differ only in their digits (``sales_2024_01.csv``, ``sales_2024_02.csv``
→ ``sales_{N}_{N}.csv``) and a directory of Hive-style partitions
(``events/year=2024/month=01/part-0.parquet`` → ``events``, with ``year`` and ``month`` as
columns) are one table each, a *resource set* as Purview calls it, provided their members
have the same shape (a pattern group whose sampled members disagree is split into its files).
Hidden entries (``.x``, ``_SUCCESS``, ``_delta_log``) are skipped.

Bounds. The schema of a resource set is read from up to :data:`SHAPE_FILES` of its members and
its sample from up to ``sample_files`` of them (``LIMIT`` or a reservoir sample); DuckDB runs
in memory with one thread, a memory limit, no temporary files, no extension downloads, and file
access confined to the source's directory (its own ``allowed_directories``, besides the
:class:`~.files.FileAccess` check of every path). Nothing is ever written into the directory.

Bad files. A file DuckDB cannot read (a truncated Parquet file, a CSV file with an unterminated
quote, binary junk, invalid UTF-8) is reported in :attr:`DuckDBFilesConnector.problems`, one line
per file, and left out: it never stops discovery or sampling of the others.

Rescans. A table's ``data_version`` is a digest of its members' paths, sizes and modification
times, so an unchanged table is not sampled again (see the scans' tokens); its schema is kept in
a per-process cache under the same digest, so an unchanged file is not even opened again. In a
new process the caller may hand over what it stored last time (:attr:`DuckDBFilesConnector.
known_schemas`, which scans fill from the catalog): a table whose digest it vouches for takes
its stored columns, row estimate and comment, and none of its files is opened. Unreadable
members of such a table were reported when it last changed and are not reported again.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

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
)
from .files import FileAccess, not_allowed
from .registry import register

#: Suffix → format. Compressed text files are read as they are (DuckDB decompresses them).
SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".tsv.gz": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
    ".parquet": "parquet",
    ".parq": "parquet",
}
FORMAT_LABELS = {"csv": "CSV", "tsv": "TSV", "jsonl": "JSON lines", "parquet": "Parquet"}
PARTITION_DIR = re.compile(r"^[^=]+=[^=]*$")
DIGITS = re.compile(r"\d+")
SHAPE_FILES = 3  # members of a resource set whose schemas are read and compared
SAMPLE_FILES = 8  # default: members of a resource set read for a sample
MAX_FILES = 200_000  # files listed per source; beyond, the rest is reported and skipped
HEAD_BYTES = 64 * 1024
MEMORY_LIMIT = "256MB"
CACHE_SIZE = 50_000
CSV_DELIMITERS = (",", ";", "|", "\t")
#: Schemas of unchanged tables, by (table key, data version): a rescan in the same process
#: opens no unchanged file. Bounded (least recently used out).
_schema_cache: OrderedDict[
    tuple[str, ...], tuple[list[ColumnInfo], tuple[str, ...], int | None]
] = OrderedDict()
_cache_lock = threading.Lock()


def file_format(name: str) -> str | None:
    """The format of a file by its name (``None``: not a data file)."""
    low = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if low.endswith(suffix):
            return SUFFIXES[suffix]
    return None


def hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def spread(items: list[Any], count: int) -> list[Any]:
    """Up to ``count`` items spread evenly over ``items`` (first and last included)."""
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[0]]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class DataFile:
    path: str  # resolved, absolute
    rel: str  # relative to the source's root, "/"-separated (what messages show)
    size: int
    mtime_ns: int


@dataclass
class FileTable:
    """One table: a file or a resource set of same-shaped files."""

    schema: str
    name: str
    fmt: str
    files: list[DataFile]
    hive: bool = False
    pattern: str = ""  # the name pattern or partition layout shown in the comment
    columns: list[ColumnInfo] = field(default_factory=list)
    row_estimate: int | None = None
    bad: dict[str, str] = field(default_factory=dict)  # rel → reason
    stored_comment: str | None = None  # the comment stored with a reused schema

    @property
    def data_version(self) -> str:
        digest = hashlib.sha256()
        digest.update(f"{self.fmt}|{self.hive}".encode())
        for f in self.files:
            digest.update(f"\x1f{f.rel}\x1e{f.size}\x1e{f.mtime_ns}".encode())
        return "files:" + digest.hexdigest()[:40]

    @property
    def good_files(self) -> list[DataFile]:
        return [f for f in self.files if f.rel not in self.bad]

    def comment(self) -> str:
        if self.stored_comment is not None:
            return self.stored_comment
        label = FORMAT_LABELS[self.fmt]
        good = self.good_files
        if len(self.files) == 1:
            return f"{label} file {self.files[0].rel}"
        how = "Hive partitions" if self.hive else "files named"
        skipped = (
            f"; {len(self.files) - len(good)} unreadable" if len(good) < len(self.files) else ""
        )
        return f"Resource set: {len(self.files)} {label} files ({how} {self.pattern}){skipped}"


@register("files")
class DuckDBFilesConnector(Connector):
    """A directory of data files as a read-only database (see the module's docstring)."""

    options_allowed = frozenset({"sample_files", "group_files"})

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
        #: One line per unreadable file or refused entry, for the scan's warnings.
        self.problems: list[str] = []
        #: Files opened by this connector (schemas read and samples taken): tests and benchmarks.
        self.files_opened = 0
        #: Tables whose schema was taken from :attr:`known_schemas` (no file opened).
        self.schemas_reused = 0
        self._con: duckdb.DuckDBPyConnection | None = None
        self._layout: dict[str, dict[str, FileTable]] | None = None
        self._root: str | None = None
        self._protected: frozenset[tuple[int, int]] | None = None
        self.validate()

    # --- settings ---------------------------------------------------------------------------
    def invalid(self, reason: str) -> ConnectorError:
        return ConnectorError(
            ErrorCode.INVALID_CONFIG,
            f"Invalid connection settings for {self.params.database or 'the file source'}: "
            f"{reason}.",
        )

    @property
    def access(self) -> FileAccessLike:
        return self.file_access or FileAccess()

    @classmethod
    def check_options(cls, options: Any) -> None:
        """Known keys with scalar values (the base check), and values in range."""
        super().check_options(options)
        cls.option_values(options)

    @staticmethod
    def option_values(options: dict[str, Any]) -> tuple[int, bool]:
        """``(sample_files, group_files)`` from the options; INVALID_CONFIG when out of range."""
        raw = options.get("sample_files", SAMPLE_FILES)
        try:
            sample_files = int(str(raw))
        except ValueError:
            sample_files = 0
        if isinstance(raw, bool) or not 1 <= sample_files <= 64:
            raise ConnectorError(
                ErrorCode.INVALID_CONFIG, "sample_files must be a whole number from 1 to 64."
            )
        group = str(options.get("group_files", "true")).strip().lower()
        if group not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise ConnectorError(ErrorCode.INVALID_CONFIG, "group_files must be true or false.")
        return sample_files, group in {"1", "true", "yes", "on"}

    def validate(self) -> None:
        try:
            self.check_options(self.params.options)
        except ConnectorError as exc:
            raise self.invalid(exc.message[:1].lower() + exc.message[1:].rstrip(".")) from None
        self.sample_files, self.group_files = self.option_values(self.params.options)
        if not self.params.database:
            raise self.invalid("a file source needs the absolute path of a directory or file")
        self.resolve()

    def resolve(self) -> str:
        """The source's resolved directory or file, confined to the allowed roots (checked again
        whenever the source is opened)."""
        return self.access.resolve(self.params.database)

    def check_path(self) -> str:
        """The settings checked as a registration needs them, without listing the tree: the
        path is allowed and exists, and a single file is a data file by its suffix. Returns
        the resolved path."""
        real = self.root()
        if os.path.isfile(real) and file_format(real) is None:
            raise self.invalid(
                "the file is not CSV, TSV, JSON lines or Parquet (by its name's suffix)"
            )
        return real

    def root(self) -> str:
        """The resolved path, which must exist (DATABASE_MISSING otherwise)."""
        real = self.resolve()
        self.access.check_identity(real, self.params.database)
        if not os.path.exists(real):
            raise ConnectorError(
                ErrorCode.DATABASE_MISSING,
                f"Directory or file '{self.params.database}' does not exist.",
            )
        if not (os.path.isdir(real) or os.path.isfile(real)):
            raise self.invalid(f"'{self.params.database}' is neither a directory nor a file")
        self._root = real
        return real

    # --- DuckDB -----------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB, bounded and confined to the source's directory."""
        if self._con is None:
            root = self._root or self.root()
            allowed = root if os.path.isdir(root) else os.path.dirname(root)
            try:
                con = duckdb.connect(
                    ":memory:",
                    config={
                        "threads": 1,
                        "memory_limit": MEMORY_LIMIT,
                        "temp_directory": "",
                        "autoinstall_known_extensions": False,
                        "autoload_known_extensions": False,
                    },
                )
                # Only the source's directory, then no more changes (in this order: DuckDB
                # refuses to widen the allowed directories once external access is off).
                con.execute(
                    "SET allowed_directories = $dirs", {"dirs": [allowed.rstrip(os.sep) + os.sep]}
                )
                con.execute("SET enable_external_access = false")
                con.execute("SET lock_configuration = true")
            except duckdb.Error as exc:
                raise ConnectorError(
                    ErrorCode.DRIVER_ERROR, f"DuckDB could not start ({one_line(str(exc))})."
                ) from None
            self._con = con
        return self._con

    def close(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            con.close()
        self._layout = None

    def _run(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """One bounded statement: interrupted after the statement timeout."""
        con = self.connection()
        timer = threading.Timer(self.statement_timeout, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            timer.cancel()

    def reader(self, table: FileTable) -> str:
        """The table function reading ``$files`` in ``table``'s format."""
        hive = ", hive_partitioning = true" if table.hive else ", hive_partitioning = false"
        if table.fmt == "parquet":
            return f"read_parquet($files{hive})"
        if table.fmt == "jsonl":
            return f"read_json($files, format = 'newline_delimited'{hive})"
        delim = "\t" if table.fmt == "tsv" else self._delimiter(table.good_files[0])
        # An explicit dialect: the sniffer would otherwise read a broken quote as data.
        return (
            f"read_csv($files, delim = '{delim}', quote = '\"', escape = '\"', "
            f"strict_mode = true{hive})"
        )

    @staticmethod
    def _head(path: str) -> bytes:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES)

    def _delimiter(self, file: DataFile) -> str:
        try:
            head = self._head(file.path)
        except OSError:
            return ","
        if head[:2] == b"\x1f\x8b":  # gzip: let the comma stand
            return ","
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
        counts = {d: first.count(d) for d in CSV_DELIMITERS}
        best = max(CSV_DELIMITERS, key=lambda d: counts[d])
        return best if counts[best] else ","

    def _precheck(self, file: DataFile, fmt: str) -> str | None:
        """A reason to refuse the file before DuckDB reads it (binary content in a text
        format, an empty file), or ``None``."""
        try:
            head = self._head(file.path)
        except OSError as exc:
            return f"cannot be read ({exc.strerror or type(exc).__name__})"
        if not head:
            return "is empty"
        if fmt != "parquet" and head[:2] != b"\x1f\x8b" and b"\x00" in head:
            return f"holds binary data, not {FORMAT_LABELS[fmt]} text"
        return None

    def _reason(self, exc: BaseException, files: Iterable[DataFile], fmt: str) -> str:
        """Why DuckDB could not read a file, in a line (paths shown relative to the root)."""
        if isinstance(exc, duckdb.InterruptException):
            return f"reading it was stopped by the {self.statement_timeout}s statement timeout"
        text = str(exc)
        if "sniffing file" in text:  # the explicit dialect found no consistent rows
            return (
                f"not readable as {FORMAT_LABELS[fmt]} (an unterminated quote, or rows with "
                "different numbers of fields)"
            )
        lines = [
            line
            for line in text.split("\n")
            if line.strip() and not line.startswith("LINE ") and not line.strip().startswith("^")
        ]
        message = one_line(" ".join(lines[:3]), 300)
        for f in files:
            message = message.replace(f.path, f.rel)
        for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
            message = message.removeprefix(prefix)
        return message.rstrip(". ")

    def _report(self, table: FileTable, file: DataFile, reason: str) -> None:
        if file.rel not in table.bad:
            table.bad[file.rel] = reason
            self.problems.append(f"{file.rel}: skipped, {reason}.")

    # --- layout -----------------------------------------------------------------------------
    def layout(self) -> dict[str, dict[str, FileTable]]:
        """Tables by schema and name (listed once per connector)."""
        if self._layout is None:
            self._layout = self._list(self._root or self.root())
        return self._layout

    def _entry(self, entry: os.DirEntry[str], rel: str) -> tuple[str, os.stat_result] | None:
        """The resolved path and status of a directory entry inside the roots, or ``None``
        (a link leaving them is reported)."""
        path = entry.path
        try:
            if entry.is_symlink():
                path = os.path.realpath(path)
                st = os.stat(path)
            else:
                st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            self.problems.append(f"{rel}: skipped, cannot be read ({exc.strerror}).")
            return None
        if not self._allowed(path, st):
            self.problems.append(f"{rel}: skipped, {not_allowed(entry.path)}")
            return None
        return path, st

    def _allowed(self, real: str, st: os.stat_result) -> bool:
        """May the resolved ``real`` be read: inside the roots, not one of PurSight's own files
        (by name, or by identity for a hard link)?"""
        allows = getattr(self.access, "allows", None)
        if allows is None or not allows(real):
            return False
        if self._protected is None:
            ids = set()
            for f in getattr(self.access, "protected_files", ()):
                try:
                    other = os.stat(f)
                except OSError:
                    continue
                ids.add((other.st_dev, other.st_ino))
            self._protected = frozenset(ids)
        return (st.st_dev, st.st_ino) not in self._protected

    def _list(self, root: str) -> dict[str, dict[str, FileTable]]:
        tables: dict[str, dict[str, FileTable]] = {}
        base = os.path.basename(root.rstrip(os.sep)) or "root"
        count = [0]

        def add(table: FileTable) -> None:
            names = tables.setdefault(table.schema, {})
            name, n = table.name, 2
            while name in names:  # e.g. a file literally named like another group's pattern
                name, n = f"{table.name} ({n})", n + 1
            table.name = name
            names[name] = table

        if os.path.isfile(root):
            fmt = file_format(root)
            if fmt is None:
                raise self.invalid(
                    "the file is not CSV, TSV, JSON lines or Parquet (by its name's suffix)"
                )
            st = os.stat(root)
            parent = os.path.basename(os.path.dirname(root)) or "root"
            add(FileTable(parent, base, fmt, [DataFile(root, base, st.st_size, st.st_mtime_ns)]))
            return tables

        def files_under(directory: str, rel: str) -> list[tuple[str, DataFile]]:
            """Every data file below a partition directory (for its Hive table)."""
            found: list[tuple[str, DataFile]] = []
            stack = [(directory, rel)]
            while stack:
                current, current_rel = stack.pop()
                try:
                    entries = sorted(os.scandir(current), key=lambda e: e.name)
                except OSError as exc:
                    self.problems.append(
                        f"{current_rel}: skipped, cannot be listed ({exc.strerror})."
                    )
                    continue
                for entry in entries:
                    if hidden(entry.name):
                        continue
                    entry_rel = f"{current_rel}/{entry.name}"
                    got = self._entry(entry, entry_rel)
                    if got is None:
                        continue
                    path, st = got
                    if stat.S_ISDIR(st.st_mode):
                        if not entry.is_symlink():
                            stack.append((path, entry_rel))
                        continue
                    fmt = file_format(entry.name)
                    if fmt is not None and stat.S_ISREG(st.st_mode) and take():
                        found.append((fmt, DataFile(path, entry_rel, st.st_size, st.st_mtime_ns)))
            return sorted(found, key=lambda item: item[1].rel)

        def take() -> bool:
            count[0] += 1
            if count[0] == MAX_FILES + 1:
                self.problems.append(f"More than {MAX_FILES} data files: the rest were not listed.")
            return count[0] <= MAX_FILES

        stack: list[tuple[str, str, str]] = [(root, "", base)]  # (path, rel, schema)
        while stack:
            directory, rel, schema = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                self.problems.append(f"{rel or '.'}: skipped, cannot be listed ({exc.strerror}).")
                continue
            loose: dict[tuple[str, str], list[DataFile]] = {}
            partitions: list[tuple[str, str]] = []
            for entry in entries:
                if hidden(entry.name):
                    continue
                entry_rel = f"{rel}/{entry.name}" if rel else entry.name
                got = self._entry(entry, entry_rel)
                if got is None:
                    continue
                path, st = got
                if stat.S_ISDIR(st.st_mode):
                    if entry.is_symlink():
                        continue  # links to directories are not followed (no cycles)
                    if PARTITION_DIR.match(entry.name):
                        partitions.append((path, entry_rel))
                    else:
                        stack.append((path, entry_rel, f"{schema}/{entry.name}"))
                    continue
                fmt = file_format(entry.name)
                if fmt is None or not stat.S_ISREG(st.st_mode) or not take():
                    continue
                key = DIGITS.sub("{N}", entry.name) if self.group_files else entry.name
                loose.setdefault((key, fmt), []).append(
                    DataFile(path, entry_rel, st.st_size, st.st_mtime_ns)
                )
            if partitions:
                by_format: dict[str, list[DataFile]] = {}
                for path, part_rel in partitions:
                    for fmt, f in files_under(path, part_rel):
                        by_format.setdefault(fmt, []).append(f)
                parent = schema.rsplit("/", 1)[0] if "/" in schema else schema
                name = os.path.basename(directory) if rel else base
                keys = sorted(
                    {p.split("=", 1)[0] for p in (os.path.basename(x) for x, _ in partitions)}
                )
                for fmt, members in sorted(by_format.items()):
                    label = name if len(by_format) == 1 else f"{name}.{fmt}"
                    layout = "/".join(f"{k}=*" for k in keys)
                    add(
                        FileTable(
                            parent, label, fmt, members, hive=True, pattern=f"{name}/{layout}/…"
                        )
                    )
            for (key, fmt), members in sorted(loose.items()):
                if len(members) == 1:
                    f = members[0]
                    add(FileTable(schema, os.path.basename(f.rel), fmt, members))
                else:
                    add(FileTable(schema, key, fmt, members, pattern=key))
        return tables

    # --- the connector interface -------------------------------------------------------------
    def test_connection(self) -> ConnectionTestResult:
        start = time.perf_counter()
        root = self.root()
        try:
            self._run("SELECT 1", {})
        except duckdb.Error as exc:
            raise ConnectorError(
                ErrorCode.DRIVER_ERROR, f"DuckDB failed ({one_line(str(exc))})."
            ) from None
        kind = "directory" if os.path.isdir(root) else "file"
        latency = (time.perf_counter() - start) * 1000
        return ConnectionTestResult(
            ok=True, server_version=f"DuckDB {duckdb.__version__}, {kind}", latency_ms=latency
        )

    def list_schemas(self) -> list[str]:
        return sorted(self.layout())

    def discover(
        self,
        schemas: Iterable[str] | None = None,
        include: Callable[[str, str], bool] | None = None,
    ) -> Iterator[TableInfo]:
        layout = self.layout()
        wanted = sorted(layout) if schemas is None else list(schemas)
        for schema in wanted:
            for name in sorted(layout.get(schema, {})):
                if include is not None and not include(schema, name):
                    continue
                for table in self._shaped(layout[schema].pop(name)):
                    layout[schema][table.name] = table
                    if not table.columns:
                        continue
                    yield TableInfo(
                        schema=table.schema,
                        name=table.name,
                        kind="table",
                        columns=table.columns,
                        comment=table.comment(),
                        row_estimate=table.row_estimate,
                        data_version=table.data_version,
                    )

    def _cache_key(self, table: FileTable) -> tuple[str, ...]:
        return (self._root or "", table.schema, table.name, table.data_version)

    def _shaped(self, table: FileTable) -> list[FileTable]:
        """``table`` with its columns read (or a pattern group split into its files when its
        members differ in shape); unreadable members are reported and left out."""
        key = self._cache_key(table)
        with _cache_lock:
            cached = _schema_cache.get(key)
            if cached is not None:
                _schema_cache.move_to_end(key)
        if cached is not None:
            table.columns, bad, table.row_estimate = cached
            for line in bad:
                rel, _, reason = line.partition("\x1f")
                table.bad[rel] = reason
                self.problems.append(f"{rel}: skipped, {reason}.")
            return [table]
        if self._reuse(table):
            return [table]
        shapes: list[tuple[DataFile, list[ColumnInfo]]] = []
        candidates = list(table.files)
        while candidates and len(shapes) < SHAPE_FILES:
            wanted = SHAPE_FILES - len(shapes)
            for f in spread(candidates, wanted):
                candidates.remove(f)
                columns = self._describe(table, f)
                if columns is not None:
                    shapes.append((f, columns))
        split = (
            not table.hive
            and len(shapes) > 1
            and any(
                [(c.name, c.data_type) for c in cols]
                != [(c.name, c.data_type) for c in shapes[0][1]]
                for _, cols in shapes
            )
        )
        if split:
            parts = []
            for f in table.files:
                if f.rel in table.bad:
                    continue
                part = FileTable(table.schema, os.path.basename(f.rel), table.fmt, [f])
                parts.extend(self._shaped(part))
            return parts
        if shapes:
            table.columns = shapes[0][1]
            table.row_estimate = self._row_estimate(table)
        self._remember(table)
        return [table]

    def _reuse(self, table: FileTable) -> bool:
        """Take ``table``'s schema from :attr:`known_schemas` when it vouches for its files.
        Not put in the process cache: the caller may have stored only some columns."""
        if self.known_schemas is None:
            return False
        known = self.known_schemas(table.schema, table.name, table.data_version)
        if known is None or not known.columns:
            return False
        table.columns = list(known.columns)
        table.row_estimate = known.row_estimate
        table.stored_comment = known.comment
        self.schemas_reused += 1
        return True

    def _remember(self, table: FileTable) -> None:
        key = self._cache_key(table)
        bad = tuple(f"{rel}\x1f{reason}" for rel, reason in table.bad.items())
        with _cache_lock:
            _schema_cache[key] = (list(table.columns), bad, table.row_estimate)
            _schema_cache.move_to_end(key)
            while len(_schema_cache) > CACHE_SIZE:
                _schema_cache.popitem(last=False)

    def _describe(self, table: FileTable, file: DataFile) -> list[ColumnInfo] | None:
        reason = self._precheck(file, table.fmt)
        if reason is None:
            self.files_opened += 1
            try:
                rows = self._run(
                    f"DESCRIBE SELECT * FROM {self.reader(table)}", {"files": [file.path]}
                )
            except duckdb.Error as exc:
                reason = self._reason(exc, [file], table.fmt)
            else:
                if rows:
                    return [
                        ColumnInfo(
                            name=str(row[0]),
                            data_type=str(row[1]),
                            nullable=str(row[2]).upper() != "NO",
                            ordinal=i,
                        )
                        for i, row in enumerate(rows, start=1)
                    ]
                reason = "has no columns"
        self._report(table, file, reason)
        return None

    def _row_estimate(self, table: FileTable) -> int | None:
        """Rows: from Parquet footers (up to 100 files, scaled by size); for text, the bytes
        per line of the first file's head."""
        good = table.good_files
        total = sum(f.size for f in good)
        if not good or not total:
            return 0 if good else None
        if table.fmt == "parquet":
            measured = spread(good, 100)
            try:
                rows = self._run(
                    "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata($files)",
                    {"files": [f.path for f in measured]},
                )
            except duckdb.Error:
                return None
            size = sum(f.size for f in measured) or 1
            return round(int(rows[0][0]) * total / size)
        try:
            head = self._head(good[0].path)
        except OSError:
            return None
        if head[:2] == b"\x1f\x8b" or not head.count(b"\n"):
            return None
        per_line = len(head) / head.count(b"\n")
        header = 1 if table.fmt in {"csv", "tsv"} else 0
        return max(0, round(total / per_line) - header * len(good))

    def _table(self, schema: str, name: str) -> FileTable:
        layout = self.layout()
        table = layout.get(schema, {}).get(name)
        if table is None:
            # Not discovered by this connector yet (a single table asked for by name).
            for part_schema, parts in list(layout.items()):
                for part_name in list(parts):
                    if part_schema == schema and (part_name == name or "{N}" in part_name):
                        for t in self._shaped(parts.pop(part_name)):
                            parts[t.name] = t
            table = layout.get(schema, {}).get(name)
        if table is None:
            raise ConnectorError(
                ErrorCode.OBJECT_MISSING,
                f"Table '{schema}.{name}' no longer exists in '{self.params.database}'.",
            )
        if not table.columns:
            for t in self._shaped(table):
                layout[schema][t.name] = t
        return table

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
        found = self._table(schema, table)
        known = {c.name for c in found.columns}
        missing = [c for c in columns if c not in known]
        if missing:
            raise ConnectorError(
                ErrorCode.OBJECT_MISSING,
                f"Table '{schema}.{table}' no longer exists, or lacks a requested column "
                f"({', '.join(missing)}).",
            )
        chosen = spread(found.good_files, self.sample_files)
        if not chosen:
            return values
        select = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR)" for c in columns)
        tail = (
            f" USING SAMPLE reservoir({int(limit)} ROWS) REPEATABLE (42)"
            if method == "random"
            else ""
        )
        rows: list[tuple[Any, ...]] = []
        try:
            self.files_opened += len(chosen)
            rows = self._run(
                f"SELECT {select} FROM {self.reader(found)}{tail} LIMIT {int(limit)}",
                {"files": [f.path for f in chosen]},
            )
        except duckdb.Error:
            # One of them is bad: read them one by one and skip the bad ones.
            rows = []
            for f in chosen:
                if len(rows) >= limit:
                    break
                reason = self._precheck(f, found.fmt)
                if reason is None:
                    try:
                        rows += self._run(
                            f"SELECT {select} FROM {self.reader(found)}{tail} "
                            f"LIMIT {int(limit - len(rows))}",
                            {"files": [f.path]},
                        )
                        continue
                    except duckdb.Error as exc:
                        reason = self._reason(exc, [f], found.fmt)
                self._report(found, f, reason)
        for row in rows[:limit]:
            for column, value in zip(columns, row, strict=True):
                values[column].append(value)
        return values
