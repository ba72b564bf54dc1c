"""Registries: how a higher layer extends a lower one without the lower one importing it.

The lower app owns a :class:`Registry` in one of its modules (never its ``admin``, ``api`` or
``tasks``, which other apps may not import) and iterates it where it offers the extension; the
higher app fills it in its ``AppConfig.ready()``::

    # governance/datasources/extensions.py (lower)
    datasource_admin: Registry[type] = Registry("data source admin")

    # governance/scans/apps.py (higher), in ScansConfig.ready()
    datasource_admin.register("scans", DataSourceScanActions)

Entries are named: registering a key again replaces its entry in place, so a second
``ready()`` (tests, reloads) adds nothing and the order stays the order of first registration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries, iterated in the order they were first registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[str, T] = {}

    def register(self, key: str, entry: T) -> T:
        """Add ``entry`` under ``key`` (replacing, in place, what the key held) and return it."""
        self._entries[key] = entry
        return entry

    def unregister(self, key: str) -> None:
        """Remove the entry under ``key``; a key that is not registered is ignored."""
        self._entries.pop(key, None)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __getitem__(self, key: str) -> T:
        return self._entries[key]

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self._entries) or 'empty'}>"
