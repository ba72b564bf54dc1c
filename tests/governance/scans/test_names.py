"""The sidebar and the pages call things by the same names (issue 12): a sidebar entry that
opens a list is named like the list's page, and scan pages say "data source"."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import resolve

pytestmark = pytest.mark.django_db
APPS = {"datasources", "scanrules", "scans", "compliance", "rbac"}


def _sidebar_lists() -> list[tuple[str, type]]:
    found = []
    for group in settings.UNFOLD["SIDEBAR"]["navigation"]:
        for item in group["items"]:
            match = resolve(str(item["link"]))
            name = match.url_name or ""
            if not name.endswith("_changelist"):
                continue  # a dashboard or an overview: a page of its own
            label, model = name.removesuffix("_changelist").split("_", 1)
            if label in APPS:
                found.append((item["title"], apps.get_model(label, model)))
    return found


def test_sidebar_entries_are_named_like_their_pages():
    lists = _sidebar_lists()
    assert len(lists) >= 10
    for title, model in lists:
        assert title == model._meta.verbose_name_plural.capitalize(), model


def test_scan_pages_say_data_source(client, make_user, make_source, shop_db, scan_source):
    run = scan_source(make_source(shop_db, name="shop"))
    client.force_login(make_user("root", superuser=True))
    for url in (
        f"/admin/scans/scanrun/{run.pk}/change/",
        "/admin/scans/scanrun/",
        "/admin/scans/scan/",
        "/admin/scans/schemachange/",
    ):
        page = client.get(url).content.decode()
        assert "Datasource" not in page and "datasource</" not in page.lower(), url
    page = client.get(f"/admin/scans/scanrun/{run.pk}/change/").content.decode()
    assert f"Scan run #{run.pk} (succeeded)" in page and "Data source" in page


def test_a_duplicate_scan_name_is_said_in_plain_words(client, make_user, make_source, shop_db):
    source = make_source(shop_db, name="shop")
    client.force_login(make_user("root", superuser=True))
    data = {
        "name": "Nightly",
        "datasource": source.pk,
        "description": "",
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
    }
    assert client.post("/admin/scans/scan/add/", data).status_code == 302
    page = client.post("/admin/scans/scan/add/", data).content.decode()
    assert "This data source already has a scan with this name; choose another name." in page
    assert "already exists" not in page
