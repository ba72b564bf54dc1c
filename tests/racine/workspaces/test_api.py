"""The workspaces API: members and pins nested, actions through the services, 404 for a
workspace one is not a member of (exactly like a missing id), 403 for a member without the
role, 409 on an archived workspace, a constant number of queries, the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance.catalog.models import CatalogColumn
from pursight.core.models import AuditEvent
from racine.workspaces import services
from racine.workspaces.models import Membership, Pin, SavedSearch, Workspace

from .helpers import reload

pytestmark = pytest.mark.django_db

MISSING = 987654


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(reload(user))
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"workspace-{name}", args=args)


def test_the_list_shows_only_ones_workspaces(team) -> None:
    other = services.create_workspace(actor=reload(team.outsider), name="Outsiders")
    ids = {
        n: {w["id"] for w in api(getattr(team, n)).get(url("list")).json()["results"]}
        for n in ("owner", "viewer", "outsider", "root")
    }
    assert ids["owner"] == ids["viewer"] == {team.ws.pk}
    assert ids["outsider"] == {other.pk}
    assert ids["root"] == {team.ws.pk, other.pk}


def test_a_workspace_one_is_not_a_member_of_answers_like_a_missing_one(team) -> None:
    client = api(team.outsider)  # reads every collection, member of nothing
    for name, method in (
        ("detail", "get"),
        ("detail", "patch"),
        ("detail", "delete"),
        ("invite", "post"),
        ("add-pin", "post"),
        ("archive", "post"),
        ("leave", "post"),
        ("transfer", "post"),
    ):
        hidden = getattr(client, method)(url(name, team.ws.pk), {}, format="json")
        missing = getattr(client, method)(url(name, MISSING), {}, format="json")
        assert hidden.status_code == missing.status_code == 404, name
        assert hidden.json() == missing.json()
    for name, extra in (("remove-member", team.viewer.pk), ("unpin", 1)):
        hidden = client.post(url(name, team.ws.pk, extra))
        missing = client.post(url(name, MISSING, extra))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def test_a_member_reads_members_role_and_the_pins_the_gate_shows(team) -> None:
    owner = reload(team.owner)
    services.pin(actor=owner, workspace=team.ws, target=team.src_a, note="main")
    services.pin(actor=reload(team.owner), workspace=team.ws, target=team.table(team.src_b))
    body = api(team.viewer).get(url("detail", team.ws.pk)).json()
    assert body["my_role"] == "viewer" and body["status"] == "active"
    assert {(m["user"]["username"], m["role"]) for m in body["members"]} == {
        ("owner", "owner"),
        ("editor", "editor"),
        ("viewer", "viewer"),
    }
    # Membership never widens governance access: B's table is not shown to the viewer.
    assert [p["target"]["type"] for p in body["pins"]] == ["datasources.datasource"]
    pin = body["pins"][0]
    assert pin["note"] == "main" and pin["pinned_by"]["username"] == "owner"
    assert pin["target"]["id"] == team.src_a.pk and pin["target"]["name"] == "src-a"
    assert pin["target"]["url"].endswith(f"/datasources/datasource/{team.src_a.pk}/change/")
    assert pin["target"]["scan"]["state"] == "succeeded"
    full = api(team.owner).get(url("detail", team.ws.pk)).json()
    assert len(full["pins"]) == 2
    root = api(team.root).get(url("detail", team.ws.pk)).json()
    assert root["my_role"] is None and len(root["pins"]) == 2


def test_create_makes_the_creator_owner(team, make_user) -> None:
    newcomer = make_user("newcomer")  # no role anywhere: may still start a workspace
    response = api(newcomer).post(url("list"), {"name": "Mine", "status": "draft"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["my_role"] == "owner" and body["status"] == "draft"
    assert [m["user"]["username"] for m in body["members"]] == ["newcomer"]
    bad = api(newcomer).post(url("list"), {"name": "X", "status": "archived"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()
    assert api(newcomer).post(url("list"), {}, format="json").status_code == 400
    # The status changes through the actions, never a PATCH.
    ws = body["id"]
    patch = api(newcomer).patch(url("detail", ws), {"status": "active"}, format="json")
    assert patch.status_code == 400 and "archive, restore and activate" in str(patch.json())
    assert api(newcomer).post(url("activate", ws)).json()["status"] == "active"


def test_roles_gate_the_actions(team) -> None:
    ws = team.ws.pk
    viewer, editor = api(team.viewer), api(team.editor)
    assert viewer.patch(url("detail", ws), {"name": "x"}, format="json").status_code == 403
    assert editor.patch(url("detail", ws), {"name": "x"}, format="json").status_code == 403
    body = {"target_type": "datasources.datasource", "target_id": team.src_a.pk}
    assert viewer.post(url("add-pin", ws), body, format="json").status_code == 403
    assert editor.post(url("add-pin", ws), body, format="json").status_code == 201
    invite = {"user": team.outsider.pk, "role": "viewer"}
    assert editor.post(url("invite", ws), invite, format="json").status_code == 403
    assert editor.post(url("archive", ws)).status_code == 403
    assert (
        viewer.post(url("transfer", ws), {"user": team.viewer.pk}, format="json").status_code == 403
    )
    assert editor.delete(url("detail", ws)).status_code == 403
    renamed = api(team.owner).patch(url("detail", ws), {"name": "Renamed"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"


def test_pinning_refuses_hidden_missing_and_unpinnable_targets_alike(team) -> None:
    editor, ws = api(team.editor), team.ws.pk
    hidden_table = team.table(team.src_b)  # collection B: the editor reads only A
    answers = [
        editor.post(url("add-pin", ws), body, format="json")
        for body in (
            {"target_type": "catalog.catalogtable", "target_id": hidden_table.pk},
            {"target_type": "catalog.catalogtable", "target_id": MISSING},
            {"target_type": "auth.user", "target_id": team.editor.pk},
            {"target_type": "no.such", "target_id": 1},
            {"target_type": "catalog.columnclassification", "target_id": 1},
        )
    ]
    assert {a.status_code for a in answers} == {400}
    assert all(a.json() == {"target": ["Object not found."]} for a in answers)
    seen = editor.post(
        url("add-pin", ws),
        {"target_type": "catalog.catalogtable", "target_id": team.table(team.src_a).pk},
        format="json",
    )
    assert seen.status_code == 201
    assert seen.json()["target"]["type"] == "catalog.catalogtable"
    again = editor.post(
        url("add-pin", ws),
        {"target_type": "catalog.catalogtable", "target_id": team.table(team.src_a).pk},
        format="json",
    )
    assert again.status_code == 400 and "already pinned" in str(again.json())
    # Unpin: a pin whose target the member cannot see answers like a missing pin.
    hidden_pin = services.pin(actor=reload(team.owner), workspace=team.ws, target=hidden_table)
    assert editor.post(url("unpin", ws, hidden_pin.pk)).status_code == 404
    assert editor.post(url("unpin", ws, MISSING)).status_code == 404
    pin_id = seen.json()["id"]
    assert api(team.viewer).post(url("unpin", ws, pin_id)).status_code == 403
    assert editor.post(url("unpin", ws, pin_id)).status_code == 204
    assert not Pin.objects.filter(pk=pin_id).exists()


def test_invite_role_remove_transfer_and_leave(team, make_user) -> None:
    ws, owner = team.ws.pk, api(team.owner)
    stranger = make_user("stranger")
    unknown = owner.post(url("invite", ws), {"user": MISSING, "role": "viewer"}, format="json")
    unnameable = owner.post(url("invite", ws), {"user": stranger.pk}, format="json")
    assert unknown.status_code == unnameable.status_code == 400
    assert unknown.json() == unnameable.json() == {"user": ["No such user."]}
    invited = owner.post(
        url("invite", ws), {"user": team.outsider.pk, "role": "editor"}, format="json"
    )
    assert invited.status_code == 201
    assert invited.json()["user"]["username"] == "outsider" and invited.json()["role"] == "editor"
    role = owner.post(url("change-role", ws, team.outsider.pk), {"role": "viewer"}, format="json")
    assert role.status_code == 200 and role.json()["role"] == "viewer"
    bad = owner.post(url("change-role", ws, team.outsider.pk), {"role": "boss"}, format="json")
    assert bad.status_code == 400
    assert owner.post(url("remove-member", ws, stranger.pk)).status_code == 404
    assert owner.post(url("remove-member", ws, team.outsider.pk)).status_code == 204
    assert not Membership.objects.filter(workspace=team.ws, user=team.outsider).exists()
    assert api(team.outsider).get(url("detail", ws)).status_code == 404

    last = owner.post(url("leave", ws))
    assert last.status_code == 400 and "last owner" in str(last.json())
    not_member = owner.post(url("transfer", ws), {"user": team.outsider.pk}, format="json")
    assert not_member.status_code == 400
    moved = owner.post(url("transfer", ws), {"user": team.editor.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["my_role"] == "editor"
    assert api(team.editor).get(url("detail", ws)).json()["my_role"] == "owner"
    assert api(team.owner).post(url("leave", ws)).status_code == 204
    assert api(team.owner).get(url("detail", ws)).status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"membership.delete", "membership.leave", "workspace.transfer"} <= actions


def test_an_archived_workspace_answers_writes_with_409_until_restored(team) -> None:
    ws, owner = team.ws.pk, api(team.owner)
    archived = owner.post(url("archive", ws))
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert archived.json()["archived_at"]
    body = {"target_type": "datasources.datasource", "target_id": team.src_a.pk}
    for response in (
        owner.patch(url("detail", ws), {"name": "x"}, format="json"),
        owner.post(url("add-pin", ws), body, format="json"),
        owner.post(url("invite", ws), {"user": team.outsider.pk}, format="json"),
        owner.post(url("archive", ws)),
        api(team.viewer).post(url("leave", ws)),
        owner.post("/api/v1/saved-searches/", {"workspace": ws, "name": "n"}, format="json"),
    ):
        assert response.status_code in (400, 409), response.json()
    assert owner.post(url("add-pin", ws), body, format="json").status_code == 409
    assert api(team.viewer).get(url("detail", ws)).status_code == 200  # still readable
    assert api(team.editor).post(url("restore", ws)).status_code == 403
    restored = owner.post(url("restore", ws))
    assert restored.status_code == 200 and restored.json()["status"] == "active"
    assert owner.post(url("add-pin", ws), body, format="json").status_code == 201
    assert AuditEvent.objects.filter(action="workspace.archived").exists()
    assert AuditEvent.objects.filter(action="workspace.restored").exists()


def _workspaces(team, n: int) -> None:
    """``n`` workspaces of the owner, each with members and pins of several kinds."""
    columns = list(CatalogColumn.objects.filter(datasource=team.src_b))  # hidden from viewer
    for i in range(n):
        ws = services.create_workspace(actor=reload(team.owner), name=f"W{i}")
        services.invite_member(actor=reload(team.owner), workspace=ws, user=team.viewer)
        for target in (team.src_a, team.src_b, team.a, columns[i % len(columns)]):
            services.pin(actor=reload(team.owner), workspace=ws, target=target)


@pytest.mark.parametrize("who", ["owner", "viewer", "root"])
def test_the_list_costs_a_constant_number_of_queries(
    team, who, django_assert_max_num_queries
) -> None:
    Workspace.objects.all().delete()
    _workspaces(team, 1)
    client = api(getattr(team, who))
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url("list")).json()["results"]) == 1
    _workspaces(team, 9)
    client = api(getattr(team, who))
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url("list")).json()
    assert len(body["results"]) == 10
    pins = {len(w["pins"]) for w in body["results"]}
    assert pins == ({2} if who == "viewer" else {4})


def test_saved_searches_api(team) -> None:
    editor, viewer = api(team.editor), api(team.viewer)
    created = editor.post(
        "/api/v1/saved-searches/",
        {"workspace": team.ws.pk, "name": "PII", "query": "email", "filters": {"kind": "table"}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["search_url"].endswith("q=email&kind=table") or "q=email" in body["search_url"]
    assert viewer.get(f"/api/v1/saved-searches/{body['id']}/").status_code == 200
    denied = viewer.post(
        "/api/v1/saved-searches/", {"workspace": team.ws.pk, "name": "v"}, format="json"
    )
    assert denied.status_code == 403
    # A workspace one is not a member of is refused like a missing one.
    other = services.create_workspace(actor=reload(team.outsider), name="Other")
    hidden = editor.post(
        "/api/v1/saved-searches/", {"workspace": other.pk, "name": "h"}, format="json"
    )
    missing = editor.post(
        "/api/v1/saved-searches/", {"workspace": MISSING, "name": "h"}, format="json"
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == {
        "workspace": [str(missing.json()["workspace"][0]).replace(str(MISSING), str(other.pk))]
    }
    assert api(team.outsider).get(f"/api/v1/saved-searches/{body['id']}/").status_code == 404
    duplicate = editor.post(
        "/api/v1/saved-searches/", {"workspace": team.ws.pk, "name": "pii"}, format="json"
    )
    assert duplicate.status_code == 400 and "already has a search" in str(duplicate.json())
    bad = editor.post(
        "/api/v1/saved-searches/",
        {"workspace": team.ws.pk, "name": "bad", "filters": [1, 2]},
        format="json",
    )
    assert bad.status_code == 400
    # It stays in its workspace; its name changes.
    moved = editor.patch(
        f"/api/v1/saved-searches/{body['id']}/",
        {"workspace": other.pk, "name": "Personal data"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["workspace"] == team.ws.pk
    assert SavedSearch.objects.get(pk=body["id"]).name == "Personal data"
    assert editor.delete(f"/api/v1/saved-searches/{body['id']}/").status_code == 204


def test_the_schema_documents_bodies_and_answers(team) -> None:
    schema = api(team.owner).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    base = "/api/v1/workspaces/{id}/"

    def body(path: str) -> str:
        return paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]

    def answer(path: str, code: str) -> Any:
        return paths[path]["post"]["responses"][code]

    assert body(base + "pins/").endswith("/NewPinRequest")
    assert answer(base + "pins/", "201")["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Pin"
    )
    assert body(base + "members/").endswith("/InviteRequest")
    assert body(base + "members/{user_id}/role/").endswith("/MemberRoleRequest")
    assert body(base + "transfer/").endswith("/TransferRequest")
    assert "requestBody" not in paths[base + "archive/"]["post"]
    assert "204" in paths[base + "leave/"]["post"]["responses"]
    assert "204" in paths[base + "pins/{pin_id}/unpin/"]["post"]["responses"]
    params = {p["name"] for p in paths[base + "members/{user_id}/remove/"]["post"]["parameters"]}
    assert params == {"id", "user_id"}
    components = schema["components"]["schemas"]
    workspace = components["Workspace"]["properties"]
    assert workspace["pins"]["items"]["$ref"].endswith("/Pin")
    assert workspace["members"]["items"]["$ref"].endswith("/Member")
    assert set(components["PinTarget"]["properties"]) >= {"type", "id", "name", "url"}
    assert "/api/v1/saved-searches/" in paths
