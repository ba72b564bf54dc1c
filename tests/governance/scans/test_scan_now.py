""" "Scan now" answers at once and says what happened to the run (issue 12): with eager tasks
(no broker) the run executes after the response in a background thread with its own database
connection; with a broker it is queued for a worker; a run that cannot be handed over is
marked failed with the reason; a scan already running is refused with the active run."""

from __future__ import annotations

import threading
import types

import pytest
from django.contrib.messages import get_messages

from governance.scans import services
from governance.scans.models import ScanRun
from pursight.celery import app as celery_app

PASSWORD = "a-Long-pass-phrase-42"


@pytest.fixture
def steward(make_user, make_collection, grant, make_source, shop_db):
    sales = make_collection("Sales")
    user = make_user("steward")
    grant(user, "view_catalog", sales)
    grant(user, "manage_datasources", sales)
    return {"user": user, "source": make_source(shop_db, collection=sales, name="shop")}


def _scan_now(client, source, follow: bool = False):
    return client.post(f"/admin/datasources/datasource/{source.pk}/scan/", follow=follow)


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def held_scan(monkeypatch):
    """Background runs wait for ``release`` before scanning; ``threads`` are theirs; ``closed``
    lists the threads that closed their database connections."""
    release, threads, closed = threading.Event(), [], []
    execute, close_all = services.execute_run, services.connections.close_all

    def held(run_id, **kw):
        threads.append(threading.current_thread())
        assert release.wait(60)
        return execute(run_id, **kw)

    def closing():
        closed.append(threading.current_thread())
        close_all()

    monkeypatch.setattr(services, "execute_run", held)
    monkeypatch.setattr(services.connections, "close_all", closing)
    return {"release": release, "threads": threads, "closed": closed}


@pytest.mark.django_db(transaction=True)
def test_eager_scan_now_answers_before_the_scan_and_runs_it_in_the_background(
    steward, client, held_scan
):
    assert celery_app.conf.task_always_eager
    client.force_login(steward["user"])

    response = _scan_now(client, steward["source"])

    # The response came back while the scan was still held: the browser did not wait for it.
    run = ScanRun.objects.get(datasource=steward["source"])
    assert response.status_code == 302
    assert response["Location"] == f"/admin/scans/scanrun/{run.pk}/change/"
    assert run.state == "queued"
    assert _messages(response) == [
        (
            "success",
            f"Scan run #{run.pk} of shop / Default scan started; its page shows the progress live.",
        )
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'id="scanrun-live-data"' in page and "/static/scans/scanrun_live.js" in page
    assert "Queued: starting…" in page

    held_scan["release"].set()
    (thread,) = held_scan["threads"]
    assert thread is not threading.current_thread() and thread.name == f"scan-run-{run.pk}"
    thread.join(60)
    assert not thread.is_alive()
    assert held_scan["closed"] == [thread]  # the thread's own connection was closed
    run.refresh_from_db()
    assert run.state == "succeeded" and run.tables_done == run.tables_total == 3


@pytest.mark.django_db(transaction=True)
def test_a_second_scan_now_while_one_runs_says_so(steward, client, held_scan):
    client.force_login(steward["user"])
    _scan_now(client, steward["source"])
    first = ScanRun.objects.get(datasource=steward["source"])

    again = _scan_now(client, steward["source"])

    assert again.status_code == 302  # back to the source's page, no second run
    assert ScanRun.objects.filter(datasource=steward["source"]).count() == 1
    assert _messages(again)[-1:] == [
        (
            "error",
            f"Scan 'shop / Default scan' already has an active run (#{first.pk}, queued); "
            "wait for it to finish or cancel it first.",
        )
    ]
    held_scan["release"].set()
    held_scan["threads"][0].join(60)


@pytest.mark.django_db(transaction=True)
def test_a_thread_that_cannot_start_fails_the_run_with_the_reason(steward, client, monkeypatch):
    class Refused(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(services, "threading", types.SimpleNamespace(Thread=Refused))
    client.force_login(steward["user"])

    response = _scan_now(client, steward["source"])

    run = ScanRun.objects.get(datasource=steward["source"])
    assert run.state == "failed"
    assert run.error == ("Could not start: this server could not start a background thread for it.")
    assert _messages(response) == [
        (
            "error",
            f"Scan run #{run.pk} of shop / Default scan could not start: "
            "this server could not start a background thread for it.",
        )
    ]


@pytest.fixture
def with_broker(monkeypatch):
    """Tasks go to a broker: ``sent`` records what was queued (no worker runs them)."""
    sent: list[int] = []
    task = services.celery_task(services.RUN_SCAN)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(task, "delay", lambda run_id: sent.append(run_id))
    return {"sent": sent, "task": task}


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_run_is_queued_for_a_worker(steward, client, with_broker):
    client.force_login(steward["user"])

    response = _scan_now(client, steward["source"])

    run = ScanRun.objects.get(datasource=steward["source"])
    assert with_broker["sent"] == [run.pk] and run.state == "queued"
    assert _messages(response) == [
        (
            "success",
            f"Scan run #{run.pk} of shop / Default scan is queued for a worker; its page shows "
            "the progress once it starts.",
        )
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Queued: waiting for a worker to start it." in page


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_fails_the_run_with_the_reason(
    steward, client, with_broker, monkeypatch
):
    from kombu.exceptions import OperationalError

    def down(run_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(with_broker["task"], "delay", down)
    client.force_login(steward["user"])

    response = _scan_now(client, steward["source"])

    run = ScanRun.objects.get(datasource=steward["source"])
    reason = "the task queue (broker) could not be reached; try again later"
    assert run.state == "failed" and run.error == f"Could not start: {reason}."
    assert _messages(response) == [
        ("error", f"Scan run #{run.pk} of shop / Default scan could not start: {reason}.")
    ]
    assert "6379" not in run.error  # the broker's address stays in the server log


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_202_before_the_scan_runs(steward, held_scan):
    from rest_framework.test import APIClient

    from governance.scans.models import Scan

    api = APIClient()
    api.force_authenticate(steward["user"])
    scan = services.default_scan(actor=None, source=steward["source"])

    response = api.post(f"/api/v1/scans/{scan.pk}/run/")

    assert response.status_code == 202 and response.json()["state"] == "queued"
    held_scan["release"].set()
    held_scan["threads"][0].join(60)
    assert Scan.objects.get(pk=scan.pk).runs.get().state == "succeeded"


@pytest.mark.django_db
def test_inside_an_open_transaction_the_run_executes_when_it_commits(
    steward, client, django_capture_on_commit_callbacks
):
    """No other thread could see an uncommitted run (tests run in a transaction): it runs in
    the committing thread, and the message says how it ended."""
    client.force_login(steward["user"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _scan_now(client, steward["source"], follow=True)
    run = ScanRun.objects.get(datasource=steward["source"])
    assert run.state == "succeeded"
    # The message was written before the commit: it cannot know more than "will start".
    assert f"Scan run #{run.pk} of shop / Default scan will start when" in (
        response.content.decode()
    )
