"""Celery tasks of lineage: thin wrappers that load ids and call services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from governance.datasources.models import DataSource

from . import services

log = logging.getLogger(__name__)

CAPTURE_VIEWS = "governance.lineage.tasks.capture_views"


@shared_task(name=CAPTURE_VIEWS, acks_late=True, reject_on_worker_lost=True, soft_time_limit=600)
def capture_views(datasource_id: int) -> dict[str, Any] | None:
    """Lineage from the views of one data source (after its scan). Idempotent: a second run
    finds the same edges and changes nothing."""
    source = DataSource.objects.filter(pk=datasource_id).first()
    if source is None:
        return None
    return services.capture_view_lineage(source=source).as_dict()
