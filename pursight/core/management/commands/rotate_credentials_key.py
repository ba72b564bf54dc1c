"""Re-encrypt every stored credential with the primary key of PURSIGHT_CREDENTIALS_KEYS.

Rotation: put the new key first and keep the old ones after it, run this command, then remove
the old keys. It is atomic: if any secret cannot be decrypted nothing is changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pursight.core.credentials import rotate_all
from pursight.crypto import CredentialDecryptionError


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of PURSIGHT_CREDENTIALS_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every secret, write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = rotate_all(dry_run=options["dry_run"])
        except CredentialDecryptionError as exc:
            raise CommandError(str(exc)) from exc
        for label, count in report.rotated.items():
            self.stdout.write(f"{label}: {count}")
        verb = "would be re-encrypted" if options["dry_run"] else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{report.total} secret(s) {verb}."))
