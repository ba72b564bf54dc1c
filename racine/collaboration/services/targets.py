"""Generic targets of comments and tasks: named in the API as ``target_type`` (the model's
lower-case label, e.g. ``catalog.catalogtable``) and ``target_id``, shown as
``{"type", "id", "name", "url"}``.

A target of a kind the gate does not know, one the user may not see and a missing one are
refused with the same message: nothing tells them apart.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse

from pursight import permissions
from pursight.registry import Registry

NOT_FOUND = "Object not found."

# What ``str()`` of a target reads beyond its own row: selected with it when a list prefetches
# its targets, so that naming them costs no query per row.
NAME_RELATIONS: dict[str, tuple[str, ...]] = {
    "catalog.catalogcolumn": ("table",),
    "catalog.columnclassification": ("column__table", "classification"),
    "scans.scan": ("datasource",),
    "workspaces.pin": ("target_type",),
}


class TargetNotFound(ValidationError):
    """A target that is missing, hidden from the user or of a kind the gate does not know."""

    def __init__(self, field: str = "target_id") -> None:
        super().__init__({field: NOT_FOUND})


def label_of(obj: models.Model) -> str:
    return obj._meta.concrete_model._meta.label_lower


def target_model(target_type: str) -> type[models.Model] | None:
    """The model a ``target_type`` label names, if the gate knows it (else None)."""
    app_label, _, model_name = str(target_type or "").partition(".")
    if not app_label or not model_name:
        return None
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None
    if not permissions.is_securable(model) or model._meta.label_lower != target_type:
        return None
    return model


def resolve_target(
    *, actor: Any, target_type: str, target_id: Any, field: str = "target_id"
) -> models.Model:
    """The object named by ``target_type`` and ``target_id`` if ``actor`` may see it; else
    :class:`TargetNotFound` (one message for missing, hidden and unknown kinds)."""
    model = target_model(target_type)
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        pk = None
    if model is None or pk is None or pk < 0:
        raise TargetNotFound(field)
    obj = permissions.restrict(model._default_manager.all(), actor).filter(pk=pk).first()
    if obj is None:
        raise TargetNotFound(field)
    return obj


def content_type_of(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=True)


def admin_url(obj: models.Model) -> str | None:
    opts = obj._meta.concrete_model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def target_ref(obj: models.Model | None, *, ct: ContentType | None = None, pk: Any = None) -> Any:
    """``{"type", "id", "name", "url"}`` of a target (None for none; a target deleted since
    keeps its type and id)."""
    if obj is None:
        if ct is None:
            return None
        return {"type": f"{ct.app_label}.{ct.model}", "id": pk, "name": "", "url": None}
    return {"type": label_of(obj), "id": obj.pk, "name": str(obj), "url": admin_url(obj)}


def target_prefetch(lookup: str = "target") -> GenericPrefetch:
    """Prefetch the generic ``lookup`` of a list: one query per kind of target present, each
    with what naming it reads."""
    querysets = []
    for model in apps.get_models():
        if not permissions.is_securable(model) or model._meta.proxy:
            continue
        qs = model._default_manager.all()
        related = NAME_RELATIONS.get(model._meta.label_lower)
        if related:
            qs = qs.select_related(*related)
        querysets.append(qs)
    return GenericPrefetch(lookup, querysets)


def workspace_of(obj: models.Model | None) -> Any:
    """The workspace ``obj`` is (a workspace) or belongs to (a task, a pin), else None."""
    if obj is None:
        return None
    if obj._meta.concrete_model._meta.label == "workspaces.Workspace":
        return obj
    spec = permissions.securable(type(obj)) if permissions.is_securable(type(obj)) else None
    if spec is not None and spec.root == "workspaces.Workspace" and spec.collection_lookup:
        return getattr(obj, spec.collection_lookup.split("__")[0], None)
    return None


class StateRefusal(ValidationError):
    """A well-formed write that the object's state refuses now (an archived workspace, a thread
    already resolved, a comment already deleted): the API answers 409, not 400."""


class WorkspaceReadOnly(StateRefusal):
    """A write in (or on) an archived workspace."""

    def __init__(self) -> None:
        super().__init__("The workspace is archived: it is read-only until it is restored.")


# Callables ``(obj) -> str | None`` filled by the apps above: why the conversation about
# ``obj`` is closed now (a decided approval request), or None. Like an archived workspace, a
# closed conversation refuses every write (409) and stays readable.
closed_conversations: Registry[Any] = Registry("closed conversations")


def closed_reason(obj: models.Model | None) -> str | None:
    """Why writing in the conversation about ``obj`` is refused by its state, or None."""
    if obj is None:
        return None
    workspace = workspace_of(obj)
    if workspace is not None and workspace.read_only:
        return WorkspaceReadOnly().messages[0]
    for check in closed_conversations:
        reason = check(obj)
        if reason:
            return reason
    return None


def check_writable(obj: models.Model | None) -> None:
    """Refuse a write on ``obj`` if it is, or belongs to, an archived workspace, or if an app
    closed its conversation (:data:`closed_conversations`)."""
    workspace = workspace_of(obj)
    if workspace is not None and workspace.read_only:
        raise WorkspaceReadOnly()
    reason = closed_reason(obj)
    if reason:
        raise StateRefusal(reason)


def person(user: Any) -> dict[str, Any] | None:
    """``{"id", "name"}`` of a user (their full name, else their username)."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}
