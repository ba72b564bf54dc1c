from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ... import services


class Command(BaseCommand):
    help = (
        "Create a workflow from its YAML or JSON definition (what export_workflow and the "
        "API's export give); --replace updates the workflow of that name."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="a .yaml, .yml or .json file ('-' reads stdin)")
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        import sys

        path = opts["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            workflow = services.import_workflow(actor=None, text=text, replace=opts["replace"])
        except ValidationError as exc:
            raise CommandError("Invalid workflow:\n  " + "\n  ".join(exc.messages)) from None
        n = workflow.steps.count()
        self.stdout.write(
            f"Imported workflow '{workflow.name}' ({n} steps, version {workflow.version})."
        )
