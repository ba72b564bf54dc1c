"""Receivers: scan-time tagging and term suggestions after a successful scan."""

from __future__ import annotations

import logging
from typing import Any

from pursight.events import domain_event

log = logging.getLogger(__name__)


def on_domain_event(sender: Any, *, kind: str, obj: Any, **kwargs: Any) -> None:
    if kind != "scan.finished":
        return
    from . import services

    try:
        services.on_scan_finished(obj)
    except Exception:  # never fail the scan's other receivers; the next scan tries again
        log.exception("glossary.scan_finished_failed run=%s", getattr(obj, "pk", None))


def connect() -> None:
    domain_event.connect(on_domain_event, dispatch_uid="glossary.scan_finished")
