from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.datasources import services as datasources
from governance.datasources.models import DataSource

from ... import services
from ...choices import FINAL_STATES, RunState, Trigger
from ...models import COUNTER_FIELDS, ScanRun


class Command(BaseCommand):
    help = (
        "Scan a data source (by name, and collection path when the name is used in several "
        "collections) with its default scan, creating it if needed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="Data source name")
        parser.add_argument(
            "--collection",
            default="",
            help="Collection path, e.g. Finance/EMEA (names are unique per collection)",
        )
        parser.add_argument("--wait", action="store_true", help="Wait and show progress.")
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Run in this process instead of a Celery worker (implies --wait).",
        )
        parser.add_argument("--timeout", type=float, default=0, help="Give up waiting after N s.")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            source = datasources.find_datasource(opts["source"], opts["collection"])
        except (DataSource.DoesNotExist, DataSource.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc)) from None
        scan = services.default_scan(actor=None, source=source)
        try:
            run = services.start_scan(
                actor=None, scan=scan, trigger=Trigger.COMMAND, enqueue=not opts["inline"]
            )
            if opts["inline"]:
                services.execute_run(run.pk)
        except services.ScanError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Scan run #{run.pk} of '{source.name}' queued.")
        if opts["wait"] or opts["inline"]:
            run = self._wait(run, opts["timeout"])
            self._summary(run)
            if run.state != RunState.SUCCEEDED:
                raise CommandError(f"Run #{run.pk} {run.state}: {run.error}")

    def _wait(self, run: ScanRun, timeout: float) -> ScanRun:
        from tqdm import tqdm

        start = time.monotonic()
        bar = None
        while True:
            run.refresh_from_db()
            if run.tables_total and bar is None:
                bar = tqdm(total=run.tables_total, unit="table", file=self.stderr._out)
            if bar is not None:
                bar.n = run.tables_done
                bar.set_postfix(columns=run.columns_seen, state=run.state)
                bar.refresh()
            if run.state in FINAL_STATES:
                if bar is not None:
                    bar.close()
                return run
            if timeout and time.monotonic() - start > timeout:
                raise CommandError(f"Gave up waiting for run #{run.pk} after {timeout:.0f} s.")
            time.sleep(0.5)

    def _summary(self, run: ScanRun) -> None:
        counters = ", ".join(f"{name}={getattr(run, name)}" for name in COUNTER_FIELDS)
        duration = f"{run.duration_seconds:.2f}s" if run.duration_seconds is not None else "-"
        style = self.style.SUCCESS if run.state == RunState.SUCCEEDED else self.style.ERROR
        self.stdout.write(style(f"Run #{run.pk} {run.state} in {duration}: {counters}"))
        for warning in run.warnings or []:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
