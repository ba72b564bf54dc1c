from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.compliance import services
from governance.compliance.choices import Trigger
from governance.compliance.models import Framework
from governance.datasources import services as datasources
from governance.datasources.models import DataSource


class Command(BaseCommand):
    help = "Evaluate compliance rules and print a summary per framework."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--framework", help="Framework code (default: every enabled one).")
        parser.add_argument("--source", help="Data source name (default: every source).")
        parser.add_argument(
            "--collection",
            default="",
            help="The --source's collection path, e.g. Finance/EMEA (names are unique per "
            "collection)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        framework = None
        if options["framework"]:
            framework = Framework.objects.filter(code=options["framework"]).first()
            if framework is None:
                raise CommandError(f"No framework with code '{options['framework']}'.")
        if options["collection"] and not options["source"]:
            raise CommandError("--collection needs --source: it picks the source by its path.")
        source = None
        if options["source"]:
            try:
                source = datasources.find_datasource(options["source"], options["collection"])
            except (DataSource.DoesNotExist, DataSource.MultipleObjectsReturned) as exc:
                raise CommandError(str(exc)) from None
        runs = services.evaluate(
            actor=None, framework=framework, datasource=source, trigger=Trigger.COMMAND
        )
        header = (
            f"{'framework':<12} {'rules':>5} {'skipped':>7} {'assets':>9} "
            f"{'opened':>7} {'closed':>7} {'open':>7} {'score':>6}"
        )
        self.stdout.write(header)
        for run in runs:
            s = services.summarize(run)
            score = "-" if s.score is None else f"{s.score:.1f}%"
            self.stdout.write(
                f"{s.framework:<12} {s.rules:>5} {s.skipped:>7} {s.checked:>9} "
                f"{s.opened:>7} {s.closed:>7} {s.still_open:>7} {score:>6}"
            )
            if run.error:
                self.stderr.write(f"{s.framework}: {run.error}")
