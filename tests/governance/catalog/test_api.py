"""Catalog API: browsing, filters, full-text search, scope, constant query counts."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.catalog.models import CatalogColumn

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(make_user, make_collection, grant, make_source, scan_source, tmp_path, shop_db):
    sales, hr = make_collection("Sales"), make_collection("HR")
    reader = make_user("reader")
    grant(reader, "view_catalog", sales)
    wide = tmp_path / "wide.sqlite"
    con = sqlite3.connect(wide)
    for t in range(12):
        con.execute(f"CREATE TABLE customer_t{t} ({', '.join(f'c{i} TEXT' for i in range(10))})")
    con.close()
    scan_source(make_source(wide, collection=sales, name="wide"))
    scan_source(make_source(shop_db, collection=hr, name="hr-shop"))
    client = APIClient()
    client.force_authenticate(reader)
    return {"client": client, "reader": reader}


def test_columns_list_only_visible_and_constant_queries(catalog):
    from django.contrib.auth import get_user_model

    client = catalog["client"]
    counts = []
    for size in (5, 100):
        # A fresh user object per request, as in production: no scope cached across requests.
        client.force_authenticate(get_user_model().objects.get(pk=catalog["reader"].pk))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/catalog/columns/?page_size={size}")
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == size
        assert {r["datasource_name"] for r in results} == {"wide"}
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert response.json()["count"] == 120


def test_search_finds_by_name_words_and_hides_other_collections(catalog):
    client = catalog["client"]
    results = client.get("/api/v1/catalog/tables/?q=customer").json()["results"]
    assert len(results) == 12 and all(r["name"].startswith("customer_t") for r in results)
    # 'customers' lives in the hidden HR source: search must not reveal it.
    assert client.get("/api/v1/catalog/tables/?q=customers").json()["count"] == 0
    assert client.get("/api/v1/catalog/columns/?q=email").json()["count"] == 0


def test_filters_and_curation(catalog, grant, make_collection):
    client = catalog["client"]
    table = client.get("/api/v1/catalog/tables/?name=customer_t3").json()["results"][0]
    cols = client.get(f"/api/v1/catalog/columns/?table={table['id']}&ordering=ordinal").json()
    assert [c["name"] for c in cols["results"]] == [f"c{i}" for i in range(10)]
    col = cols["results"][0]
    assert col["profile"]["sample_size"] == 0 and col["schema_name"] == "main"
    # A reader may not curate.
    assert (
        client.patch(f"/api/v1/catalog/columns/{col['id']}/", {"description": "x"}).status_code
        == 403
    )
    hidden = CatalogColumn.objects.filter(datasource__name="hr-shop").first()
    assert client.get(f"/api/v1/catalog/columns/{hidden.pk}/").status_code == 404


def test_curator_edits_description(catalog, make_user, grant):
    from governance.rbac.models import Collection

    curator = make_user("curator")
    sales = Collection.objects.get(name="Sales")
    grant(curator, "view_catalog", sales)
    grant(curator, "curate_catalog", sales)
    client = APIClient()
    client.force_authenticate(curator)
    col = CatalogColumn.objects.filter(datasource__name="wide").first()
    response = client.patch(
        f"/api/v1/catalog/columns/{col.pk}/", {"description": "Customer e-mail", "name": "x"}
    )
    assert response.status_code == 200
    col.refresh_from_db()
    assert col.description == "Customer e-mail" and col.name != "x"
