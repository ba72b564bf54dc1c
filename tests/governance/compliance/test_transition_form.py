"""The accept-risk / false-positive page: in the admin's skin, keeps the input and shows the
errors beside their fields; nothing changes until the input is valid."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.utils import timezone

from governance.compliance.models import Finding

pytestmark = pytest.mark.django_db
URL = "/admin/compliance/finding/"


@pytest.fixture
def officer_client(catalog_of, make_user, grant, make_rule, evaluate, client):
    cat = catalog_of(name="src")
    table = cat.table(cat.schema("public"), "people")
    for name in ("email", "phone"):
        cat.column(table, name)
    make_rule("column", {"type": "has_description"})
    evaluate()
    officer = make_user("officer")
    grant(officer, "view_catalog", cat.source.collection)
    grant(officer, "manage_compliance", cat.source.collection)
    client.force_login(officer)
    return client


def _ids():
    return [str(pk) for pk in Finding.objects.values_list("pk", flat=True)]


def test_first_page_is_styled_and_lists_the_selection(officer_client):
    page = officer_client.post(URL, {"action": "accept_risk", helpers.ACTION_CHECKBOX_NAME: _ids()})
    html = page.content.decode()
    assert page.status_code == 200
    # Unfold's field rendering (label block, input classes), not Django's bare as_p.
    assert 'class="block font-semibold' in html and "<p>" not in html.split("<form")[1]
    textarea = re.search(r'<textarea[^>]*name="justification"[^>]*>', html).group(0)
    assert "border" in textarea and "rounded" in textarea
    assert 'type="date"' in html
    assert "main.people.email" in html or "people.email" in html
    assert "Cancel" in html


def test_validation_error_keeps_the_input_and_shows_field_errors(officer_client):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = officer_client.post(
        URL,
        {
            "action": "accept_risk",
            helpers.ACTION_CHECKBOX_NAME: _ids(),
            "apply": "1",
            "justification": "Compensating control in the warehouse",
            "expires_on": past,
            "note": "see ticket 42",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200  # the form again, not a redirect losing the input
    assert "Compensating control in the warehouse" in html
    assert "see ticket 42" in html and f'value="{past}"' in html
    assert "The expiry date must be in the future." in html
    assert "text-red-600" in html  # the error in the admin's skin, beside its field
    assert set(Finding.objects.values_list("status", flat=True)) == {"open"}

    # A missing justification is a field error too.
    page = officer_client.post(
        URL,
        {
            "action": "accept_risk",
            helpers.ACTION_CHECKBOX_NAME: _ids(),
            "apply": "1",
            "expires_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
    )
    assert "Accepting a risk needs a justification." in page.content.decode()
    assert set(Finding.objects.values_list("status", flat=True)) == {"open"}


def test_false_positive_needs_a_reason_on_the_form(officer_client):
    page = officer_client.post(
        URL,
        {
            "action": "mark_false_positive",
            helpers.ACTION_CHECKBOX_NAME: _ids(),
            "apply": "1",
            "reason": "  ",
            "note": "kept",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Marking a false positive needs a reason." in html
    assert "kept" in html
    response = officer_client.post(
        URL,
        {
            "action": "mark_false_positive",
            helpers.ACTION_CHECKBOX_NAME: _ids(),
            "apply": "1",
            "reason": "test data",
        },
    )
    assert response.status_code == 302
    assert set(Finding.objects.values_list("status", flat=True)) == {"false_positive"}
