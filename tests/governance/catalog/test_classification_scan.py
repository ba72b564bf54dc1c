"""Scans classify sampled columns: masked evidence only, steward decisions survive rescans."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from governance.catalog import classifying
from governance.catalog.models import CatalogColumn, ColumnClassification

pytestmark = pytest.mark.django_db

CARDS = ["4111111111111111", "5500005555555559", "4012888888881881", "378282246310005"]


def build_people(path: Path, rows: int = 40) -> Path:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, contact_email VARCHAR(200), "
        "mobile VARCHAR(40), card_number VARCHAR(25), loyalty_code VARCHAR(20), note TEXT)"
    )
    con.executemany(
        "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                f"member.{i}@mailhost.example.org",
                f"+1 415 555 {1000 + i:04d}",
                CARDS[i % len(CARDS)],
                f"LYL-{i:05d}-ZQ",
                "thanks for the order" if i % 2 else "call back later",
            )
            for i in range(1, rows + 1)
        ],
    )
    con.commit()
    con.close()
    return path


RAW = ["member.1@mailhost.example.org", "+1 415 555 1001", "4111111111111111", "LYL-00001-ZQ"]


@pytest.fixture
def people_db(tmp_path: Path) -> Path:
    return build_people(tmp_path / "people.sqlite")


def found(source) -> dict[str, ColumnClassification]:
    rows = ColumnClassification.objects.filter(datasource=source).select_related(
        "column", "classification"
    )
    return {r.column.name: r for r in rows}


def test_scan_classifies_with_masked_evidence_and_no_raw_values(
    make_source, scan_source, people_db
):
    source = make_source(people_db, store_samples=True)
    run = scan_source(source)
    assert run.state == "succeeded", run.error
    rows = found(source)
    assert rows["contact_email"].classification.code == "EMAIL_ADDRESS"
    assert rows["mobile"].classification.code == "PHONE_NUMBER"
    assert rows["card_number"].classification.code == "CREDIT_CARD_NUMBER"
    assert "id" not in rows and "note" not in rows
    card = rows["card_number"]
    assert card.status == "suggested" and card.confidence >= 0.5
    assert card.reasons and card.evidence and card.model_version
    assert card.sensitivity_label.name == "Highly Confidential"
    dump = json.dumps(
        list(ColumnClassification.objects.values("reasons", "evidence", "disagreement_details"))
    )
    for raw in RAW:
        assert raw not in dump
    # sensitive columns keep no top values in their profile
    email = CatalogColumn.objects.get(datasource=source, name="contact_email")
    assert email.top_values == [] and email.sample_size == 40
    note = CatalogColumn.objects.get(datasource=source, name="note")
    assert note.top_values


def test_rescan_keeps_decisions_and_flags_disagreement(
    make_source, scan_source, people_db, admin_user
):
    source = make_source(people_db)
    scan_source(source)
    rows = found(source)
    classifying.accept_classification(actor=admin_user, classification=rows["contact_email"])
    classifying.reject_classification(actor=admin_user, classification=rows["mobile"])
    from governance.classifications.models import Classification

    city = Classification.objects.get(code="CITY")
    classifying.set_classification(
        actor=admin_user,
        column=CatalogColumn.objects.get(datasource=source, name="card_number"),
        classification=city,
    )
    # new data: the incremental scan samples the table again and sees the same evidence
    con = sqlite3.connect(people_db)
    con.execute("INSERT INTO people VALUES (99, 'x.y@mailhost.example.org', NULL, NULL, NULL, '')")
    con.commit()
    con.close()
    run = scan_source(source)
    assert run.state == "succeeded", run.error
    after = found(source)
    assert after["contact_email"].status == "accepted"
    assert not after["contact_email"].disagreement
    assert after["mobile"].status == "rejected" and after["mobile"].disagreement
    assert after["mobile"].disagreement_details["found"] == "PHONE_NUMBER"
    manual = ColumnClassification.objects.get(column__name="card_number", status="accepted")
    assert manual.classification.code == "CITY" and manual.source == "manual"
    assert manual.disagreement
    assert manual.disagreement_details["found"] == "CREDIT_CARD_NUMBER"
    # the rejected suggestion of the card column stays rejected, never re-suggested
    card_rows = ColumnClassification.objects.filter(column__name="card_number")
    assert {(r.classification.code, r.status) for r in card_rows} == {
        ("CITY", "accepted"),
        ("CREDIT_CARD_NUMBER", "rejected"),
    }


def test_label_rollup_to_table_and_source(make_source, scan_source, people_db, shop_db):
    from governance.catalog.models import CatalogTable

    people = make_source(people_db)
    shop = make_source(shop_db)
    scan_source(people)
    scan_source(shop)
    tables = {t.name: t.pk for t in CatalogTable.objects.all()}
    labels = classifying.table_labels(tables.values())
    assert labels[tables["people"]] == "Highly Confidential"
    assert labels[tables["customers"]] == "Confidential"
    assert tables["orders"] not in labels
    assert classifying.datasource_labels([people.pk, shop.pk]) == {
        people.pk: "Highly Confidential",
        shop.pk: "Confidential",
    }
    annotated = classifying.with_table_label(CatalogTable.objects.filter(name="customers")).get()
    assert annotated.sensitivity_label == "Confidential"


def test_custom_rule_detected_in_scan(make_source, scan_source, people_db, admin_user):
    from governance.classifications import services
    from governance.classifications.models import Classification, SensitivityLabel
    from governance.scanrules import services as scanrules

    rule = services.save_classification(
        actor=admin_user,
        classification=Classification(
            code="LOYALTY_CODE",
            name="Loyalty code",
            default_label=SensitivityLabel.objects.get(name="Internal"),
            value_regex=r"LYL-[0-9]{5}-[A-Z]{2}",
            column_name_regex=r"\bloyalty\b",
        ),
    )
    source = make_source(people_db)
    rule_set = scanrules.default_rule_set(source.kind)
    scanrules.save_rule_set(
        actor=admin_user,
        rule_set=rule_set,
        classifications=[rule, *Classification.objects.filter(code="EMAIL_ADDRESS")],
    )
    scan_source(source)
    rows = found(source)
    assert rows["loyalty_code"].classification.code == "LOYALTY_CODE"
    assert rows["loyalty_code"].sensitivity_label.name == "Internal"
    assert "LYL-00001-ZQ" not in json.dumps(rows["loyalty_code"].evidence)
    # only the rule set's classifications apply
    assert set(rows) == {"loyalty_code", "contact_email"}
