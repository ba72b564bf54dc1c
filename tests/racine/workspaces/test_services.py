"""Workspace services: membership lifecycle, guardian rows in step with roles, the archived
read-only state, pins through the gate, saved searches, audit records and domain events."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from pursight import consumers, permissions
from pursight.core.models import AuditEvent
from pursight.events import domain_event
from racine.workspaces import pinning, services
from racine.workspaces.models import Membership, Pin, SavedSearch, WorkspaceUserObjectPermission

from .helpers import reload

pytestmark = pytest.mark.django_db


def codenames(ws: Any, user: Any) -> set[str]:
    return set(
        WorkspaceUserObjectPermission.objects.filter(content_object=ws, user=user).values_list(
            "permission__codename", flat=True
        )
    )


@pytest.fixture
def revoked(monkeypatch) -> list[tuple[str, int, list[int]]]:
    calls: list[tuple[str, int, list[int]]] = []
    monkeypatch.setattr(
        consumers, "revoke_users", lambda kind, pk, ids: calls.append((kind, pk, list(ids)))
    )
    return calls


@pytest.fixture
def emitted(django_capture_on_commit_callbacks) -> Any:
    seen: list[tuple[str, Any, dict]] = []

    def receiver(sender: Any, kind: str, obj: Any, actor: Any, data: dict, **kw: Any) -> None:
        seen.append((kind, obj, data))

    domain_event.connect(receiver, dispatch_uid="test.workspaces.events")
    yield seen
    domain_event.disconnect(dispatch_uid="test.workspaces.events")


def test_the_creator_owns_a_new_workspace_and_roles_are_guardian_rows(team) -> None:
    ws = team.ws
    assert codenames(ws, team.owner) == {"view_workspace", "edit_workspace", "manage_workspace"}
    assert codenames(ws, team.editor) == {"view_workspace", "edit_workspace"}
    assert codenames(ws, team.viewer) == {"view_workspace"}
    assert codenames(ws, team.outsider) == set()
    assert services.role_of(team.owner, ws) == "owner"
    assert team.editor.__class__.objects.get(pk=team.editor.pk).is_staff
    # The gate reads those rows: a member sees the workspace, a collection role never does.
    assert permissions.can(reload(team.viewer), "view", ws)
    assert not permissions.can(reload(team.viewer), "edit", ws)
    assert permissions.can(reload(team.editor), "edit", ws)
    assert not permissions.can(reload(team.outsider), "view", ws)
    assert permissions.can(reload(team.root), "manage", ws)


def test_invite_refuses_unknown_and_unnameable_users_alike(team, make_user) -> None:
    stranger = make_user("stranger")  # holds no role anywhere the editor could see
    owner = reload(team.owner)
    with pytest.raises(ValidationError) as unknown:
        services.invite_member(actor=owner, workspace=team.ws, user=987654, role="viewer")
    assert unknown.value.message_dict == {"user": [services.NO_SUCH_USER]}
    # The owner reads A and B: the stranger is not among the people the owner may name.
    with pytest.raises(ValidationError) as hidden:
        services.invite_member(actor=owner, workspace=team.ws, user=stranger, role="viewer")
    assert hidden.value.message_dict == unknown.value.message_dict
    with pytest.raises(ValidationError, match="already a member"):
        services.invite_member(actor=owner, workspace=team.ws, user=team.viewer, role="editor")
    with pytest.raises(ValidationError, match="Choose one of"):
        services.invite_member(actor=owner, workspace=team.ws, user=team.outsider, role="boss")


def test_only_owners_manage_members(team) -> None:
    with pytest.raises(permissions.PermissionDenied):
        services.invite_member(
            actor=reload(team.editor), workspace=team.ws, user=team.outsider, role="viewer"
        )
    with pytest.raises(permissions.PermissionDenied):
        services.remove_member(actor=reload(team.viewer), workspace=team.ws, user=team.editor)
    with pytest.raises(permissions.PermissionDenied):
        services.change_role(
            actor=reload(team.outsider), workspace=team.ws, user=team.viewer, role="owner"
        )


def test_membership_lifecycle(team, revoked, emitted, django_capture_on_commit_callbacks) -> None:
    ws, owner = team.ws, reload(team.owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(actor=owner, workspace=ws, user=team.outsider, role="viewer")
    assert codenames(ws, team.outsider) == {"view_workspace"}
    assert (
        "member.added",
        ws,
        {"user": {"id": team.outsider.pk, "name": "outsider"}, "role": "viewer"},
    ) in emitted

    # Promote, then demote: the rows follow; a member who loses "edit" leaves no page that
    # needs only "view".
    services.change_role(actor=owner, workspace=ws, user=team.outsider, role="editor")
    assert codenames(ws, team.outsider) == {"view_workspace", "edit_workspace"}
    services.change_role(actor=owner, workspace=ws, user=team.outsider, role="viewer")
    assert codenames(ws, team.outsider) == {"view_workspace"}
    assert revoked == []

    # Removal: no row left, and the sockets on the workspace page are told at once.
    services.remove_member(actor=owner, workspace=ws, user=team.outsider)
    assert codenames(ws, team.outsider) == set()
    assert not Membership.objects.filter(workspace=ws, user=team.outsider).exists()
    assert revoked == [("workspace", ws.pk, [team.outsider.pk])]
    assert not permissions.can(reload(team.outsider), "view", ws)

    with pytest.raises(ValidationError, match="not a member"):
        services.remove_member(actor=owner, workspace=ws, user=team.outsider)


def test_transfer_makes_a_member_owner_and_the_old_owner_editor(team) -> None:
    ws = team.ws
    with pytest.raises(ValidationError, match="not a member"):
        services.transfer_ownership(actor=reload(team.owner), workspace=ws, user=team.outsider)
    services.transfer_ownership(actor=reload(team.owner), workspace=ws, user=team.viewer)
    assert services.role_of(team.viewer, ws) == "owner"
    assert services.role_of(team.owner, ws) == "editor"
    assert codenames(ws, team.viewer) == {"view_workspace", "edit_workspace", "manage_workspace"}
    assert codenames(ws, team.owner) == {"view_workspace", "edit_workspace"}
    # The previous owner cannot manage any more.
    with pytest.raises(permissions.PermissionDenied):
        services.archive_workspace(actor=reload(team.owner), workspace=ws)
    record = AuditEvent.objects.get(action="workspace.transfer")
    assert record.changes["owner"] == [[team.owner.pk], team.viewer.pk]
    assert record.collection_id is None  # a workspace is no collection


def test_the_last_owner_cannot_leave_nor_be_demoted_or_removed(team, revoked) -> None:
    ws, owner = team.ws, reload(team.owner)
    with pytest.raises(ValidationError, match="last owner"):
        services.leave_workspace(actor=owner, workspace=ws)
    with pytest.raises(ValidationError, match="needs an owner"):
        services.change_role(actor=owner, workspace=ws, user=team.owner, role="editor")
    with pytest.raises(ValidationError, match="needs an owner"):
        services.remove_member(actor=owner, workspace=ws, user=team.owner)
    # With a second owner, the first may go.
    services.change_role(actor=owner, workspace=ws, user=team.editor, role="owner")
    services.leave_workspace(actor=reload(team.owner), workspace=ws)
    assert services.role_of(team.owner, ws) is None
    assert codenames(ws, team.owner) == set()
    assert ("workspace", ws.pk, [team.owner.pk]) in revoked
    # Someone who is not a member cannot leave (and a non-member does not even see it).
    with pytest.raises(permissions.PermissionDenied):
        services.leave_workspace(actor=reload(team.outsider), workspace=ws)


def test_an_archived_workspace_is_read_only_until_restored(team) -> None:
    ws, owner = team.ws, reload(team.owner)
    services.pin(actor=reload(team.editor), workspace=ws, target=team.src_a)
    pin = Pin.objects.get(workspace=ws)
    services.archive_workspace(actor=owner, workspace=ws)
    ws.refresh_from_db()
    assert ws.status == "archived" and ws.archived_at is not None and ws.read_only
    writes = [
        lambda: services.update_workspace(actor=owner, workspace=ws, name="Renamed"),
        lambda: services.update_notes(actor=owner, workspace=ws, notes="new"),
        lambda: services.invite_member(
            actor=owner, workspace=ws, user=team.outsider, role="viewer"
        ),
        lambda: services.remove_member(actor=owner, workspace=ws, user=team.viewer),
        lambda: services.change_role(actor=owner, workspace=ws, user=team.viewer, role="editor"),
        lambda: services.transfer_ownership(actor=owner, workspace=ws, user=team.editor),
        lambda: services.leave_workspace(actor=reload(team.viewer), workspace=ws),
        lambda: services.pin(actor=owner, workspace=ws, target=team.src_b),
        lambda: services.unpin(actor=owner, pin=pin),
        lambda: services.create_saved_search(actor=owner, workspace=ws, name="x"),
        lambda: services.activate_workspace(actor=owner, workspace=ws),
        lambda: services.delete_workspace(actor=owner, workspace=ws),
    ]
    for write in writes:
        with pytest.raises(services.WorkspaceArchived, match="archived"):
            write()
    with pytest.raises(ValidationError, match="already archived"):
        services.archive_workspace(actor=owner, workspace=ws)
    # Members still read it.
    assert permissions.can(reload(team.viewer), "view", ws)
    with pytest.raises(permissions.PermissionDenied):
        services.restore_workspace(actor=reload(team.editor), workspace=ws)
    services.restore_workspace(actor=owner, workspace=ws)
    ws.refresh_from_db()
    assert ws.status == "active" and ws.archived_at is None
    services.update_workspace(actor=owner, workspace=ws, name="Renamed")
    assert ws.name == "Renamed"
    with pytest.raises(ValidationError, match="Only an archived"):
        services.restore_workspace(actor=owner, workspace=ws)


def test_a_draft_is_activated(team) -> None:
    owner = reload(team.owner)
    draft = services.create_workspace(actor=owner, name="Later", status="draft")
    assert draft.status == "draft"
    services.activate_workspace(actor=reload(team.owner), workspace=draft)
    assert draft.status == "active"
    with pytest.raises(ValidationError, match="Only a draft"):
        services.activate_workspace(actor=reload(team.owner), workspace=draft)
    with pytest.raises(ValidationError, match="draft or active"):
        services.create_workspace(actor=owner, name="X", status="archived")
    with pytest.raises(ValidationError, match="name"):
        services.create_workspace(actor=owner, name="   ")


def test_pins_go_through_the_gate(team, emitted, django_capture_on_commit_callbacks) -> None:
    ws, editor = team.ws, reload(team.editor)
    with django_capture_on_commit_callbacks(execute=True):
        pinned = services.pin(actor=editor, workspace=ws, target=team.table(team.src_a), note="!")
    assert pinned.pinned_by == team.editor and pinned.note == "!"
    assert any(
        kind == "pin.added" and data["target"]["type"] == "catalog.catalogtable"
        for kind, _, data in emitted
    )
    # A target the editor may not see (collection B) is refused exactly like a missing one.
    with pytest.raises(ValidationError) as hidden:
        services.pin(actor=reload(team.editor), workspace=ws, target=team.table(team.src_b))
    assert hidden.value.message_dict == {"target": ["Object not found."]}
    with pytest.raises(ValidationError) as missing:
        pinning.resolve(reload(team.editor), "catalog.catalogtable", 987654)
    assert missing.value.message_dict == hidden.value.message_dict
    with pytest.raises(ValidationError) as unpinnable:  # a kind that is not pinnable
        services.pin(actor=reload(team.editor), workspace=ws, target=team.editor)
    assert unpinnable.value.message_dict == hidden.value.message_dict
    with pytest.raises(ValidationError) as by_label:
        pinning.resolve(reload(team.editor), "auth.user", team.editor.pk)
    assert by_label.value.message_dict == hidden.value.message_dict
    with pytest.raises(ValidationError, match="already pinned"):
        services.pin(actor=reload(team.editor), workspace=ws, target=team.table(team.src_a))
    # A viewer may not pin at all (403), even what they see.
    with pytest.raises(permissions.PermissionDenied):
        services.pin(actor=reload(team.viewer), workspace=ws, target=team.src_a)
    # Unpin: editors who see the target.
    with pytest.raises(permissions.PermissionDenied):
        services.unpin(actor=reload(team.viewer), pin=pinned)
    with django_capture_on_commit_callbacks(execute=True):
        services.unpin(actor=reload(team.editor), pin=pinned)
    assert not Pin.objects.filter(pk=pinned.pk).exists()
    assert "pin.removed" in [kind for kind, _, _ in emitted]
    actions = list(
        AuditEvent.objects.filter(object_type="workspaces.workspace", object_id=str(ws.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["pin.create", "pin.delete"]


def test_a_member_sees_only_pins_whose_asset_the_gate_shows(team) -> None:
    ws = team.ws
    owner = reload(team.owner)
    for target in (team.src_a, team.src_b, team.table(team.src_b), team.a):
        services.pin(actor=owner, workspace=ws, target=target)
    seen_by = {
        name: {
            (p["target"]["type"], p["target"]["id"])
            for p in services.pins_of(reload(getattr(team, name)), ws)
        }
        for name in ("owner", "viewer", "outsider", "root")
    }
    assert seen_by["owner"] == seen_by["root"] and len(seen_by["owner"]) == 4
    assert seen_by["viewer"] == {
        ("datasources.datasource", team.src_a.pk),
        ("rbac.collection", team.a.pk),
    }
    assert seen_by["outsider"] == set()  # reads everything, member of nothing


def test_pins_go_with_their_target(team, make_source, shop_db) -> None:
    owner = reload(team.owner)
    source = make_source(shop_db, collection=team.a, name="doomed")
    services.pin(actor=owner, workspace=team.ws, target=source)
    search = services.create_saved_search(actor=reload(team.owner), workspace=team.ws, name="s")
    services.pin(actor=reload(team.owner), workspace=team.ws, target=search)
    assert Pin.objects.filter(workspace=team.ws).count() == 2
    source.delete()
    services.delete_saved_search(actor=reload(team.owner), search=search)
    assert not Pin.objects.filter(workspace=team.ws).exists()


def test_saved_searches(team) -> None:
    ws = team.ws
    search = services.create_saved_search(
        actor=reload(team.editor),
        workspace=ws,
        name=" PII ",
        query="email",
        filters={"datasource": str(team.src_a.pk), "kind": ["table", "view"]},
    )
    assert search.name == "PII" and search.created_by == team.editor
    assert "q=email" in pinning.saved_search_url(search)
    with pytest.raises(ValidationError, match="already has a search"):
        services.create_saved_search(actor=reload(team.editor), workspace=ws, name="pii")
    with pytest.raises(ValidationError, match="object of names"):
        services.create_saved_search(
            actor=reload(team.editor), workspace=ws, name="bad", filters=["x"]
        )
    with pytest.raises(permissions.PermissionDenied):
        services.create_saved_search(actor=reload(team.viewer), workspace=ws, name="v")
    services.update_saved_search(actor=reload(team.editor), search=search, query="phone")
    assert SavedSearch.objects.get(pk=search.pk).query == "phone"
    record = AuditEvent.objects.filter(action="savedsearch.update").get()
    assert record.changes["query"] == ["email", "phone"] and record.collection_id is None


def test_every_change_is_audited(team, make_user) -> None:
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"workspace.create", "membership.create"} <= actions
    created = AuditEvent.objects.get(action="workspace.create")
    assert created.actor_id == team.owner.pk and created.changes["name"] == "Team"
    invites = AuditEvent.objects.filter(action="membership.create").order_by("pk")
    assert [e.changes["role"] for e in invites] == ["owner", "editor", "viewer"]
    services.change_role(
        actor=reload(team.owner), workspace=team.ws, user=team.viewer, role="editor"
    )
    change = AuditEvent.objects.get(action="membership.update")
    assert change.changes == {"user": team.viewer.pk, "role": ["viewer", "editor"]}


def test_a_member_works_in_the_console(team, make_user) -> None:
    """Inviting someone who is not staff yet opens the admin to them (audited); what they see
    there is still the gate's decision."""
    plain = make_user("plain", staff=False)
    services.invite_member(actor=reload(team.root), workspace=team.ws, user=plain, role="viewer")
    assert reload(plain).is_staff
    granted = AuditEvent.objects.get(action="user.staff_granted", object_id=str(plain.pk))
    assert granted.actor_id == team.root.pk


def test_notes_are_saved_by_editors(team, emitted, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.update_notes(actor=reload(team.editor), workspace=team.ws, notes="Check PII")
    team.ws.refresh_from_db()
    assert team.ws.notes == "Check PII"
    assert [kind for kind, _, _ in emitted] == ["notes.edited"]
    assert AuditEvent.objects.get(action="workspace.notes").changes["notes"] == ["", "Check PII"]
    with pytest.raises(permissions.PermissionDenied):
        services.update_notes(actor=reload(team.viewer), workspace=team.ws, notes="x")
