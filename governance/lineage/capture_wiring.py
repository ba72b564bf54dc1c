"""Registrations made from :meth:`LineageConfig.ready`: capture.

A finished scan (the domain event ``scan.finished``, received after the scan's commit) queues
the capture of its source's view lineage: scans do not know lineage exists. A failure there is
logged and never reaches the scan.
"""

from __future__ import annotations

import logging
from typing import Any

from pursight import events
from pursight.celery import task as celery_task

log = logging.getLogger(__name__)


def on_domain_event(sender: Any, *, kind: str, obj: Any, **_: Any) -> None:
    if kind != "scan.finished":
        return
    datasource_id = getattr(obj, "datasource_id", None)
    if datasource_id is None:
        return
    from .tasks import CAPTURE_VIEWS

    try:
        celery_task(CAPTURE_VIEWS).delay(datasource_id)
    except Exception:  # a broker outage or a view's capture must never fail the scan
        log.exception("lineage.capture_failed datasource=%s", datasource_id)


def connect() -> None:
    """Connect receivers and fill other apps' registries."""
    events.domain_event.connect(on_domain_event, dispatch_uid="lineage.capture_views")
