"""Collection tree services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from pursight import audit

from .models import PATH_SEP, Collection


def _compute_path(collection: Collection) -> str:
    parent_path = collection.parent.path if collection.parent_id else PATH_SEP
    return f"{parent_path}{collection.pk}{PATH_SEP}"


@transaction.atomic
def create_collection(
    *, actor: Any, name: str, parent: Collection | None = None, description: str = ""
) -> Collection:
    collection = Collection(
        name=name,
        slug=slugify(name) or "collection",
        parent=parent,
        description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    collection.full_clean(exclude=["path"])
    collection.save()
    collection.path = _compute_path(collection)
    collection.save(update_fields=["path"])
    audit.record(actor=actor, action="collection.create", obj=collection)
    return collection


@transaction.atomic
def move_collection(*, actor: Any, collection: Collection, parent: Collection | None) -> Collection:
    """Re-parent a collection and rewrite the paths of its whole subtree."""
    if parent is not None and parent.path.startswith(collection.path):
        raise ValidationError("A collection cannot be moved under itself or its descendants.")
    old_path = collection.path
    collection.parent = parent
    collection.path = _compute_path(collection)
    collection.save(update_fields=["parent", "path", "updated_at"])
    descendants = list(
        Collection.objects.filter(path__startswith=old_path).exclude(pk=collection.pk)
    )
    for node in descendants:
        node.path = collection.path + node.path[len(old_path) :]
    Collection.objects.bulk_update(descendants, ["path"])
    audit.record(
        actor=actor,
        action="collection.move",
        obj=collection,
        changes={"path": [old_path, collection.path]},
    )
    return collection


def ensure_collection_path(*, actor: Any, path: str) -> Collection:
    """Return the collection at ``a/b/c`` (names or slugs), creating missing levels."""
    parent: Collection | None = None
    parts = [p for p in path.strip("/").split("/") if p.strip()]
    if not parts:
        raise ValidationError("A collection path needs at least one name, e.g. 'Finance/EMEA'.")
    for part in parts:
        slug = slugify(part)
        found = Collection.objects.filter(parent=parent, slug=slug).first()
        parent = found or create_collection(actor=actor, name=part.strip(), parent=parent)
    assert parent is not None
    return parent


def save_collection(*, actor: Any, collection: Collection) -> Collection:
    """Create or update a collection from a form/serializer-populated instance."""
    if collection.pk is None:
        return create_collection(
            actor=actor,
            name=collection.name,
            parent=collection.parent,
            description=collection.description,
        )
    before = Collection.objects.get(pk=collection.pk)
    with transaction.atomic():
        if before.parent_id != collection.parent_id:
            move_collection(actor=actor, collection=collection, parent=collection.parent)
        collection.slug = slugify(collection.name) or collection.slug
        collection.updated_by = actor if getattr(actor, "pk", None) else None
        collection.save()
        audit.record(
            actor=actor,
            action="collection.update",
            obj=collection,
            changes=audit.diff(audit.snapshot(before), audit.snapshot(collection)),
        )
    return collection


@transaction.atomic
def delete_collection(*, actor: Any, collection: Collection) -> None:
    if collection.children.exists() or collection.datasources.exists():
        raise ValidationError(
            "Only an empty collection (no children, no data sources) can be deleted."
        )
    audit.record(actor=actor, action="collection.delete", obj=collection)
    collection.delete()
