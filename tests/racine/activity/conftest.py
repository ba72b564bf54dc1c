"""Fixtures of the activity tests.

``world``: collections A and B with a data source each (``src_a``, ``src_b``, not scanned);
a workspace ``ws`` pinning both sources, with ``member`` (reads A only) and ``owner`` (reads A
and B) as members; ``outsider`` reads A and B but is in no workspace; ``root`` is a superuser.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class World:
    a: Any
    b: Any
    src_a: Any
    src_b: Any
    member: Any
    owner: Any
    outsider: Any
    root: Any
    ws: Any


def fresh(user: Any) -> Any:
    """A fresh user object (scopes are cached on the object, as for one request)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


def pin(workspace: Any, obj: Any) -> Any:
    from django.contrib.contenttypes.models import ContentType

    from racine.workspaces.models import Pin

    return Pin.objects.create(
        workspace=workspace,
        target_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        target_id=obj.pk,
    )


def join(workspace: Any, user: Any, role: str = "editor") -> None:
    from guardian.shortcuts import assign_perm

    from pursight import permissions
    from racine.workspaces.models import Membership

    Membership.objects.create(workspace=workspace, user=user, role=role)
    assign_perm("workspaces.view_workspace", user, workspace)
    if role in ("editor", "owner"):
        assign_perm("workspaces.edit_workspace", user, workspace)
    permissions.forget(user)


@pytest.fixture
def world(make_user, make_collection, make_source, grant, shop_db, tmp_path) -> World:
    from racine.workspaces.models import Workspace

    a, b = make_collection("A"), make_collection("B")
    other_db = tmp_path / "other.sqlite"
    shutil.copy(shop_db, other_db)
    src_a = make_source(shop_db, collection=a, name="src-a")
    src_b = make_source(other_db, collection=b, name="src-b")
    member, owner, outsider = make_user("member"), make_user("owner"), make_user("outsider")
    root = make_user("root", superuser=True)
    grant(member, "view_catalog", a)
    for user in (owner, outsider):
        grant(user, "view_catalog", a)
        grant(user, "view_catalog", b)
    ws = Workspace.objects.create(name="Team")
    join(ws, owner, "owner")
    join(ws, member)
    pin(ws, src_a)
    pin(ws, src_b)
    return World(a, b, src_a, src_b, member, owner, outsider, root, ws)


@pytest.fixture
def record() -> Any:
    """Record a domain event at once (what the receiver does after a commit)."""
    from racine.activity import services

    def do(kind: str, obj: Any, actor: Any = None, **data: Any) -> list[Any]:
        return services.record_domain_event(kind=kind, obj=obj, actor=actor, data=data)

    return do


@pytest.fixture
def scanned(world, scan_source, django_capture_on_commit_callbacks) -> World:
    """The world with both sources scanned (their scan events recorded)."""
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(world.src_a)
        scan_source(world.src_b)
    return world
