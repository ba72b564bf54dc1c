"""Sensitive data inside free text ("contains" results): stored at scan time, replaced on
rescan, shown on the column and table pages, exported, gated; and catalog columns offered to the
info-type test bench."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.catalog import bench
from governance.catalog.exporting import export_catalog
from governance.catalog.models import CatalogColumn, CatalogTable, ColumnContainment
from governance.classifications import services_testbench
from governance.datasources.models import DataSource
from pursight import permissions

pytestmark = pytest.mark.django_db


def build_tickets(path: Path, rows: int = 40, *, with_contacts: bool = True) -> Path:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, contact_email VARCHAR(200), notes TEXT, "
        "subject TEXT)"
    )
    con.executemany(
        "INSERT INTO tickets VALUES (?, ?, ?, ?)",
        [
            (
                i,
                f"client.{i}@mailhost.example.org",
                (
                    f"Customer asked to be called back on +44 20 7946 {i:04d} or mailed at "
                    f"client.{i}@mailhost.example.org"
                    if with_contacts and i % 2
                    else "Customer satisfied with the answer, nothing more to do here"
                ),
                "Delivery delayed by the carrier for a few days",
            )
            for i in range(1, rows + 1)
        ],
    )
    con.commit()
    con.close()
    return path


@pytest.fixture
def world(make_user, make_collection, grant, grant_platform, make_source, scan_source, tmp_path):
    support, hr = make_collection("Support"), make_collection("HR")
    reader, outsider, steward = make_user("reader"), make_user("outsider"), make_user("steward")
    grant(reader, "view_catalog", support)
    grant(outsider, "view_catalog", hr)
    grant_platform(steward, "curate_catalog")  # may use the test bench
    grant(steward, "view_catalog", support)
    desk = make_source(build_tickets(tmp_path / "d.sqlite"), collection=support, name="desk")
    run = scan_source(desk)
    assert run.state == "succeeded", run.error
    other = make_source(build_tickets(tmp_path / "o.sqlite"), collection=hr, name="other")
    scan_source(other)
    return {
        "reader": reader,
        "outsider": outsider,
        "steward": steward,
        "desk": desk,
        "other": other,
        "run": run,
        "notes": CatalogColumn.objects.get(datasource=desk, name="notes"),
        "hidden_notes": CatalogColumn.objects.get(datasource=other, name="notes"),
    }


def codes(column: CatalogColumn) -> dict[str, ColumnContainment]:
    return {
        r.classification.code: r
        for r in ColumnContainment.objects.filter(column=column).select_related("classification")
    }


def test_scan_stores_contains_results_with_share_and_masked_evidence(world: Any) -> None:
    found = codes(world["notes"])
    assert set(found) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    for row in found.values():
        assert row.share == 0.5
        assert (row.matched, row.sampled) == (20, 40)
        assert row.scan_run_id == world["run"].pk
        assert row.datasource_id == world["desk"].pk
        assert row.evidence and all("mailhost" not in e and "7946 0" not in e for e in row.evidence)
    # an e-mail column *is* e-mail: not reported as containing it; plain text contains nothing
    desk = world["desk"]
    email = CatalogColumn.objects.get(datasource=desk, name="contact_email")
    subject = CatalogColumn.objects.get(datasource=desk, name="subject")
    assert codes(email) == {} and codes(subject) == {}


def test_a_rescan_replaces_the_results_of_columns_sampled_again(
    world: Any, scan_source: Any, tmp_path: Path
) -> None:
    desk = world["desk"]
    Path(desk.database).unlink()
    build_tickets(Path(desk.database), with_contacts=False)
    run = scan_source(desk)
    assert run.state == "succeeded" and run.tables_sampled == 1
    assert codes(world["notes"]) == {}
    assert codes(world["hidden_notes"])  # another source's results are untouched


def test_rows_are_gated_by_the_sources_collection(world: Any) -> None:
    def visible(user: Any) -> set[int]:
        return set(
            permissions.restrict(ColumnContainment.objects.all(), user).values_list(
                "datasource_id", flat=True
            )
        )

    assert visible(world["reader"]) == {world["desk"].pk}
    assert visible(world["outsider"]) == {world["other"].pk}
    assert not permissions.can(world["reader"], "change", ColumnContainment.objects.first())


def column_url(column: CatalogColumn) -> str:
    return reverse("admin:catalog_catalogcolumn_page", kwargs={"object_id": column.pk})


def test_the_column_and_table_pages_show_them(world: Any, client: Any) -> None:
    client.force_login(world["reader"])
    notes = world["notes"]
    with CaptureQueriesContext(connection) as queries:
        page = client.get(column_url(notes))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sensitive data inside the text" in html
    assert "50% (20 of 40 sampled values)" in html
    assert "mailhost.example.org" not in html.split("Sensitive data inside the text")[1]
    table = CatalogTable.objects.get(pk=notes.table_id)
    page = client.get(reverse("admin:catalog_catalogtable_page", kwargs={"object_id": table.pk}))
    html = page.content.decode()
    assert "Sensitive data inside text columns" in html
    assert column_url(notes) in html
    # one more query for the panel, whatever the number of rows
    ColumnContainment.objects.filter(column=notes).update(share=0.75)
    with CaptureQueriesContext(connection) as again:
        client.get(column_url(notes))
    assert len(again) == len(queries)
    # a hidden column answers like a missing one, panel or not
    assert client.get(column_url(world["hidden_notes"])).status_code == 404


def test_columns_without_results_show_no_panel(world: Any, client: Any) -> None:
    client.force_login(world["reader"])
    subject = CatalogColumn.objects.get(datasource=world["desk"], name="subject")
    assert "Sensitive data inside" not in client.get(column_url(subject)).content.decode()


def test_the_export_lists_them_per_column_in_constant_queries(world: Any) -> None:
    sources = DataSource.objects.filter(pk=world["desk"].pk)
    with CaptureQueriesContext(connection) as queries:
        data = export_catalog(sources)
    columns = {c["name"]: c for c in data["sources"][0]["schemas"][0]["tables"][0]["columns"]}
    contains = {c["info_type"]: c for c in columns["notes"]["contains"]}
    assert set(contains) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert contains["PHONE_NUMBER"]["share"] == 0.5
    assert "contains" not in columns["subject"]
    ColumnContainment.objects.create(
        column=CatalogColumn.objects.get(datasource=world["desk"], name="subject"),
        datasource=world["desk"],
        classification=ColumnContainment.objects.first().classification,
        share=0.1,
        found_at=ColumnContainment.objects.first().found_at,
    )
    with CaptureQueriesContext(connection) as again:
        export_catalog(sources)
    assert len(again) == len(queries)


# --- the test bench's catalog columns ------------------------------------------------------------
def test_the_bench_samples_a_catalog_column_by_its_qualified_name(world: Any) -> None:
    notes = world["notes"]
    for key in (notes.display_qualified_name, notes.qualified_name):
        column = services_testbench.sample_column(actor=world["steward"], key=key, limit=10)
        assert column.name == "notes" and column.table == "tickets"
        assert len(column.values) == 10
        assert set(column.siblings) == {"id", "contact_email", "subject"}
    result = services_testbench.sample_column(
        actor=world["steward"], key="desk/main/tickets/contact_email", limit=5
    )
    assert result.values[0] == "client.1@mailhost.example.org"


def test_the_bench_answers_a_hidden_column_like_a_missing_one(world: Any) -> None:
    hidden = world["hidden_notes"]
    messages = []
    for key in (hidden.display_qualified_name, hidden.qualified_name, "desk/main/tickets/nope"):
        with pytest.raises(ValidationError) as info:
            services_testbench.sample_column(actor=world["steward"], key=key)
        messages.append(info.value.messages[0].replace(repr(key), "KEY"))
    assert len(set(messages)) == 1


def test_a_source_that_fails_is_a_clear_message(world: Any) -> None:
    Path(world["desk"].database).unlink()
    with pytest.raises(ValidationError) as info:
        services_testbench.sample_column(
            actor=world["steward"], key=world["notes"].display_qualified_name
        )
    assert "could not be sampled" in info.value.messages[0]
    assert "does not exist" in info.value.messages[0]


def test_the_picker_offers_only_columns_the_user_may_view(world: Any) -> None:
    offered = bench.column_source.choices(world["steward"], "notes")
    assert offered == [(world["notes"].display_qualified_name, "tickets.notes (TEXT)")]
    assert bench.column_source.choices(world["outsider"], "notes") == [
        (world["hidden_notes"].display_qualified_name, "tickets.notes (TEXT)")
    ]
    assert len(bench.column_source.choices(world["reader"])) == 4


# --- the column API's "contains" ------------------------------------------------------------------
def api_for(user: Any) -> Any:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    # A fresh user object, as in production: no scope cached across requests.
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    return client


def test_the_column_api_shows_them_on_visible_columns_only(world: Any) -> None:
    notes, hidden = world["notes"], world["hidden_notes"]
    reader = api_for(world["reader"])
    listed = reader.get(f"/api/v1/catalog/columns/?table={notes.table_id}&ordering=ordinal")
    assert listed.status_code == 200
    by_name = {c["name"]: c for c in listed.json()["results"]}
    contains = by_name["notes"]["contains"]
    assert [c["info_type"] for c in contains] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]  # by name
    for c in contains:
        assert set(c) == {
            "info_type",
            "info_type_name",
            "share",
            "matched",
            "sampled",
            "evidence",
            "scan_run_id",
            "found_at",
        }
        assert (c["share"], c["matched"], c["sampled"]) == (0.5, 20, 40)
        assert c["scan_run_id"] == world["run"].pk
        assert c["evidence"] and all(
            "mailhost" not in e and "7946 0" not in e for e in c["evidence"]
        )
    assert by_name["subject"]["contains"] == [] and by_name["contact_email"]["contains"] == []
    detail = reader.get(f"/api/v1/catalog/columns/{notes.pk}/").json()
    assert detail["contains"] == contains
    # another collection's column (with results of its own) is a 404, and never listed
    assert reader.get(f"/api/v1/catalog/columns/{hidden.pk}/").status_code == 404
    everything = reader.get("/api/v1/catalog/columns/?page_size=100").json()["results"]
    assert {c["datasource_name"] for c in everything} == {"desk"}
    outsider = api_for(world["outsider"]).get(f"/api/v1/catalog/columns/{hidden.pk}/").json()
    assert {c["info_type"] for c in outsider["contains"]} == {"EMAIL_ADDRESS", "PHONE_NUMBER"}


def test_the_column_list_reads_them_in_constant_queries(world: Any) -> None:
    desk = world["desk"]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api_for(world["reader"]).get("/api/v1/catalog/columns/?page_size=50")
        assert response.status_code == 200
        return len(queries)

    before = count()
    found = ColumnContainment.objects.first()
    for column in CatalogColumn.objects.filter(datasource=desk).exclude(name="notes"):
        ColumnContainment.objects.create(
            column=column,
            datasource=desk,
            classification=found.classification,
            share=0.25,
            found_at=found.found_at,
        )
    assert count() == before
    results = api_for(world["reader"]).get("/api/v1/catalog/columns/?page_size=50").json()
    assert all(c["contains"] for c in results["results"])  # every column has one now


def test_info_types_hidden_from_the_user_are_left_out(world: Any, monkeypatch: Any) -> None:
    from governance.classifications.models import Classification

    # Info types are readable by anyone signed in; were they restricted (here: to platform
    # curators), a column's results would show only the types the user may see.
    monkeypatch.setitem(
        permissions._registry,
        Classification,
        permissions.Securable(Classification, "", {"view": "curate_catalog"}, platform=True),
    )
    notes = world["notes"]
    url = f"/api/v1/catalog/columns/{notes.pk}/"
    assert api_for(world["reader"]).get(url).json()["contains"] == []
    listed = api_for(world["reader"]).get(f"/api/v1/catalog/columns/?table={notes.table_id}")
    assert all(c["contains"] == [] for c in listed.json()["results"])
    steward = api_for(world["steward"]).get(url).json()["contains"]
    assert {c["info_type"] for c in steward} == {"EMAIL_ADDRESS", "PHONE_NUMBER"}


def test_a_curators_edit_answers_with_them(world: Any) -> None:
    notes = world["notes"]
    response = api_for(world["steward"]).patch(
        f"/api/v1/catalog/columns/{notes.pk}/", {"description": "free text"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "free text"
    assert len(response.json()["contains"]) == 2
