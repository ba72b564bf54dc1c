from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from governance.compliance.builtins import load_frameworks


class Command(BaseCommand):
    help = "Load or upgrade the built-in compliance frameworks, keeping local edits and findings."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_frameworks()
        self.stdout.write(
            f"Frameworks: {', '.join(result.frameworks) or 'none'}. "
            f"Objects created {result.created}, upgraded {result.updated}, "
            f"unchanged {result.unchanged}."
        )
        for item in result.preserved:
            self.stdout.write(f"  kept local edit: {item}")
        for item in result.conflicts:
            self.stderr.write(f"  conflict: {item}")
