"""Background work of the glossary: tag rules and term suggestions after a scan, and matching
asked for from the console. Tasks take ids, call a service; both are idempotent (unique links
and suggestions), so a retried task adds nothing twice."""

from __future__ import annotations

from celery import shared_task

from . import services

AFTER_SCAN = "governance.glossary.tasks.after_scan"
SUGGEST = "governance.glossary.tasks.suggest_terms"


@shared_task(name=AFTER_SCAN, acks_late=True, reject_on_worker_lost=True)
def after_scan(datasource_id: int, rule_set_id: int | None) -> dict[str, int]:
    tagged = services.apply_tag_rules(datasource_id=datasource_id, rule_set_id=rule_set_id)
    suggested = services.suggest_terms(datasource_ids=[datasource_id])
    return {"tagged": tagged, "suggested": suggested}


@shared_task(name=SUGGEST, acks_late=True, reject_on_worker_lost=True)
def suggest_terms(datasource_ids: list[int] | None = None) -> int:
    return services.suggest_terms(datasource_ids=datasource_ids)
