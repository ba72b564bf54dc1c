"""Scan services: start, execute, cancel, and detect dead workers.

``execute_run`` is the body of the Celery task. It is idempotent: it claims the run with
``select_for_update``, upserts the catalog in bounded batches (one transaction each, so a table is
never half-written), keeps a heartbeat and counters on the run row, and checks for a cancel
request between batches. Re-executing a run (a redelivered task) redoes only idempotent work.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from governance.catalog import classifying, containment
from governance.catalog import services as catalog
from governance.catalog.models import CatalogColumn, CatalogTable
from governance.catalog.profiling import profile
from governance.datasources import services as datasources
from governance.datasources.connectors import (
    ColumnInfo,
    ConnectorError,
    ErrorCode,
    KnownSchema,
    SchemaLookup,
    TableInfo,
)
from governance.datasources.models import DataSource
from governance.scanrules import services as scanrules
from governance.scanrules.matching import Selection
from pursight import audit, bulk, events, permissions, realtime
from pursight.celery import app as celery_app
from pursight.celery import task as celery_task

from .choices import ACTIVE_STATES, FINAL_STATES, RunState, Trigger
from .models import COUNTER_FIELDS, Scan, ScanRun, SchemaChange

log = logging.getLogger(__name__)
T = TypeVar("T")

# Tasks call services, so services never import the tasks module: they queue a task by name.
RUN_SCAN = "governance.scans.tasks.run_scan"


class ScanError(Exception):
    """A scan cannot be started or changed in the requested way."""


class ScanCancelled(Exception):
    pass


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def default_scan(*, actor: Any, source: DataSource) -> Scan:
    """The source's default scan, created with the system rule set on first use."""
    scan = Scan.objects.filter(datasource=source, is_default=True).first()
    if scan is not None:
        return scan
    with transaction.atomic():
        scan, created = Scan.objects.get_or_create(
            datasource=source,
            name="Default scan",
            defaults={
                "is_default": True,
                "rule_set": scanrules.default_rule_set(source.kind),
                "created_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        if created:
            audit.record(actor=actor, action="scan.create", obj=scan)
    return scan


@transaction.atomic
def save_scan(*, actor: Any, scan: Scan) -> Scan:
    """Create or update a scan definition; only for a data source the actor may scan-manage."""
    if not permissions.can(actor, "add", scan):
        raise permissions.PermissionDenied("You may not manage scans of this data source.")
    user = actor if getattr(actor, "pk", None) else None
    if scan.pk is None:
        scan.created_by = user
    else:
        scan.updated_by = user
    scan.full_clean(exclude=["created_by", "updated_by"])
    return audit.audited_save(actor=actor, obj=scan)


def start_scan(
    *, actor: Any, scan: Scan, trigger: str = Trigger.MANUAL, enqueue: bool = True
) -> ScanRun:
    """Queue a run of ``scan``; the Celery task is enqueued when the transaction commits.

    ``enqueue=False`` leaves the run queued for the caller to execute in-process.
    """
    try:
        with transaction.atomic():
            run = ScanRun.objects.create(
                scan=scan,
                datasource_id=scan.datasource_id,
                trigger=trigger,
                requested_by=actor if getattr(actor, "pk", None) else None,
            )
            audit.record(actor=actor, action="scan.start", obj=run, changes={"scan": scan.pk})
            events.emit("scan.started", run, actor=actor, trigger=trigger)
            if enqueue:
                celery_task(RUN_SCAN).delay_on_commit(run.pk)
    except IntegrityError:
        active = ScanRun.objects.filter(scan=scan, state__in=ACTIVE_STATES).first()
        which = f"#{active.pk}, {active.get_state_display().lower()}" if active else "just started"
        raise ScanError(
            f"Scan '{scan}' already has an active run ({which}); "
            "wait for it to finish or cancel it first."
        ) from None
    return run


class Handover:
    """How a started run was handed over (:attr:`Launch.handover`)."""

    PENDING = "pending"  # the caller's transaction has not committed yet
    QUEUED = "queued"  # sent to the task queue: a worker will pick it up
    STARTED = "started"  # running in a background thread of this process (eager tasks)
    RAN = "ran"  # ran to its end before the call returned
    FAILED = "failed"  # could not be handed over: the run is marked failed with the reason


@dataclass
class Launch:
    """A run started by :func:`launch_scan` and what happened to it when its transaction
    committed (``handover`` is one of :class:`Handover`; ``reason`` says why it failed)."""

    run: ScanRun
    handover: str = Handover.PENDING
    reason: str = ""


def launch_scan(*, actor: Any, scan: Scan, trigger: str = Trigger.MANUAL) -> Launch:
    """Start a run of ``scan`` for someone waiting on a web page: return at once.

    With a broker, the run's task is queued for a worker. With eager tasks (no broker:
    ``make run`` without Redis) the run executes after the commit in a background thread of
    this process, so that the request that started it does not wait for the whole scan; its
    progress is streamed to the run's live page like a worker's. Inside an enclosing
    transaction that has not committed (tests), no other thread could see the run, so it runs
    in the caller's thread when that transaction commits. A run that cannot be handed over is
    marked failed with the reason. Raises :class:`ScanError` when the scan already has an
    active run.
    """
    run = start_scan(actor=actor, scan=scan, trigger=trigger, enqueue=False)
    launch = Launch(run=run)
    transaction.on_commit(lambda: _hand_over(launch))
    return launch


def _hand_over(launch: Launch) -> None:
    run_id = launch.run.pk
    if not celery_app.conf.task_always_eager:
        try:
            celery_task(RUN_SCAN).delay(run_id)
        except Exception as exc:  # the broker is down or unreachable
            log.warning("scan.enqueue_failed run=%s error=%r", run_id, exc)
            _not_started(launch, "the task queue (broker) could not be reached; try again later")
        else:
            launch.handover = Handover.QUEUED
        return
    if connection.in_atomic_block:  # an enclosing transaction: the run is not visible elsewhere
        launch.run = execute_run(run_id) or launch.run
        launch.handover = Handover.RAN
        return
    thread = threading.Thread(
        target=_execute_in_background, args=(run_id,), name=f"scan-run-{run_id}", daemon=True
    )
    try:
        thread.start()
    except RuntimeError as exc:  # "can't start new thread": the process is out of threads
        log.warning("scan.thread_failed run=%s error=%r", run_id, exc)
        _not_started(launch, "this server could not start a background thread for it")
    else:
        launch.handover = Handover.STARTED


def _execute_in_background(run_id: int) -> None:
    """Body of the background thread of an eager run: its own database connection, closed at
    the end (a thread's connections are never reused by another thread)."""
    try:
        execute_run(run_id)
    except Exception:  # execute_run records failures on the run; this is a last resort
        log.exception("scan.background_crashed run=%s", run_id)
    finally:
        connections.close_all()


def _not_started(launch: Launch, reason: str) -> None:
    """The run could not be handed over: mark it failed (it would wait forever otherwise)."""
    launch.handover, launch.reason = Handover.FAILED, reason
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().filter(pk=launch.run.pk).first()
        if run is not None and run.state == RunState.QUEUED:
            _finish(run, RunState.FAILED, f"Could not start: {reason}.")
    launch.run = run or launch.run


def cancel_run(*, actor: Any, run: ScanRun) -> ScanRun:
    """Cancel a queued run at once; ask a running one to stop after its current batch."""
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().get(pk=run.pk)
        if run.state in FINAL_STATES:
            raise ScanError(f"Run #{run.pk} has already {run.state}; nothing to cancel.")
        if run.state == RunState.QUEUED:
            run.state = RunState.CANCELLED
            run.finished_at = timezone.now()
            run.error = "Cancelled before it started."
        run.cancel_requested = True
        run.save(update_fields=["state", "finished_at", "error", "cancel_requested"])
        audit.record(actor=actor, action="scan.cancel", obj=run)
        if run.state == RunState.CANCELLED:
            events.emit("scan.cancelled", run, actor=actor)
    _publish(run)
    return run


def _publish(run: ScanRun) -> None:
    realtime.publish("scanrun", run.pk, "progress", run_status(run))


def run_status(run: ScanRun) -> dict[str, Any]:
    data = {name: getattr(run, name) for name in COUNTER_FIELDS}
    data.update(
        state=run.state,
        tables_total=run.tables_total,
        tables_done=run.tables_done,
        progress=run.progress,
        error=run.error,
    )
    return data


def live_run_status(user: Any, run_id: int) -> dict[str, Any] | None:
    """Initial payload of a live subscription to a run; ``None`` when the user may not see it."""
    run = (
        permissions.restrict(ScanRun.objects.select_related("datasource"), user, permissions.VIEW)
        .filter(pk=run_id)
        .first()
    )
    return run_status(run) if run else None


def _claim(run_id: int, worker: str) -> ScanRun | None:
    """Move the run to RUNNING; ``None`` when there is nothing (more) to do."""
    stale = timedelta(seconds=settings.PURSIGHT_SCAN["STALE_AFTER_SECONDS"])
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.state in FINAL_STATES:
            return None
        now = timezone.now()
        if (
            run.state == RunState.RUNNING
            and run.worker != worker
            and run.heartbeat_at
            and now - run.heartbeat_at < stale
        ):
            log.info("scan.claim_skipped run=%s reason=alive_elsewhere", run_id)
            return None
        if run.cancel_requested:
            _finish(run, RunState.CANCELLED, "Cancelled before it started.")
            return None
        run.state = RunState.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.worker = worker
        run.attempts += 1
        run.save(update_fields=["state", "started_at", "heartbeat_at", "worker", "attempts"])
    _publish(run)
    return run


def _finish(run: ScanRun, state: str, error: str = "") -> None:
    run.state = state
    run.finished_at = timezone.now()
    run.error = error[:4000]
    run.save(update_fields=["state", "finished_at", "error"])
    audit.record(actor=None, action=f"scan.{state}", obj=run, changes={"error": run.error})
    events.emit("scan.finished" if state == RunState.SUCCEEDED else f"scan.{state}", run)
    # Summaries of what the run wrote (the receiver counts them; nothing when there is none).
    events.emit("schema.changed", run)
    events.emit("classification.suggested", run)
    _publish(run)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _Progress:
    """Counters, heartbeat and cancel checks of a running run."""

    def __init__(self, run: ScanRun) -> None:
        self.run = run
        self.interval = settings.PURSIGHT_SCAN["HEARTBEAT_SECONDS"]
        self.last_beat = time.monotonic()

    def beat(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.last_beat < self.interval:
            return
        self.last_beat = time.monotonic()
        ScanRun.objects.filter(pk=self.run.pk).update(heartbeat_at=timezone.now())
        if ScanRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise ScanCancelled

    def add(
        self, result: catalog.UpsertResult, tables_done: int = 0, tables_sampled: int = 0
    ) -> None:
        updates: dict[str, Any] = {
            name: F(name) + n for name, n in result.counters.items() if n and name in COUNTER_FIELDS
        }
        if tables_done:
            updates["tables_done"] = F("tables_done") + tables_done
        if tables_sampled:
            updates["tables_sampled"] = F("tables_sampled") + tables_sampled
        updates["heartbeat_at"] = timezone.now()
        ScanRun.objects.filter(pk=self.run.pk).update(**updates)
        if result.changes:
            bulk.insert_rows(
                SchemaChange,
                [
                    {
                        "run_id": self.run.pk,
                        "datasource_id": self.run.datasource_id,
                        "asset_type": c.asset_type,
                        "change": c.change,
                        "qualified_name": c.qualified_name,
                        "display_name": c.display_name[:600],
                        "details": c.details,
                    }
                    for c in result.changes
                ],
            )
        self.run.refresh_from_db(
            fields=[*COUNTER_FIELDS, "tables_done", "tables_sampled", "cancel_requested"]
        )
        self.last_beat = time.monotonic()
        _publish(self.run)

    def check_cancel(self) -> None:
        """Raise :class:`ScanCancelled` if a cancel was requested (call outside transactions)."""
        if self.run.cancel_requested:
            raise ScanCancelled


def execute_run(run_id: int, *, worker: str | None = None) -> ScanRun | None:
    """Run a scan to its end state. Never raises for scan failures: they end in the run row."""
    worker = worker or _worker_name()
    run = _claim(run_id, worker)
    if run is None:
        return ScanRun.objects.filter(pk=run_id).first()
    started = time.monotonic()
    try:
        _execute(run)
    except ScanCancelled:
        _finish(run, RunState.CANCELLED, "Cancelled by request; batches already scanned are kept.")
    except ConnectorError as exc:
        _finish(run, RunState.FAILED, _connector_failure(run, exc, started))
    except SoftTimeLimitExceeded:
        _finish(
            run, RunState.FAILED, "The scan hit its time limit; batches already scanned are kept."
        )
    except Exception as exc:
        log.exception("scan.crashed run=%s", run.pk)
        _finish(run, RunState.FAILED, f"Internal error ({type(exc).__name__}); see the worker log.")
    else:
        now = timezone.now()
        DataSource.objects.filter(pk=run.datasource_id).update(last_scan_at=now)
        _finish(run, RunState.SUCCEEDED)
    log.info("scan.finished run=%s state=%s", run.pk, run.state)
    return run


def _connector_failure(run: ScanRun, exc: ConnectorError, started: float) -> str:
    """The run's error for a connector failure, as anyone who may view the run may read it.

    The row, the API, the admin, the live feed and the audit trail all show it, so it is the
    public wording of test connection (:func:`datasources.public_outcome`): one message for a
    closed port, a web server or another service, so that scans cannot map a network. The
    connector's own words go to the server log. Like test connection for users who are not
    platform administrators, such a failure ends no sooner than the connect timeout, so that
    the run's duration tells no more than its message."""
    log.warning(
        "scan.connector_failed run=%s datasource=%s code=%s message=%s detail=%s",
        run.pk,
        run.datasource_id,
        exc.code.value,
        exc.message,
        exc.detail,
    )
    # (A source deleted meanwhile takes its runs with it; the fallback only avoids a crash.)
    source = DataSource.objects.filter(pk=run.datasource_id).only("kind").first() or DataSource()
    failure = datasources.TestOutcome(ok=False, message=exc.message, code=exc.code.value)
    public = datasources.public_outcome(source, failure)
    if public is not failure:
        timeout = settings.PURSIGHT_SCAN["CONNECT_TIMEOUT"]
        time.sleep(max(0.0, timeout - (time.monotonic() - started)))
    return f"{public.code}: {public.message}"


@dataclass(frozen=True)
class _Plan:
    """What this run samples and how."""

    selection: Selection
    rule_set: Any
    store_samples: bool
    salt: str

    def token(self, info: TableInfo, columns: list[Any]) -> str:
        """The table's scan token, or "" when it must be sampled regardless."""
        if info.data_version is None or not self.rule_set.incremental:
            return ""
        parts = [info.data_version, self.salt, *(f"{c.name}:{c.data_type}" for c in columns)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _plan(rule_set: Any, source: DataSource) -> _Plan:
    salt = "|".join(
        [
            str(rule_set.sample_size),
            rule_set.sample_method,
            str(source.store_samples),
            rule_set.updated_at.isoformat() if rule_set.updated_at else "",
            classifying.token_salt(),  # a new model or changed rules classify everything again
        ]
    )
    return _Plan(scanrules.selection_for(rule_set), rule_set, source.store_samples, salt)


def _stored_schemas(source: DataSource, plan: _Plan) -> SchemaLookup:
    """For connectors that can skip reading a schema (file sources): the catalog's columns of
    a table whose stored scan token is the token of the offered data version with those
    columns, i.e. nothing changed since they were stored. Loaded on first use (two queries)."""
    stored: dict[tuple[str, str], tuple[str, int | None, str, list[ColumnInfo]]] = {}
    loaded = False

    def lookup(schema: str, name: str, data_version: str) -> KnownSchema | None:
        nonlocal loaded
        if not loaded:
            loaded = True
            by_id: dict[int, list[ColumnInfo]] = {}
            for tid, sname, tname, token, rows, comment in (
                CatalogTable.objects.live()
                .filter(datasource=source)
                .exclude(scan_token="")
                .values_list("id", "schema__name", "name", "scan_token", "row_estimate", "comment")
                .iterator(chunk_size=2000)
            ):
                by_id[tid] = []
                stored[(sname, tname)] = (token, rows, comment, by_id[tid])
            for tid, *col in (
                CatalogColumn.objects.live()
                .filter(datasource=source, table__removed_at__isnull=True)
                .order_by("table_id", "ordinal", "id")
                .values_list("table_id", "name", "data_type", "nullable", "ordinal", "default")
                .iterator(chunk_size=5000)
            ):
                if tid in by_id:
                    by_id[tid].append(ColumnInfo(*col))
        found = stored.get((schema, name))
        if found is None or not found[3]:
            return None
        token, rows, comment, columns = found
        info = TableInfo(schema, name, "table", columns, data_version=data_version)
        if plan.token(info, columns) != token:
            return None
        return KnownSchema(columns=columns, row_estimate=rows, comment=comment or None)

    return lookup


def _observe(
    connector: Any, info: TableInfo, plan: _Plan, stored_token: str | None
) -> tuple[catalog.ObservedTable, dict[str, list]]:
    """Describe one table; sample it unless its token shows nothing changed since last time."""
    columns = [c for c in info.columns if plan.selection.column(info.schema, info.name, c.name)]
    token = plan.token(info, columns)
    samples: dict[str, list] = {}
    unchanged = bool(token) and token == stored_token
    if plan.rule_set.sample_size and columns and not unchanged:
        samples = connector.sample(
            info.schema,
            info.name,
            [c.name for c in columns],
            plan.rule_set.sample_size,
            method=plan.rule_set.sample_method,
        )
    observed = catalog.ObservedTable(
        schema=info.schema,
        name=info.name,
        kind=info.kind,
        comment=info.comment,
        definition=info.definition,
        row_estimate=info.row_estimate,
        scan_token=token,
        columns=[
            catalog.ObservedColumn(
                name=c.name,
                data_type=c.data_type,
                nullable=c.nullable,
                ordinal=c.ordinal,
                default=c.default,
                comment=c.comment,
                profile=profile(samples[c.name], keep_top_values=plan.store_samples)
                if c.name in samples
                else None,
            )
            for c in columns
        ],
    )
    return observed, samples


@dataclass
class _Batch:
    """One batch of tables between sampling and commit."""

    tables: int
    observed: list[catalog.ObservedTable]
    samples: dict[str, list]
    sampled: int


def _sample_batch(
    connector: Any,
    source: DataSource,
    plan: _Plan,
    infos: Sequence[TableInfo],
    progress: _Progress,
    warnings: list[str],
) -> _Batch:
    """Describe and sample (where changed) the tables of one batch; vanished tables are skipped."""
    stored = catalog.scan_tokens(
        source, [catalog.table_qn(source.pk, t.schema, t.name) for t in infos]
    )
    batch = _Batch(tables=len(infos), observed=[], samples={}, sampled=0)
    for info in infos:
        progress.beat()
        try:
            table, values = _observe(
                connector,
                info,
                plan,
                stored.get(catalog.table_qn(source.pk, info.schema, info.name)),
            )
        except ConnectorError as exc:
            if exc.code != ErrorCode.OBJECT_MISSING:
                raise
            warnings.append(f"{info.schema}.{info.name} vanished during the scan; skipped.")
            continue
        batch.observed.append(table)
        batch.sampled += bool(values)
        for col, vals in values.items():
            batch.samples[catalog.column_qn(source.pk, info.schema, info.name, col)] = vals
    return batch


def _execute(run: ScanRun) -> None:
    scan = Scan.objects.select_related("rule_set", "datasource").get(pk=run.scan_id)
    source = scan.datasource
    rule_set = scan.rule_set or scanrules.default_rule_set(source.kind)
    plan = _plan(rule_set, source)
    selection = plan.selection
    batch_size = settings.PURSIGHT_SCAN["BATCH_TABLES"]
    progress = _Progress(run)
    now = timezone.now()
    with datasources.open_connector(source) as connector:
        connector.known_schemas = _stored_schemas(source, plan)  # unchanged files stay closed
        schema_names = [s for s in connector.list_schemas() if selection.schema(s)]
        schemas, result = catalog.upsert_schemas(source, schema_names, now)
        progress.add(result)
        infos = [
            t
            for t in connector.discover(schema_names, include=selection.table)
            if selection.table(t.schema, t.name, t.kind)
        ]
        ScanRun.objects.filter(pk=run.pk).update(tables_total=len(infos), tables_done=0)
        run.tables_total, run.tables_done = len(infos), 0
        _publish(run)  # the live page shows "0 of N tables" before the first batch
        seen: set[str] = set()
        warnings: list[str] = []
        helper = settings.PURSIGHT_SCAN["CLASSIFY_IN_HELPER"]

        def commit(batch: _Batch, classification: classifying.PendingBatch) -> None:
            with transaction.atomic():
                result = catalog.upsert_tables(source, schemas, batch.observed, now)
                classifying.store_batch(
                    classification,
                    datasource_id=source.pk,
                    rule_set_id=rule_set.pk,
                    columns=result.columns,
                )
                containment.store_batch(  # personal data inside free text, apart
                    classification,
                    datasource_id=source.pk,
                    rule_set_id=rule_set.pk,
                    columns=result.columns,
                    run_id=run.pk,
                )
                seen.update(result.tables)
                progress.add(result, tables_done=batch.tables, tables_sampled=batch.sampled)
            progress.check_cancel()

        # A pipeline: while the engine's helper process classifies batch k, this process
        # commits batch k-1 and samples batch k+1. A batch's catalog rows and classifications
        # are committed in one transaction, so an interrupted scan keeps whole batches.
        pending: tuple[_Batch, classifying.PendingBatch] | None = None
        for infos_batch in _chunks(infos, batch_size):
            batch = _sample_batch(connector, source, plan, infos_batch, progress, warnings)
            classification = classifying.submit_batch(
                classifying.inputs_for_tables(source.pk, batch.observed, batch.samples),
                helper=helper,
            )
            if pending is not None:
                commit(*pending)
            pending = (batch, classification)
        if pending is not None:
            commit(*pending)
        removed = catalog.mark_missing(
            source,
            scanned_schemas=schema_names,
            seen_tables=seen,
            in_scope=selection.table,
            schema_in_scope=selection.schema,
            now=now,
        )
        progress.add(removed)
        # File sources skip unreadable files (one line each) instead of failing the scan.
        warnings.extend(getattr(connector, "problems", ()))
        if warnings:
            ScanRun.objects.filter(pk=run.pk).update(warnings=warnings[:1000])
            run.warnings = warnings


def warm_up() -> None:
    """Build what a scan needs once per process (the classification engine and its model).

    With ``CLASSIFY_IN_HELPER`` the engine runs in a helper process (started here) and scans
    overlap classification with sampling; otherwise it is loaded into this process. What is
    loaded lives as long as the process: it is moved out of the garbage collector's sight
    (``gc.freeze``) so that full collections during a scan do not walk it again and again.
    """
    from governance.classifications.services import engine_helper, get_engine

    if settings.PURSIGHT_SCAN["CLASSIFY_IN_HELPER"]:
        engine_helper()  # the engine lives in the helper process; this one stays small
    else:
        get_engine()
    gc.collect()
    gc.freeze()


def detect_stale_runs(now: Any = None) -> list[int]:
    """Mark failed the running runs whose worker stopped sending heartbeats."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.PURSIGHT_SCAN["STALE_AFTER_SECONDS"])
    failed = []
    for run_id in ScanRun.objects.filter(
        state=RunState.RUNNING, heartbeat_at__lt=limit
    ).values_list("pk", flat=True):
        with transaction.atomic():
            run = ScanRun.objects.select_for_update().get(pk=run_id)
            if run.state != RunState.RUNNING or (run.heartbeat_at and run.heartbeat_at >= limit):
                continue
            _finish(
                run,
                RunState.FAILED,
                f"The worker {run.worker or '?'} stopped responding (no heartbeat since "
                f"{run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC). Batches committed before it "
                "stopped are kept; start the scan again to complete it.",
            )
            failed.append(run_id)
    return failed
