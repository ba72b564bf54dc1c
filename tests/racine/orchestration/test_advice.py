"""The Main Manager's orchestration panels: advice from history applied in one click (through
an approval where a policy asks), workflows running now and failed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from governance.scans import services as scans
from racine.orchestration import advice
from racine.orchestration.models import Schedule
from tests.governance.scans.test_history import history

pytestmark = pytest.mark.django_db
APPLY = "/admin/orchestration/advice/apply/"


@pytest.fixture
def ops(make_collection, make_source, make_user, grant, shop_db) -> Any:
    a, b = make_collection("A"), make_collection("B")
    source, hidden = (
        make_source(shop_db, collection=a, name="busy"),
        make_source(shop_db, collection=b, name="elsewhere"),
    )
    for s in (source, hidden):  # every daily scan found changes: scan more often
        history(s, runs=12, every_hours=24, changes=lambda i: True)
    admin, reader = make_user("admin"), make_user("reader")
    grant(admin, "view_catalog", a)
    grant(admin, "manage_datasources", a)
    grant(reader, "view_catalog", a)
    return {"a": a, "source": source, "hidden": hidden, "admin": admin, "reader": reader}


def test_the_panel_advises_only_on_sources_the_user_may_scan(ops, client) -> None:
    client.force_login(ops["admin"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "Advice from history" in page
    assert f'data-source="{ops["source"].pk}"' in page
    assert f'data-source="{ops["hidden"].pk}"' not in page and "elsewhere" not in page
    assert "Scan more often: 11 of the last 11 runs found changes" in page
    client.force_login(ops["reader"])  # reads the catalog, does not run scans
    assert "Advice from history" not in client.get(reverse("admin:index")).content.decode()


def test_applying_the_advice_sets_the_scan_schedule(ops, client) -> None:
    client.force_login(ops["admin"])
    assert client.get(APPLY).status_code == 405  # a GET changes nothing
    response = client.post(APPLY, {"source": ops["source"].pk, "hours": 6})
    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert (schedule.kind, schedule.every, schedule.period) == ("interval", 6, "hours")
    assert schedule.scan == scans.default_scan(actor=None, source=ops["source"])
    assert schedule.periodic_task is not None and schedule.periodic_task.enabled
    # Applying again updates the same schedule (48 hours are two days).
    client.post(APPLY, {"source": ops["source"].pk, "hours": 48})
    schedule = Schedule.objects.get()
    assert (schedule.every, schedule.period) == (2, "days")


def test_hidden_missing_and_bad_input_change_nothing(ops, client) -> None:
    client.force_login(ops["admin"])
    hidden = client.post(APPLY, {"source": ops["hidden"].pk, "hours": 6})
    missing = client.post(APPLY, {"source": 10**9, "hours": 6})
    assert hidden.status_code == missing.status_code == 404
    bad = client.post(APPLY, {"source": ops["source"].pk, "hours": 0}, follow=True)
    assert "whole number of hours" in bad.content.decode()
    client.force_login(ops["reader"])
    assert client.post(APPLY, {"source": ops["source"].pk, "hours": 6}).status_code == 404
    assert not Schedule.objects.exists()


def test_a_policy_holds_the_change_for_approval(ops, make_user) -> None:
    from racine.approvals.models import ApprovalPolicy, ApprovalRequest

    chief = make_user("chief")
    policy = ApprovalPolicy.objects.create(
        name="frequency", kind=advice.KIND, collection=ops["a"], quorum="any", required=1
    )
    policy.reviewer_users.set([chief])
    held = advice.apply_frequency(actor=ops["admin"], source=ops["source"], hours=6)
    assert not Schedule.objects.exists()
    request = ApprovalRequest.objects.get()
    assert request.kind == advice.KIND and request.status == "pending"
    from pursight import changes

    assert changes.pending_of(held) is not None


def test_running_and_failed_workflows_reach_the_main_manager(
    make_workflow, make_user, grant, collection
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from racine.orchestration import services
    from racine.orchestration.models import WorkflowRun

    from .conftest import noop

    workflow = make_workflow([noop("extract"), noop("load", "extract")])
    run = services.start_run(actor=None, workflow=workflow)  # not committed: stays pending
    steward, outsider = make_user("steward"), make_user("outsider")
    grant(steward, "view_catalog", collection)
    (item,) = advice.running_workflows(steward)
    assert (item.key, item.kind, item.name) == (f"workflow:{run.pk}", "Workflow", workflow.name)
    assert item.detail == "0 of 2 steps" and item.progress == 0
    assert not advice.running_workflows(outsider)
    now = timezone.now()
    WorkflowRun.objects.filter(pk=run.pk).update(state="failed", finished_at=now, error="boom")
    (failed,) = advice.failed_workflows(steward, now - timedelta(hours=24))
    assert failed.state == "Failed" and failed.detail == "boom"
    assert advice.running_workflows(steward) == []
