"""Custom rules (RE2 validation), label policies, model versions, feedback, classify_columns."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from governance.classifications import services
from governance.classifications.engine import SYSTEM_INFO_TYPES
from governance.classifications.models import Classification, ClassifierModel, SensitivityLabel

pytestmark = pytest.mark.django_db


def _custom(**kw) -> Classification:
    return Classification(
        code=kw.pop("code", "BADGE_ID"),
        name="Badge id",
        default_label=SensitivityLabel.objects.get(name="Internal"),
        **kw,
    )


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=x)abc", "([a-z"])
def test_bad_regex_is_a_field_error_and_nothing_is_saved(admin_user, pattern):
    with pytest.raises(ValidationError) as err:
        services.save_classification(actor=admin_user, classification=_custom(value_regex=pattern))
    assert "value_regex" in err.value.message_dict
    assert "RE2" in err.value.message_dict["value_regex"][0]
    assert not Classification.objects.filter(code="BADGE_ID").exists()


def test_api_bad_regex_400_and_readers_cannot_create(
    make_user, make_collection, grant, grant_platform
):
    curator, reader = make_user("cur"), make_user("rdr")
    coll = make_collection("C")
    # The library is global: a platform-wide curate_catalog (not a grant on one collection).
    grant_platform(curator, "curate_catalog")
    grant(reader, "curate_catalog", coll)  # a curator of one collection only: refused too
    grant(reader, "view_catalog", coll)
    payload = {
        "code": "BADGE_ID",
        "name": "Badge",
        "default_label": "Internal",
        "column_name_regex": "(?<=x)badge",
    }
    client = APIClient()
    client.force_authenticate(reader)
    assert client.post("/api/v1/classifications/", payload, format="json").status_code == 403
    client.force_authenticate(curator)
    bad = client.post("/api/v1/classifications/", payload, format="json")
    assert bad.status_code == 400 and "column_name_regex" in bad.json()
    assert not Classification.objects.filter(code="BADGE_ID").exists()
    payload["column_name_regex"] = r"\bbadge\b"
    ok = client.post("/api/v1/classifications/", payload, format="json")
    assert ok.status_code == 201, ok.content
    listed = client.get("/api/v1/classifications/").json()
    assert any(c["code"] == "EMAIL_ADDRESS" and c["is_system"] for c in listed["results"])


def test_label_policy_updates_stored_labels(admin_user):
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    assert services.effective_label_ids()[email.pk] == email.default_label_id
    high = SensitivityLabel.objects.get(name="Highly Confidential")
    services.set_label_policy(actor=admin_user, classification=email, label=high)
    assert services.effective_label_ids()[email.pk] == high.pk


def test_load_classifications_is_idempotent():
    call_command("load_classifications")
    call_command("load_classifications")
    assert Classification.objects.filter(is_system=True).count() == len(SYSTEM_INFO_TYPES)
    assert list(SensitivityLabel.objects.values_list("name", flat=True)) == [
        "Public",
        "Internal",
        "Confidential",
        "Highly Confidential",
    ]


def test_classify_columns_output(tmp_path: Path):
    records = [
        {"id": "t.email", "table": "t", "column": "email", "data_type": "varchar(100)",
         "values": [f"user{i}@example.com" for i in range(20)]},
        {"id": "t.qty", "table": "t", "column": "qty", "data_type": "integer",
         "values": [str(i) for i in range(20)]},
    ]  # fmt: skip
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in records))
    call_command("classify_columns", "--input", str(src), "--output", str(out))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines == [
        {"id": "t.email", "predicted": "EMAIL_ADDRESS"},
        {"id": "t.qty", "predicted": None},
    ]


def test_feedback_changes_later_predictions(make_source, scan_source, admin_user, tmp_path: Path):
    """A steward sets a kind of column the model misses; after retraining it is found."""
    from governance.catalog import classifying
    from governance.catalog.models import CatalogColumn, ColumnClassification

    def build(path: Path, table: str, column: str) -> Path:
        con = sqlite3.connect(path)
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {column} TEXT)")
        con.executemany(
            f"INSERT INTO {table} VALUES (?, ?)",
            [(i, f"QX{i * 7919 % 100000:05d}") for i in range(60)],
        )
        con.commit()
        con.close()
        return path

    trained = make_source(build(tmp_path / "a.sqlite", "members", "member_ref"))
    scan_source(trained)
    assert not ColumnClassification.objects.filter(column__name="member_ref").exists()
    passport = Classification.objects.get(code="US_PASSPORT_NUMBER")
    classifying.set_classification(
        actor=admin_user,
        column=CatalogColumn.objects.get(name="member_ref"),
        classification=passport,
    )
    before = ClassifierModel.objects.get(is_active=True).version
    call_command("train_classifier", "--small", "--seed", "1")
    after = ClassifierModel.objects.get(is_active=True)
    assert after.version != before and after.metadata["feedback_columns"] == 1
    other = make_source(build(tmp_path / "b.sqlite", "members", "member_ref"))
    scan_source(other)
    found = ColumnClassification.objects.get(datasource=other, column__name="member_ref")
    assert found.classification.code == "US_PASSPORT_NUMBER"
    assert found.model_version == after.version
