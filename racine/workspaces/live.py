"""Racine's live fan-out: an event about an object reaches the object's own page
(``<app_label>.<model>``, e.g. ``catalog.catalogtable.5``) and every workspace that pins the
object or one of its anchors (its table, schema, data source or collection), each subscriber
filtered by the gate through the event's ``requires``.
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
