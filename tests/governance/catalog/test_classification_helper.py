"""Scans classify in the engine's helper process, overlapping sampling, and survive losing it."""

from __future__ import annotations

import os
import signal
import sqlite3

import pytest

from governance.catalog.models import ColumnClassification
from governance.classifications import services as classifications
from governance.classifications.engine import FEATURE_VERSION
from governance.classifications.engine.process import EngineProcess
from governance.classifications.models import ClassifierModel
from governance.scans.models import ScanRun

from .test_classification_scan import build_people, found

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_helper(settings):
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "CLASSIFY_IN_HELPER": True}
    yield
    classifications.stop_engine_helper()


@pytest.fixture
def people_tables(tmp_path):
    """One SQLite file with three tables of people: several batches when a batch is one table."""
    path = build_people(tmp_path / "people.sqlite")
    con = sqlite3.connect(path)
    for copy in ("people_b", "people_c"):
        con.execute(f"CREATE TABLE {copy} AS SELECT * FROM people")
    con.commit()
    con.close()
    return path


def _codes(source) -> dict[tuple[str, str], str]:
    rows = ColumnClassification.objects.filter(datasource=source).select_related(
        "column__table", "classification"
    )
    return {(r.column.table.name, r.column.name): r.classification.code for r in rows}


def test_scan_in_helper_finds_what_an_in_process_scan_finds(
    monkeypatch, settings, make_source, scan_source, people_tables, with_helper
):
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "BATCH_TABLES": 1}
    original, submitted = EngineProcess.submit, []

    def counting_submit(self, columns):
        submitted.append((self.pid, len(columns)))
        return original(self, columns)

    monkeypatch.setattr(EngineProcess, "submit", counting_submit)
    helped = make_source(people_tables, name="helped")
    run = scan_source(helped)
    assert run.state == "succeeded", run.error
    # every batch (one table each) went to the helper process, not to this one
    assert [n for _, n in submitted] == [6, 6, 6]
    assert {pid for pid, _ in submitted} != {os.getpid()} and len({p for p, _ in submitted}) == 1
    helper = classifications.engine_helper()
    assert helper is not None and helper.alive and helper.pid != os.getpid()
    assert run.tables_done == 3 and run.columns_seen == 18

    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "CLASSIFY_IN_HELPER": False}
    local = make_source(people_tables, name="local")
    assert scan_source(local).state == "succeeded"
    assert _codes(helped) == _codes(local)
    assert {code for (_, col), code in _codes(helped).items() if col == "card_number"} == {
        "CREDIT_CARD_NUMBER"
    }
    rows = found(helped)
    assert rows["contact_email"].model_version == classifications.active_model_version()


def test_scan_survives_the_helper_being_killed(
    monkeypatch, settings, make_source, scan_source, people_tables, with_helper
):
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "BATCH_TABLES": 1}
    original = EngineProcess.submit
    killed = []

    def kill_then_submit(self, columns):
        if not killed:  # the helper dies (OOM killer, operator) while a batch is in flight
            os.kill(self.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
            killed.append(self.pid)
        return original(self, columns)

    monkeypatch.setattr(EngineProcess, "submit", kill_then_submit)
    source = make_source(people_tables)
    run = scan_source(source)
    assert killed
    assert run.state == "succeeded", run.error
    codes = _codes(source)
    assert {codes[(t, "contact_email")] for t in ("people", "people_b", "people_c")} == {
        "EMAIL_ADDRESS"
    }
    assert ScanRun.objects.get(pk=run.pk).columns_seen == 18
    # the next batch or scan starts a new helper
    helper = classifications.engine_helper()
    assert helper is not None and helper.alive and helper.pid != killed[0]


def test_an_incompatible_active_model_is_replaced_not_used(db):
    classifications.ensure_system_classifications()
    good = classifications.ensure_active_model()
    old = ClassifierModel.objects.create(
        version="f0-20250101-0000000000",
        data=b"PSCM1\nold",
        trained_at="2025-01-01T00:00:00Z",
        metadata={"feature_version": "f0"},
    )
    classifications.activate_model(old)
    assert classifications.ensure_active_model() == good
    assert not ClassifierModel.objects.get(pk=old.pk).is_active
    active = ClassifierModel.objects.get(is_active=True)
    assert active.metadata["feature_version"] == FEATURE_VERSION


def test_default_model_cached_with_a_checked_description(db, settings, tmp_path, monkeypatch):
    """The default model registers from its cached description, and a damaged cache retrains."""
    from governance.classifications.engine import Model

    settings.PURSIGHT_CLASSIFIER = {"CACHE_DIR": tmp_path, "DEFAULT_SMALL": True}
    ClassifierModel.objects.all().delete()
    version = classifications.ensure_active_model()
    [cached] = tmp_path.glob("default-*.bin")
    assert cached.with_suffix(".json").exists()
    row = ClassifierModel.objects.get(is_active=True)
    assert Model.from_bytes(bytes(row.data)).version == version == row.version
    assert row.metadata["feature_version"] == FEATURE_VERSION

    ClassifierModel.objects.all().delete()

    def no_training(*args, **kwargs):
        raise AssertionError("retrained although the cache is intact")

    monkeypatch.setattr(classifications, "train_model", no_training)
    assert classifications.ensure_active_model() == version  # from the cache, no training

    ClassifierModel.objects.all().delete()
    cached.write_bytes(cached.read_bytes()[:-10])  # damaged
    monkeypatch.undo()
    settings.PURSIGHT_CLASSIFIER = {"CACHE_DIR": tmp_path, "DEFAULT_SMALL": True}
    assert classifications.ensure_active_model()
    row = ClassifierModel.objects.get(is_active=True)
    Model.from_bytes(bytes(row.data))  # a sound model again


def test_worker_warm_up_skips_a_prefork_parent(monkeypatch):
    """Prefork children warm up (and start their helper) themselves; their parent does not."""
    from celery.concurrency.prefork import TaskPool
    from celery.concurrency.solo import TaskPool as SoloPool

    from governance.scans import services as scan_services
    from governance.scans import tasks

    calls = []
    monkeypatch.setattr(scan_services, "warm_up", lambda: calls.append(1))

    class Consumer:
        def __init__(self, pool):
            self.pool = pool

    tasks.warm_up_executor(sender=Consumer(TaskPool.__new__(TaskPool)))
    assert calls == []
    tasks.warm_up_executor(sender=Consumer(SoloPool.__new__(SoloPool)))
    tasks.warm_up()
    assert calls == [1, 1]


def test_scan_classifies_here_when_the_helper_cannot_start(
    monkeypatch, make_source, scan_source, people_tables, with_helper
):
    def cannot_start(*args, **kwargs):
        raise OSError("fork failed: out of memory")

    monkeypatch.setattr(classifications, "EngineProcess", cannot_start)
    assert classifications.engine_helper() is None
    source = make_source(people_tables)
    run = scan_source(source)
    assert run.state == "succeeded", run.error
    codes = _codes(source)
    assert codes[("people_b", "card_number")] == "CREDIT_CARD_NUMBER"
    assert len({t for t, _ in codes}) == 3
