"""Data source API: registration, write-only password, test action, scope (404/403)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.datasources.models import DataSource
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user, make_collection, grant, make_source, shop_db):
    finance = make_collection("Finance")
    hr = make_collection("HR")
    steward, reader = make_user("steward"), make_user("reader")
    grant(steward, "manage_datasources", finance)
    grant(steward, "view_catalog", finance)
    grant(reader, "view_catalog", finance)
    source = make_source(shop_db, collection=finance, name="shop")
    hidden = make_source(shop_db, collection=hr, name="payroll")
    return {
        "finance": finance,
        "hr": hr,
        "steward": steward,
        "reader": reader,
        "source": source,
        "hidden": hidden,
    }


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/datasources/").status_code in (401, 403)


def test_create_stores_password_encrypted_and_never_returns_it(setup):
    client = client_for(setup["steward"])
    response = client.post(
        "/api/v1/datasources/",
        {
            "name": "warehouse",
            "kind": "postgresql",
            "host": "db.internal",
            "database": "dw",
            "username": "reader",
            "password": "s3cr3t-pw",
            "collection": setup["finance"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body and body["has_password"] is True and body["port"] == 5432
    stored = DataSource.objects.get(name="warehouse")
    assert stored.password_encrypted and "s3cr3t-pw" not in stored.password_encrypted
    assert stored.get_password() == "s3cr3t-pw"
    detail = client.get(f"/api/v1/datasources/{stored.pk}/").content.decode()
    assert "s3cr3t-pw" not in detail and stored.password_encrypted not in detail
    events = AuditEvent.objects.filter(action="datasource.create", object_id=str(stored.pk))
    assert events.count() == 1 and "s3cr3t-pw" not in str(events[0].changes)
    # Updating without a password keeps it.
    client.patch(f"/api/v1/datasources/{stored.pk}/", {"description": "dw"}, format="json")
    stored.refresh_from_db()
    assert stored.get_password() == "s3cr3t-pw"


def test_create_in_a_collection_without_the_right_is_refused(setup):
    client = client_for(setup["steward"])
    response = client.post(
        "/api/v1/datasources/",
        {"name": "x", "kind": "sqlite", "database": "/tmp/x.db", "collection": setup["hr"].pk},
        format="json",
    )
    assert response.status_code == 403
    assert not DataSource.objects.filter(name="x").exists()


def test_moving_a_source_out_of_reach_is_refused(setup):
    client = client_for(setup["steward"])
    response = client.patch(
        f"/api/v1/datasources/{setup['source'].pk}/", {"collection": setup["hr"].pk}, format="json"
    )
    assert response.status_code == 403
    setup["source"].refresh_from_db()
    assert setup["source"].collection_id == setup["finance"].pk


def test_list_contains_only_visible_sources(setup):
    names = [
        s["name"] for s in client_for(setup["reader"]).get("/api/v1/datasources/").json()["results"]
    ]
    assert names == ["shop"]


def test_hidden_source_is_404_and_visible_without_right_is_403(setup):
    reader = client_for(setup["reader"])
    assert reader.get(f"/api/v1/datasources/{setup['hidden'].pk}/").status_code == 404
    assert reader.post(f"/api/v1/datasources/{setup['hidden'].pk}/test/").status_code == 404
    assert reader.post(f"/api/v1/datasources/{setup['source'].pk}/test/").status_code == 403
    assert (
        reader.patch(f"/api/v1/datasources/{setup['source'].pk}/", {"name": "y"}).status_code == 403
    )


def test_test_action_reports_success_and_failure(setup, tmp_path):
    client = client_for(setup["steward"])
    ok = client.post(f"/api/v1/datasources/{setup['source'].pk}/test/").json()
    assert ok["ok"] is True and "SQLite" in ok["server_version"]
    setup["source"].database = str(tmp_path / "missing.sqlite")
    setup["source"].save()
    failed = client.post(f"/api/v1/datasources/{setup['source'].pk}/test/").json()
    assert failed == {
        "ok": False,
        "code": "database_missing",
        "message": f"Database file '{tmp_path / 'missing.sqlite'}' does not exist.",
        "server_version": "",
        "latency_ms": None,
    }


def test_invalid_kind_is_a_clear_error(setup):
    response = client_for(setup["steward"]).post(
        "/api/v1/datasources/",
        {"name": "z", "kind": "oracle", "database": "x", "collection": setup["finance"].pk},
        format="json",
    )
    assert response.status_code == 400 and "kind" in response.json()
