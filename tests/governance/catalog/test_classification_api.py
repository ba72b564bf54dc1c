"""Classification API and admin: permissions, decisions, no raw values, constant queries."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.catalog.models import CatalogColumn, ColumnClassification

from .test_classification_scan import RAW, build_people

pytestmark = pytest.mark.django_db
API = "/api/v1/catalog/classifications/"


@pytest.fixture
def world(make_user, make_collection, grant, make_source, scan_source, tmp_path):
    sales, hr = make_collection("Sales"), make_collection("HR")
    curator, reader, outsider = make_user("curator"), make_user("reader"), make_user("outsider")
    grant(curator, "view_catalog", sales)
    grant(curator, "curate_catalog", sales)
    grant(reader, "view_catalog", sales)
    grant(outsider, "view_catalog", hr)
    source = make_source(build_people(tmp_path / "p.sqlite"), collection=sales, store_samples=True)
    scan_source(source)
    return {"curator": curator, "reader": reader, "outsider": outsider, "source": source}


def client_for(user) -> APIClient:
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    return client


def row(name: str) -> ColumnClassification:
    return ColumnClassification.objects.get(column__name=name, status="suggested")


def test_list_filters_and_no_raw_values(world):
    client = client_for(world["reader"])
    data = client.get(API).json()
    codes = {r["classification"] for r in data["results"]}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD_NUMBER"} <= codes
    text = json.dumps(data)
    for raw in RAW:
        assert raw not in text
    cards = client.get(API, {"classification": "CREDIT_CARD_NUMBER", "confidence_min": 0.5})
    assert [r["column_name"] for r in cards.json()["results"]] == ["card_number"]
    assert client.get(API, {"status": "accepted"}).json()["count"] == 0
    rollup = client.get(API + "rollup/").json()
    assert rollup[0]["sensitivity_label"] == "Highly Confidential"
    columns = client.get("/api/v1/catalog/columns/", {"name": "card_number"}).json()["results"]
    assert columns[0]["classifications"][0]["type"] == "CREDIT_CARD_NUMBER"
    assert columns[0]["profile"]["top_values"] == []
    tables = client.get("/api/v1/catalog/tables/", {"name": "people"}).json()["results"]
    assert tables[0]["sensitivity_label"] == "Highly Confidential"
    # out of scope: nothing listed, detail is 404
    outsider = client_for(world["outsider"])
    assert outsider.get(API).json()["count"] == 0
    assert outsider.get(f"{API}{row('card_number').pk}/").status_code == 404


def test_accept_reject_set_permissions(world):
    card, phone = row("card_number"), row("mobile")
    reader, curator = client_for(world["reader"]), client_for(world["curator"])
    outsider = client_for(world["outsider"])
    assert reader.post(f"{API}{card.pk}/accept/").status_code == 403
    assert outsider.post(f"{API}{card.pk}/accept/").status_code == 404
    response = curator.post(f"{API}{card.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert response.json()["decided_by"] == "curator"
    assert curator.post(f"{API}{phone.pk}/reject/").json()["status"] == "rejected"
    note = CatalogColumn.objects.get(name="note")
    payload = {"column": note.pk, "classification": "PERSON_NAME"}
    assert reader.post(API, payload, format="json").status_code == 403
    assert outsider.post(API, payload, format="json").status_code == 403
    created = curator.post(API, payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["source"] == "manual" and created.json()["status"] == "accepted"
    from pursight.core.models import AuditEvent

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "columnclassification.accept",
        "columnclassification.reject",
        "columnclassification.set",
    } <= actions


def test_constant_queries(world, make_source, scan_source, tmp_path):
    sales_source = world["source"]
    for k in range(3):
        make_source(build_people(tmp_path / f"more{k}.sqlite"), collection=sales_source.collection)
    for source in type(sales_source).objects.exclude(pk=sales_source.pk):
        scan_source(source)
    for url in (API, "/api/v1/catalog/columns/"):
        counts = []
        for size in (2, 12):
            client = client_for(world["reader"])
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, {"page_size": size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], (url, counts)


def test_admin_pages_and_actions(world, client):
    curator = world["curator"]
    client.force_login(curator)
    url = "/admin/catalog/columnclassification/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "CREDIT_CARD_NUMBER" in html or "Credit card number" in html
    for raw in RAW:
        assert raw not in html
    card = row("card_number")
    detail = client.get(f"{url}{card.pk}/change/")
    assert detail.status_code == 200
    for raw in RAW:
        assert raw not in detail.content.decode()
    column_page = client.get(f"/admin/catalog/catalogcolumn/{card.column_id}/change/")
    assert column_page.status_code == 200 and "Masked evidence" in column_page.content.decode()
    client.post(url, {"action": "accept_selected", "_selected_action": [card.pk]})
    assert ColumnClassification.objects.get(pk=card.pk).status == "accepted"
    table_id = card.column.table_id
    client.post(
        "/admin/catalog/catalogtable/",
        {"action": "accept_table_suggestions", "_selected_action": [table_id]},
    )
    assert not ColumnClassification.objects.filter(
        column__table_id=table_id, status="suggested"
    ).exists()
    # a reader sees the page but cannot decide
    client.force_login(world["reader"])
    other = ColumnClassification.objects.filter(column__table_id=table_id).first()
    client.post(url, {"action": "reject_selected", "_selected_action": [other.pk]})
    assert ColumnClassification.objects.get(pk=other.pk).status == "accepted"


def test_export_catalog_includes_classifications(world):
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    data = json.loads(out.getvalue())
    columns = {
        c["name"]: c
        for s in data["sources"]
        for sc in s["schemas"]
        for t in sc["tables"]
        for c in t["columns"]
    }
    card = columns["card_number"]["classifications"][0]
    assert card["type"] == "CREDIT_CARD_NUMBER" and card["label"] == "Highly Confidential"
    assert set(card) == {"type", "confidence", "status", "source", "label"}


def test_admin_overview_per_source_and_table(world, client, make_source, scan_source, tmp_path):
    client.force_login(world["curator"])
    url = "/admin/catalog/columnclassification/overview/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    source = world["source"]
    assert source.name in html and "Highly Confidential" in html
    assert "CREDIT_CARD_NUMBER" in html and "EMAIL_ADDRESS" in html
    for raw in RAW:
        assert raw not in html

    with CaptureQueriesContext(connection) as one:
        detail = client.get(url, {"datasource": source.pk})
    html = detail.content.decode()
    assert detail.status_code == 200 and "main.people" in html and "to review" in html
    assert f"?table={row('card_number').column.table_id}" in html

    # more tables, same number of queries
    db = build_people(tmp_path / "more.sqlite")
    con = sqlite3.connect(db)
    for k in range(4):
        con.execute(f"CREATE TABLE people_{k} AS SELECT * FROM people")
    con.commit()
    con.close()
    bigger = make_source(db, name="bigger", collection=source.collection)
    scan_source(bigger)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url, {"datasource": bigger.pk}).status_code == 200
    assert len(five.captured_queries) == len(one.captured_queries)

    # an outsider sees neither source
    client.force_login(world["outsider"])
    html = client.get(url).content.decode()
    assert source.name not in html and "bigger" not in html
