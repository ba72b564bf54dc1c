"""The Main Manager (the console's home): panels through the gate, live feed, queue health that
never hangs, a constant number of queries."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.catalog import classifying
from governance.catalog.models import ColumnClassification
from governance.scans.models import Scan, ScanRun
from racine.approvals import manager

pytestmark = pytest.mark.django_db
HOME = "/admin/"


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def run_of(source, state, **kw):
    scan = Scan.objects.create(datasource=source, name=f"s{Scan.objects.count()}")
    return ScanRun.objects.create(scan=scan, datasource=source, state=state, **kw)


@pytest.fixture
def runs(world):
    from django.utils import timezone

    ledger = world.row.datasource
    hr = world.hr_row.datasource
    run_of(ledger, "running", tables_total=10, tables_done=4, started_at=timezone.now())
    run_of(hr, "running", tables_total=5, tables_done=1, started_at=timezone.now())
    run_of(ledger, "failed", error="Connection refused by ledger-db", finished_at=timezone.now())
    run_of(hr, "failed", error="Secret HR failure", finished_at=timezone.now())
    return world


def test_panels_show_only_what_the_user_may_see(runs, policy, client, grant):
    world = runs
    # A Data Source Admin on Finance: runs of Finance only.
    grant(world.steward, "manage_datasources", world.finance)
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    client.force_login(world.fresh(world.steward))
    html = client.get(HOME).content.decode()
    text = words(html)
    assert "Main Manager" in text
    assert "Running now" in text and "ledger-db" in text and "4 of 10 tables" in text
    assert "hr-db" not in text and "Secret HR failure" not in text
    assert "Connection refused by ledger-db" in text  # the reason of the failure
    assert "Approvals waiting for me" in text and "Accept classification" in text
    assert "Coverage" in text
    assert "Queues and workers" not in text  # the platform's, not a collection's
    # The HR admin: nothing of Finance.
    client.force_login(world.fresh(world.hr_admin))
    text = words(client.get(HOME).content.decode())
    assert "ledger-db" not in text and "Accept classification" not in text
    assert "Connection refused" not in text


def test_a_request_without_a_requester_is_the_system_s(runs, policy, client, grant):
    """A workflow's approval step started by a schedule has no requester."""
    from racine.approvals.models import ApprovalRequest

    world = runs
    grant(world.steward, "manage_datasources", world.finance)
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    assert ApprovalRequest.objects.update(requested_by=None) == 1
    client.force_login(world.fresh(world.steward))
    r = client.get(HOME)
    assert r.status_code == 200
    text = words(r.content.decode())
    assert "Accept classification" in text and "the system" in text


def test_live_feed_is_gated(runs, client, grant):
    world = runs
    grant(world.steward, "manage_datasources", world.finance)
    client.force_login(world.fresh(world.steward))
    items = client.get("/admin/manager/running/").json()["items"]
    assert [i["name"] for i in items] == ["ledger-db"] and items[0]["progress"] == 0.4
    client.force_login(world.fresh(world.outsider))  # reads HR only
    assert [i["name"] for i in client.get("/admin/manager/running/").json()["items"]] == ["hr-db"]
    assert client.post("/admin/manager/running/").status_code in (200, 405)


def test_a_user_without_a_role_gets_no_manager_panel(make_user, client):
    client.force_login(make_user("newcomer"))
    assert "no role on any collection yet" in words(client.get(HOME).content.decode())


def test_queue_health_does_not_hang_without_a_broker_or_worker(settings, admin_user, client):
    from django.core.cache import cache

    from tests.fixtures import closed_port

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    cache.delete(manager.QUEUE_CACHE_KEY)
    started = time.monotonic()
    health = manager.queue_health()
    assert time.monotonic() - started < 5
    assert "does not answer" in health["error"] and health["workers"] == []
    client.force_login(admin_user)
    text = words(client.get(HOME).content.decode())
    assert "Queues and workers" in text and "does not answer" in text


def test_queue_health_reads_redis(settings, redis_url_or_skip):
    from django.core.cache import cache

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url_or_skip
    cache.delete(manager.QUEUE_CACHE_KEY)
    started = time.monotonic()
    health = manager.queue_health()
    assert time.monotonic() - started < 5
    assert not health["error"], health
    assert {q["name"] for q in health["queues"]} >= {"default", "scans"}


@pytest.fixture
def redis_url_or_skip():
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the Redis probe is checked where Redis runs")
    return url


def test_home_queries_do_not_grow(runs, policy, client, grant):
    world = runs
    grant(world.steward, "manage_datasources", world.finance)
    grant(world.steward, "manage_compliance", world.finance)
    policy()
    client.force_login(world.fresh(world.steward))

    def count() -> int:
        client.get(HOME)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(HOME).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    from django.utils import timezone

    for _ in range(3):
        run_of(world.row.datasource, "running", tables_total=3, started_at=timezone.now())
        run_of(world.row.datasource, "failed", error="again", finished_at=timezone.now())
    row = ColumnClassification.objects.get(pk=world.row.pk)
    for user in (world.curator, world.curator2):
        classifying.accept_classification(actor=world.fresh(user), classification=row)
    assert count() == one


def test_orchestration_can_add_running_items(world, client, admin_user):
    manager.running.register(
        "tests.workflows",
        lambda user: [manager.Item("wf:1", "Workflow", "Nightly", None, "Running", 0.5, "2/4")],
    )
    try:
        client.force_login(admin_user)
        text = words(client.get(HOME).content.decode())
        assert "Workflow" in text and "Nightly" in text
    finally:
        manager.running.unregister("tests.workflows")


def test_charts_escape_their_labels():
    svg = manager.bars_svg([("<b>x</b>", 1, 2)])
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "50%" in svg
