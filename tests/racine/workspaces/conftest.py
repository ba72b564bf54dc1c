"""Fixtures of the workspace tests.

``team``: collections A and B, each with a scanned data source; a workspace owned by ``owner``
(who reads A and B) with ``editor`` and ``viewer`` (who read only A) as members; ``outsider``
reads A and B but belongs to no workspace; ``root`` is a superuser.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from .helpers import Team, reload


@pytest.fixture
def read_role(db: Any) -> Any:
    from governance.rbac import services
    from governance.rbac.models import Role

    def give(user: Any, collection: Any, slug: str = "data-reader") -> None:
        services.assign_role(
            actor=None, role=Role.objects.get(slug=slug), collection=collection, user=user
        )

    return give


@pytest.fixture
def team(
    make_user, make_collection, make_source, scan_source, shop_db, tmp_path, read_role
) -> Team:
    from racine.workspaces import services

    a, b = make_collection("A"), make_collection("B")
    other_db = tmp_path / "other.sqlite"
    shutil.copy(shop_db, other_db)
    src_a = make_source(shop_db, collection=a, name="src-a")
    src_b = make_source(other_db, collection=b, name="src-b")
    scan_source(src_a)
    scan_source(src_b)
    owner, editor, viewer = make_user("owner"), make_user("editor"), make_user("viewer")
    outsider, root = make_user("outsider"), make_user("root", superuser=True)
    for user in (owner, outsider):
        read_role(user, a)
        read_role(user, b)
    for user in (editor, viewer):
        read_role(user, a)
    ws = services.create_workspace(actor=reload(owner), name="Team", description="Our sources")
    services.invite_member(actor=reload(owner), workspace=ws, user=editor, role="editor")
    services.invite_member(actor=reload(owner), workspace=ws, user=viewer, role="viewer")
    return Team(a, b, src_a, src_b, owner, editor, viewer, outsider, root, ws)
