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


@pytest.fixture(autouse=True)
def file_roots(settings, tmp_path_factory):
    """SQLite sources may be files only inside PURSIGHT_FILE_SOURCE_ROOTS: the test's tmp dirs."""
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path_factory.getbasetemp())]


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


def test_names_are_unique_per_collection_and_commands_pick_by_path(shop_db):
    run("add_datasource", "--name", "shop", "--url", f"sqlite:///{shop_db}", "--collection", "A")
    run("add_datasource", "--name", "shop", "--url", f"sqlite:///{shop_db}", "--collection", "B/C")
    with pytest.raises(CommandError, match=r"Several data sources are named 'shop'.*A, B/C"):
        run("test_connection", "shop")
    assert "Connected in" in run("test_connection", "shop", "--collection", "b/c")
    with pytest.raises(CommandError, match="No data source named 'shop' in collection 'B'"):
        run("test_connection", "shop", "--collection", "B")


def test_scan_failure_exits_with_the_reason(tmp_path):
    run("add_datasource", "--name", "gone", "--url", f"sqlite:///{tmp_path / 'gone.db'}")
    with pytest.raises(CommandError, match="failed: database_missing"):
        run("scan", "gone", "--inline")


def test_demo_builds_registers_and_scans(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.VAR_DIR = tmp_path
    # The demo's directory (inside the var directory, which is otherwise refused) is the root.
    settings.PURSIGHT_DEMO_DIR = tmp_path / "demo"
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path / "demo")]
    with django_capture_on_commit_callbacks(execute=True):
        out = run("demo")
    assert "password:" in out and re.search(r"run #\d+ succeeded", out)
    source = DataSource.objects.get(name="Demo shop")
    assert source.database == str(tmp_path / "demo" / "shop.sqlite")
    assert source.collection.name == "Sales"
    assert source.last_test_ok is True and "Tested the connection of 'Demo shop'" in out
    assert ScanRun.objects.get().tables_seen == 7  # five tables and two views
    from governance.catalog.models import ColumnClassification
    from governance.compliance.models import Finding

    found = set(
        ColumnClassification.objects.filter(column__table__name="payments").values_list(
            "column__name", "classification__code"
        )
    )
    assert {("card_number", "CREDIT_CARD_NUMBER"), ("iban", "IBAN")} <= found
    assert Finding.objects.exists()  # the frameworks were loaded and evaluated after the scan
    # Idempotent: same user and password, a new scan run; it says where the console is served.
    again = run("demo", "--url", "http://127.0.0.1:9000/admin/")
    assert out.split("password:")[1] == again.split("password:")[1]
    assert "Demo ready: http://127.0.0.1:8000/admin/" in out
    assert "Demo ready: http://127.0.0.1:9000/admin/" in again


@pytest.fixture
def twins(shop_db):
    """Two data sources named 'shop', in collections A and B/C (names are unique per
    collection, not platform-wide), and a framework for evaluate_compliance."""
    from governance.compliance.models import Framework

    run("add_datasource", "--name", "shop", "--url", f"sqlite:///{shop_db}", "--collection", "A")
    run("add_datasource", "--name", "shop", "--url", f"sqlite:///{shop_db}", "--collection", "B/C")
    Framework.objects.create(code="test", name="Test framework")
    return {s.collection.name: s for s in DataSource.objects.select_related("collection")}


def _scan(name: str, *extra: str) -> str:
    return run("scan", name, "--inline", *extra)


def _export(name: str, *extra: str) -> str:
    return run("export_catalog", "--source", name, *extra)


def _evaluate(name: str, *extra: str) -> str:
    return run("evaluate_compliance", "--framework", "test", "--source", name, *extra)


def _done() -> list[tuple[str, int | None]]:
    """What the commands did: scan runs and evaluation runs, by data source."""
    from governance.compliance.models import EvaluationRun

    return [("scan", pk) for pk in ScanRun.objects.values_list("datasource_id", flat=True)] + [
        ("evaluation", pk) for pk in EvaluationRun.objects.values_list("datasource_id", flat=True)
    ]


COMMANDS = [_scan, _export, _evaluate]


@pytest.mark.parametrize("command", COMMANDS)
def test_source_commands_refuse_an_ambiguous_name(command, twins):
    with pytest.raises(CommandError) as err:
        command("shop")
    message = str(err.value)
    assert "Several data sources are named 'shop'" in message
    assert "collections: A, B/C" in message and "--collection" in message
    assert _done() == []


@pytest.mark.parametrize("command", COMMANDS)
def test_source_commands_answer_a_missing_source_plainly(command, twins):
    with pytest.raises(CommandError, match=r"^No data source named 'nope'\.$"):
        command("nope")
    with pytest.raises(CommandError, match="No data source named 'shop' in collection 'B'"):
        command("shop", "--collection", "B")
    with pytest.raises(CommandError, match="No data source named 'shop' in collection 'Z/C'"):
        command("shop", "--collection", "Z/C")
    assert _done() == []


def test_scan_picks_the_source_by_collection_path(twins):
    out = _scan("shop", "--collection", "b/c")  # names or slugs, any case
    assert "succeeded" in out
    assert ScanRun.objects.get().datasource == twins["C"]


def test_export_catalog_picks_the_source_by_collection_path(twins):
    _scan("shop", "--collection", "A")
    _scan("shop", "--collection", "B/C")
    (exported,) = json.loads(_export("shop", "--collection", "A"))["sources"]
    assert exported["collection"] == "A" and exported["schemas"]
    # Without --source, every source (and --collection alone is refused, not ignored).
    assert len(json.loads(run("export_catalog"))["sources"]) == 2
    with pytest.raises(CommandError, match="--collection needs --source"):
        run("export_catalog", "--collection", "A")


def test_evaluate_compliance_picks_the_source_by_collection_path(twins):
    out = _evaluate("shop", "--collection", "B/C")
    assert out.splitlines()[1].startswith("test")
    assert _done() == [("evaluation", twins["C"].pk)]
    with pytest.raises(CommandError, match="--collection needs --source"):
        run("evaluate_compliance", "--collection", "A")


def test_a_unique_name_needs_no_collection(shop_db):
    run("add_datasource", "--name", "solo", "--url", f"sqlite:///{shop_db}", "--collection", "A")
    assert "succeeded" in _scan("solo")
    assert json.loads(_export("solo"))["sources"][0]["name"] == "solo"
