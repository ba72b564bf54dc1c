"""manage.py commands: add_datasource, test_connection, scan, export_catalog, demo."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from governance.datasources.models import DataSource
from governance.scans.models import ScanRun

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_add_test_scan_export(shop_db):
    out = run(
        "add_datasource",
        "--name",
        "shop",
        "--url",
        f"sqlite:///{shop_db}",
        "--collection",
        "Sales/EU",
    )
    assert "Registered data source 'shop'" in out
    source = DataSource.objects.get(name="shop")
    assert source.collection.name == "EU" and source.collection.parent.name == "Sales"
    assert "Connected in" in run("test_connection", "shop")
    out = run("scan", "shop", "--inline")
    assert "succeeded" in out and "columns_added=9" in out
    assert ScanRun.objects.get().trigger == "command"
    data = json.loads(run("export_catalog", "--source", "shop", "--format", "json"))
    (exported,) = data["sources"]
    tables = {t["name"]: t for t in exported["schemas"][0]["tables"]}
    assert set(tables) == {"customers", "orders", "big_orders"}
    email = next(c for c in tables["customers"]["columns"] if c["name"] == "email")
    assert email["profile"]["null_fraction"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    "url, message",
    [
        ("not a url", "Malformed URL"),
        ("oracle://u:p@h/db", "Unknown URL scheme 'oracle'"),
        ("postgresql://u:p@host:notaport/db", "port"),
        ("postgresql://u:p@host:5432/", "database name is required"),
    ],
)
def test_add_datasource_rejects_bad_urls_and_registers_nothing(url, message):
    with pytest.raises(CommandError, match=message) as err:
        run("add_datasource", "--name", "bad", "--url", url)
    assert "p@" not in str(err.value)
    assert not DataSource.objects.exists()


def test_add_datasource_rejects_duplicate_names(shop_db):
    run("add_datasource", "--name", "shop", "--url", f"sqlite:///{shop_db}")
    with pytest.raises(CommandError, match="already exists"):
        run("add_datasource", "--name", "shop", "--url", f"sqlite:///{shop_db}")


def test_test_connection_failure_and_unknown_source(tmp_path):
    run("add_datasource", "--name", "gone", "--url", f"sqlite:///{tmp_path / 'gone.db'}")
    with pytest.raises(CommandError, match="database_missing"):
        run("test_connection", "gone")
    with pytest.raises(CommandError, match="No data source named 'nope'"):
        run("test_connection", "nope")
    with pytest.raises(CommandError, match="No data source named 'nope'"):
        run("scan", "nope")


def test_scan_failure_exits_with_the_reason(tmp_path):
    run("add_datasource", "--name", "gone", "--url", f"sqlite:///{tmp_path / 'gone.db'}")
    with pytest.raises(CommandError, match="failed: database_missing"):
        run("scan", "gone", "--inline")


def test_demo_builds_registers_and_scans(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.VAR_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        out = run("demo")
    assert "password:" in out and re.search(r"run #\d+ succeeded", out)
    source = DataSource.objects.get(name="Demo shop")
    assert source.collection.name == "Sales"
    assert ScanRun.objects.get().tables_seen == 5
    from governance.catalog.models import ColumnClassification
    from governance.compliance.models import Finding

    found = set(
        ColumnClassification.objects.filter(column__table__name="payments").values_list(
            "column__name", "classification__code"
        )
    )
    assert {("card_number", "CREDIT_CARD_NUMBER"), ("iban", "IBAN")} <= found
    assert Finding.objects.exists()  # the frameworks were loaded and evaluated after the scan
    again = run("demo")  # idempotent: same user and password, a new scan run
    assert out.split("password:")[1] == again.split("password:")[1]
