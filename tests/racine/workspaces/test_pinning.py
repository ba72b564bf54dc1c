"""The registry of pinnable models and the descriptions of pinned objects: sensitivity and
classification-review progress of assets, a source's latest run, a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.catalog.models import CatalogColumn, CatalogTable, ColumnClassification
from governance.classifications.models import SensitivityLabel
from governance.scans.models import ScanRun
from racine.workspaces import pinning, services
from racine.workspaces.models import Pin

from .helpers import reload

pytestmark = pytest.mark.django_db


def test_the_registry_names_every_pinnable_kind() -> None:
    assert pinning.labels() == [
        "rbac.collection",
        "datasources.datasource",
        "catalog.catalogschema",
        "catalog.catalogtable",
        "catalog.catalogcolumn",
        "scans.scan",
        "scans.scanrun",
        "compliance.finding",
        "workspaces.savedsearch",
    ]
    assert not pinning.is_pinnable(ColumnClassification)
    assert pinning.entry("auth.user") is None


def _label(rank: int) -> SensitivityLabel:
    return SensitivityLabel.objects.get(rank=rank)


def test_an_asset_shows_its_highest_label_and_review_progress(team) -> None:
    from governance.classifications.models import Classification

    table = team.table(team.src_a)
    rows = ColumnClassification.objects.filter(column__table=table)
    assert rows.exists(), "the scan classified a column of the shop's customers"
    name = team.column(team.src_a, name="full_name")
    ColumnClassification.objects.create(
        column=name,
        datasource=team.src_a,
        classification=Classification.objects.exclude(pk__in=rows.values("classification")).first(),
        source="manual",
    )
    labels = list(SensitivityLabel.objects.order_by("rank"))
    low, high = labels[0], labels[-1]
    rows.update(status="suggested", sensitivity_label=low)
    first, second = list(rows.order_by("pk"))[:2]
    # A rejected classification never counts for sensitivity, but counts as decided.
    ColumnClassification.objects.filter(pk=first.pk).update(
        status="rejected", sensitivity_label=high
    )
    ColumnClassification.objects.filter(pk=second.pk).update(status="accepted")
    described = pinning.describe(table)
    assert described["type"] == "catalog.catalogtable" and described["id"] == table.pk
    assert described["name"] == f"{table.schema.name}.customers"
    assert described["url"] == f"/admin/catalog/catalogtable/{table.pk}/change/"
    assert described["context"] == "src-a"
    assert described["sensitivity"]["name"] == low.name
    assert described["review"] == {"decided": 2, "total": rows.count()}
    # Accepting the high label raises the table's sensitivity; its data source follows.
    ColumnClassification.objects.filter(pk=second.pk).update(sensitivity_label=high)
    assert pinning.describe(table)["sensitivity"] == {
        "name": high.name,
        "rank": high.rank,
        "color": high.color,
    }
    assert pinning.describe(team.src_a)["sensitivity"]["name"] == high.name
    column = second.column
    assert pinning.describe(column)["review"] == {
        "decided": ColumnClassification.objects.filter(
            column=column, status__in=["accepted", "rejected"]
        ).count(),
        "total": ColumnClassification.objects.filter(column=column).count(),
    }


def test_an_asset_without_classifications_has_no_sensitivity(team) -> None:
    ColumnClassification.objects.filter(column__table__name="orders").delete()
    described = pinning.describe(team.table(team.src_a, "orders"))
    assert described["sensitivity"] is None
    assert described["review"] == {"decided": 0, "total": 0}


def test_a_data_source_shows_its_latest_run(team, scan_source) -> None:
    run = scan_source(team.src_a)
    described = pinning.describe(team.src_a)
    assert described["scan"] == {"id": run.pk, "state": "succeeded", "progress": 1.0}
    assert described["context"] == "A"
    ScanRun.objects.filter(pk=run.pk).update(state="running", tables_done=1, tables_total=4)
    assert pinning.describe(team.src_a)["scan"]["progress"] == 0.25
    assert pinning.describe(run)["scan"]["state"] == "running"


def _pin_everything(team, n: int) -> None:
    owner = reload(team.owner)
    tables = list(CatalogTable.objects.filter(datasource=team.src_a))
    columns = list(CatalogColumn.objects.filter(datasource=team.src_a)[:n])
    for target in [team.a, team.src_a, *tables, *columns, *ScanRun.objects.all()]:
        services.pin(actor=owner, workspace=team.ws, target=target)


def test_describing_pins_costs_one_query_per_kind(team) -> None:
    _pin_everything(team, 2)
    few = list(Pin.objects.all())
    pinning.describe_pins(few)  # warm-up: fills this process's content type cache
    with CaptureQueriesContext(connection) as small:
        assert len(pinning.describe_pins(few)) == len(few)
    Pin.objects.all().delete()
    _pin_everything(team, 10)
    many = list(Pin.objects.all())
    assert len(many) > len(few)
    with CaptureQueriesContext(connection) as large:
        described = pinning.describe_pins(many)
    assert len(described) == len(many)
    kinds = len({p.target_type_id for p in many})
    assert len(large.captured_queries) == len(small.captured_queries) == kinds


def test_a_pin_of_a_deleted_object_is_left_out(team) -> None:
    search = services.create_saved_search(actor=reload(team.owner), workspace=team.ws, name="s")
    pin = services.pin(actor=reload(team.owner), workspace=team.ws, target=search)
    Pin.objects.filter(pk=pin.pk).update(target_id=987654)
    assert pinning.describe_pins([Pin.objects.get(pk=pin.pk)]) == {}
