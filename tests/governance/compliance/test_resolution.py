"""A finding resolved by hand is verified by the next evaluation: a still-failing asset reopens
the same finding (with an event), never a duplicate; a fixed one stays resolved, verified."""

from __future__ import annotations

import pytest

from governance.catalog.models import CatalogColumn
from governance.compliance import services
from governance.compliance.choices import FindingStatus as S
from governance.compliance.models import Finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(catalog_of, make_rule, evaluate):
    cat = catalog_of(name="src")
    cat.column(cat.table(cat.schema("main"), "t"), "email")
    make_rule("column", {"type": "has_description"})
    evaluate()
    return Finding.objects.get()


def _resolve(finding):
    finding = services.transition_finding(actor=None, finding=finding, to=S.IN_REMEDIATION)
    return services.transition_finding(actor=None, finding=finding, to=S.RESOLVED)


def test_resolved_while_still_failing_is_reopened_not_duplicated(finding, evaluate):
    _resolve(finding)
    run = evaluate()
    assert Finding.objects.count() == 1
    finding.refresh_from_db()
    assert finding.status == S.OPEN
    assert finding.closed_at is None and finding.closed_by_run is None
    assert finding.last_run == run
    last = finding.events.order_by("-pk").first()
    assert (last.from_status, last.to_status, last.run_id) == (S.RESOLVED, S.OPEN, run.pk)
    assert "still" in last.note.lower()
    summary = services.summarize(run)
    assert summary.reopened == 1 and summary.still_open == 1
    # The next evaluation neither duplicates nor reopens again.
    again = evaluate()
    assert Finding.objects.count() == 1 and services.summarize(again).reopened == 0
    assert finding.events.filter(to_status=S.OPEN).count() == 1


def test_resolved_and_fixed_is_verified_and_a_later_regression_opens_a_new_finding(
    finding, evaluate
):
    _resolve(finding)
    CatalogColumn.objects.filter(pk=finding.asset_id).update(description="Contact address")
    run = evaluate()
    finding.refresh_from_db()
    assert finding.status == S.RESOLVED and finding.closed_by_run == run
    # Verified: a regression much later is a new violation (the old finding stays history).
    CatalogColumn.objects.filter(pk=finding.asset_id).update(description="")
    later = evaluate()
    assert later.findings_opened == 1 and services.summarize(later).reopened == 0
    finding.refresh_from_db()
    assert finding.status == S.RESOLVED
    assert Finding.objects.filter(status=S.OPEN).exclude(pk=finding.pk).count() == 1


def test_a_run_over_another_source_does_not_verify_the_resolution(finding, evaluate, catalog_of):
    other = catalog_of(name="other")
    _resolve(finding)
    evaluate(datasource=other.source)
    finding.refresh_from_db()
    assert finding.status == S.RESOLVED and finding.closed_by_run is None
    evaluate()
    finding.refresh_from_db()
    assert finding.status == S.OPEN and Finding.objects.count() == 1


def test_admin_resolve_says_the_next_evaluation_verifies_it(finding, make_user, client):
    from django.contrib.admin import helpers

    services.transition_finding(actor=None, finding=finding, to=S.IN_REMEDIATION)
    client.force_login(make_user("root", superuser=True))
    page = client.post(
        "/admin/compliance/finding/",
        {"action": "resolve", helpers.ACTION_CHECKBOX_NAME: [finding.pk]},
        follow=True,
    ).content.decode()
    assert "1 finding(s) now resolved." in page and "next evaluation verifies" in page
    page = client.post(
        f"/admin/compliance/framework/{finding.framework_id}/evaluate/", follow=True
    ).content.decode()
    assert "1 opened (1 resolved but still violated, reopened)" in page
    assert Finding.objects.count() == 1
