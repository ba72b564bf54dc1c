"""The team's panel under objects' pages (presence, the co-edited description, the
conversation), a finding's co-edited description, and rows that go with their object."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.catalog.extensions import asset_url
from pursight.core.models import AuditEvent
from racine.collaboration import services
from racine.collaboration.models import Comment, SharedDocument
from racine.collaboration.services import documents

from .coedit_helpers import Client, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user, make_collection, make_source, grant):
    world = build_world(make_user, make_collection, make_source, grant)
    world.officer = make_user("officer")
    grant(world.officer, "view_catalog", world.a)
    grant(world.officer, "manage_compliance", world.a)
    world.finding = make_finding(world.table)
    world.hidden_finding = make_finding(world.hidden_table)
    return world


def make_finding(table: Any) -> Any:
    from governance.compliance.models import Control, Finding, Framework, Rule

    framework, _ = Framework.objects.get_or_create(code="t", defaults={"name": "Test"})
    control, _ = Control.objects.get_or_create(framework=framework, code="1", title="Owners")
    rule, _ = Rule.objects.get_or_create(
        framework=framework,
        code="owned",
        defaults={
            "control": control,
            "name": "Tables have an owner",
            "asset_type": "table",
            "condition": {"type": "has_owner"},
            "severity": "high",
        },
    )
    now = timezone.now()
    return Finding.objects.create(
        rule=rule,
        framework=framework,
        asset_type="table",
        asset_id=table.pk,
        qualified_name=table.qualified_name,
        asset_name=table.name,
        datasource=table.datasource,
        severity="high",
        first_seen=now,
        seen_at=now,
    )


def test_a_finding_description_is_co_edited_through_the_compliance_service(
    w, django_capture_on_commit_callbacks
) -> None:
    page, pk = "compliance.finding", w.finding.pk
    # Reading the catalog is not triaging findings.
    assert not documents.join_document(
        actor=w.outsider, page=page, pk=pk, field="description"
    ).can_edit
    with pytest.raises(documents.DocumentError) as hidden:
        documents.join_document(
            actor=w.officer, page=page, pk=w.hidden_finding.pk, field="description"
        )
    with pytest.raises(documents.DocumentError) as missing:
        documents.join_document(actor=w.officer, page=page, pk=10**9, field="description")
    assert hidden.value.message == missing.value.message
    client = Client()
    client.receive(
        documents.join_document(actor=w.officer, page=page, pk=pk, field="description").update
    )
    update = client.insert(0, "Owner to be named by finance.")
    with pytest.raises(documents.ReadOnly):
        documents.apply_update(
            actor=w.outsider, page=page, pk=pk, field="description", update=update
        )
    with django_capture_on_commit_callbacks(execute=True):
        applied = documents.apply_update(
            actor=w.officer, page=page, pk=pk, field="description", update=update
        )
    assert applied.saved
    w.finding.refresh_from_db()
    assert w.finding.description == "Owner to be named by finance."
    audit = AuditEvent.objects.get(action="finding.describe")
    assert audit.actor == w.officer and audit.changes["description"][1] == w.finding.description


def test_describing_a_finding_needs_the_right_and_a_bounded_text(w) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from governance.compliance import services as compliance

    with pytest.raises(PermissionDenied):
        compliance.describe_finding(actor=w.outsider, finding=w.finding, description="Mine")
    with pytest.raises(ValidationError):
        compliance.describe_finding(actor=w.officer, finding=w.finding, description="x" * 200_001)
    w.finding.refresh_from_db()
    assert w.finding.description == ""
    assert not AuditEvent.objects.filter(action="finding.describe").exists()
    # An unchanged text writes nothing.
    compliance.describe_finding(actor=w.officer, finding=w.finding, description="")
    assert not AuditEvent.objects.filter(action="finding.describe").exists()


def _finding_page(client: Any, user: Any, finding: Any) -> Any:
    client.force_login(user)
    return client.get(reverse("admin:compliance_finding_change", args=[finding.pk]))


def test_the_finding_page_has_the_team_panel_with_what_the_user_may_do(w, client) -> None:
    services.create_comment(actor=w.officer, target=w.finding, body="Who owns **this**?")
    page = _finding_page(client, w.officer, w.finding).content.decode()
    assert 'id="team"' in page and 'data-page="compliance.finding"' in page
    assert 'data-coedit-field="description"' in page and "data-coedit-readonly" not in page
    assert "Who owns <strong>this</strong>?" in page
    assert reverse("admin:collaboration_comment_start") in page
    assert "collaboration/team.js" in page
    # A reader sees the conversation and the text, may comment, but not edit the text.
    page = _finding_page(client, w.outsider, w.finding).content.decode()
    assert "data-coedit-readonly" in page and "readonly" in page
    assert "Who owns <strong>this</strong>?" in page


def test_the_team_panel_costs_the_same_whatever_the_conversation(
    w, client, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(w.officer)
    url = reverse("admin:compliance_finding_change", args=[w.finding.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(12):
        root = services.create_comment(actor=w.officer, target=w.finding, body=f"Thread {i}")
        services.create_comment(actor=w.outsider, target=w.finding, body="Reply", parent=root)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert "All 12 conversations" in page  # eight shown, the rest one click away


def test_starting_a_conversation_goes_through_the_service(w, client) -> None:
    start = reverse("admin:collaboration_comment_start")
    here = reverse("admin:compliance_finding_change", args=[w.finding.pk])
    client.force_login(w.editor)
    assert client.get(start).status_code == 405  # a GET changes nothing
    form = {"target_type": "compliance.finding", "target_id": w.finding.pk, "next": here}
    response = client.post(start, {**form, "body": "Seen in prod too, @owner"})
    assert response.status_code == 302, response
    shown = [str(m) for m in client.get(here).context["messages"]]
    assert shown == ["Comment posted."], shown and response["Location"] == f"{here}#team"
    comment = Comment.objects.get()
    # (people may name those they share a workspace with, who may see the finding)
    assert comment.author == w.editor and list(comment.mentions.all()) == [w.owner]
    # Hidden and missing objects get one answer, and nothing is written.
    answers = []
    for target_id in (w.hidden_finding.pk, 10**9):
        response = client.post(
            start, {**form, "target_id": target_id, "body": "Hello"}, follow=True
        )
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1] and answers[0]
    assert Comment.objects.count() == 1
    # An empty text is refused; a foreign "next" is not followed.
    response = client.post(start, {**form, "body": " ", "next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:index")
    assert Comment.objects.count() == 1


def test_an_asset_page_edits_its_description_in_place(w, client) -> None:
    url = asset_url("table", w.table.pk)
    client.force_login(w.curator)
    page = client.get(url).content.decode()
    assert 'data-coedit-page="catalog.catalogtable"' in page
    assert "data-coedit-readonly" not in page and "The customers table." in page
    assert 'id="team"' in page  # the conversation panel
    client.force_login(w.outsider)
    page = client.get(url).content.decode()
    assert "data-coedit-readonly" in page and "The customers table." in page
    client.force_login(w.owner)
    assert client.get(asset_url("table", w.hidden_table.pk)).status_code == 404


def test_rows_about_an_object_go_with_it(w) -> None:
    from governance.compliance.models import Rule

    on_table = services.create_comment(actor=w.owner, target=w.table, body="Table talk")
    on_finding = services.create_comment(actor=w.officer, target=w.finding, body="Finding talk")
    rule = w.finding.rule
    on_rule = services.create_comment(actor=None, target=rule, body="Rule talk")
    documents.join_document(
        actor=w.curator, page="catalog.catalogtable", pk=w.table.pk, field="description"
    )
    on_hidden = services.create_comment(actor=None, target=w.hidden_table, body="Elsewhere")
    assert SharedDocument.objects.count() == 1
    w.table.datasource.delete()  # its tables and findings go with it, and what is said of them
    assert not Comment.objects.filter(pk__in=[on_table.pk, on_finding.pk]).exists()
    assert not SharedDocument.objects.exists()
    Rule.objects.filter(pk=rule.pk).get().delete()
    assert not Comment.objects.filter(pk=on_rule.pk).exists()
    assert Comment.objects.filter(pk=on_hidden.pk).exists()
