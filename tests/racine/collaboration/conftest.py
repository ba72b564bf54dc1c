"""A small world for comments and tasks: collections ``A`` and ``B``, a table in each, a
workspace pinning both, and people with different reach.

- ``alice``: reads A and B (Data Reader on both), owner of the workspace;
- ``bob``: reads A only, editor of the workspace (a member who must not see B's table);
- ``carol``: reads A, viewer of the workspace;
- ``dave``: reads A and B, not a member;
- ``eve``: no role anywhere, not a member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone


@dataclass
class World:
    a: Any
    b: Any
    table_a: Any
    table_b: Any
    column_a: Any
    ws: Any
    alice: Any
    bob: Any
    carol: Any
    dave: Any
    eve: Any


def make_table(source: Any, name: str) -> tuple[Any, Any]:
    from governance.catalog.models import CatalogColumn, CatalogSchema, CatalogTable

    now = timezone.now()
    common = {"datasource": source, "first_seen": now, "last_seen": now}
    schema = CatalogSchema.objects.create(name="main", qualified_name=f"{source.pk}/main", **common)
    table = CatalogTable.objects.create(
        schema=schema, name=name, qualified_name=f"{source.pk}/main/{name}", **common
    )
    column = CatalogColumn.objects.create(
        table=table,
        name="email",
        data_type="TEXT",
        qualified_name=f"{source.pk}/main/{name}/email",
        **common,
    )
    return table, column


@pytest.fixture
def add_member() -> Any:
    """Make ``user`` a member with ``role`` (the guardian rows the workspace services keep in
    step with the membership)."""
    from guardian.shortcuts import assign_perm

    from pursight import permissions
    from racine.workspaces.choices import ROLE_CODENAMES
    from racine.workspaces.models import Membership

    def add(ws: Any, user: Any, role: str) -> Any:
        membership = Membership.objects.create(workspace=ws, user=user, role=role)
        for codename in ROLE_CODENAMES[role]:
            assign_perm(f"workspaces.{codename}", user, ws)
        permissions.forget(user)
        return membership

    return add


@pytest.fixture
def reader() -> Any:
    """Give ``user`` the Data Reader role on ``collection`` (a real role assignment: it also
    makes them nameable by their colleagues)."""
    from governance.rbac import services
    from governance.rbac.models import Role
    from governance.rbac.roles import DATA_READER
    from pursight import permissions

    def give(user: Any, collection: Any) -> None:
        role = Role.objects.get(slug=DATA_READER)
        services.assign_role(actor=None, role=role, collection=collection, user=user)
        permissions.forget(user)

    return give


@pytest.fixture
def world(make_collection, make_source, make_user, reader, add_member) -> World:
    from racine.workspaces.models import Pin, Workspace

    a, b = make_collection("A"), make_collection("B")
    table_a, column_a = make_table(make_source(collection=a, name="src-a"), "customers")
    table_b, _ = make_table(make_source(collection=b, name="src-b"), "salaries")
    alice, bob, carol, dave, eve = (make_user(n) for n in ("alice", "bob", "carol", "dave", "eve"))
    for user in (alice, bob, carol, dave):
        reader(user, a)
    reader(alice, b)
    reader(dave, b)
    ws = Workspace.objects.create(name="Team")
    add_member(ws, alice, "owner")
    add_member(ws, bob, "editor")
    add_member(ws, carol, "viewer")
    from django.contrib.contenttypes.models import ContentType

    for table in (table_a, table_b):
        Pin.objects.create(
            workspace=ws,
            target_type=ContentType.objects.get_for_model(table),
            target_id=table.pk,
            pinned_by=alice,
        )
    return World(a, b, table_a, table_b, column_a, ws, alice, bob, carol, dave, eve)


@pytest.fixture
def published(monkeypatch: Any) -> list[tuple[Any, ...]]:
    """Live events published (kind, id, event, payload, requires), in order."""
    from pursight import realtime

    sent: list[tuple[Any, ...]] = []

    def publish(kind: str, pk: Any, event: str, payload: dict, *, requires: Any = None) -> None:
        sent.append((kind, pk, event, payload, requires))

    monkeypatch.setattr(realtime, "publish", publish)
    return sent


@pytest.fixture
def emitted() -> Any:
    """Domain events emitted (kind, obj, actor, data), once their transaction commits."""
    from pursight.events import domain_event

    seen: list[tuple[Any, ...]] = []

    def receive(sender: Any, kind: str, obj: Any, actor: Any, data: dict, **kw: Any) -> None:
        seen.append((kind, obj, actor, data))

    domain_event.connect(receive, weak=False, dispatch_uid="collaboration-tests")
    yield seen
    domain_event.disconnect(dispatch_uid="collaboration-tests")


def fresh(user: Any) -> Any:
    """The user as a new request loads it (no cached scopes)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)
