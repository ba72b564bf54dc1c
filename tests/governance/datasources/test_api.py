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


def test_a_hidden_collection_answers_like_a_missing_one(setup):
    """A collection the user cannot see: the same 400 as an id that does not exist, no name."""
    client = client_for(setup["steward"])

    def create(collection_id):
        return client.post(
            "/api/v1/datasources/",
            {"name": "x", "kind": "sqlite", "database": "/tmp/x.db", "collection": collection_id},
            format="json",
        )

    hidden, missing = create(setup["hr"].pk), create(999999)
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["collection"] == [
        f'Invalid pk "{setup["hr"].pk}" - object does not exist.'
    ]
    assert missing.json()["collection"] == ['Invalid pk "999999" - object does not exist.']
    assert "HR" not in hidden.content.decode()
    assert not DataSource.objects.filter(name="x").exists()


def test_a_visible_collection_without_the_right_is_403_without_its_name(setup, grant):
    grant(setup["steward"], "view_catalog", setup["hr"])  # sees HR, may not manage sources there
    response = client_for(setup["steward"]).post(
        "/api/v1/datasources/",
        {
            "name": "x",
            "kind": "postgresql",
            "host": "db",
            "database": "x",
            "collection": setup["hr"].pk,
        },
        format="json",
    )
    assert response.status_code == 403
    assert "HR" not in response.content.decode()
    assert not DataSource.objects.filter(name="x").exists()


def test_the_service_answers_a_hidden_collection_like_a_missing_one(setup):
    """Behind the API's own field check, the service says the same (admin, scripts)."""
    from django.core.exceptions import ValidationError

    from governance.datasources import services

    with pytest.raises(ValidationError) as info:
        services.register_datasource(
            actor=setup["steward"],
            name="payroll",  # also the name of HR's hidden source: no "already exists"
            kind="postgresql",
            host="db",
            database="x",
            collection=setup["hr"],
        )
    assert info.value.message_dict == {
        "collection": [f'Invalid pk "{setup["hr"].pk}" - object does not exist.']
    }


def test_moving_a_source_out_of_reach_is_refused(setup):
    client = client_for(setup["steward"])
    response = client.patch(
        f"/api/v1/datasources/{setup['source'].pk}/", {"collection": setup["hr"].pk}, format="json"
    )
    assert response.status_code == 400 and "does not exist" in str(response.json()["collection"])
    setup["source"].refresh_from_db()
    assert setup["source"].collection_id == setup["finance"].pk


def test_names_are_unique_per_collection_and_hidden_names_are_not_revealed(setup):
    """``payroll`` exists in the hidden HR collection: the name is free in Finance."""
    client = client_for(setup["steward"])
    body = {"name": "payroll", "kind": "postgresql", "host": "db", "database": "p"}
    created = client.post(
        "/api/v1/datasources/", {**body, "collection": setup["finance"].pk}, format="json"
    )
    assert created.status_code == 201, created.content
    again = client.post(
        "/api/v1/datasources/", {**body, "collection": setup["finance"].pk}, format="json"
    )
    assert again.status_code == 400 and "already exists" in again.content.decode()
    renamed = client.patch(
        f"/api/v1/datasources/{setup['source'].pk}/", {"name": "payroll"}, format="json"
    )
    assert renamed.status_code == 400 and "already exists" in renamed.content.decode()
    assert DataSource.objects.filter(name="payroll").count() == 2


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


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"port": 70000}, "port", "less than or equal to 65535"),
        ({"port": 0}, "port", "greater than or equal to 1"),
        ({"options": ["sslmode", "require"]}, "options", "object of names and values"),
        ({"options": {"sslmode": {"nested": 1}}}, "options", "text, a number or true/false"),
        ({"options": {"sslmode": ["a"]}}, "options", "text, a number or true/false"),
        ({"options": {"sslmode": None}}, "options", "no lists, objects or null"),
        ({"options": {"options": "-c x=1"}}, "options", "supported: application_name"),
        ({"options": {"sslrootcert": "relative.pem"}}, "options", "absolute path"),
        ({"host": ""}, "host", "A host is required"),
        ({"host": "db server"}, "host", "no spaces"),
        ({"host": "postgres://db"}, "host", "no spaces, scheme or port"),
        ({"host": "db:5432"}, "host", "no spaces, scheme or port"),
    ],
)
def test_invalid_settings_are_refused_on_save(setup, change, field, words):
    client = client_for(setup["steward"])
    body = {
        "name": "pg",
        "kind": "postgresql",
        "host": "db",
        "database": "d",
        "collection": setup["finance"].pk,
    }
    response = client.post("/api/v1/datasources/", {**body, **change}, format="json")
    assert response.status_code == 400, response.content
    assert words in str(response.json()[field])
    assert not DataSource.objects.filter(name="pg").exists()
    source = client.post("/api/v1/datasources/", body, format="json").json()
    update = client.patch(f"/api/v1/datasources/{source['id']}/", change, format="json")
    assert update.status_code == 400 and words in str(update.json()[field])


@pytest.mark.parametrize("host", ["db", "db-1.internal.example.com", "10.0.0.7", "::1", "fe80::1"])
def test_valid_hosts_are_accepted(setup, host):
    client = client_for(setup["steward"])
    body = {"name": "pg", "kind": "postgresql", "host": host, "database": "d"}
    response = client.post(
        "/api/v1/datasources/", {**body, "collection": setup["finance"].pk}, format="json"
    )
    assert response.status_code == 201, response.content


def test_tls_files_cannot_point_at_pursight_own_files(setup, settings):
    from pathlib import Path

    for path in (Path(settings.VAR_DIR) / "dev-credentials-key", Path(settings.BASE_DIR) / "x"):
        response = client_for(setup["steward"]).post(
            "/api/v1/datasources/",
            {
                "name": "pg",
                "kind": "postgresql",
                "host": "db",
                "database": "d",
                "options": {"sslrootcert": str(path)},
                "collection": setup["finance"].pk,
            },
            format="json",
        )
        assert response.status_code == 400
        assert "cannot be used as a certificate" in str(response.json()["options"])


def test_invalid_kind_is_a_clear_error(setup):
    response = client_for(setup["steward"]).post(
        "/api/v1/datasources/",
        {"name": "z", "kind": "oracle", "database": "x", "collection": setup["finance"].pk},
        format="json",
    )
    assert response.status_code == 400 and "kind" in response.json()
