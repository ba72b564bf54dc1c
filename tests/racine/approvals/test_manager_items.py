"""The Main Manager's item lists (``manager.Rows``): one item a visible row, with its key, kind,
page and name; a failure without a reason says so; a user who may see no such rows gets None
(the panel is left out), one who may see some but not these gets an empty list."""

from __future__ import annotations

import pytest
from django.utils import timezone

from racine.approvals import manager

from .test_manager import run_of

pytestmark = pytest.mark.django_db


def test_failed_scans_as_items(world, grant, make_user):
    ledger, hr = world.row.datasource, world.hr_row.datasource
    since = timezone.now() - timezone.timedelta(hours=1)
    quiet = run_of(ledger, "failed", error="", finished_at=timezone.now())
    loud = run_of(ledger, "failed", error="Refused", finished_at=timezone.now())
    run_of(ledger, "failed", error="Too old", finished_at=since - timezone.timedelta(minutes=1))
    run_of(hr, "failed", error="Secret HR failure", finished_at=timezone.now())
    run_of(ledger, "succeeded", finished_at=timezone.now())
    grant(world.steward, "manage_datasources", world.finance)

    items = manager.failed_scans(world.fresh(world.steward), since)
    assert [(i.key, i.kind, i.name, i.state, i.detail) for i in items] == [
        (f"scan:{loud.pk}", "Scan", ledger.name, "Failed", "Refused"),
        (f"scan:{quiet.pk}", "Scan", ledger.name, "Failed", "No reason recorded."),
    ]
    assert items[0].url == f"/admin/scans/scanrun/{loud.pk}/change/"
    assert items[0].at == loud.finished_at and items[0].progress is None
    assert manager.failed_scans(make_user("nobody"), since) is None


def test_running_scans_as_items(world, grant):
    ledger = world.row.datasource
    running = run_of(ledger, "running", tables_total=10, tables_done=4, started_at=timezone.now())
    queued = run_of(ledger, "queued")
    grant(world.steward, "manage_datasources", world.finance)
    items = manager.running_scans(world.fresh(world.steward))
    # The detail's end (" · ends about …") is the scan history's estimate, tested there.
    assert [(i.key, i.state, i.progress, i.detail.split(" · ")[0]) for i in items] == [
        (f"scan:{queued.pk}", "Queued", None, "waiting for a worker"),
        (f"scan:{running.pk}", "Running", 0.4, "4 of 10 tables"),
    ]
    assert manager.running_evaluations(world.fresh(world.steward)) in ([], None)


def test_rows_pass_none_through_and_may_name_a_row_otherwise():
    rows = manager.Rows("thing", "Thing", lambda r: f"/t/{r.pk}/", lambda r: r.name)
    assert rows.items(None, state=str, detail=str, at=lambda r: None) is None

    class Row:
        pk, name, error = 7, "seven", None

    [item] = rows.items(
        [Row()], name=lambda r: r.name.upper(), state=lambda r: "On", detail=str, at=lambda r: None
    )
    assert (item.key, item.kind, item.name, item.url, item.state) == (
        "thing:7",
        "Thing",
        "SEVEN",
        "/t/7/",
        "On",
    )
