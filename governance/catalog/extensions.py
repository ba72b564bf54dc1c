"""What apps above the catalog add to its console pages, registered from their ``ready()``.

Other apps may import this module (never the catalog's ``admin``); see :mod:`pursight.registry`.

``asset_page_panels``
    Callables ``(request, obj) -> str | None`` rendered, in registration order, at the bottom of
    each asset page (``obj`` is a ``DataSource``, ``CatalogTable`` or ``CatalogColumn`` the user
    may view). A panel returns its HTML (safe: built with templates or ``format_html``) or
    ``None`` when it has nothing to show for this object or user. It goes through the
    permission gate for anything it reads (``permissions.restrict``), shows buttons only for
    what the user may do and changes state only by POST with the CSRF token. It runs a constant
    number of queries, whatever the size of the object. Scans add run history and schema
    changes, compliance the findings, Racine comments and activity. :func:`render_panel`
    renders a titled table in the pages' style.

``description_editors``
    Callables ``(request, obj) -> str | None`` that replace the read-only description of an
    asset page with an editor (Racine's live co-editing): the first that returns HTML is shown
    in the page's description section. The same rules as panels apply.

``search_providers``
    :class:`governance.catalog.search.SearchProvider` instances adding a type of result to the
    global search (compliance adds findings and rules; glossary terms and workspaces come the
    same way). The catalog's own providers (data sources, tables, columns) are built in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.http import HttpRequest
from django.template.loader import render_to_string

from pursight.registry import Registry

if TYPE_CHECKING:
    from .search import SearchProvider

AssetPanel = Callable[[HttpRequest, Model], "str | None"]

asset_page_panels: Registry[AssetPanel] = Registry("catalog asset page panels")
search_providers: Registry[SearchProvider] = Registry("global search providers")
description_editors: Registry[AssetPanel] = Registry("asset description editors")
# Extensions of the table and column admins (pursight.admin_extensions): the glossary adds its
# tag filter and "Add tags…" action.
table_admin: Registry[type] = Registry("table admin")
column_admin: Registry[type] = Registry("column admin")


def render_panel(
    title: str,
    *,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    empty: str = "Nothing yet.",
    more: tuple[str, str] | None = None,
    note: str = "",
    anchor: str = "",
) -> str:
    """A panel in the asset pages' style: a title, a table and an optional "more" link.

    Each cell is text (escaped), a ``(text, url)`` pair (a link) or safe HTML (``format_html``,
    ``render_to_string``). ``more`` is ``(text, url)``; ``note`` a line under the title.
    """
    return render_to_string(
        "catalog/panel.html",
        {
            "title": title,
            "headers": headers,
            "rows": [[_cell(c) for c in row] for row in rows],
            "empty": empty,
            "more": more,
            "note": note,
            "anchor": anchor,
        },
    )


def _cell(value: Any) -> dict[str, Any]:
    if isinstance(value, tuple) and len(value) == 2:
        return {"text": value[0], "url": value[1]}
    return {"text": "—" if value is None or value == "" else value, "url": ""}


def asset_url(kind: str, pk: Any) -> str:
    """The console page of a data source, table or column (``kind``: ``source``, ``table``,
    ``column``)."""
    from django.urls import reverse

    name = {
        "source": "admin:catalog_source_page",
        "table": "admin:catalog_catalogtable_page",
        "column": "admin:catalog_catalogcolumn_page",
    }[kind]
    return reverse(name, kwargs={"object_id": pk})


def render_home_table(
    title: str,
    *,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    empty: str = "Nothing yet.",
    link: tuple[str, str] | None = None,
    count: int | None = None,
    tiles: Sequence[dict[str, Any]] = (),
) -> str:
    """A home page panel (``pursight.admin.home_panels``) in the console's style: a title with
    an optional count and link, figures (``tiles``: dicts of ``count``, ``label``, ``url`` and
    an optional ``kind``), then a table; cells as in :func:`render_panel`."""
    return render_to_string(
        "catalog/home_table.html",
        {
            "title": title,
            "count": count,
            "link": link,
            "tiles": tiles,
            "headers": headers,
            "rows": [[_cell(c) for c in row] for row in rows],
            "empty": empty,
        },
    )
