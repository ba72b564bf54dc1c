from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def shop(make_collection, make_source, scan_source, shop_db) -> Any:
    """A scanned shop database in collection A; its catalog assets by name."""
    from governance.catalog.models import CatalogColumn, CatalogTable

    a = make_collection("A")
    source = make_source(shop_db, collection=a, name="shop")
    scan_source(source)
    tables = {t.name: t for t in CatalogTable.objects.filter(datasource=source)}
    columns = {
        f"{c.table.name}.{c.name}": c
        for c in CatalogColumn.objects.filter(datasource=source).select_related("table")
    }
    return type(
        "Shop", (), {"collection": a, "source": source, "tables": tables, "columns": columns}
    )


@pytest.fixture
def other(make_collection, make_source, scan_source, shop_db, tmp_path) -> Any:
    """The same database as another source, in collection B."""
    import shutil

    from governance.catalog.models import CatalogTable

    b = make_collection("B")
    path = tmp_path / "other.sqlite"
    shutil.copy(shop_db, path)
    source = make_source(path, collection=b, name="other")
    scan_source(source)
    tables = {t.name: t for t in CatalogTable.objects.filter(datasource=source)}
    return type("Other", (), {"collection": b, "source": source, "tables": tables})


@pytest.fixture
def tiers(db) -> Any:
    from governance.glossary import services
    from governance.glossary.models import Tag, TagSet

    tier = services.save_tag_set(actor=None, tag_set=TagSet(name="Tier", mutually_exclusive=True))
    domain = services.save_tag_set(actor=None, tag_set=TagSet(name="Domain"))
    tags = {}
    for tag_set, names in ((tier, ["Gold", "Silver"]), (domain, ["Finance", "Sales"])):
        for name in names:
            tag = services.save_tag(actor=None, tag=Tag(tag_set=tag_set, name=name))
            tags[str(tag)] = tag
    return tags
