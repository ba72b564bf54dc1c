"""Rule sets choose which classifications apply (empty: every active system one)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.classifications import services as classifications
from governance.scanrules import services
from governance.scanrules.models import ScanRuleSet

pytestmark = pytest.mark.django_db


def test_api_sets_codes_and_selection_changes_the_scan_token(admin_user):
    rule_set = services.default_rule_set("sqlite")
    assert classifications.applicable_codes(services.classification_codes(rule_set.pk)) >= {
        "EMAIL_ADDRESS",
        "IBAN",
    }
    stamp = rule_set.updated_at
    client = APIClient()
    client.force_authenticate(admin_user)
    url = f"/api/v1/scan-rule-sets/{rule_set.pk}/"
    response = client.patch(url, {"classifications": ["EMAIL_ADDRESS", "IBAN"]}, format="json")
    assert response.status_code == 200, response.content
    assert sorted(response.json()["classifications"]) == ["EMAIL_ADDRESS", "IBAN"]
    assert sorted(services.classification_codes(rule_set.pk)) == ["EMAIL_ADDRESS", "IBAN"]
    assert ScanRuleSet.objects.get(pk=rule_set.pk).updated_at > stamp
    bad = client.patch(url, {"classifications": ["NOPE"]}, format="json")
    assert bad.status_code == 400
