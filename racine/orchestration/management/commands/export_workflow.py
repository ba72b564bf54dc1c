from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ... import services
from ._named import add_collection_argument, workflow_named


class Command(BaseCommand):
    help = "Print a workflow's definition as YAML (or JSON): what import_workflow reads back."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        add_collection_argument(parser)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        workflow = workflow_named(opts["name"], opts["collection"])
        self.stdout.write(
            services.export_workflow(workflow, "json" if opts["json"] else "yaml"), ending=""
        )
