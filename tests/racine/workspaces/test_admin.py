"""Workspaces in the admin: a member's changelist shows only their workspaces, a hidden one
answers like a missing one, object actions are POST-only and shown only to who may use them,
members are managed inline through the services, pins show only what the gate shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from racine.workspaces import services
from racine.workspaces.models import Membership, Pin, Workspace

from .helpers import reload

pytestmark = pytest.mark.django_db

MISSING = 987654


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def admin_url(name: str, *args: Any) -> str:
    return reverse(f"admin:workspaces_{name}", args=args)


def ids(response: Any) -> set[int]:
    return {o.pk for o in response.context["cl"].result_list}


def buttons(response: Any) -> set[str]:
    return {a["title"] for a in response.context.get("actions_detail") or []}


def test_the_changelist_shows_a_member_only_their_workspaces(team, client, make_user) -> None:
    other = services.create_workspace(actor=reload(team.outsider), name="Outsiders")
    changelist = admin_url("workspace_changelist")
    assert ids(login(client, team.viewer).get(changelist)) == {team.ws.pk}
    assert ids(login(client, team.outsider).get(changelist)) == {other.pk}
    assert ids(login(client, team.root).get(changelist)) == {team.ws.pk, other.pk}
    # Someone in no workspace may still open the (empty) list and start one.
    newcomer = make_user("newcomer")
    response = login(client, newcomer).get(changelist)
    assert response.status_code == 200 and ids(response) == set()
    assert response.context["has_add_permission"]
    page = login(client, team.viewer).get(changelist).content.decode()
    assert admin_url("workspace_board", team.ws.pk) in page and "Open workspace" in page
    assert "Outsiders" not in page


def test_the_changelist_costs_a_constant_number_of_queries(team, client) -> None:
    login(client, team.owner)
    changelist = admin_url("workspace_changelist")
    client.get(changelist)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        client.get(changelist)
    for i in range(9):
        ws = services.create_workspace(actor=reload(team.owner), name=f"W{i}")
        services.invite_member(actor=reload(team.owner), workspace=ws, user=team.viewer)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(changelist)
    assert len(ids(response)) == 10
    assert len(ten.captured_queries) <= len(one.captured_queries)


def test_a_hidden_workspace_answers_like_a_missing_one(team, client) -> None:
    login(client, team.outsider)
    for name in ("workspace_change", "workspace_board", "workspace_archive_detail"):
        hidden = client.get(admin_url(name, team.ws.pk))
        missing = client.get(admin_url(name, MISSING))
        assert hidden.status_code == missing.status_code, name
        assert hidden.get("Location") == missing.get("Location")
    assert client.post(admin_url("workspace_archive_detail", team.ws.pk)).status_code == 404
    assert Workspace.objects.get(pk=team.ws.pk).status == "active"


def test_buttons_only_for_who_may_use_them(team, client) -> None:
    change = admin_url("workspace_change", team.ws.pk)
    owner = buttons(login(client, team.owner).get(change))
    assert owner == {"Open workspace", "Transfer ownership", "Archive"}  # last owner: no Leave
    assert buttons(login(client, team.editor).get(change)) == {"Open workspace", "Leave"}
    viewer = login(client, team.viewer).get(change)
    assert buttons(viewer) == {"Open workspace", "Leave"}
    assert admin_url("workspace_board", team.ws.pk) in viewer.content.decode()
    services.archive_workspace(actor=reload(team.owner), workspace=team.ws)
    assert buttons(login(client, team.owner).get(change)) == {"Open workspace", "Restore"}
    assert buttons(login(client, team.viewer).get(change)) == {"Open workspace"}


def test_lifecycle_actions_confirm_on_get_and_act_on_post(team, client) -> None:
    login(client, team.owner)
    archive = admin_url("workspace_archive_detail", team.ws.pk)
    page = client.get(archive)
    assert page.status_code == 200 and "read-only" in page.content.decode()
    assert Workspace.objects.get(pk=team.ws.pk).status == "active"  # a GET changes nothing
    assert client.put(archive).status_code == 405
    assert client.post(archive).status_code == 302
    ws = Workspace.objects.get(pk=team.ws.pk)
    assert ws.status == "archived"
    # Archived: read-only in the admin too.
    change = client.get(admin_url("workspace_change", ws.pk))
    assert not change.context["has_change_permission"]
    assert client.post(admin_url("workspace_restore_detail", ws.pk)).status_code == 302
    assert Workspace.objects.get(pk=ws.pk).status == "active"
    # A viewer sees the workspace but may not archive it.
    login(client, team.viewer)
    assert client.get(admin_url("workspace_archive_detail", ws.pk)).status_code == 403
    assert client.post(admin_url("workspace_archive_detail", ws.pk)).status_code == 403


def test_transfer_and_leave(team, client) -> None:
    login(client, team.owner)
    transfer = admin_url("workspace_transfer_detail", team.ws.pk)
    form = client.get(transfer)
    assert form.status_code == 200
    offered = {m.user.username for m in form.context["form"].fields["user"].queryset}
    assert offered == {"editor", "viewer"}
    member = Membership.objects.get(workspace=team.ws, user=team.editor)
    assert client.post(transfer, {"user": member.pk}).status_code == 302
    assert services.role_of(team.editor, team.ws) == "owner"
    assert services.role_of(team.owner, team.ws) == "editor"
    leave = admin_url("workspace_leave_detail", team.ws.pk)
    assert client.get(leave).status_code == 200  # a confirmation
    response = client.post(leave)
    assert response.status_code == 302
    assert response["Location"] == admin_url("workspace_changelist")
    assert services.role_of(team.owner, team.ws) is None


def test_the_add_form_creates_through_the_service(team, client) -> None:
    login(client, team.viewer)
    response = client.post(
        admin_url("workspace_add"), {"name": "Viewer's own", "description": "", "status": "draft"}
    )
    assert response.status_code == 302
    ws = Workspace.objects.get(name="Viewer's own")
    assert ws.status == "draft" and services.role_of(team.viewer, ws) == "owner"


def _inline_post(ws: Workspace, members: list[Membership], **extra: Any) -> dict[str, Any]:
    data = {
        "name": ws.name,
        "description": ws.description,
        "memberships-TOTAL_FORMS": str(len(members)),
        "memberships-INITIAL_FORMS": str(len(members)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-2-TOTAL_FORMS": "0",
        "memberships-2-INITIAL_FORMS": "0",
        "memberships-2-MIN_NUM_FORMS": "0",
        "memberships-2-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(members):
        data.update(
            {
                f"memberships-{i}-id": str(m.pk),
                f"memberships-{i}-workspace": str(ws.pk),
                f"memberships-{i}-role": m.role,
            }
        )
    data.update(extra)
    return data


def test_owners_manage_members_inline_through_the_services(team, client) -> None:
    login(client, team.owner)
    change = admin_url("workspace_change", team.ws.pk)
    page = client.get(change)
    formsets = {f.formset.prefix: f for f in page.context["inline_admin_formsets"]}
    assert set(formsets) == {"memberships", "memberships-2"}
    shown = {f.instance.user for f in formsets["memberships"].formset.initial_forms}
    assert shown == {team.owner, team.editor, team.viewer}
    offered = set(formsets["memberships-2"].formset.empty_form.fields["user"].queryset)
    assert team.outsider in offered
    members = list(Membership.objects.filter(workspace=team.ws).order_by("role", "user__username"))
    viewer_row = next(i for i, m in enumerate(members) if m.user == team.viewer)
    data = _inline_post(
        team.ws,
        members,
        **{
            f"memberships-{viewer_row}-role": "editor",
            "memberships-2-TOTAL_FORMS": "1",
            "memberships-2-0-user": str(team.outsider.pk),
            "memberships-2-0-role": "viewer",
            "memberships-2-0-workspace": str(team.ws.pk),
        },
    )
    response = client.post(change, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert services.role_of(team.viewer, team.ws) == "editor"
    assert services.role_of(team.outsider, team.ws) == "viewer"
    assert reload(team.outsider).has_perm("workspaces.view_workspace", team.ws)
    # A viewer sees the members, read-only, and no invitation form.
    login(client, team.outsider)
    page = client.get(change)
    formsets = {f.formset.prefix: f for f in page.context["inline_admin_formsets"]}
    assert set(formsets) == {"memberships"}
    assert not formsets["memberships"].has_change_permission
    assert len(formsets["memberships"].formset.initial_forms) == 4
    # Removing a member inline goes through the service too.
    login(client, team.owner)
    members = list(Membership.objects.filter(workspace=team.ws).order_by("role", "user__username"))
    gone = next(i for i, m in enumerate(members) if m.user == team.outsider)
    response = client.post(
        change, _inline_post(team.ws, members, **{f"memberships-{gone}-DELETE": "on"})
    )
    assert response.status_code == 302
    assert services.role_of(team.outsider, team.ws) is None
    assert not reload(team.outsider).has_perm("workspaces.view_workspace", team.ws)


def test_the_pin_admin_shows_only_what_the_gate_shows(team, client) -> None:
    owner = reload(team.owner)
    seen = services.pin(actor=owner, workspace=team.ws, target=team.table(team.src_a))
    hidden = services.pin(actor=reload(team.owner), workspace=team.ws, target=team.src_b)
    login(client, team.viewer)
    response = client.get(admin_url("pin_changelist"))
    assert ids(response) == {seen.pk}
    text = response.content.decode()
    assert "customers" in text and "src-b" not in text
    missing = client.get(admin_url("pin_change", MISSING))
    assert client.get(admin_url("pin_change", hidden.pk)).status_code == missing.status_code
    assert client.get(admin_url("pin_change", seen.pk)).status_code == 200
    login(client, team.owner)
    assert ids(client.get(admin_url("pin_changelist"))) == {seen.pk, hidden.pk}
    login(client, team.outsider)  # reads A and B; member of nothing: no pin to see at all
    assert client.get(admin_url("pin_changelist")).status_code == 403


def test_adding_a_pin_in_the_admin_refuses_a_hidden_target_like_a_missing_one(team, client):
    from django.contrib.contenttypes.models import ContentType

    login(client, team.editor)
    table_type = ContentType.objects.get(app_label="catalog", model="catalogtable")

    def add(target_id: int) -> Any:
        return client.post(
            admin_url("pin_add"),
            {"workspace": team.ws.pk, "target_type": table_type.pk, "target_id": target_id},
        )

    hidden = add(team.table(team.src_b).pk)
    missing = add(MISSING)
    for response in (hidden, missing):
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"target_id": ["Object not found."]}
    assert add(team.table(team.src_a).pk).status_code == 302
    pin = Pin.objects.get(workspace=team.ws)
    assert pin.pinned_by == team.editor and pin.target == team.table(team.src_a)
    # A viewer may pin nowhere; an editor is offered only the workspaces they edit.
    login(client, team.viewer)
    assert client.get(admin_url("pin_add")).status_code == 403
    services.create_workspace(actor=reload(team.viewer), name="Viewer's own")
    services.invite_member(
        actor=reload(team.viewer),
        workspace=Workspace.objects.get(name="Viewer's own"),
        user=team.editor,
        role="viewer",
    )
    login(client, team.editor)
    form = client.get(admin_url("pin_add")).context["adminform"].form
    assert list(form.fields["workspace"].queryset) == [team.ws]


def test_the_board_route_opens_the_workspace_page(team, client, monkeypatch) -> None:
    from racine.workspaces import views

    seen: list[Any] = []

    def board(request: Any, object_id: Any, admin_site: Any = None) -> Any:
        from django.http import HttpResponse

        seen.append((object_id, admin_site))
        return HttpResponse("board")

    monkeypatch.setattr(views, "workspace_board", board)
    login(client, team.viewer)
    url = admin_url("workspace_board", team.ws.pk)
    assert url == f"/admin/workspaces/workspace/{team.ws.pk}/board/"
    assert client.get(url).content == b"board"
    assert seen[0][0] == str(team.ws.pk) and seen[0][1] is not None
    opened = client.get(admin_url("workspace_open_detail", team.ws.pk))
    assert opened.status_code == 302 and opened["Location"] == url


def test_deleting_names_no_pinned_object_and_goes_through_the_service(team, client) -> None:
    hidden_table = team.table(team.src_b)
    services.pin(actor=reload(team.owner), workspace=team.ws, target=hidden_table)
    services.transfer_ownership(actor=reload(team.owner), workspace=team.ws, user=team.editor)
    login(client, team.editor)  # the owner now; reads only A
    delete = admin_url("workspace_delete", team.ws.pk)
    page = client.get(delete)
    assert page.status_code == 200
    text = page.content.decode()
    assert "customers" not in text and "src-b" not in text
    assert dict(page.context["model_count"]) == {"workspaces": 1, "members": 3, "pins": 1}
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Workspace.objects.filter(pk=team.ws.pk).exists()
    assert not Pin.objects.exists()
    from pursight.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="workspace.delete", actor=team.editor).exists()
    # A viewer may not delete.
    other = services.create_workspace(actor=reload(team.owner), name="Other")
    services.invite_member(actor=reload(team.owner), workspace=other, user=team.viewer)
    login(client, team.viewer)
    assert client.post(admin_url("workspace_delete", other.pk), {"post": "yes"}).status_code == 403
