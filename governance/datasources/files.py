"""The file access policy of this server, built from the settings.

File-based sources (SQLite databases; directories or files of CSV, TSV, JSON lines and Parquet
read with DuckDB, whose every file, link target included, is checked too) are opened only inside
``PURSIGHT_FILE_SOURCE_ROOTS`` (none by default: no file-based source at all) and never inside
PurSight's own files: its database files (``DATABASES``), its var directory (``VAR_DIR``) and its
code (``BASE_DIR``), even when a root contains them. The one exception is ``PURSIGHT_DEMO_DIR``,
the directory that ``manage.py demo`` fills with a generated database; it is exempt from the var
and code directories (never from the database files) only when it lies strictly inside them and
holds none of them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings

from .connectors.files import FileAccess, within

log = logging.getLogger(__name__)

#: Files SQLite keeps beside a database.
SIDECARS = ("", "-wal", "-shm", "-journal")


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


def database_files() -> tuple[str, ...]:
    """PurSight's own SQLite database files (and their sidecars), resolved."""
    files: list[str] = []
    for conf in settings.DATABASES.values():
        name = str(conf.get("NAME") or "")
        test_name = str((conf.get("TEST") or {}).get("NAME") or "")
        for candidate in (name, test_name):
            if not candidate or candidate.startswith(("file:", ":memory:")):
                continue
            real = _real(candidate)
            files.extend(real + suffix for suffix in SIDECARS)
    return tuple(dict.fromkeys(files))


def protected_dirs() -> tuple[str, ...]:
    return tuple(dict.fromkeys(_real(d) for d in (settings.VAR_DIR, settings.BASE_DIR)))


def demo_dir() -> str:
    return _real(settings.PURSIGHT_DEMO_DIR)


def roots() -> tuple[str, ...]:
    """The configured roots, resolved; a relative entry is ignored (it would depend on the
    working directory of each process) with a warning."""
    found: list[str] = []
    for root in settings.PURSIGHT_FILE_SOURCE_ROOTS or ():
        root = str(root).strip()
        if not root:
            continue
        if not os.path.isabs(root):
            log.warning("datasources.file_root_ignored reason=relative root=%s", root)
            continue
        found.append(_real(root))
    return tuple(dict.fromkeys(found))


def _exempt(protected_files: tuple[str, ...], dirs: tuple[str, ...]) -> tuple[str, ...]:
    demo = demo_dir()
    strictly_inside = any(within(demo, d) and demo != d for d in dirs)
    holds_protected = any(within(d, demo) for d in dirs) or any(
        within(f, demo) for f in protected_files
    )
    return (demo,) if strictly_inside and not holds_protected else ()


def file_access() -> FileAccess:
    """The policy for connectors and for validation on save (read from the settings each time,
    so that tests and reconfigured processes see the current values)."""
    files = database_files()
    dirs = protected_dirs()
    return FileAccess(
        roots=roots(),
        protected_files=files,
        protected_dirs=dirs,
        exempt_dirs=_exempt(files, dirs),
    )


def demo_root_allowed() -> bool:
    """Is the demo directory usable as a file source root on this server?"""
    probe = str(Path(demo_dir()) / "probe.sqlite")
    return file_access().allows(probe)
