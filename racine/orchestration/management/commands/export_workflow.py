from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import services
from ...models import Workflow


class Command(BaseCommand):
    help = "Print a workflow's definition as YAML (or JSON): what import_workflow reads back."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        workflow = Workflow.objects.filter(name=opts["name"]).first()
        if workflow is None:
            raise CommandError(f"No workflow named '{opts['name']}'.")
        self.stdout.write(
            services.export_workflow(workflow, "json" if opts["json"] else "yaml"), ending=""
        )
