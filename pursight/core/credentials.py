"""Re-encryption of every stored secret with the primary credentials key.

Encrypted columns are found generically: every field of type
:class:`pursight.crypto.EncryptedTextField` on every installed model, so apps added later are
covered without changes here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from pursight import audit, crypto

BATCH = 500


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """(model, attname) of every EncryptedTextField of every concrete installed model."""
    found = []
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, crypto.EncryptedTextField):
                found.append((model, f.attname))
    return found


@dataclass
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)  # "app.model.field" -> rows

    @property
    def total(self) -> int:
        return sum(self.rotated.values())


def _primary() -> Fernet:
    key = settings.CREDENTIALS_KEYS[0]
    return Fernet(key.encode() if isinstance(key, str) else key)


def rotate_all(*, actor: object = None, dry_run: bool = False) -> RotationReport:
    """Re-encrypt every stored secret with the primary key, in one transaction.

    Every value is decrypted with the configured keys (any of them), re-encrypted with the first,
    and the result is verified by decrypting it with the primary key alone before it is written.
    If a single value cannot be decrypted, :class:`pursight.crypto.CredentialDecryptionError` is
    raised and nothing is written. ``dry_run`` checks everything and writes nothing.
    """
    report = RotationReport()
    primary = _primary()
    with transaction.atomic():
        for model, attname in encrypted_fields():
            label = f"{model._meta.label_lower}.{attname}"
            rows = (
                model._base_manager.select_for_update()
                .exclude(**{attname: ""})
                .exclude(**{f"{attname}__isnull": True})
                .order_by("pk")
                .values_list("pk", attname)
            )
            changed: list[tuple[object, str]] = []
            for pk, token in rows.iterator(chunk_size=BATCH):
                try:
                    plaintext = crypto.decrypt(token)
                except crypto.CredentialDecryptionError as exc:
                    raise crypto.CredentialDecryptionError(
                        f"{label} of row {pk} cannot be decrypted with any configured key; "
                        "nothing was changed. Add the key it was encrypted with to "
                        "PURSIGHT_CREDENTIALS_KEYS (after the new primary key) and retry."
                    ) from exc
                new = crypto.rotate(token)
                try:
                    if primary.decrypt(new.encode()).decode() != plaintext:
                        raise InvalidToken
                except InvalidToken as exc:  # pragma: no cover - defensive
                    raise crypto.CredentialDecryptionError(
                        f"Verification of {label} row {pk} failed; nothing was changed."
                    ) from exc
                changed.append((pk, new))
            if not dry_run:
                for pk, new in changed:
                    model._base_manager.filter(pk=pk).update(**{attname: new})
            report.rotated[label] = len(changed)
        if not dry_run:
            audit.record(
                actor=actor,
                action="credentials.rotate",
                object_type="pursight.credentials",
                object_repr=f"{report.total} secret(s) re-encrypted with the primary key",
                changes={"rotated": report.rotated},
            )
    return report
