"""Shared by the co-editing tests: a small world and a Yjs-like client (a pycrdt document, as
the browser keeps a Y.Doc)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from pycrdt import Doc, Text


class Client:
    """One editor's copy of a document (pycrdt speaks the Yjs v1 update format)."""

    def __init__(self) -> None:
        self.doc: Doc = Doc()
        self.text = self.doc.get("text", type=Text)

    def receive(self, update: bytes) -> None:
        self.doc.apply_update(update)

    def insert(self, index: int, value: str) -> bytes:
        """Insert (ASCII offsets) and return the update to send."""
        before = self.doc.get_state()
        self.text.insert(index, value)
        return self.doc.get_update(before)

    def delete(self, start: int, end: int) -> bytes:
        before = self.doc.get_state()
        del self.text[start:end]
        return self.doc.get_update(before)

    def missing_for(self, server_vector: bytes) -> bytes:
        """What a server with ``server_vector`` lacks (the client's answer to a sync)."""
        return self.doc.get_update(server_vector)

    @property
    def state_vector(self) -> bytes:
        return self.doc.get_state()

    @property
    def value(self) -> str:
        return str(self.text)


@dataclass
class CoeditWorld:
    a: Any
    hidden: Any
    source: Any
    table: Any
    hidden_table: Any
    ws: Any
    other_ws: Any
    owner: Any  # owner of ws
    editor: Any  # editor of ws; reads A
    viewer: Any  # viewer of ws; reads A
    outsider: Any  # reads A, member of nothing
    curator: Any  # curates A (edits asset descriptions), member of nothing
    source_admin: Any  # manages the data sources of A


def make_table(source: Any, name: str) -> Any:
    from governance.catalog.models import CatalogSchema, CatalogTable

    now = timezone.now()
    common = {"datasource": source, "first_seen": now, "last_seen": now}
    schema = CatalogSchema.objects.create(name="main", qualified_name=f"{source.pk}/main", **common)
    return CatalogTable.objects.create(
        schema=schema,
        name=name,
        qualified_name=f"{source.pk}/main/{name}",
        description=f"The {name} table.",
        **common,
    )


def member(ws: Any, user: Any, role: str) -> None:
    """The guardian rows the workspace services keep in step with a membership."""
    from guardian.shortcuts import assign_perm

    from pursight import permissions
    from racine.workspaces.choices import ROLE_CODENAMES
    from racine.workspaces.models import Membership

    Membership.objects.create(workspace=ws, user=user, role=role)
    for codename in ROLE_CODENAMES[role]:
        assign_perm(f"workspaces.{codename}", user, ws)
    permissions.forget(user)


def build_world(make_user: Any, make_collection: Any, make_source: Any, grant: Any) -> CoeditWorld:
    from racine.workspaces.models import Workspace

    a, hidden = make_collection("A"), make_collection("Hidden")
    source = make_source(collection=a, name="shop", description="The shop database.")
    table = make_table(source, "customers")
    hidden_table = make_table(make_source(collection=hidden, name="hr"), "salaries")
    names = ("owner", "editor", "viewer", "outsider", "curator", "source_admin")
    users = {n: make_user(n) for n in names}
    users["editor"].first_name, users["editor"].last_name = "Edna", "Editor"
    users["editor"].save()
    for name in ("owner", "editor", "viewer", "outsider", "curator", "source_admin"):
        grant(users[name], "view_catalog", a)
    grant(users["curator"], "curate_catalog", a)
    grant(users["source_admin"], "manage_datasources", a)
    ws = Workspace.objects.create(name="Team", notes="Hello team.")
    other_ws = Workspace.objects.create(name="Elsewhere", notes="Not yours.")
    member(ws, users["owner"], "owner")
    member(ws, users["editor"], "editor")
    member(ws, users["viewer"], "viewer")
    return CoeditWorld(
        a=a, hidden=hidden, source=source, table=table, hidden_table=hidden_table, ws=ws,
        other_ws=other_ws, **users,
    )  # fmt: skip
