"""Racine's live fan-out: an event about an object reaches the object's own page
(``<app_label>.<model>``, e.g. ``catalog.catalogtable.5``) and every workspace that pins the
object or one of its anchors (its table, schema, data source or collection, or a collection
above it), each subscriber filtered by the gate through the event's ``requires``.

The live pages themselves are registered here (:func:`register`, from the app's ``ready()``):
``workspace`` (the board's state and its members' presence) and one page per pinnable model
(its presence), the ``presence`` action, and the relay that forwards a scan run's progress to
the workspaces pinning its data source (``scan_progress``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from pursight import permissions, realtime

# Attributes followed, in this order, from an object to the things it belongs to.
ANCESTRY = ("column", "table", "schema", "datasource", "collection")
WORKSPACE_PAGE = "workspace"


def page_kind(obj: models.Model) -> str:
    """The live page of one object: ``catalog.catalogtable`` (its model's lower-case label)."""
    return obj._meta.concrete_model._meta.label_lower


def anchors(obj: models.Model) -> list[models.Model]:
    """``obj`` and what it belongs to (table, schema, data source, collection), nearest first,
    read through foreign keys (select_related them to avoid queries)."""
    found: list[models.Model] = [obj]
    current: Any = obj
    for attr in ANCESTRY:
        try:
            parent = getattr(current, attr, None)
        except Exception:  # a dangling reference: stop where the chain breaks
            parent = None
        if isinstance(parent, models.Model):
            found.append(parent)
            current = parent
    return found


def anchor_ids(obj: models.Model) -> dict[str, int | None]:
    """``{"datasource_id": ..., "collection_id": ...}`` of ``obj`` (None where it has none)."""
    out: dict[str, int | None] = {"datasource_id": None, "collection_id": None}
    for anchor in anchors(obj):
        label = anchor._meta.concrete_model._meta.label
        if label == "datasources.DataSource":
            out["datasource_id"] = anchor.pk
        elif label == "rbac.Collection":
            out["collection_id"] = anchor.pk
    return out


def workspaces_for(obj: models.Model) -> list[int]:
    """Ids of the workspaces that pin ``obj`` or one of its anchors (one query)."""
    from .models import Pin, Workspace

    if isinstance(obj, Workspace):
        return [obj.pk]
    clauses = [
        Q(target_type=ContentType.objects.get_for_model(a, for_concrete_model=True), target_id=a.pk)
        for a in anchors(obj)
    ]
    # A pinned collection stands for its subtree: the ancestors are in the collection's path.
    for anchor in anchors(obj):
        path = getattr(anchor, "path", None)
        if anchor._meta.concrete_model._meta.label == "rbac.Collection" and path:
            ancestors = [int(p) for p in path.strip("/").split("/") if p.isdigit()]
            ct = ContentType.objects.get_for_model(anchor, for_concrete_model=True)
            clauses.append(Q(target_type=ct, target_id__in=ancestors))
    query = clauses[0]
    for clause in clauses[1:]:
        query |= clause
    return sorted(set(Pin.objects.filter(query).values_list("workspace_id", flat=True)))


def broadcast(
    obj: models.Model,
    event: str,
    payload: dict[str, Any],
    *,
    workspace_ids: list[int] | None = None,
) -> None:
    """After the commit, send ``event`` about ``obj`` to its page and to the workspaces that
    pin it (``workspace_ids`` if already known). Each socket forwards it only if its user may
    see ``obj``."""
    requires = permissions.requirement(obj)
    if not _is_workspace(obj):
        realtime.publish(page_kind(obj), obj.pk, event, payload, requires=requires)
    ids = workspaces_for(obj) if workspace_ids is None else workspace_ids
    for pk in ids:
        realtime.publish(WORKSPACE_PAGE, pk, event, payload, requires=requires)


def _is_workspace(obj: models.Model) -> bool:
    return obj._meta.concrete_model._meta.label == "workspaces.Workspace"


# --- Pages ------------------------------------------------------------------------------------

SCAN_PROGRESS = "scan_progress"


def workspace_page(user: Any, pk: int) -> dict[str, Any] | None:
    """The ``workspace`` page: the board's state, or None when the gate hides the workspace
    (the same answer as a missing one)."""
    from . import board

    # The socket's user object caches its scopes since it connected: a member removed since
    # must not subscribe again on the strength of that cache.
    permissions.forget(user)
    workspace = board.visible_workspace(user, pk)
    return board.state(user, workspace) if workspace is not None else None


def workspace_visible(user: Any, pk: int) -> bool:
    """The periodic re-check of a ``workspace`` subscription (one query, not the board)."""
    from . import board

    return board.visible_workspace(user, pk) is not None


def workspace_requirement(pk: int) -> dict[str, Any]:
    """Who may receive a workspace's presence: its members (no query)."""
    from .models import Workspace

    return permissions.requirement(Workspace(pk=pk))


workspace_requirement.no_query = True  # type: ignore[attr-defined]


def asset_page(model: type[models.Model]) -> Any:
    """The loader of an asset's page (``catalog.catalogtable``...): the object and who is on
    it, or None when the gate hides it."""
    from . import pinning, presence

    def load(user: Any, pk: int) -> dict[str, Any] | None:
        permissions.forget(user)  # fresh scopes (see workspace_page)
        obj = permissions.restrict(model._default_manager.all(), user, "view").filter(pk=pk).first()
        if obj is None:
            return None
        return {"object": pinning.target_ref(obj), "presence": presence.current(page_kind(obj), pk)}

    return load


def asset_visible(model: type[models.Model]) -> Any:
    def visible(user: Any, pk: int) -> bool:
        return (
            permissions.restrict(model._default_manager.all(), user, "view").filter(pk=pk).exists()
        )

    return visible


def asset_requirement(model: type[models.Model]) -> Any:
    def find(pk: int) -> dict[str, Any]:
        related = [
            f.name
            for f in model._meta.fields
            if f.name in ("datasource", "collection", "workspace") and f.is_relation
        ]
        obj = model._base_manager.select_related(*related).filter(pk=pk).first()
        return permissions.requirement(obj) if obj is not None else {"superuser": True}

    return find


def scan_progress(
    kind: str, pk: Any, event: str, payload: dict, requires: dict | None
) -> list[tuple[str, Any, str, dict, Any]]:
    """Relay: a scan run's ``progress`` goes to the workspaces that pin the run, its data
    source or its collection (or one above it), as ``scan_progress`` with the run's id and
    data source. One query."""
    if kind != "scanrun" or event != "progress":
        return []
    from django.db.models import F, Subquery

    from governance.datasources.models import DataSource
    from governance.rbac.models import Collection
    from governance.scans.models import ScanRun

    from .models import Pin

    def ct(model: type[models.Model]) -> ContentType:
        return ContentType.objects.get_for_model(model, for_concrete_model=True)

    run = ScanRun.objects.filter(pk=pk)
    run_path = Subquery(run.values("datasource__collection__path")[:1])
    above = (
        Collection.objects.annotate(run_path=run_path)
        .filter(run_path__startswith=F("path"))
        .values("pk")
    )
    rows = list(
        Pin.objects.filter(
            Q(target_type=ct(ScanRun), target_id=pk)
            | Q(target_type=ct(DataSource), target_id=Subquery(run.values("datasource_id")[:1]))
            | Q(target_type=ct(Collection), target_id__in=above)
        )
        .annotate(
            source=Subquery(run.values("datasource_id")[:1]),
            source_name=Subquery(run.values("datasource__name")[:1]),
            collection=Subquery(run.values("datasource__collection_id")[:1]),
        )
        .values_list("workspace_id", "source", "source_name", "collection")
        .distinct()
    )
    if not rows:
        return []
    _, source, name, collection = rows[0]
    needs = requires or permissions.requirement(
        ScanRun(pk=pk, datasource=DataSource(pk=source, collection_id=collection))
    )
    data = {**payload, "run": pk, "datasource": {"id": source, "name": name}}
    workspaces = sorted({row[0] for row in rows})
    return [(WORKSPACE_PAGE, ws, SCAN_PROGRESS, data, needs) for ws in workspaces]


def register() -> None:
    """Register the live pages, the ``presence`` action and the scan progress relay (from
    ``WorkspacesConfig.ready``; idempotent)."""
    from pursight import consumers

    from . import pinning, presence

    def hooks(kind: str) -> dict[str, Any]:
        async def on_join(consumer: Any, pk: int) -> None:
            await presence.join(consumer, kind, pk)

        async def on_leave(consumer: Any, pk: int) -> None:
            await presence.leave(consumer, kind, pk)

        return {"on_join": on_join, "on_leave": on_leave}

    consumers.register_page(
        WORKSPACE_PAGE, workspace_page, visible=workspace_visible, **hooks(WORKSPACE_PAGE)
    )
    presence.requirements[WORKSPACE_PAGE] = workspace_requirement
    for item in pinning.pinnables:
        kind = item.label
        consumers.register_page(
            kind, asset_page(item.model), visible=asset_visible(item.model), **hooks(kind)
        )
        presence.requirements[kind] = asset_requirement(item.model)
    consumers.register_action("presence", presence.set_state)
    realtime.relays.register("workspaces.scan_progress", scan_progress)
