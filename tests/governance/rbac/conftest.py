"""Fixtures of the access-control tests: a small world of collections, sources and assets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest


@pytest.fixture
def role(db: Any) -> Callable[[str], Any]:
    from governance.rbac.models import Role

    return lambda slug: Role.objects.get(slug=slug)


@pytest.fixture
def assign(role: Callable[[str], Any]) -> Callable[..., Any]:
    from governance.rbac import services

    def do(principal: Any, slug: str, collection: Any, actor: Any = None) -> Any:
        from django.contrib.auth.models import Group

        kw = {"group": principal} if isinstance(principal, Group) else {"user": principal}
        return services.assign_role(actor=actor, role=role(slug), collection=collection, **kw)

    return do


@dataclass
class World:
    """``A`` (root) ⊃ ``A1`` holds source ``src-a``; ``B`` (root) holds the hidden ``src-b``."""

    a: Any
    a1: Any
    b: Any
    src_a: Any
    src_b: Any
    objects: dict[Any, dict[str, Any]] = field(default_factory=dict)  # model -> {"a": o, "b": o}


@pytest.fixture
def world(make_collection, make_source, scan_source, shop_db, tmp_path, assign, make_user) -> World:
    import shutil

    from pursight import permissions

    a = make_collection("A")
    a1 = make_collection("A1", parent=a)
    b = make_collection("B")
    other_db = tmp_path / "other.sqlite"
    shutil.copy(shop_db, other_db)
    src_a = make_source(shop_db, collection=a1, name="src-a", password="s3cret-a")
    src_b = make_source(other_db, collection=b, name="src-b", password="s3cret-b")
    scan_source(src_a)
    scan_source(src_b)
    # One assignment in each subtree, so that role assignments are probed like any asset.
    holder = make_user("holder")
    assign(holder, "data-reader", a1)
    assign(holder, "data-reader", b)
    w = World(a, a1, b, src_a, src_b)
    for model in list(permissions._registry):
        if permissions.is_global(model):  # one shared definition, seen alike from everywhere
            first = model._default_manager.order_by("pk").first()
            w.objects[model] = {"any": first} if first is not None else {}
            continue
        by_collection: dict[str, Any] = {}
        for obj in model._default_manager.all():
            cid = permissions.collection_id_of(obj)
            key = {a1.pk: "a", b.pk: "b"}.get(cid)
            if key and key not in by_collection:
                by_collection[key] = obj
        w.objects[model] = by_collection
    return w
