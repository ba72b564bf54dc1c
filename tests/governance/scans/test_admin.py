"""The admin console: changelists in scope with constant queries, forms and actions via services."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.catalog.models import CatalogColumn
from governance.datasources.models import DataSource
from governance.scans.models import ScanRun

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/datasources/datasource/",
    "/admin/catalog/catalogschema/",
    "/admin/catalog/catalogtable/",
    "/admin/catalog/catalogcolumn/",
    "/admin/scans/scan/",
    "/admin/scans/scanrun/",
    "/admin/scans/schemachange/",
]


def _wide(path, tables):
    con = sqlite3.connect(path)
    for t in range(tables):
        con.execute(f"CREATE TABLE w{t} (a TEXT, b TEXT, c TEXT)")
    con.close()
    return path


@pytest.fixture
def world(make_user, make_collection, grant, make_source, scan_source, shop_db, tmp_path):
    sales, hr = make_collection("Sales"), make_collection("HR")
    steward = make_user("steward")
    grant(steward, "view_catalog", sales)
    grant(steward, "manage_datasources", sales)
    visible = make_source(_wide(tmp_path / "w.sqlite", 30), collection=sales, name="wide")
    hidden = make_source(shop_db, collection=hr, name="secret-hr")
    scan_source(visible)
    scan_source(hidden)
    return {"steward": steward, "visible": visible, "hidden": hidden, "sales": sales, "hr": hr}


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert "secret-hr" not in response.content.decode()  # no row or filter choice leaks it
    return len(ctx.captured_queries)


def test_changelists_show_only_scope_with_constant_queries(
    client, world, make_source, scan_source, tmp_path
):
    client.force_login(world["steward"])
    before = {url: _queries(client, url) for url in CHANGELISTS}
    more = make_source(_wide(tmp_path / "more.sqlite", 45), collection=world["sales"], name="more")
    scan_source(more)
    scan_source(more)
    after = {url: _queries(client, url) for url in CHANGELISTS}
    assert before == after


def test_changelist_query_count_does_not_grow_with_rows(
    client, world, make_source, scan_source, tmp_path
):
    client.force_login(world["steward"])
    url = "/admin/catalog/catalogcolumn/"
    con = sqlite3.connect(tmp_path / "one.sqlite")
    con.execute("CREATE TABLE one (a TEXT)")
    con.close()
    DataSource.objects.filter(pk=world["visible"].pk).delete()
    scan_source(make_source(tmp_path / "one.sqlite", collection=world["sales"], name="one"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    scan_source(
        make_source(_wide(tmp_path / "w2.sqlite", 40), collection=world["sales"], name="w2")
    )
    with CaptureQueriesContext(connection) as big:
        assert client.get(url).status_code == 200
    assert CatalogColumn.objects.exclude(datasource=world["hidden"]).count() == 121
    assert len(small.captured_queries) == len(big.captured_queries)


def test_hidden_object_change_view_redirects_and_visible_is_shown(client, world):
    client.force_login(world["steward"])
    hidden_col = CatalogColumn.objects.filter(datasource=world["hidden"]).first()
    response = client.get(f"/admin/catalog/catalogcolumn/{hidden_col.pk}/change/")
    assert response.status_code == 302  # "doesn't exist" for the user, like any missing object
    visible = CatalogColumn.objects.filter(datasource=world["visible"]).first()
    assert client.get(f"/admin/catalog/catalogcolumn/{visible.pk}/change/").status_code == 200


def test_search_uses_catalog_search(client, world):
    client.force_login(world["steward"])
    body = client.get("/admin/catalog/catalogtable/", {"q": "w1"}).content.decode()
    assert "w1" in body and "customers" not in body


def test_add_datasource_form_encrypts_and_hides_password(client, world):
    client.force_login(world["steward"])
    response = client.post(
        "/admin/datasources/datasource/add/",
        {
            "name": "crm",
            "kind": "postgresql",
            "host": "crm.internal",
            "port": "",
            "database": "crm",
            "username": "scanner",
            "password": "pa55-w0rd!",
            "options": "{}",
            "collection": world["sales"].pk,
            "retention_days": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = DataSource.objects.get(name="crm")
    assert source.get_password() == "pa55-w0rd!" and source.port == 5432
    page = client.get(f"/admin/datasources/datasource/{source.pk}/change/").content.decode()
    assert "pa55-w0rd!" not in page and source.password_encrypted not in page
    assert "Stored (encrypted)" in page


def test_add_form_offers_only_collections_in_reach(client, world):
    client.force_login(world["steward"])
    page = client.get("/admin/datasources/datasource/add/").content.decode()
    assert f'value="{world["sales"].pk}"' in page and ">HR<" not in page


def test_test_connection_and_scan_actions(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["steward"])
    source = world["visible"]
    response = client.post(
        f"/admin/datasources/datasource/{source.pk}/test-connection/", follow=True
    )
    assert "Connected in" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/datasources/datasource/",
            {"action": "scan_now", "_selected_action": [source.pk, world["hidden"].pk]},
            follow=True,
        )
    assert response.status_code == 200
    runs = ScanRun.objects.filter(requested_by=world["steward"])
    assert [r.datasource_id for r in runs] == [source.pk]  # the hidden source was not scanned
    assert runs[0].state == "succeeded"


def test_detail_action_on_hidden_source_is_404(client, world):
    client.force_login(world["steward"])
    response = client.get(f"/admin/datasources/datasource/{world['hidden'].pk}/test-connection/")
    assert response.status_code == 404


def test_cancel_button_only_on_runs_that_can_be_cancelled(client, world):
    from governance.scans import services

    client.force_login(world["steward"])
    finished = ScanRun.objects.filter(datasource=world["visible"]).get()
    page = client.get(f"/admin/scans/scanrun/{finished.pk}/change/").content.decode()
    assert "/cancel/" not in page  # a finished run offers no Cancel button
    scan = services.default_scan(actor=None, source=world["visible"])
    queued = services.start_scan(actor=None, scan=scan, enqueue=False)
    page = client.get(f"/admin/scans/scanrun/{queued.pk}/change/").content.decode()
    assert f"/admin/scans/scanrun/{queued.pk}/cancel/" in page
    client.get(f"/admin/scans/scanrun/{queued.pk}/cancel/", follow=True)  # asks to confirm
    assert ScanRun.objects.get(pk=queued.pk).state == "queued"
    client.post(f"/admin/scans/scanrun/{queued.pk}/cancel/", follow=True)
    assert ScanRun.objects.get(pk=queued.pk).state == "cancelled"
    # the scan's page lists its runs in the governed inline
    scan_page = client.get(f"/admin/scans/scan/{scan.pk}/change/").content.decode()
    assert f"/admin/scans/scanrun/{queued.pk}/change/" in scan_page
