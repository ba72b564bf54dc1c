"""Admin: frameworks with inlines, the rule test bench, findings bulk transitions, dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.utils import timezone

from governance.compliance.models import Finding, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(catalog_of, make_user, grant, make_rule, evaluate, client):
    cat = catalog_of(name="src")
    table = cat.table(cat.schema("public"), "people")
    for name in ("email", "phone"):
        cat.column(table, name)
    rule = make_rule("column", {"type": "has_description"})
    evaluate()
    officer = make_user("officer")
    grant(officer, "view_catalog", cat.source.collection)
    grant(officer, "manage_compliance", cat.source.collection)
    client.force_login(officer)
    return {"client": client, "rule": rule, "officer": officer}


def test_pages_render(setup, framework):
    client = setup["client"]
    for url in (
        "/admin/compliance/framework/",
        f"/admin/compliance/framework/{framework.pk}/change/",
        "/admin/compliance/rule/",
        f"/admin/compliance/rule/{setup['rule'].pk}/change/",
        "/admin/compliance/finding/",
        "/admin/compliance/finding/?severity__exact=medium&age=7d",
        f"/admin/compliance/finding/{Finding.objects.first().pk}/change/",
        "/admin/compliance/evaluationrun/",
        "/admin/compliance/compliancereport/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get("/admin/compliance/finding/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Test framework" in html and "<svg" in html and "0.0%" in html


def test_rule_test_bench_previews_without_saving(setup, client, grant_platform):
    # The test bench needs the right to add a rule: manage_compliance platform-wide (issue 9).
    rule, officer = setup["rule"], setup["officer"]
    grant_platform(officer, "manage_compliance")
    client.force_login(officer)
    data = {
        "framework": rule.framework_id,
        "control": rule.control_id,
        "code": rule.code,
        "name": "Renamed but not saved",
        "description": "",
        "asset_type": "column",
        "scope": '{"name_pattern": "^email$"}',
        "condition": '{"type": "has_description"}',
        "severity": "medium",
        "remediation": "",
        "enabled": "on",
        "_preview": "1",
    }
    page = setup["client"].post(f"/admin/compliance/rule/{rule.pk}/change/", data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>1</strong> of 1 asset(s)" in html and "public.people.email" in html
    rule.refresh_from_db()
    assert rule.name != "Renamed but not saved" and rule.scope == {}
    # A broken condition shows the validation error, still without saving.
    data["condition"] = '{"type": "expression", "expr": {"==": ["colour", 1]}}'
    html = setup["client"].post(f"/admin/compliance/rule/{rule.pk}/change/", data).content.decode()
    assert "unknown field" in html and "colour" in html


def test_bulk_actions_call_services(setup):
    client = setup["client"]
    ids = [str(pk) for pk in Finding.objects.values_list("pk", flat=True)]
    url = "/admin/compliance/finding/"
    client.post(url, {"action": "acknowledge", helpers.ACTION_CHECKBOX_NAME: ids})
    assert set(Finding.objects.values_list("status", flat=True)) == {"acknowledged"}
    # Accept risk asks for a justification and an expiry date first.
    page = client.post(url, {"action": "accept_risk", helpers.ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200 and b"justification" in page.content
    expires = (timezone.localdate() + timedelta(days=5)).isoformat()
    client.post(
        url,
        {
            "action": "accept_risk",
            helpers.ACTION_CHECKBOX_NAME: ids,
            "apply": "1",
            "justification": "Compensating control",
            "expires_on": expires,
        },
    )
    assert set(Finding.objects.values_list("status", flat=True)) == {"accepted_risk"}
    # An invalid transition is refused with a message, nothing changes.
    response = client.post(
        url, {"action": "resolve", helpers.ACTION_CHECKBOX_NAME: ids}, follow=True
    )
    assert "cannot become resolved" in response.content.decode()
    assert set(Finding.objects.values_list("status", flat=True)) == {"accepted_risk"}


def test_reader_sees_findings_but_cannot_act_or_edit_rules(setup, make_user, grant, client):
    reader = make_user("reader")
    grant(reader, "view_catalog", Finding.objects.first().datasource.collection)
    client.force_login(reader)
    assert client.get("/admin/compliance/finding/").status_code == 200
    ids = [str(pk) for pk in Finding.objects.values_list("pk", flat=True)]
    client.post(
        "/admin/compliance/finding/", {"action": "acknowledge", helpers.ACTION_CHECKBOX_NAME: ids}
    )
    assert set(Finding.objects.values_list("status", flat=True)) == {"open"}
    rule = setup["rule"]
    response = client.post(f"/admin/compliance/rule/{rule.pk}/change/", {"name": "hacked"})
    assert response.status_code == 403
    assert Rule.objects.get(pk=rule.pk).name != "hacked"
