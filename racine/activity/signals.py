"""Domain events reach the activity stream here (connected in ``ActivityConfig.ready``)."""

from __future__ import annotations

import logging
from typing import Any

from pursight import events

from . import services

log = logging.getLogger(__name__)


def on_domain_event(sender: Any, *, kind: str, obj: Any, actor: Any, data: dict, **_: Any) -> None:
    """Record one domain event (called after the commit of the change it reports)."""
    services.record_domain_event(kind=kind, obj=obj, actor=actor, data=data)


def connect() -> None:
    events.domain_event.connect(on_domain_event, dispatch_uid="activity.record_domain_event")
