"""Compliance API: officers manage, readers read what they can see, others get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from governance.compliance.models import Finding, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_collection, catalog_of, make_user, grant, grant_platform, make_rule, evaluate):
    visible, hidden = make_collection("Visible"), make_collection("Hidden")
    for name, coll in (("seen", visible), ("unseen", hidden)):
        cat = catalog_of(name=name, collection=coll)
        table = cat.table(cat.schema("main"), "people")
        for i in range(3):
            cat.column(table, f"c{i}")
    rule = make_rule("column", {"type": "has_owner"})
    evaluate()
    users = {n: make_user(n) for n in ("officer", "reader", "outsider", "platform")}
    grant(users["officer"], "view_catalog", visible)
    grant(users["officer"], "manage_compliance", visible)
    grant(users["reader"], "view_catalog", visible)
    grant(users["outsider"], "view_catalog", hidden)
    # A Compliance Officer platform-wide (the model-wide permission), who sees one collection.
    grant(users["platform"], "view_catalog", visible)
    grant_platform(users["platform"], "manage_compliance")
    seen = Finding.objects.filter(datasource__name="seen").order_by("pk").first()
    return {"users": users, "finding": seen, "rule": rule, "visible": visible, "hidden": hidden}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused():
    response = APIClient().get("/api/v1/compliance/findings/")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "listed", "detail", "transition"),
    [("officer", 3, 200, 200), ("reader", 3, 200, 403), ("outsider", 3, 404, 404)],
)
def test_findings_scope_and_transition(world, who, listed, detail, transition):
    client = client_for(world["users"][who])
    finding = world["finding"]
    results = client.get("/api/v1/compliance/findings/").json()["results"]
    assert len(results) == listed
    expected_source = "unseen" if who == "outsider" else "seen"
    assert {r["datasource_name"] for r in results} == {expected_source}
    assert client.get(f"/api/v1/compliance/findings/{finding.pk}/").status_code == detail
    response = client.post(
        f"/api/v1/compliance/findings/{finding.pk}/transition/", {"to": "acknowledged"}
    )
    assert response.status_code == transition, response.content
    if transition == 200:
        assert response.json()["status"] == "acknowledged"


def test_invalid_transition_answers_400_with_the_reason(world):
    client = client_for(world["users"]["officer"])
    url = f"/api/v1/compliance/findings/{world['finding'].pk}/transition/"
    response = client.post(url, {"to": "resolved"})
    assert response.status_code == 400
    assert "cannot become resolved" in str(response.json())
    response = client.post(url, {"to": "accepted_risk"}, format="json")
    assert response.status_code == 400 and "justification" in response.json()
    expires = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        url, {"to": "accepted_risk", "justification": "ok", "expires_on": expires}, format="json"
    )
    assert response.status_code == 200 and response.json()["risk_expires_on"] == expires


def test_finding_filters_and_constant_queries(world):
    from django.contrib.auth import get_user_model

    officer = world["users"]["officer"]
    counts = []
    for size in (1, 3):
        client = client_for(get_user_model().objects.get(pk=officer.pk))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/compliance/findings/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    client = client_for(officer)
    base = "/api/v1/compliance/findings/"
    assert client.get(f"{base}?framework=test&severity=medium").json()["count"] == 3
    assert client.get(f"{base}?severity=critical").json()["count"] == 0
    assert client.get(f"{base}?status=open&age=7d").json()["count"] == 3
    assert client.get(f"{base}?age=older").json()["count"] == 0
    coll = world["finding"].datasource.collection_id
    assert client.get(f"{base}?collection={coll}").json()["count"] == 3


def test_rules_platform_officer_writes_reader_reads_broken_rule_refused(world, framework):
    # Rules act on every collection: an officer on one collection only reads them (issue 9).
    officer, reader, scoped = (
        client_for(world["users"][n]) for n in ("platform", "reader", "officer")
    )
    control = framework.controls.first().pk
    body = {
        "control": control,
        "code": "desc",
        "name": "Described",
        "asset_type": "column",
        "scope": {"name_pattern": "^c"},
        "condition": {"type": "has_description"},
        "severity": "low",
    }
    assert reader.get("/api/v1/compliance/rules/").status_code == 200
    assert reader.post("/api/v1/compliance/rules/", body, format="json").status_code == 403
    assert scoped.post("/api/v1/compliance/rules/", body, format="json").status_code == 403
    response = officer.post("/api/v1/compliance/rules/", body, format="json")
    assert response.status_code == 201, response.content
    assert Rule.objects.get(code="desc").framework == framework
    broken = {**body, "code": "broken", "condition": {"type": "expression", "expr": {"?": 1}}}
    response = officer.post("/api/v1/compliance/rules/", broken, format="json")
    assert response.status_code == 400 and "unknown operator" in str(response.json())
    assert not Rule.objects.filter(code="broken").exists()
    # The test bench: evaluates unsaved data among the assets the user can see (3 of 6).
    assert scoped.post("/api/v1/compliance/rules/preview/", body, format="json").status_code == 403
    preview = officer.post("/api/v1/compliance/rules/preview/", body, format="json").json()
    assert (preview["checked"], preview["failing"]) == (3, 3)
    assert not Rule.objects.filter(name="Described").exclude(code="desc").exists()


def test_framework_evaluate_and_reports(world, framework, django_capture_on_commit_callbacks):
    officer, reader, platform = (
        client_for(world["users"][n]) for n in ("officer", "reader", "platform")
    )
    url = f"/api/v1/compliance/frameworks/{framework.pk}/evaluate/"
    assert reader.post(url).status_code == 403
    # Every data source: platform-wide officers only; an officer on one collection evaluates
    # the sources of their collections (and learns nothing of the others).
    assert officer.post(url).status_code == 403
    seen = world["finding"].datasource
    assert reader.post(url, {"datasource": seen.pk}).status_code == 403
    response = officer.post(url, {"datasource": seen.pk})
    assert response.status_code == 201 and response.json()["findings_open"] == 3
    assert response.json()["datasource"] == seen.pk
    unseen = Finding.objects.filter(datasource__name="unseen").first().datasource
    assert officer.post(url, {"datasource": unseen.pk}).status_code == 404
    response = platform.post(url)
    assert response.status_code == 201 and response.json()["findings_open"] == 6
    for fmt, magic in (("csv", b"framework,control"), ("pdf", b"%PDF")):
        with django_capture_on_commit_callbacks(execute=True):  # the background task runs
            response = officer.post(
                "/api/v1/compliance/reports/", {"framework": framework.pk, "format": fmt}
            )
        assert response.status_code == 202 and response.json()["state"] == "pending"
        report = officer.get(f"/api/v1/compliance/reports/{response.json()['id']}/").json()
        assert report["state"] == "done" and report["findings_count"] == 3  # visible ones only
        download = officer.get(f"/api/v1/compliance/reports/{report['id']}/download/")
        assert download.status_code == 200 and download.content.startswith(magic)
        # Someone else's report is invisible.
        assert reader.get(f"/api/v1/compliance/reports/{report['id']}/").status_code == 404


def _changes(world):
    from governance.scans.models import Scan, ScanRun, SchemaChange

    out = {}
    for finding in Finding.objects.filter(rule=world["rule"]).select_related("datasource"):
        source = finding.datasource
        if source.name in out:
            continue
        scan = Scan.objects.create(name=f"s-{source.name}", datasource=source)
        run = ScanRun.objects.create(scan=scan, datasource=source, state="succeeded")
        out[source.name] = SchemaChange.objects.create(
            run=run,
            datasource=source,
            asset_type="column",
            change="added",
            qualified_name=f"{source.pk}/main/people/c9",
            display_name="main.people.c9",
        )
    return out


def test_acknowledge_schema_changes_api_and_admin(world, client):
    from governance.compliance.models import SchemaChangeAcknowledgement

    changes = _changes(world)
    seen, unseen = changes["seen"], changes["unseen"]
    url = "/api/v1/compliance/schema-changes/acknowledge/"
    officer, reader = world["users"]["officer"], world["users"]["reader"]
    # hidden changes answer 404 and nothing is acknowledged
    response = client_for(officer).post(url, {"ids": [seen.pk, unseen.pk]}, format="json")
    assert response.status_code == 404 and response.json()["ids"] == [unseen.pk]
    assert not SchemaChangeAcknowledgement.objects.exists()
    # a reader sees the change but may not acknowledge it
    assert client_for(reader).post(url, {"ids": [seen.pk]}, format="json").status_code == 403
    assert client_for(officer).post(url, {"ids": []}, format="json").status_code == 400
    response = client_for(officer).post(url, {"ids": [seen.pk], "note": "planned"}, format="json")
    assert response.status_code == 200 and response.json() == {"acknowledged": 1}
    ack = SchemaChangeAcknowledgement.objects.get()
    assert ack.change_id == seen.pk and ack.note == "planned" and ack.acknowledged_by == officer
    again = client_for(officer).post(url, {"ids": [seen.pk]}, format="json")
    assert again.json() == {"acknowledged": 0}

    # the admin: an action on the schema-change changelist and a filter for open drift
    SchemaChangeAcknowledgement.objects.all().delete()
    client.force_login(officer)
    admin_url = "/admin/scans/schemachange/"
    page = client.get(admin_url).content.decode()
    assert "acknowledge_schema_changes" in page and "Open drift" in page
    client.post(admin_url, {"action": "acknowledge_schema_changes", "_selected_action": [seen.pk]})
    assert SchemaChangeAcknowledgement.objects.filter(change=seen).exists()
    open_drift = client.get(admin_url, {"acknowledged": "no"}).content.decode()
    assert "main.people.c9" not in open_drift
