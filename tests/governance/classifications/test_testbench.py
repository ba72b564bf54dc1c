"""The info-type test bench: a rule tried on pasted values or a catalog column, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from governance.classifications import services_testbench
from governance.classifications.engine import ColumnInput
from governance.classifications.extensions import column_sources
from governance.classifications.models import Classification, SensitivityLabel

pytestmark = pytest.mark.django_db

ADD = "/admin/classifications/classification/add/"
EMPLOYEE_IDS = "\n".join([f"EMP-{i:06d}" for i in range(1, 21)] + ["", "n/a", "EMP-12"])


@pytest.fixture
def curator(make_user: Any, grant_platform: Any) -> Any:
    return grant_platform(make_user("bench-curator"), "curate_catalog")


def _form(**rule: Any) -> dict[str, Any]:
    data = {
        "code": "EMPLOYEE_ID",
        "name": "Employee id",
        "description": "",
        "category": "Personal",
        "country": "",
        "default_label": SensitivityLabel.objects.get(name="Confidential").pk,
        "is_active": "on",
        "value_regex": r"EMP-[0-9]{6}",
        "column_name_regex": r"\bemployee ?id\b",
        "dictionary_values": "[]",
        "validator": "",
        "min_match_ratio": "0.6",
        "data_types": '["string"]',
        "_test": "1",
    }
    data.update(rule)
    return data


def test_a_rule_is_tried_on_pasted_values_and_nothing_is_saved(curator: Any, client: Any) -> None:
    client.force_login(curator)
    before = Classification.objects.count()
    page = client.post(ADD, _form(bench_values=EMPLOYEE_IDS, bench_column_name="employee_id"))
    assert page.status_code == 200
    bench = page.context["bench"]
    assert bench.code == "EMPLOYEE_ID" and bench.decided and bench.decision == "EMPLOYEE_ID"
    assert (bench.matched, bench.non_null, bench.sampled) == (20, 22, 23)
    assert bench.name_matches is True and bench.confidence > 0.9
    assert any("column name 'employee_id' matches EMPLOYEE_ID" in r for r in bench.reasons)
    rows = {v.shown: v for v in bench.values}
    assert rows["EMP-000001"].matched and not rows["EMP-12"].matched
    assert not bench.masked  # the curator's own values are shown as pasted
    text = page.content.decode()
    assert "the engine would classify this column as <strong>EMPLOYEE_ID</strong>" in text
    assert Classification.objects.count() == before  # tried, never saved


def test_a_bad_regex_is_a_field_error_and_nothing_runs(curator: Any, client: Any) -> None:
    client.force_login(curator)
    page = client.post(ADD, _form(value_regex=r"(a)\1", bench_values=EMPLOYEE_IDS))
    assert page.status_code == 200 and page.context["bench"] is None
    assert "value_regex" in page.context["adminform"].form.errors
    assert "Correct the rule's fields first: value_regex." in page.context["bench_errors"]
    assert not Classification.objects.filter(code="EMPLOYEE_ID").exists()


def test_no_values_is_a_clear_message(curator: Any, client: Any) -> None:
    client.force_login(curator)
    page = client.post(ADD, _form(bench_values="  \n"))
    assert page.context["bench_errors"] == ["Paste some values (one per line) or name a column."]
    too_many = "\n".join(["x"] * 201)
    page = client.post(ADD, _form(bench_values=too_many))
    assert page.context["bench_errors"] == ["Paste at most 200 values (one per line)."]


def test_the_bench_needs_the_right_to_add_a_classification(make_user: Any, client: Any) -> None:
    reader = make_user("bench-reader")
    client.force_login(reader)
    bsn = Classification.objects.get(code="NL_BSN")
    url = f"/admin/classifications/classification/{bsn.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and not page.context["bench_allowed"]
    assert 'name="_test"' not in page.content.decode()
    assert client.post(url, {"_test": "1", "bench_values": "111222333"}).status_code == 403
    assert client.post(ADD, _form(bench_values=EMPLOYEE_IDS)).status_code == 403
    missing = "/admin/classifications/classification/999999/change/"
    client.force_login(make_user("bench-curator-2", superuser=True))
    assert client.post(missing, {"_test": "1"}).status_code == 404


def test_a_system_type_is_tried_with_the_engines_own_rules(curator: Any, client: Any) -> None:
    client.force_login(curator)
    bsn = Classification.objects.get(code="NL_BSN")
    page = client.get(f"/admin/classifications/classification/{bsn.pk}/change/")
    assert page.context["bench_allowed"] and 'name="_test"' in page.content.decode()
    values = "\n".join(["111222333", "123456782", "111222334"] * 5)
    page = client.post(
        f"/admin/classifications/classification/{bsn.pk}/change/",
        {"_test": "1", "bench_values": values, "bench_column_name": "bsn"},
    )
    bench = page.context["bench"]
    assert bench.code == "NL_BSN" and bench.decision == "NL_BSN"
    rows = {v.shown: v for v in bench.values}
    assert rows["111222333"].validated and rows["111222334"].validated is False
    assert (bench.matched, bench.validated) == (15, 10)


def test_an_edited_custom_rule_is_tried_as_edited(curator: Any, client: Any) -> None:
    row = Classification.objects.create(
        code="BADGE",
        name="Badge",
        value_regex=r"B[0-9]{4}",
        default_label=SensitivityLabel.objects.get(name="Internal"),
    )
    client.force_login(curator)
    url = f"/admin/classifications/classification/{row.pk}/change/"
    form = _form(code="BADGE", name="Badge", value_regex=r"BDG[0-9]{4}",
                 column_name_regex="", bench_values="BDG1234\nBDG5678\nB1234")  # fmt: skip
    bench = client.post(url, form).context["bench"]
    assert bench.matched == 2 and bench.name_matches is None
    assert Classification.objects.get(pk=row.pk).value_regex == r"B[0-9]{4}"


class FakeCatalog:
    label = "catalog column"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, str, int]] = []

    def choices(self, actor: Any, term: str = "") -> list[tuple[str, str]]:
        mine = [("shop.hr.staff.badge", "staff.badge (varchar(12))")]
        return mine if actor.username == "bench-curator" and term in ("", "staff") else []

    def sample(self, actor: Any, key: str, limit: int) -> ColumnInput | None:
        self.calls.append((actor, key, limit))
        if key == "shop.hr.staff.badge" and actor.username == "bench-curator":
            return ColumnInput("badge", "varchar(12)", ["EMP-123456", "EMP-654321"] * 5, "staff")
        if key == "shop.broken":
            raise ValueError("the data source is unreachable")
        return None


@pytest.fixture
def catalog() -> Any:
    source = column_sources.register("test-catalog", FakeCatalog())
    yield source
    column_sources.unregister("test-catalog")


def test_a_catalog_column_is_sampled_through_its_source_and_shown_masked(
    curator: Any, client: Any, catalog: FakeCatalog
) -> None:
    client.force_login(curator)
    page = client.get(ADD).content.decode()
    assert "catalog column" in page
    # The field suggests the columns the source offers this user (a datalist).
    assert 'list="ps-bench-columns"' in page
    assert '<option value="shop.hr.staff.badge">staff.badge (varchar(12))</option>' in page
    bench = client.post(ADD, _form(bench_column="shop.hr.staff.badge")).context["bench"]
    assert catalog.calls[-1][1:] == ("shop.hr.staff.badge", 100)
    assert bench.masked and bench.source == "column shop.hr.staff.badge"
    assert bench.matched == 10 and bench.decision == "EMPLOYEE_ID"
    shown = " ".join(v.shown for v in bench.values)
    assert "EMP-123456" not in shown and "*" in shown


def test_a_hidden_or_unknown_column_is_answered_alike(
    curator: Any, make_user: Any, catalog: FakeCatalog
) -> None:
    with pytest.raises(ValidationError) as unknown:
        services_testbench.sample_column(actor=curator, key="shop.nothing")
    other = make_user("other-curator", superuser=True)
    with pytest.raises(ValidationError) as hidden:
        services_testbench.sample_column(actor=other, key="shop.hr.staff.badge")
    assert unknown.value.messages[0].startswith("No column named 'shop.nothing'")
    assert hidden.value.messages[0] == "No column named 'shop.hr.staff.badge' that you may view."
    with pytest.raises(ValidationError, match="could not be sampled: the data source"):
        services_testbench.sample_column(actor=curator, key="shop.broken")


def test_the_service_refuses_a_reader(make_user: Any) -> None:
    from pursight.permissions import PermissionDenied

    rule = Classification(value_regex="X[0-9]+")
    with pytest.raises(PermissionDenied):
        services_testbench.test_rule(
            actor=make_user("plain"), rule=rule, column=ColumnInput("c", "text", ["X1"])
        )
