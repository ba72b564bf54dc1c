"""Celery tasks of collaboration: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from .services import documents


# Idempotent (it saves only text still pending, under the document's row lock).
@shared_task(
    name="racine.collaboration.tasks.flush_document", acks_late=True, reject_on_worker_lost=True
)
def flush_document(document_id: int, actor_id: int | None = None) -> bool:
    """The trailing save of a co-edited text, queued once per save window."""
    return documents.flush_document(document_id=document_id, actor_id=actor_id)
