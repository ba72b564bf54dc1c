"""Helpers of the workspace tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Team:
    a: Any
    b: Any
    src_a: Any
    src_b: Any
    owner: Any
    editor: Any
    viewer: Any
    outsider: Any
    root: Any
    ws: Any

    def table(self, source: Any, name: str = "customers") -> Any:
        from governance.catalog.models import CatalogTable

        return CatalogTable.objects.get(datasource=source, name=name)

    def column(self, source: Any, table: str = "customers", name: str = "email") -> Any:
        from governance.catalog.models import CatalogColumn

        return CatalogColumn.objects.get(datasource=source, table__name=table, name=name)


def reload(user: Any) -> Any:
    """A fresh user object (scopes are cached on the object, as for one request)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)
