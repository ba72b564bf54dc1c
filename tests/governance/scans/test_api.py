"""Scan API: run, cancel, conflicts, runs and schema changes in scope."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.scans import services
from governance.scans.models import ScanRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(make_user, make_collection, grant, make_source, shop_db):
    coll = make_collection("Ops")
    admin, reader = make_user("dsadmin"), make_user("reader")
    for user in (admin, reader):
        grant(user, "view_catalog", coll)
    grant(admin, "manage_datasources", coll)
    source = make_source(shop_db, collection=coll, name="shop")
    scan = services.default_scan(actor=None, source=source)
    clients = {}
    for name, user in (("admin", admin), ("reader", reader)):
        clients[name] = APIClient()
        clients[name].force_authenticate(user)
    return {"scan": scan, **clients}


def test_run_executes_and_reports(ctx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = ctx["admin"].post(f"/api/v1/scans/{ctx['scan'].pk}/run/")
    assert response.status_code == 202 and callbacks
    run_id = response.json()["id"]
    # Tests run Celery eagerly: the run has finished by now.
    run = ctx["admin"].get(f"/api/v1/scan-runs/{run_id}/").json()
    assert run["state"] == "succeeded" and run["columns_added"] == 9 and run["progress"] == 1.0
    changes = ctx["reader"].get(f"/api/v1/schema-changes/?run={run_id}").json()
    assert changes["count"] == 4


def test_reader_cannot_run_and_conflicts_are_409(ctx):
    assert ctx["reader"].post(f"/api/v1/scans/{ctx['scan'].pk}/run/").status_code == 403
    run = services.start_scan(actor=None, scan=ctx["scan"], enqueue=False)
    assert ctx["admin"].post(f"/api/v1/scans/{ctx['scan'].pk}/run/").status_code == 409
    assert ctx["reader"].post(f"/api/v1/scan-runs/{run.pk}/cancel/").status_code == 403
    response = ctx["admin"].post(f"/api/v1/scan-runs/{run.pk}/cancel/")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert ctx["admin"].post(f"/api/v1/scan-runs/{run.pk}/cancel/").status_code == 409
    assert ScanRun.objects.get(pk=run.pk).state == "cancelled"


def test_scan_definitions_go_through_the_service(ctx, make_collection, make_source, shop_db, grant):
    from governance.scans.models import Scan
    from pursight.core.models import AuditEvent

    admin, scan = ctx["admin"], ctx["scan"]
    created = admin.post(
        "/api/v1/scans/", {"name": "nightly", "datasource": scan.datasource_id}, format="json"
    )
    assert created.status_code == 201, created.content
    nightly = Scan.objects.get(pk=created.json()["id"])
    assert nightly.created_by is not None
    renamed = admin.patch(f"/api/v1/scans/{nightly.pk}/", {"name": "weekly"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "weekly"
    update = AuditEvent.objects.get(action="scan.update", object_id=str(nightly.pk))
    assert update.changes["name"] == ["nightly", "weekly"]

    # moving the scan to a source the user cannot see: like a missing one (400), nothing saved
    far = make_collection("Elsewhere")
    elsewhere = make_source(shop_db, collection=far, name="other")
    moved = admin.patch(f"/api/v1/scans/{nightly.pk}/", {"datasource": elsewhere.pk}, format="json")
    assert moved.status_code == 400, moved.content
    assert moved.json()["datasource"] == [f'Invalid pk "{elsewhere.pk}" - object does not exist.']
    assert Scan.objects.get(pk=nightly.pk).datasource_id == scan.datasource_id
    refused = admin.post("/api/v1/scans/", {"name": "x", "datasource": elsewhere.pk}, format="json")
    assert refused.status_code == 400, refused.content
    # a source the user sees but may not manage: 403, nothing saved
    user = admin_user(ctx)
    grant(user, "view_catalog", far)
    admin.force_authenticate(user)  # a fresh user object: no scope cached from before the grant
    moved = admin.patch(f"/api/v1/scans/{nightly.pk}/", {"datasource": elsewhere.pk}, format="json")
    assert moved.status_code == 403, moved.content
    assert Scan.objects.get(pk=nightly.pk).datasource_id == scan.datasource_id
    refused = admin.post("/api/v1/scans/", {"name": "x", "datasource": elsewhere.pk}, format="json")
    assert refused.status_code == 403, refused.content
    assert not Scan.objects.filter(name="x").exists()


def admin_user(ctx):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="dsadmin")
