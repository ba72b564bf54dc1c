"""Tasks: lifecycle, assignment to members who may see the task's object, the assignee's own
status changes, overdue tasks (API filter, changelist, "My tasks"), archived workspaces
read-only, hidden objects, live and domain events, constant query counts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pursight import permissions
from racine.collaboration import services
from racine.collaboration.choices import TaskKind, TaskStatus
from racine.collaboration.models import Task
from racine.workspaces.choices import WorkspaceStatus

from .conftest import fresh

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tasks/"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(fresh(user))
    return client


def task(world: Any, title: str = "Review", actor: Any = None, **kw: Any) -> Task:
    return services.create_task(
        actor=fresh(actor or world.alice), workspace=world.ws, title=title, **kw
    )


def yesterday() -> Any:
    return timezone.localdate() - timedelta(days=1)


def test_the_lifecycle_of_a_task(
    world, published, emitted, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = task(
            world,
            "Review the classifications of customers",
            kind=TaskKind.REVIEW_CLASSIFICATIONS,
            target=world.table_a,
            assignee=world.bob,
            due_date=timezone.localdate() + timedelta(days=3),
        )
        t = services.set_task_status(actor=fresh(world.bob), task=t, status=TaskStatus.IN_PROGRESS)
        t = services.set_task_status(actor=fresh(world.bob), task=t, status=TaskStatus.DONE)
    assert t.completed_at is not None and t.created_by == world.alice
    reopened = services.set_task_status(actor=fresh(world.alice), task=t, status=TaskStatus.OPEN)
    assert reopened.completed_at is None
    kinds = [(k, obj, d) for k, obj, _a, d in emitted if k.startswith("task.")]
    assert [k for k, _, _ in kinds] == [
        "task.created",
        "task.status_changed",
        "task.status_changed",
    ]
    assert all(obj.pk == t.pk and d["assignee"] == world.bob.pk for _, obj, d in kinds)
    assert kinds[2][2]["previous_status"] == TaskStatus.IN_PROGRESS
    # Live: on the workspace's page, with the task's own requirement (workspace and object).
    tasks = [p for p in published if p[2] == "task"]
    assert {(kind, pk) for kind, pk, *_ in tasks} == {("workspace", world.ws.pk)}
    _, _, _, payload, requires = tasks[0]
    assert payload["action"] == "created" and payload["task"]["id"] == t.pk
    assert json.loads(json.dumps(payload)) == payload
    assert payload["task"]["due_date"] == (timezone.localdate() + timedelta(days=3)).isoformat()
    assert requires == permissions.requirement(t)
    assert not permissions.meets(fresh(world.dave), requires)  # reads A, not a member
    with pytest.raises(ValidationError):
        services.set_task_status(actor=fresh(world.alice), task=t, status="finished")


def test_the_api_creates_updates_assigns_and_moves_tasks(world) -> None:
    alice = api(world.alice)
    created = alice.post(
        LIST,
        {
            "workspace": world.ws.pk,
            "title": "Describe customers",
            "kind": "describe_asset",
            "target_type": "catalog.catalogtable",
            "target_id": world.table_a.pk,
            "due_date": "2030-01-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["target"]["name"] == "customers" and item["assignee"] is None
    assert item["status"] == "open" and item["overdue"] is False
    url = f"{LIST}{item['id']}/"
    patched = alice.patch(url, {"title": "Describe it", "assignee": world.carol.pk}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["assignee"] == {"id": world.carol.pk, "name": "carol"}
    assert patched.json()["title"] == "Describe it"
    # Carol (a viewer) may move her own task, not edit it.
    carol = api(world.carol)
    assert carol.patch(url, {"title": "x"}, format="json").status_code == 403
    moved = carol.post(f"{url}status/", {"status": "done"}, format="json")
    assert moved.status_code == 200 and moved.json()["completed_at"] is not None
    assert alice.post(f"{url}assign/", {"assignee": None}, format="json").json()["assignee"] is None
    assert carol.post(f"{url}status/", {"status": "open"}, format="json").status_code == 403
    assert alice.post(f"{url}status/", {"status": "later"}, format="json").status_code == 400
    assert alice.delete(url).status_code == 204
    assert not Task.objects.filter(pk=item["id"]).exists()


def test_assignees_are_members_who_may_see_the_object(world) -> None:
    with pytest.raises(ValidationError) as exc:
        task(world, target=world.table_a, assignee=world.dave)  # reads A, not a member
    assert exc.value.message_dict == {"assignee": ["dave is not a member of this workspace."]}
    with pytest.raises(ValidationError) as exc:
        task(world, target=world.table_b, assignee=world.bob)  # a member who cannot see B
    assert exc.value.message_dict == {"assignee": ["bob may not see what this task is about."]}
    t = task(world, target=world.table_b, assignee=world.alice)
    with pytest.raises(ValidationError):
        services.assign_task(actor=fresh(world.alice), task=t, assignee=world.carol)
    # Through the API: an id the caller may not name fails like a missing one.
    about_a = task(world, target=world.table_a)
    answer = api(world.bob).post(
        f"{LIST}{about_a.pk}/assign/", {"assignee": world.eve.pk}, format="json"
    )
    missing = api(world.bob).post(f"{LIST}{about_a.pk}/assign/", {"assignee": 10**9}, format="json")
    assert answer.status_code == missing.status_code == 400
    assert answer.json()["assignee"][0].replace(str(world.eve.pk), "N") == missing.json()[
        "assignee"
    ][0].replace(str(10**9), "N")


def test_a_task_about_a_hidden_asset_is_hidden_from_members(world, client) -> None:
    secret = task(world, "Check salaries", target=world.table_b)
    shared = task(world, "Check customers", target=world.table_a)
    general = task(world, "Plan the quarter")
    bob = api(world.bob)
    assert {t["id"] for t in bob.get(LIST).json()["results"]} == {shared.pk, general.pk}
    hidden, missing = bob.get(f"{LIST}{secret.pk}/"), bob.get(f"{LIST}{10**9}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert bob.post(f"{LIST}{secret.pk}/status/", {"status": "done"}).status_code == 404
    # Not a member: nothing, even about an asset they read.
    assert api(world.dave).get(LIST).json()["results"] == []
    # A task about a hidden object cannot be created either (same answer as a missing one).
    refused = bob.post(
        LIST,
        {
            "workspace": world.ws.pk,
            "title": "x",
            "target_type": "catalog.catalogtable",
            "target_id": world.table_b.pk,
        },
        format="json",
    )
    assert refused.status_code == 400 and refused.json() == {"target_id": ["Object not found."]}
    # The admin changelist and change page.
    client.force_login(world.bob)
    changelist = client.get(reverse("admin:collaboration_task_changelist"))
    assert {t.pk for t in changelist.context["cl"].result_list} == {shared.pk, general.pk}
    page = client.get(reverse("admin:collaboration_task_change", args=[secret.pk]))
    gone = client.get(reverse("admin:collaboration_task_change", args=[10**9]))
    assert (page.status_code, page["Location"]) == (gone.status_code, gone["Location"])


def test_filters_overdue_status_and_assignee_with_clear_errors(world) -> None:
    late = task(world, "Late", assignee=world.bob, due_date=yesterday())
    done_late = task(world, "Done late", assignee=world.bob, due_date=yesterday())
    services.set_task_status(actor=fresh(world.bob), task=done_late, status=TaskStatus.DONE)
    future = task(world, "Future", assignee=world.carol, due_date=timezone.localdate())
    undated = task(world, "Undated")
    client = api(world.bob)

    def ids(**params: Any) -> set[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {t["id"] for t in response.json()["results"]}

    assert ids(overdue="true") == {late.pk}
    assert ids(overdue="false") == {done_late.pk, future.pk, undated.pk}
    assert ids(assignee="me") == {late.pk, done_late.pk}
    assert ids(assignee=str(world.carol.pk)) == {future.pk}
    assert ids(assignee="none") == {undated.pk}
    assert ids(status="done") == {done_late.pk}
    assert ids(status=["open", "in_progress"]) == {late.pk, future.pk, undated.pk}
    assert ids(workspace=world.ws.pk) == {late.pk, done_late.pk, future.pk, undated.pk}
    item = client.get(f"{LIST}{late.pk}/").json()
    assert item["overdue"] is True
    for params, field in [
        ({"overdue": "maybe"}, "overdue"),
        ({"status": "later"}, "status"),
        ({"assignee": "someone"}, "assignee"),
        ({"workspace": "abc"}, "workspace"),
        ({"target_type": "catalog.catalogtable"}, "target_type"),
    ]:
        response = client.get(LIST, params)
        assert response.status_code == 400, params
        assert list(response.json()) == [field], response.json()
    assert client.get(LIST, {"assignee": "someone"}).json() == {
        "assignee": ["Enter a user id, 'me' or 'none'."]
    }
    # A workspace hidden from the caller is refused like a missing one.
    from racine.workspaces.models import Workspace

    other = Workspace.objects.create(name="Other")
    hidden, missing = (
        client.get(LIST, {"workspace": other.pk}),
        client.get(LIST, {"workspace": 10**9}),
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.content.replace(str(other.pk).encode(), b"N") == missing.content.replace(
        str(10**9).encode(), b"N"
    )


def test_an_archived_workspace_refuses_every_task_change(world) -> None:
    t = task(world, "Before", assignee=world.bob)
    world.ws.status = WorkspaceStatus.ARCHIVED
    world.ws.save()
    alice = api(world.alice)
    created = alice.post(LIST, {"workspace": world.ws.pk, "title": "After"}, format="json")
    assert created.status_code == 409 and "archived" in created.json()["detail"]
    url = f"{LIST}{t.pk}/"
    assert alice.patch(url, {"title": "x"}, format="json").status_code == 409
    assert alice.post(f"{url}assign/", {"assignee": None}, format="json").status_code == 409
    assert api(world.bob).post(f"{url}status/", {"status": "done"}).status_code == 409
    assert alice.delete(url).status_code == 409
    assert alice.get(url).status_code == 200
    Task.objects.filter(pk=t.pk).update(status=TaskStatus.OPEN)
    assert Task.objects.get(pk=t.pk).title == "Before"


def test_my_tasks_page_highlights_overdue_ones_and_changes_status_by_post(world, client) -> None:
    late = task(world, "Late review", assignee=world.carol, due_date=yesterday())
    soon = task(world, "Soon", assignee=world.carol, due_date=timezone.localdate())
    task(world, "Someone else's", assignee=world.bob)
    hidden = task(world, "About B", assignee=world.alice, target=world.table_b)
    client.force_login(world.carol)
    page = client.get(reverse("admin:collaboration_my_tasks"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [r["task"].pk for r in rows] == [late.pk, soon.pk]  # overdue first
    assert rows[0]["overdue"] and not rows[1]["overdue"]
    assert f'data-task="{late.pk}" data-overdue="true"'.encode() in page.content
    assert b"Someone else" not in page.content
    start = reverse("admin:collaboration_task_status", args=[late.pk, "in_progress"])
    assert start.encode() in page.content
    # A GET only asks; the POST acts and comes back.
    asked = client.get(start)
    assert asked.status_code == 200
    assert Task.objects.get(pk=late.pk).status == TaskStatus.OPEN
    done = client.post(start, {"next": reverse("admin:collaboration_my_tasks")})
    assert done.status_code == 302 and done["Location"] == reverse("admin:collaboration_my_tasks")
    assert Task.objects.get(pk=late.pk).status == TaskStatus.IN_PROGRESS
    # Off-site "next" is ignored; someone else's task is refused; a hidden one is missing.
    offsite = client.post(
        reverse("admin:collaboration_task_status", args=[late.pk, "done"]),
        {"next": "https://evil.example/"},
    )
    assert offsite["Location"] == reverse("admin:collaboration_my_tasks")
    others = Task.objects.get(title="Someone else's")
    url = reverse("admin:collaboration_task_status", args=[others.pk, "done"])
    assert client.post(url).status_code == 403
    client.force_login(world.bob)
    url = reverse("admin:collaboration_task_status", args=[hidden.pk, "done"])
    assert client.post(url).status_code == 404


def test_the_changelist_filters_overdue_tasks_and_marks_them(world, client) -> None:
    late = task(world, "Late", due_date=yesterday())
    task(world, "On time", due_date=timezone.localdate() + timedelta(days=1))
    client.force_login(world.bob)
    url = reverse("admin:collaboration_task_changelist")
    page = client.get(url, {"overdue": "yes"})
    assert [t.pk for t in page.context["cl"].result_list] == [late.pk]
    assert b"Overdue" in page.content
    assert client.get(url, {"status__exact": "open"}).status_code == 200


def test_the_admin_form_creates_a_task_through_the_service(world, client, emitted) -> None:
    client.force_login(world.bob)
    add = reverse("admin:collaboration_task_add")
    form = client.get(add)
    assert form.status_code == 200
    response = client.post(
        add,
        {
            "workspace": world.ws.pk,
            "title": "Remediate",
            "description": "",
            "kind": "other",
            "about_type": "catalog.catalogtable",
            "about_id": world.table_b.pk,  # hidden from bob
            "assignee": "",
            "due_date": "",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"Object not found." in response.content
    response = client.post(
        add,
        {
            "workspace": world.ws.pk,
            "title": "Remediate",
            "description": "",
            "kind": "other",
            "about_type": "catalog.catalogtable",
            "about_id": world.table_a.pk,
            "assignee": world.carol.pk,
            "due_date": "",
        },
    )
    assert response.status_code == 302, response.content
    created = Task.objects.get(title="Remediate")
    assert created.target == world.table_a and created.created_by == world.bob
    # Carol (viewer) sees it, read-only.
    client.force_login(world.carol)
    page = client.get(reverse("admin:collaboration_task_change", args=[created.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


def test_the_list_costs_the_same_for_one_task_or_ten(world) -> None:
    task(world, "one", target=world.table_a, assignee=world.bob)

    def count() -> int:
        client = api(world.bob)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries)

    task(world, "on a column", target=world.column_a)
    task(world, "on nothing")
    count()  # warm-up: a process's first request fills its content type cache (one query each)
    one_of_each = count()
    for i in range(10):
        target = [world.table_a, world.column_a, None][i % 3]
        task(world, f"more {i}", target=target, assignee=world.carol, due_date=yesterday())
    assert count() == one_of_each
