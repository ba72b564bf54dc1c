"""The audit trail: append-only, secrets redacted, source IP, logins, scoped reading, export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from pursight import audit
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_append_only(admin_user):
    audit.record(actor=admin_user, action="x.test")
    event = AuditEvent.objects.get(action="x.test")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="y")


def test_secrets_redacted_and_ip_from_request(make_source, admin_user, client):
    source = make_source(name="pg", password="hunter2")
    event = AuditEvent.objects.get(action="datasource.create", object_id=str(source.pk))
    assert "hunter2" not in json.dumps(event.changes)
    assert event.changes["password_encrypted"] == audit.REDACTED
    assert event.collection_id == source.collection_id
    audit.record(actor=None, action="x", changes={"token": "abc", "nested": {"api_key": "k"}})
    assert AuditEvent.objects.get(action="x").changes == {
        "token": audit.REDACTED,
        "nested": {"api_key": audit.REDACTED},
    }
    client.force_login(admin_user)
    r = client.post(
        f"/admin/datasources/datasource/{source.pk}/change/",
        {
            "name": "pg2",
            "kind": "sqlite",
            "database": "/x.sqlite",
            "collection": source.collection_id,
            "options": "{}",
            "password": "newpass",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert r.status_code in (200, 302)
    if r.status_code == 302:
        update = AuditEvent.objects.filter(action="datasource.update").latest("id")
        assert update.source_ip == "203.0.113.9"
        assert "newpass" not in json.dumps(update.changes)


def test_login_success_and_failure_recorded(make_user, client):
    make_user("alice")
    client.post(
        "/admin/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="198.51.100.7"
    )
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.object_repr == "alice" and failed.source_ip == "198.51.100.7"
    assert "wrong" not in json.dumps(failed.changes)
    r = client.post("/admin/login/?next=/admin/", {"username": "alice", "password": "pw"})
    assert r.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor__username="alice").exists()


def test_permission_changes_recorded(make_user, make_collection, grant):
    from django.contrib.auth.models import Group, Permission

    user = make_user("bob")
    group = Group.objects.create(name="g")
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_catalog"))
    grant(user, "curate_catalog", make_collection("C"))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"user.groups.add", "user.permissions.add", "objectpermission.grant"} <= actions
    user.is_superuser = True
    user.save()
    change = AuditEvent.objects.filter(action="user.update").latest("id")
    assert change.changes["is_superuser"] == [False, True]


def test_reading_is_scoped_and_exportable(make_user, make_collection, admin_user):
    from governance.rbac.models import Role
    from governance.rbac.services import assign_role

    mine, theirs = make_collection("Mine"), make_collection("Theirs")
    cadmin, reader = make_user("cadmin"), make_user("reader")
    admin_role = Role.objects.get(slug="collection-admin")
    assign_role(actor=None, role=admin_role, collection=mine, user=cadmin)
    assign_role(actor=None, role=Role.objects.get(slug="data-reader"), collection=mine, user=reader)
    client = APIClient()
    client.force_authenticate(cadmin)
    rows = client.get("/api/v1/audit-events/?page_size=500").json()["results"]
    assert rows and {r["collection_id"] for r in rows} == {mine.pk}
    client.force_authenticate(reader)
    assert client.get("/api/v1/audit-events/").json()["count"] == 0
    client.force_authenticate(admin_user)
    all_rows = client.get("/api/v1/audit-events/?page_size=500").json()["results"]
    assert theirs.pk in {r["collection_id"] for r in all_rows}
    r = client.get("/api/v1/audit-events/export/?format=csv&action=collection.create")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert {row["object_repr"] for row in table} == {"Mine", "Theirs"}
    r = client.get("/api/v1/audit-events/export/?format=json&action=collection.create")
    assert len(json.loads(b"".join(r.streaming_content))) == 2
    r = client.get("/api/v1/audit-events/?format=csv&action=collection.create")
    assert r.status_code == 200 and b"object_repr" in r.content
    # Admin: read-only, visible to the Collection Admin, scoped.
    from django.test import Client

    web = Client()
    web.force_login(cadmin)
    page = web.get("/admin/core/auditevent/")
    assert page.status_code == 200
    assert {e.collection_id for e in page.context["cl"].result_list} == {mine.pk}
    event = AuditEvent.objects.filter(collection_id=mine.pk).first()
    assert web.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    web.force_login(reader)
    assert web.get("/admin/core/auditevent/").status_code == 403
