"""Evaluate compliance after every successful scan (scans know nothing about compliance)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

from governance.scans.choices import RunState
from governance.scans.models import ScanRun

from .tasks import evaluate_datasource


def scan_run_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if instance.state != RunState.SUCCEEDED or (update_fields and "state" not in update_fields):
        return
    if not settings.PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN:
        return
    datasource_id = instance.datasource_id
    # robust: whatever happens to the evaluation, the scan that triggered it has succeeded.
    transaction.on_commit(lambda: evaluate_datasource.delay(datasource_id, "scan"), robust=True)


def connect() -> None:
    post_save.connect(scan_run_saved, sender=ScanRun, dispatch_uid="compliance.scan_run_saved")
