"""Domain events: how governance tells higher layers (Racine's activity stream, notifications)
what happened, without importing them.

A service calls :func:`emit` inside its transaction; receivers of :data:`domain_event` run
after the commit (never for a rolled-back change), each in its own ``try`` so that a failing
receiver never breaks the work it reports on or the other receivers.

Event kinds are dotted names, ``<noun>.<verb>``: ``scan.started``, ``scan.finished``,
``scan.failed``, ``schema.changed``, ``classification.suggested``, ``classification.accepted``,
``classification.rejected``, ``finding.opened``, ``finding.transitioned``, ``finding.closed``,
``description.edited``. ``obj`` is the object the event is about (a securable model instance:
the gate decides who may see the event); ``data`` holds JSON-able details.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

# Sent with kind=<str>, obj=<model instance>, actor=<user or None>, data=<dict>.
domain_event = Signal()


def emit(kind: str, obj: Any, *, actor: Any = None, **data: Any) -> None:
    """Announce ``kind`` about ``obj`` once the current transaction commits."""

    def send() -> None:
        for receiver, result in domain_event.send_robust(
            sender=type(obj), kind=kind, obj=obj, actor=actor, data=data
        ):
            if isinstance(result, Exception):
                log.warning(
                    "events.receiver_failed kind=%s receiver=%s error=%r", kind, receiver, result
                )

    transaction.on_commit(send)
