"""Evaluate compliance after every successful scan (scans know nothing about compliance)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save


def scan_run_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from governance.scans.choices import RunState

    update_fields = kwargs.get("update_fields")
    if instance.state != RunState.SUCCEEDED or (update_fields and "state" not in update_fields):
        return
    if not getattr(settings, "PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN", True):
        return
    from .tasks import evaluate_datasource

    datasource_id = instance.datasource_id
    # robust: whatever happens to the evaluation, the scan that triggered it has succeeded.
    transaction.on_commit(lambda: evaluate_datasource.delay(datasource_id, "scan"), robust=True)


def connect() -> None:
    from governance.scans.models import ScanRun

    post_save.connect(scan_run_saved, sender=ScanRun, dispatch_uid="compliance.scan_run_saved")
