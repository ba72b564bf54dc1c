"""Every wired kind of change: held by a policy, applied through its service on approval,
unchanged on rejection; the console says "Sent for approval" and saves nothing of the form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from governance.classifications.models import Classification
from governance.compliance import services as compliance
from governance.compliance.models import Control, Finding, Framework, Rule
from governance.scanrules import services as scanrules
from governance.scanrules.models import ScanRuleSet
from pursight import changes
from pursight.core.models import AuditEvent
from racine.approvals import services
from racine.approvals.models import ApprovalPolicy, ApprovalRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, grant_platform):
    author = grant_platform(make_user("author"), "manage_datasources", "manage_compliance")
    reviewer = grant_platform(make_user("reviewer"), "manage_datasources", "manage_compliance")
    return author, reviewer


def global_policy(kind: str, reviewer) -> ApprovalPolicy:
    p = ApprovalPolicy.objects.create(name=kind, kind=kind, collection=None)
    p.reviewer_users.set([reviewer])
    return p


def test_scan_rule_set_change_waits_for_approval(people):
    author, reviewer = people
    rule_set = scanrules.default_rule_set("sqlite")
    global_policy("scanruleset.change", reviewer)
    rule_set.sample_size = 7
    email = Classification.objects.filter(code="EMAIL_ADDRESS")
    held = scanrules.save_rule_set(actor=author, rule_set=rule_set, classifications=list(email))
    request = changes.pending_of(held).request
    stored = ScanRuleSet.objects.get(pk=rule_set.pk)
    assert stored.sample_size != 7 and not stored.classifications.exists()
    assert "sample_size" in request.summary and "classifications" in request.summary
    services.decide(actor=reviewer, request=request, decision="approve")
    stored = ScanRuleSet.objects.get(pk=rule_set.pk)
    assert stored.sample_size == 7
    assert list(stored.classifications.values_list("code", flat=True)) == ["EMAIL_ADDRESS"]
    assert AuditEvent.objects.filter(action="scanruleset.update", actor=author).exists()


def test_the_admin_says_sent_for_approval_and_saves_nothing_of_the_form(people, client):
    author, reviewer = people
    rule_set = scanrules.default_rule_set("sqlite")
    global_policy("scanruleset.change", reviewer)
    client.force_login(author)
    url = f"/admin/scanrules/scanruleset/{rule_set.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "classifications"}
    data.update(
        {
            "name": rule_set.name,
            "sample_size": 9,
            "classifications": [Classification.objects.get(code="IBAN").pk],
        }
    )
    for key in (
        "include_schemas",
        "exclude_schemas",
        "include_tables",
        "exclude_tables",
        "exclude_columns",
    ):
        data[key] = "[]"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Sent for approval" in m for m in shown), shown
    assert not any("successfully" in m for m in shown), shown
    stored = ScanRuleSet.objects.get(pk=rule_set.pk)
    assert stored.sample_size != 9 and not stored.classifications.exists()  # m2m untouched
    assert ApprovalRequest.objects.filter(kind="scanruleset.change", status="pending").count() == 1


def test_compliance_rule_change_rejected_leaves_the_rule(people):
    author, reviewer = people
    fw = Framework.objects.create(code="t", name="T")
    control = Control.objects.create(framework=fw, code="C1", title="One")
    rule = compliance.save_rule(
        actor=author,
        rule=Rule(
            framework=fw,
            control=control,
            code="r1",
            name="Owner",
            asset_type="table",
            condition={"type": "has_owner"},
        ),
    )  # creating is never held
    global_policy("compliance.rule", reviewer)
    rule.severity = "critical"
    held = compliance.save_rule(actor=author, rule=rule)
    request = changes.pending_of(held).request
    assert Rule.objects.get(pk=rule.pk).severity == "medium"
    services.decide(actor=reviewer, request=request, decision="reject", comment="Too loud")
    assert Rule.objects.get(pk=rule.pk).severity == "medium"
    # Proposed again and approved: applied through save_rule (validated, audited).
    rule = Rule.objects.get(pk=rule.pk)
    rule.severity = "high"
    request = changes.pending_of(compliance.save_rule(actor=author, rule=rule)).request
    services.decide(actor=reviewer, request=request, decision="approve")
    assert Rule.objects.get(pk=rule.pk).severity == "high"
    assert AuditEvent.objects.filter(action="rule.update", actor=author).exists()


@pytest.fixture
def finding(make_collection, make_source, make_user, grant):
    from tests.governance.compliance.conftest import Catalog

    finance = make_collection("Finance")
    cat = Catalog(make_source(collection=finance, name="ledger"))
    table = cat.table(cat.schema("main"), "entries")
    cat.column(table, "iban")
    fw = Framework.objects.create(code="t", name="T")
    control = Control.objects.create(framework=fw, code="C1", title="One")
    compliance.save_rule(
        actor=None,
        rule=Rule(
            framework=fw,
            control=control,
            code="r1",
            name="Owner",
            asset_type="table",
            condition={"type": "has_owner"},
        ),
    )
    compliance.evaluate_framework(actor=None, framework=fw)
    officer, chief = make_user("officer"), make_user("chief")
    for user in (officer, chief):
        grant(user, "view_catalog", finance)
        grant(user, "manage_compliance", finance)
    return Finding.objects.get(), finance, officer, chief


def test_accepted_risk_needs_approval_bulk_and_api(finding, client):
    from rest_framework.test import APIClient

    row, finance, officer, chief = finding
    p = ApprovalPolicy.objects.create(name="risk", kind="finding.accept_risk", collection=finance)
    p.reviewer_users.set([chief])
    expires = timezone.localdate() + timedelta(days=30)
    api = APIClient()
    api.force_authenticate(officer)
    response = api.post(
        f"/api/v1/compliance/findings/{row.pk}/transition/",
        {"to": "accepted_risk", "justification": "Legacy system", "expires_on": expires},
        format="json",
    )
    # Held: 202 Accepted naming the approval request; the finding is unchanged.
    assert response.status_code == 202 and response.json()["status"] == "open"
    assert response["X-PurSight-Approval"]
    request = ApprovalRequest.objects.get(kind="finding.accept_risk")
    assert request.collection_id == finance.pk
    # Other transitions are not held.
    result = compliance.bulk_transition(
        actor=officer, findings=Finding.objects.all(), to="acknowledged"
    )
    assert len(result.done) == 1 and not result.pending
    result = compliance.bulk_transition(
        actor=officer,
        findings=Finding.objects.all(),
        to="accepted_risk",
        justification="Again",
        expires_on=expires,
    )
    assert not result.done and len(result.pending) == 1
    services.decide(actor=chief, request=request, decision="approve")
    row.refresh_from_db()
    assert row.status == "accepted_risk" and row.justification == "Legacy system"
    assert row.risk_expires_on == expires
    assert request.__class__.objects.get(pk=request.pk).status == Status.APPROVED


def test_glossary_term_transitions_plug_into_the_glossary_guard(admin_user, make_user):
    from governance.glossary import services as glossary
    from governance.glossary.choices import TermStatus
    from governance.glossary.models import Term

    reviewer = make_user("glossary-reviewer", superuser=True)
    term = glossary.save_term(actor=None, term=Term(name="Customer"))
    global_policy("glossary.term_transition", reviewer)
    result = glossary.transition_term(term, TermStatus.IN_REVIEW, admin_user)
    assert not result.applied and "Sent for approval" in result.message
    term.refresh_from_db()
    assert term.status == TermStatus.DRAFT
    request = result.pending.reference
    services.decide(actor=reviewer, request=request, decision="approve")
    term.refresh_from_db()
    assert term.status == TermStatus.IN_REVIEW
    assert AuditEvent.objects.filter(action="term.transition", actor=admin_user).exists()
