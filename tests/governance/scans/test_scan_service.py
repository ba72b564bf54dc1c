"""Scans end to end on SQLite: discovery, profiles, incremental upserts, changes, failures."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Max
from django.utils import timezone

from governance.catalog.models import CatalogColumn, CatalogSchema, CatalogTable
from governance.datasources.connectors import ConnectorError, ErrorCode
from governance.scans import services
from governance.scans.choices import RunState
from governance.scans.models import ScanRun, SchemaChange

pytestmark = pytest.mark.django_db


def test_first_scan_discovers_tables_views_columns_and_profiles(shop_db, make_source, scan_source):
    source = make_source(shop_db)
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED, run.error
    assert (run.schemas_seen, run.tables_seen, run.columns_seen) == (1, 3, 9)
    assert run.tables_added == 3 and run.columns_added == 9
    assert run.tables_done == run.tables_total == 3
    view = CatalogTable.objects.get(name="big_orders")
    assert view.kind == "view" and "amount > 100" in view.definition
    email = CatalogColumn.objects.get(table__name="customers", name="email")
    assert email.data_type.upper().startswith("VARCHAR")
    assert email.null_fraction == pytest.approx(6 / 30, abs=1e-3)
    assert email.distinct_count == 24 and email.sample_size == 30
    assert email.top_values == []  # sample storage is off by default
    full_name = CatalogColumn.objects.get(table__name="customers", name="full_name")
    assert full_name.nullable is False and full_name.ordinal == 2
    created = CatalogColumn.objects.get(table__name="customers", name="created_at")
    assert "CURRENT_TIMESTAMP" in (created.default or "")
    assert CatalogTable.objects.get(name="customers").row_estimate == 30
    # A new table is one change listing its columns, not one change per column.
    assert SchemaChange.objects.filter(run=run, change="added").count() == 1 + 3
    added = SchemaChange.objects.get(run=run, display_name="main.customers")
    assert added.details == {"columns": ["id", "full_name", "email", "created_at"]}
    source.refresh_from_db()
    assert source.last_scan_at is not None


def test_rescan_of_unchanged_database_writes_no_catalog_row(shop_db, make_source, scan_source):
    source = make_source(shop_db)
    scan_source(source)
    stamps = [
        m.objects.aggregate(m=Max("updated_at"))["m"]
        for m in (CatalogSchema, CatalogTable, CatalogColumn)
    ]
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED
    assert run.columns_seen == 9
    assert (
        sum(
            getattr(run, f"{k}_{w}")
            for k in ("schemas", "tables", "columns")
            for w in ("added", "changed", "removed")
        )
        == 0
    )
    assert not SchemaChange.objects.filter(run=run).exists()
    assert stamps == [
        m.objects.aggregate(m=Max("updated_at"))["m"]
        for m in (CatalogSchema, CatalogTable, CatalogColumn)
    ]


def test_rescan_records_added_removed_and_type_changed_columns(shop_db, make_source, scan_source):
    source = make_source(shop_db)
    scan_source(source)
    con = sqlite3.connect(shop_db)
    con.executescript(
        """
        DROP VIEW big_orders;
        ALTER TABLE customers ADD COLUMN phone VARCHAR(30);
        ALTER TABLE orders DROP COLUMN amount;
        ALTER TABLE orders ADD COLUMN amount TEXT;
        """
    )
    con.close()
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED, run.error
    changes = {(c.change, c.display_name) for c in SchemaChange.objects.filter(run=run)}
    assert ("added", "main.customers.phone") in changes
    assert ("type_changed", "main.orders.amount") in changes
    assert ("removed", "main.big_orders") in changes
    detail = SchemaChange.objects.get(run=run, change="type_changed").details
    assert detail["from"].upper().startswith("NUMERIC") and detail["to"].upper() == "TEXT"
    view = CatalogTable.objects.get(name="big_orders")
    assert view.removed_at is not None
    assert CatalogColumn.objects.filter(table=view, removed_at__isnull=True).count() == 0
    assert run.tables_removed == 1 and run.columns_added == 1 and run.columns_changed >= 1

    # The view comes back: the same rows are restored, not duplicated.
    con = sqlite3.connect(shop_db)
    con.execute("CREATE VIEW big_orders AS SELECT id, amount FROM orders")
    con.close()
    run = scan_source(source)
    view.refresh_from_db()
    assert view.removed_at is None
    assert CatalogTable.objects.filter(name="big_orders").count() == 1
    assert SchemaChange.objects.filter(
        run=run, change="restored", display_name="main.big_orders"
    ).exists()


def test_table_dropped_mid_scan_is_skipped_with_a_warning(
    shop_db, make_source, scan_source, monkeypatch
):
    from governance.datasources.connectors.sqlite import SQLiteConnector

    source = make_source(shop_db)
    original = SQLiteConnector.sample

    def sample(self, schema, table, columns, limit, method="top"):
        if table == "orders":  # the table vanishes between discovery and sampling
            con = sqlite3.connect(shop_db)
            con.executescript("DROP VIEW big_orders; DROP TABLE orders;")
            con.close()
        return original(self, schema, table, columns, limit, method)

    monkeypatch.setattr(SQLiteConnector, "sample", sample)
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED, run.error
    assert any("orders vanished" in w for w in run.warnings)
    assert not CatalogTable.objects.filter(name="orders").exists()
    assert CatalogColumn.objects.filter(table__name="customers").count() == 4


def test_missing_database_fails_the_run_with_a_clear_error(make_source, scan_source, tmp_path):
    source = make_source(tmp_path / "gone.sqlite")
    run = scan_source(source)
    assert run.state == RunState.FAILED
    assert run.error.startswith("database_missing:") and "does not exist" in run.error
    assert not CatalogTable.objects.exists()


def test_cancel_between_batches_keeps_committed_batches(
    tmp_path, make_source, settings, monkeypatch
):
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "BATCH_TABLES": 2}
    path = tmp_path / "many.sqlite"
    con = sqlite3.connect(path)
    for i in range(10):
        con.execute(f"CREATE TABLE t{i} (id INTEGER, v TEXT)")
    con.close()
    source = make_source(path)
    scan = services.default_scan(actor=None, source=source)
    run = services.start_scan(actor=None, scan=scan, enqueue=False)
    original = services.catalog.upsert_tables
    calls = {"n": 0}

    def upsert(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # a user cancels while the second batch is written
            services.cancel_run(actor=None, run=ScanRun.objects.get(pk=run.pk))
        return original(*args, **kwargs)

    monkeypatch.setattr(services.catalog, "upsert_tables", upsert)
    run = services.execute_run(run.pk)
    assert run.state == RunState.CANCELLED
    assert run.tables_done == 4 and CatalogTable.objects.count() == 4
    for table in CatalogTable.objects.all():  # each committed table is whole
        assert table.columns.count() == 2


def test_cancel_of_a_queued_run_is_immediate(shop_db, make_source):
    source = make_source(shop_db)
    run = services.start_scan(
        actor=None, scan=services.default_scan(actor=None, source=source), enqueue=False
    )
    services.cancel_run(actor=None, run=run)
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED
    assert services.execute_run(run.pk).state == RunState.CANCELLED  # a late task does nothing
    with pytest.raises(services.ScanError, match="already cancelled"):
        services.cancel_run(actor=None, run=run)


def test_only_one_active_run_per_scan(shop_db, make_source):
    source = make_source(shop_db)
    scan = services.default_scan(actor=None, source=source)
    services.start_scan(actor=None, scan=scan, enqueue=False)
    with pytest.raises(services.ScanError, match="already has an active run"):
        services.start_scan(actor=None, scan=scan, enqueue=False)


def test_stale_heartbeat_marks_the_run_failed_and_a_rerun_completes(
    shop_db, make_source, scan_source
):
    source = make_source(shop_db)
    scan = services.default_scan(actor=None, source=source)
    run = services.start_scan(actor=None, scan=scan, enqueue=False)
    # A worker claimed it, then died: the heartbeat is old.
    ScanRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING,
        worker="dead-host:1",
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    assert services.detect_stale_runs() == [run.pk]
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "stopped responding" in run.error
    assert services.execute_run(run.pk).state == RunState.FAILED  # the redelivered task is a no-op
    rerun = scan_source(source)
    assert rerun.state == RunState.SUCCEEDED and rerun.columns_seen == 9


def test_redelivered_task_of_a_live_run_does_not_run_twice(shop_db, make_source):
    source = make_source(shop_db)
    run = services.start_scan(
        actor=None, scan=services.default_scan(actor=None, source=source), enqueue=False
    )
    ScanRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, worker="other:2", heartbeat_at=timezone.now()
    )
    services.execute_run(run.pk, worker="me:1")
    run.refresh_from_db()
    assert run.state == RunState.RUNNING and run.attempts == 0
    assert not CatalogTable.objects.exists()


def test_rule_set_excludes_tables_and_columns(shop_db, make_source, scan_source):
    from governance.scanrules.models import ScanRuleSet

    source = make_source(shop_db)
    scan = services.default_scan(actor=None, source=source)
    scan.rule_set = ScanRuleSet.objects.create(
        name="no orders", exclude_tables=["orders", "big_*"], exclude_columns=["customers.email"]
    )
    scan.save()
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED
    assert set(CatalogTable.objects.values_list("name", flat=True)) == {"customers"}
    assert not CatalogColumn.objects.filter(name="email").exists()


def test_connector_errors_surface_codes(tmp_path: Path):
    from governance.datasources.connectors import ConnectionParams, get_connector

    with pytest.raises(ConnectorError) as err:
        get_connector(ConnectionParams(kind="oracle"))
    assert err.value.code == ErrorCode.INVALID_CONFIG


def test_incremental_rescan_samples_only_changed_tables(shop_db, make_source, scan_source):
    source = make_source(shop_db)
    first = scan_source(source)
    assert first.tables_sampled == 3
    again = scan_source(source)
    assert again.tables_sampled == 1  # only the view: its data has no version to compare
    con = sqlite3.connect(shop_db)
    con.execute("UPDATE customers SET email = NULL")
    con.commit()
    con.close()
    changed = scan_source(source)
    assert changed.tables_sampled == 3  # a SQLite write changes every table's version
    email = CatalogColumn.objects.get(table__name="customers", name="email")
    assert email.null_fraction == 1.0 and changed.columns_changed >= 1


def test_full_rescan_when_incremental_is_off(shop_db, make_source, scan_source):
    from governance.scanrules.models import ScanRuleSet

    source = make_source(shop_db)
    scan = services.default_scan(actor=None, source=source)
    scan.rule_set = ScanRuleSet.objects.create(name="full", incremental=False)
    scan.save()
    scan_source(source)
    assert scan_source(source).tables_sampled == 3
