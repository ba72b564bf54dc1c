from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ... import services
from ...choices import RUN_FINAL, STEP_FINAL, RunState, Trigger
from ...models import StepRun, WorkflowRun
from ._named import add_collection_argument, workflow_named


class Command(BaseCommand):
    help = (
        "Start a run of a workflow (on the workers, or here without a broker); --wait follows "
        "it with a progress bar and exits non-zero unless it succeeds."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        add_collection_argument(parser)
        parser.add_argument("--wait", action="store_true", help="follow the run to its end")
        parser.add_argument(
            "--timeout", type=float, default=0, help="with --wait: give up after N seconds"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        workflow = workflow_named(opts["name"], opts["collection"])
        try:
            run = services.start_run(actor=None, workflow=workflow, trigger=Trigger.COMMAND)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Started run #{run.pk} of '{workflow.name}'.")
        if not opts["wait"]:
            return
        run = self._follow(run, opts["timeout"])
        for step in run.steps.order_by("position", "id"):
            line = f"  {step.key:<24} {step.state:<10}"
            if step.attempts > 1:
                line += f" ({step.attempts} attempts)"
            if step.error:
                line += f"  {step.error}"
            self.stdout.write(line)
        if run.state != RunState.SUCCEEDED:
            raise CommandError(f"Run #{run.pk} {run.state}: {run.error}")
        self.stdout.write(self.style.SUCCESS(f"Run #{run.pk} succeeded."))

    def _follow(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        from tqdm import tqdm

        total = run.steps.count()
        deadline = time.monotonic() + timeout if timeout else None
        with tqdm(total=total, unit="step", desc=run.workflow.name, file=self.stdout) as bar:
            while True:
                run.refresh_from_db(fields=["state", "error"])
                states = list(StepRun.objects.filter(run=run).values_list("key", "state"))
                done = sum(state in STEP_FINAL for _, state in states)
                active = [k for k, s in states if s in ("running", "waiting")]
                bar.n = done
                bar.set_postfix_str(", ".join(active)[:60] or run.state)
                bar.refresh()
                if run.state in RUN_FINAL:
                    return run
                if deadline and time.monotonic() > deadline:
                    raise CommandError(f"Run #{run.pk} still {run.state} after {timeout} s.")
                time.sleep(0.25)
