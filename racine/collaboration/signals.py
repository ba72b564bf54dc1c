"""Conversations, tasks and co-edited texts follow what they are about: when their object is
deleted, they go too (nothing is left pointing at a missing object, to be shown again if an id
were reused).

Catalog assets are never deleted one by one (a scan marks them removed); they, the scans and
the findings of a data source go with it, so one ``pre_delete`` of the data source deletes the
rows about everything it holds (the same clause as its pins). Other objects people talk about
are connected one model at a time, never for every model: a receiver for a model makes Django
load each deleted row of it, which bulk deletions of high-volume rows must not pay.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete

from racine.workspaces import pinning

# Objects deleted one at a time, by a person, that conversations and texts may be about.
DELETED_ONE_BY_ONE = (
    "rbac.collection",
    "workspaces.workspace",
    "workspaces.savedsearch",
    "scanrules.scanruleset",
    "classifications.classification",
    "compliance.framework",
    "compliance.control",
    "compliance.rule",
    "scans.scan",
)


def _row_models() -> tuple[Any, ...]:
    from .models import Comment, SharedDocument, Task

    # Replies first would not matter: a thread's replies cascade with their first comment.
    return (SharedDocument, Task, Comment)


def delete_rows_about(clause: Q) -> None:
    """Delete the comments, tasks and shared documents whose target matches ``clause``."""
    if not clause:
        return
    for model in _row_models():
        model._base_manager.filter(clause).delete()


def on_datasource_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    delete_rows_about(pinning.pins_of_datasource(instance))


def on_target_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    ct = ContentType.objects.get_for_model(sender, for_concrete_model=True)
    delete_rows_about(Q(target_type=ct, target_id=instance.pk))


def connect() -> None:
    from governance.datasources.models import DataSource

    pre_delete.connect(
        on_datasource_delete, sender=DataSource, dispatch_uid="collaboration.rows.datasource"
    )
    for label in DELETED_ONE_BY_ONE:
        model = apps.get_model(label)
        post_delete.connect(
            on_target_delete, sender=model, dispatch_uid=f"collaboration.rows.{label}"
        )
