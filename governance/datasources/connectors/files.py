"""Where file-based sources (SQLite) may be opened: inside configured roots, never PurSight's own
files. Plain data, no Django: the caller builds a :class:`FileAccess` from its settings.

A path is resolved (symbolic links followed, ``..`` removed) before it is compared, and the
file that is opened is the resolved one. The project's database files are refused by name and by
identity (device and inode), so a hard link to them is refused as well.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .base import ConnectorError, ErrorCode

ROOTS_SETTING = "PURSIGHT_FILE_SOURCE_ROOTS"
DISABLED = (
    "File-based data sources are disabled on this server: no directory is configured in "
    f"{ROOTS_SETTING}."
)
#: SQLite URI parameters (``mode=rwc``, ``vfs=``, ``cache=``…) and ``file:`` URIs.
URI_REFUSED = (
    "Give a plain file path: SQLite URIs ('file:…') and URL options ('?mode=…', 'vfs=…') "
    "are not accepted."
)


def _invalid(message: str) -> ConnectorError:
    return ConnectorError(ErrorCode.INVALID_CONFIG, message)


def not_allowed(path: str) -> str:
    """One message for a path outside the roots and a protected one: no oracle for either."""
    return (
        f"'{path}' is not inside a directory allowed for file-based data sources ({ROOTS_SETTING})."
    )


def within(path: str, directory: str) -> bool:
    """Is ``path`` ``directory`` or inside it (both resolved)?"""
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives (Windows)
        return False


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


@dataclass(frozen=True)
class FileAccess:
    """``roots``: directories whose files may be opened. ``protected_files``: never opened
    (the application's own database files). ``protected_dirs``: never opened below, except in
    ``exempt_dirs`` (a directory of generated sample data inside them). Every entry is an
    absolute, resolved path. The default (no roots) refuses every file."""

    roots: tuple[str, ...] = ()
    protected_files: tuple[str, ...] = ()
    protected_dirs: tuple[str, ...] = ()
    exempt_dirs: tuple[str, ...] = ()

    def check_syntax(self, path: str) -> None:
        """Refuse what is not a plain absolute file path (before anything is resolved)."""
        if not isinstance(path, str) or not path.strip():
            raise _invalid(
                "A file-based source needs the absolute path of a database file or directory."
            )
        if "\x00" in path:
            raise _invalid("The file path contains a NUL character.")
        if path.lower().startswith("file:") or any(c in path for c in "?#"):
            raise _invalid(URI_REFUSED)
        if path.startswith(":memory:") or not os.path.isabs(path):
            raise _invalid(
                "Give the absolute path of the database file (a relative path would depend on "
                "the working directory of each server process)."
            )

    def allows(self, real: str) -> bool:
        """May the resolved path ``real`` be opened?"""
        if real in self.protected_files:
            return False
        if not any(within(real, root) for root in self.roots):
            return False
        in_protected_dir = any(within(real, d) for d in self.protected_dirs)
        return not in_protected_dir or any(within(real, e) for e in self.exempt_dirs)

    def resolve(self, path: str) -> str:
        """The resolved path of ``path`` if it may be opened; INVALID_CONFIG otherwise.

        Nothing is said about whether the file exists unless it is allowed."""
        self.check_syntax(path)
        if not self.roots:
            raise _invalid(DISABLED)
        real = os.path.realpath(path)
        if not self.allows(real):
            raise _invalid(not_allowed(path))
        return real

    def check_identity(self, real: str, shown: str) -> None:
        """Refuse ``real`` if it is one of the protected files under another name (hard link)."""
        ident = _identity(real)
        if ident is None:
            return
        if any(_identity(f) == ident for f in self.protected_files):
            raise _invalid(not_allowed(shown))

    def check_not_protected(self, path: str) -> None:
        """For files a driver reads beside a network source (TLS certificates and keys): an
        absolute path outside PurSight's own files; no root is required."""
        self.check_syntax(path)
        real = os.path.realpath(path)
        protected = real in self.protected_files or any(
            within(real, d) for d in self.protected_dirs
        )
        if protected:
            raise _invalid(f"'{path}' cannot be used as a certificate or key file.")
        ident = _identity(real)
        if ident is not None and any(_identity(f) == ident for f in self.protected_files):
            raise _invalid(f"'{path}' cannot be used as a certificate or key file.")
