"""Secret-like connection options (sslpassword, keys, tokens…) are encrypted, write-only in the
API, and redacted in the admin, the audit trail and messages."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from governance.datasources import services
from governance.datasources.connectors import ConnectionParams, ConnectorError, ErrorCode
from governance.datasources.connectors.base import is_secret_option
from governance.datasources.models import DataSource
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db

OPT_SECRET = "opt-S3cret-value"


@pytest.fixture
def people(make_user, make_collection, grant):
    finance = make_collection("Finance")
    steward, reader = make_user("steward"), make_user("reader")
    grant(steward, "manage_datasources", finance)
    grant(steward, "view_catalog", finance)
    grant(reader, "view_catalog", finance)
    return {"finance": finance, "steward": steward, "reader": reader}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def create(people, **options):
    response = client_for(people["steward"]).post(
        "/api/v1/datasources/",
        {
            "name": "pg",
            "kind": "postgresql",
            "host": "db.internal",
            "database": "dw",
            "options": options,
            "collection": people["finance"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response


def everything_shown(people, source) -> str:
    """Every place a Data Reader or the steward can read the source."""
    texts = []
    for user in (people["reader"], people["steward"]):
        client = client_for(user)
        texts.append(client.get("/api/v1/datasources/").content.decode())
        texts.append(client.get(f"/api/v1/datasources/{source.pk}/").content.decode())
        texts.append(
            client.get(
                f"/api/v1/datasources/{source.pk}/", HTTP_ACCEPT="text/html"
            ).content.decode()
        )
    texts.append(json.dumps(list(AuditEvent.objects.values_list("changes", flat=True))))
    return "\n".join(texts)


def test_secret_like_keys() -> None:
    for key in ("sslpassword", "ssl_key", "sslkey", "api_token", "client_secret", "passphrase"):
        assert is_secret_option(key), key
    for key in ("sslmode", "sslrootcert", "application_name", "immutable", "ssl_ca"):
        assert not is_secret_option(key), key


def test_sslpassword_is_encrypted_write_only_and_never_shown(people, client) -> None:
    body = create(people, sslmode="require", sslpassword=OPT_SECRET).json()
    assert body["options"] == {"sslmode": "require"} and body["has_secret_options"] is True
    source = DataSource.objects.get(name="pg")
    assert source.options == {"sslmode": "require"}
    assert source.secret_options_encrypted and OPT_SECRET not in source.secret_options_encrypted
    assert source.get_secret_options() == {"sslpassword": OPT_SECRET}
    params = services.connection_params(source)
    assert params.options == {"sslmode": "require", "sslpassword": OPT_SECRET}
    assert OPT_SECRET not in repr(params)
    shown = everything_shown(people, source)
    assert OPT_SECRET not in shown and source.secret_options_encrypted not in shown
    for user in (people["reader"], people["steward"]):
        client.force_login(user)
        page = client.get(f"/admin/datasources/datasource/{source.pk}/change/").content.decode()
        assert OPT_SECRET not in page and source.secret_options_encrypted not in page
        assert "Secret options" in page


def test_updates_keep_change_and_remove_secret_options(people) -> None:
    create(people, sslmode="require", sslpassword=OPT_SECRET)
    source = DataSource.objects.get(name="pg")
    client = client_for(people["steward"])
    url = f"/api/v1/datasources/{source.pk}/"
    # Plain options replaced, the secret kept (it cannot be read back, so it is never resent).
    assert (
        client.patch(url, {"options": {"sslmode": "verify-full"}}, format="json").status_code == 200
    )
    source.refresh_from_db()
    assert source.options == {"sslmode": "verify-full"}
    assert source.get_secret_options() == {"sslpassword": OPT_SECRET}
    assert client.patch(url, {"description": "dw"}, format="json").status_code == 200
    source.refresh_from_db()
    assert source.get_secret_options() == {"sslpassword": OPT_SECRET}
    assert (
        client.patch(url, {"options": {"sslpassword": "other-S3cret"}}, format="json").status_code
        == 200
    )
    source.refresh_from_db()
    assert source.get_secret_options() == {"sslpassword": "other-S3cret"}
    update = AuditEvent.objects.filter(action="datasource.update").latest("id")
    assert "secret_options_encrypted" in update.changes
    assert "other-S3cret" not in json.dumps(update.changes)
    assert client.patch(url, {"options": {"sslpassword": ""}}, format="json").status_code == 200
    source.refresh_from_db()
    assert source.get_secret_options() == {} and source.secret_options_encrypted == ""
    assert client.get(url).json()["has_secret_options"] is False


def test_admin_form_stores_secret_options_encrypted(people, client) -> None:
    client.force_login(people["steward"])
    response = client.post(
        "/admin/datasources/datasource/add/",
        {
            "name": "crm",
            "kind": "postgresql",
            "host": "crm.internal",
            "database": "crm",
            "options": json.dumps({"sslmode": "require", "sslpassword": OPT_SECRET}),
            "collection": people["finance"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = DataSource.objects.get(name="crm")
    assert source.options == {"sslmode": "require"}
    assert source.get_secret_options() == {"sslpassword": OPT_SECRET}
    page = client.get(f"/admin/datasources/datasource/{source.pk}/change/").content.decode()
    assert OPT_SECRET not in page
    # Saving the form again (the secret is not in it) keeps the secret.
    response = client.post(
        f"/admin/datasources/datasource/{source.pk}/change/",
        {
            "name": "crm",
            "kind": "postgresql",
            "host": "crm.internal",
            "port": "5432",
            "database": "crm",
            "options": json.dumps({"sslmode": "disable"}),
            "collection": people["finance"].pk,
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.options == {"sslmode": "disable"}
    assert source.get_secret_options() == {"sslpassword": OPT_SECRET}
    assert OPT_SECRET not in json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_connector_messages_are_scrubbed_of_secret_options() -> None:
    params = ConnectionParams("postgresql", host="h", options={"sslpassword": OPT_SECRET})
    err = ConnectorError(ErrorCode.DRIVER_ERROR, f"bad {OPT_SECRET}", secrets=params.secrets)
    assert OPT_SECRET not in str(err) and OPT_SECRET not in repr(params)


def test_migration_moves_existing_secret_options_into_the_encrypted_field(people) -> None:
    source = services.register_datasource(
        actor=None,
        name="old",
        kind="postgresql",
        host="h",
        database="d",
        collection=people["finance"],
    )
    # A row as stored before the migration: the secret in the plain JSON.
    DataSource.objects.filter(pk=source.pk).update(
        options={"sslmode": "require", "sslpassword": OPT_SECRET, "sslkey": "/k.pem"}
    )
    migration = importlib.import_module(
        "governance.datasources.migrations.0005_encrypt_secret_options"
    )
    migration.encrypt_secret_options(apps, None)
    source.refresh_from_db()
    assert source.options == {"sslmode": "require"}
    assert source.get_secret_options() == {"sslpassword": OPT_SECRET, "sslkey": "/k.pem"}
    migration.decrypt_secret_options(apps, None)  # reversible
    source.refresh_from_db()
    assert source.options["sslpassword"] == OPT_SECRET and source.secret_options_encrypted == ""
