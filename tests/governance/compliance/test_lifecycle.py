"""The finding lifecycle: every transition allowed and refused, audit trail, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.compliance import services
from governance.compliance.choices import TRANSITIONS, FindingStatus
from governance.compliance.models import Finding
from pursight import permissions
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db
S = FindingStatus
FUTURE = timezone.localdate() + timedelta(days=30)
EXTRA = {
    S.ACCEPTED_RISK: {"justification": "compensating control", "expires_on": FUTURE},
    S.FALSE_POSITIVE: {"reason": "test data"},
}


@pytest.fixture
def finding(catalog_of, make_rule, evaluate):
    cat = catalog_of(name="src")
    cat.column(cat.table(cat.schema("main"), "t"), "c")
    make_rule("column", {"type": "has_owner"})
    evaluate()
    return Finding.objects.get()


def _set(finding, status):
    Finding.objects.filter(pk=finding.pk).update(status=status)
    finding.refresh_from_db()
    return finding


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transition_matrix(finding, current, target):
    _set(finding, current)
    allowed = target in TRANSITIONS[current]
    if allowed:
        done = services.transition_finding(
            actor=None, finding=finding, to=target, **EXTRA.get(target, {})
        )
        assert done.status == target
        event = done.events.order_by("-pk").first()
        assert (event.from_status, event.to_status) == (current, target)
        assert AuditEvent.objects.filter(action=f"finding.{target}").exists()
    else:
        with pytest.raises(ValidationError) as exc:
            services.transition_finding(
                actor=None, finding=finding, to=target, **EXTRA.get(target, {})
            )
        assert "cannot become" in str(exc.value)
        finding.refresh_from_db()
        assert finding.status == current


def test_accepted_risk_needs_justification_and_future_expiry(finding):
    with pytest.raises(ValidationError) as exc:
        services.transition_finding(actor=None, finding=finding, to=S.ACCEPTED_RISK)
    assert set(exc.value.message_dict) == {"justification", "expires_on"}
    with pytest.raises(ValidationError) as exc:
        services.transition_finding(
            actor=None,
            finding=finding,
            to=S.ACCEPTED_RISK,
            justification="x",
            expires_on=timezone.localdate(),
        )
    assert "future" in str(exc.value)
    finding.refresh_from_db()
    assert finding.status == S.OPEN


def test_false_positive_needs_reason(finding):
    with pytest.raises(ValidationError, match="needs a reason"):
        services.transition_finding(actor=None, finding=finding, to=S.FALSE_POSITIVE, reason=" ")


def test_expired_risk_acceptance_reopens_at_next_evaluation(finding, evaluate):
    services.transition_finding(
        actor=None, finding=finding, to=S.ACCEPTED_RISK, **EXTRA[S.ACCEPTED_RISK]
    )
    evaluate()
    finding.refresh_from_db()
    assert finding.status == S.ACCEPTED_RISK
    Finding.objects.filter(pk=finding.pk).update(
        risk_expires_on=timezone.localdate() - timedelta(days=1)
    )
    evaluate()
    finding.refresh_from_db()
    assert finding.status == S.OPEN
    assert finding.events.order_by("-pk").first().note == "Risk acceptance expired."


def test_only_compliance_officers_transition_and_assign(finding, make_user, grant):
    collection = finding.datasource.collection
    reader, officer = make_user("reader"), make_user("officer")
    grant(reader, "view_catalog", collection)
    grant(officer, "view_catalog", collection)
    grant(officer, "manage_compliance", collection)
    with pytest.raises(permissions.PermissionDenied):
        services.transition_finding(actor=reader, finding=finding, to=S.ACKNOWLEDGED)
    done = services.transition_finding(actor=officer, finding=finding, to=S.ACKNOWLEDGED)
    assert done.events.order_by("-pk").first().actor == officer
    services.assign_finding(actor=officer, finding=done, assignee=reader, due_date=FUTURE)
    done.refresh_from_db()
    assert done.assignee == reader and done.due_date == FUTURE
    assert AuditEvent.objects.filter(action="finding.assign", actor=officer).exists()


def test_bulk_transition_reports_refusals(finding, catalog_of, evaluate):
    cat = catalog_of(name="other")
    cat.column(cat.table(cat.schema("main"), "t"), "c2")
    evaluate()
    first, second = Finding.objects.order_by("pk")
    _set(first, S.RESOLVED)
    result = services.bulk_transition(actor=None, findings=Finding.objects.all(), to=S.ACKNOWLEDGED)
    assert [f.pk for f in result.done] == [second.pk]
    assert result.refused[0][0].pk == first.pk and "cannot become" in result.refused[0][1]
