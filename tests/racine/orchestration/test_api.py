"""The workflows API: definitions validated whole (clear 400s, nothing written), run, export
and import round-trip, runs with cancel and resume, schedules with their next run; the gate
(hidden → 404, visible without the right → 403); constant queries on lists."""

from __future__ import annotations

import pytest
import yaml
from rest_framework.test import APIClient

from racine.orchestration import services
from racine.orchestration.models import Schedule, Workflow, WorkflowRun

from .conftest import noop

pytestmark = pytest.mark.django_db

STEPS = [noop("a"), noop("b", "a"), noop("c", "a")]


@pytest.fixture
def operator(make_user, grant, collection):
    user = make_user("operator")
    grant(user, "manage_datasources", collection)
    grant(user, "view_catalog", collection)
    return user


@pytest.fixture
def api(operator) -> APIClient:
    client = APIClient()
    client.force_authenticate(operator)
    return client


def test_create_run_and_follow(api, collection, committed):
    body = {"name": "nightly", "collection": collection.pk, "steps": STEPS}
    response = api.post("/api/v1/workflows/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [s["key"] for s in data["steps"]] == ["a", "b", "c"]
    assert data["steps"][1]["after"] == ["a"] and data["version"] == 1
    with committed():
        response = api.post(f"/api/v1/workflows/{data['id']}/run/")
    assert response.status_code == 202
    run = api.get(f"/api/v1/workflow-runs/{response.json()['id']}/").json()
    assert run["state"] == "succeeded" and run["trigger"] == "api"
    assert {s["key"]: s["state"] for s in run["steps"]} == dict.fromkeys("abc", "succeeded")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([noop("a", "c"), noop("b", "a"), noop("c", "b")], "cycle: a → b → c → a"),
        ([noop("a", "ghost")], "comes after 'ghost', which is no step"),
        ([{"key": "a", "type": "teleport"}], "Unknown step type 'teleport'"),
        ([{"key": "a", "type": "delay", "params": {"seconds": -3}}], "seconds"),
        ([{"key": "a", "type": "delay", "params": {"minutes": 3}}], "Unknown parameter"),
        ([noop("a"), noop("a")], "used by another step"),
        (
            [
                {
                    "key": "c",
                    "type": "condition",
                    "params": {"step": "x", "field": "n", "op": ">", "value": 0},
                }
            ],
            "must be a step it comes after",
        ),
        ([], "at least one step"),
    ],
)
def test_invalid_definitions_answer_400_and_write_nothing(api, collection, steps, message):
    body = {"name": "broken", "collection": collection.pk, "steps": steps}
    response = api.post("/api/v1/workflows/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()), response.json()
    assert not Workflow.objects.exists()


def test_a_hidden_scan_fails_like_a_missing_one(
    api, collection, make_source, make_collection, shop_db
):
    from governance.scans.services import default_scan

    hidden = default_scan(actor=None, source=make_source(shop_db, collection=make_collection("B")))
    steps = [{"key": "scan", "type": "scan", "params": {"scan": hidden.pk}}]
    missing = [{"key": "scan", "type": "scan", "params": {"scan": 999999}}]
    a = api.post(
        "/api/v1/workflows/",
        {"name": "x", "collection": collection.pk, "steps": steps},
        format="json",
    )
    b = api.post(
        "/api/v1/workflows/",
        {"name": "x", "collection": collection.pk, "steps": missing},
        format="json",
    )
    assert a.status_code == b.status_code == 400
    assert str(a.json()).replace(str(hidden.pk), "N") == str(b.json()).replace("999999", "N")


def test_export_import_round_trip(api, make_workflow, operator):
    wf = make_workflow(
        [
            noop("a", retries=2, timeout=60),
            {"key": "pause", "type": "delay", "after": ["a"], "params": {"seconds": 5}},
        ],
        actor=operator,
        title="Round trip",
    )
    text = api.get(f"/api/v1/workflows/{wf.pk}/export/").content.decode()
    data = yaml.safe_load(text)
    assert data["steps"][0]["retries"] == 2 and data["steps"][1]["after"] == ["a"]
    data["name"] = "copy"
    response = api.post(
        "/api/v1/workflows/import/", {"definition": yaml.safe_dump(data)}, format="json"
    )
    assert response.status_code == 201, response.json()
    copy = Workflow.objects.get(name="copy")
    assert services.export_workflow(copy) == text.replace("name: " + wf.name, "name: copy")
    # JSON too, and a second import of the same name is refused unless it replaces.
    as_json = api.get(f"/api/v1/workflows/{wf.pk}/export/?as=json").content.decode()
    again = api.post("/api/v1/workflows/import/", {"definition": as_json}, format="json")
    assert again.status_code == 400 and "already exists" in str(again.json())
    replaced = api.post(
        "/api/v1/workflows/import/", {"definition": as_json, "replace": True}, format="json"
    )
    assert replaced.status_code == 201 and replaced.json()["version"] == 2
    bad = api.post("/api/v1/workflows/import/", {"definition": "steps: [unclosed"}, format="json")
    assert bad.status_code == 400 and "Not valid YAML" in str(bad.json())


def test_gate_hidden_404_visible_without_right_403(
    make_workflow, make_user, grant, collection, make_collection
):
    wf = make_workflow(STEPS)
    reader, stranger = make_user("reader"), make_user("stranger")
    grant(reader, "view_catalog", collection)
    grant(stranger, "view_catalog", make_collection("Elsewhere"))
    client = APIClient()
    client.force_authenticate(stranger)
    assert client.get(f"/api/v1/workflows/{wf.pk}/").status_code == 404
    assert client.post(f"/api/v1/workflows/{wf.pk}/run/").status_code == 404
    client.force_authenticate(reader)
    assert client.get(f"/api/v1/workflows/{wf.pk}/").status_code == 200
    assert client.post(f"/api/v1/workflows/{wf.pk}/run/").status_code == 403
    assert not WorkflowRun.objects.exists()


def test_running_needs_the_rights_of_each_step(
    make_workflow, operator, make_source, make_collection, shop_db
):
    """A workflow the operator may run, whose scan step names a source elsewhere (hidden from
    the operator: refused like a missing scan, never named)."""
    from django.core.exceptions import ValidationError

    from governance.scans.services import default_scan

    scan = default_scan(actor=None, source=make_source(shop_db, collection=make_collection("B")))
    wf = make_workflow([{"key": "scan", "type": "scan", "params": {"scan": scan.pk}}])
    with pytest.raises(ValidationError, match=f"The scan {scan.pk} no longer exists"):
        services.start_run(actor=operator, workflow=wf)


def test_cancel_and_resume_answer_409_when_the_state_refuses(api, make_workflow, committed):
    wf = make_workflow(STEPS)
    with committed():
        run = services.start_run(actor=None, workflow=wf)
    assert api.post(f"/api/v1/workflow-runs/{run.pk}/cancel/").status_code == 409
    assert api.post(f"/api/v1/workflow-runs/{run.pk}/resume/").status_code == 409


def test_schedules_api(api, make_workflow, collection):
    wf = make_workflow(STEPS)
    body = {
        "name": "nightly",
        "workflow": wf.pk,
        "kind": "cron",
        "cron": "30 2 * * 1-5",
        "timezone": "Europe/Paris",
    }
    response = api.post("/api/v1/schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["collection"] == collection.pk and data["next_run"]
    schedule = Schedule.objects.get()
    crontab = schedule.periodic_task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == (
        "30",
        "2",
        "1-5",
        "Europe/Paris",
    )
    for bad, field in (
        ({"cron": "61 * * * *"}, "cron"),
        ({"cron": "* *"}, "cron"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"kind": "interval", "every": 0, "period": "hours"}, "every"),
        ({"kind": "interval", "every": 10**6, "period": "days"}, "every"),
    ):
        r = api.patch(f"/api/v1/schedules/{schedule.pk}/", bad, format="json")
        assert r.status_code == 400 and field in r.json(), (bad, r.json())
    r = api.patch(
        f"/api/v1/schedules/{schedule.pk}/",
        {"kind": "interval", "every": 2, "period": "hours"},
        format="json",
    )
    assert r.status_code == 200
    schedule.refresh_from_db()
    assert schedule.periodic_task.interval.every == 2 and schedule.periodic_task.crontab is None
    assert api.delete(f"/api/v1/schedules/{schedule.pk}/").status_code == 204
    from django_celery_beat.models import PeriodicTask

    assert not PeriodicTask.objects.filter(name__startswith="pursight-schedule-").exists()


def test_lists_run_a_constant_number_of_queries(
    api, make_workflow, operator, django_assert_max_num_queries
):
    def fill(n: int) -> None:
        for _ in range(n):
            wf = make_workflow(STEPS)
            services.start_run(actor=None, workflow=wf)
            services.save_schedule(
                actor=None, schedule=Schedule(name=f"s-{wf.pk}", workflow=wf, cron="0 1 * * *")
            )

    fill(2)
    counts: dict[str, int] = {}
    for url in ("/api/v1/workflows/", "/api/v1/workflow-runs/", "/api/v1/schedules/"):
        api.force_authenticate(type(operator).objects.get(pk=operator.pk))
        with django_assert_max_num_queries(20) as ctx:
            assert api.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    fill(5)
    for url, before in counts.items():
        api.force_authenticate(type(operator).objects.get(pk=operator.pk))  # a new request's
        with django_assert_max_num_queries(before, info=url):
            assert api.get(url).json()["count"] == 7
