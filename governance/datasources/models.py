"""Registered databases. The password is stored encrypted and never shown again."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pursight import crypto
from pursight.models import GovernedModel

from .choices import SourceKind


class DataSource(GovernedModel):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    database = models.CharField(
        max_length=500, help_text="Database name, or the file path for SQLite."
    )
    username = models.CharField(max_length=150, blank=True)
    password_encrypted = crypto.EncryptedTextField(blank=True, default="", editable=False)
    options = models.JSONField(default=dict, blank=True, help_text="Driver options (JSON).")
    collection = models.ForeignKey(
        "rbac.Collection", on_delete=models.PROTECT, related_name="datasources"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_datasources",
    )
    description = models.TextField(blank=True)
    # Governance facts about the source, declared by its admins (compliance rules read them).
    encrypted_at_rest = models.BooleanField(
        default=False, help_text="The database's storage is encrypted at rest."
    )
    store_samples = models.BooleanField(
        default=False,
        help_text="Keep sampled values (top values of profiles) in the catalog. Off by default.",
    )
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Data retention period of this source, in days."
    )
    last_test_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.CharField(max_length=500, blank=True, editable=False)
    last_scan_at = models.DateTimeField(null=True, blank=True, editable=False)

    secret_fields = ("password_encrypted",)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    def set_password(self, raw: str) -> None:
        self.password_encrypted = crypto.encrypt(raw)

    def get_password(self) -> str:
        return crypto.decrypt(self.password_encrypted)

    @property
    def location(self) -> str:
        if self.kind == SourceKind.SQLITE:
            return self.database
        port = f":{self.port}" if self.port else ""
        return f"{self.host}{port}/{self.database}"
