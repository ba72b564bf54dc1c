"""The built-in library in the database: every system type seeded with its country, and its
admin page showing masked examples and what recognises it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from governance.classifications import services
from governance.classifications.engine import SYSTEM_INFO_TYPES
from governance.classifications.engine.examples import masked_examples
from governance.classifications.models import Classification, SensitivityLabel

pytestmark = pytest.mark.django_db


def test_the_migrations_seed_every_system_type_with_its_country_and_label() -> None:
    rows = {c.code: c for c in Classification.objects.filter(is_system=True)}
    assert len(rows) == len(SYSTEM_INFO_TYPES) >= 100
    for spec in SYSTEM_INFO_TYPES:
        row = rows[spec.code]
        assert (row.country, row.category, row.name) == (spec.country, spec.category, spec.name)
        assert row.default_label.name == spec.sensitivity
    assert rows["PL_PESEL"].country == "PL" and rows["EMAIL_ADDRESS"].country == ""


def test_load_classifications_restores_a_changed_country() -> None:
    Classification.objects.filter(code="NL_BSN").update(country="")
    assert services.load_classifications()["updated"] == 1
    assert Classification.objects.get(code="NL_BSN").country == "NL"


@pytest.mark.parametrize("country", ["nl", "NLD", "NL,BE", "12"])
def test_a_custom_country_must_be_iso_codes(admin_user: Any, country: str) -> None:
    row = Classification(
        code="MEMBER_NO",
        name="Member number",
        value_regex="M[0-9]{6}",
        country=country,
        default_label=SensitivityLabel.objects.get(name="Internal"),
    )
    with pytest.raises(ValidationError) as err:
        services.save_classification(actor=admin_user, classification=row)
    assert "country" in err.value.message_dict
    row.country = "NL BE"
    services.save_classification(actor=admin_user, classification=row)
    assert Classification.objects.get(code="MEMBER_NO").country == "NL BE"


def test_the_admin_page_shows_masked_examples_and_the_check(make_user: Any, client: Any) -> None:
    bsn = Classification.objects.get(code="NL_BSN")
    client.force_login(make_user("reader"))
    page = client.get(f"/admin/classifications/classification/{bsn.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    examples = masked_examples("NL_BSN")
    assert len(examples) == 3 and all("*" in e for e in examples)
    for example in examples:
        assert example in text
    assert "Dutch BSN eleven-test" in text and "burgerservicenummer" in text
    listing = client.get("/admin/classifications/classification/?country=NL")
    codes = {row.code for row in listing.context["cl"].result_list}
    assert "NL_BSN" in codes and "EMAIL_ADDRESS" not in codes
