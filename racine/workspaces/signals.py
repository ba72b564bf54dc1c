"""Pins follow what they point at: when a pinned object is deleted, its pins go too (a pin
never outlives its target). Catalog assets are never deleted one by one (they are marked
removed); they go with their data source, whose deletion takes the pins of everything it holds.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete

from . import pinning


def _pins() -> Any:
    from .models import Pin

    return Pin.objects


def on_datasource_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before a data source goes (its schemas, tables, columns, scans, runs and findings
    cascade with it): delete the pins of all of them."""
    clause = pinning.pins_of_datasource(instance)
    if clause:
        _pins().filter(clause).delete()


def on_target_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    ct = pinning.content_type(sender)
    _pins().filter(Q(target_type=ct, target_id=instance.pk)).delete()


def connect() -> None:
    from governance.datasources.models import DataSource
    from governance.rbac.models import Collection

    from .models import SavedSearch

    pre_delete.connect(
        on_datasource_delete, sender=DataSource, dispatch_uid="workspaces.pins.datasource"
    )
    for model in (Collection, SavedSearch):
        post_delete.connect(
            on_target_delete, sender=model, dispatch_uid=f"workspaces.pins.{model.__name__}"
        )
