"""Registered databases. The password and secret-like options are stored encrypted and never
shown again."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from pursight import crypto
from pursight.models import GovernedModel

from .choices import DEFAULT_PORTS, FILE_KINDS, SourceKind
from .connectors import ConnectorError
from .connectors.registry import connector_class
from .files import file_access

# A DNS name (or an IPv4 address, which has its shape); IPv6 addresses are parsed apart.
HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-_]{0,252}[A-Za-z0-9])?")


def valid_host(host: str) -> bool:
    """A host name or an IP address a driver can resolve: no spaces, scheme or port."""
    if HOST_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class DataSource(GovernedModel):
    name = models.CharField(max_length=100, help_text="Unique within its collection.")
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    database = models.CharField(
        max_length=500,
        help_text="Database name; the path of a SQLite file; a directory (or file) of files.",
    )
    username = models.CharField(max_length=150, blank=True)
    password_encrypted = crypto.EncryptedTextField(blank=True, default="", editable=False)
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            'Driver options (a JSON object of names and values, e.g. {"sslmode": "require"}). '
            "Secret-like options (names with pass, secret, token, key, credential…) are stored "
            "encrypted and never shown: omit one to keep it, give it an empty value to remove it."
        ),
    )
    # The secret-like options, as an encrypted JSON object (never in ``options``).
    secret_options_encrypted = crypto.EncryptedTextField(blank=True, default="", editable=False)
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

    secret_fields = ("password_encrypted", "secret_options_encrypted")

    class Meta:
        ordering = ["name"]
        constraints = [
            # Unique per collection, not platform-wide: a name taken in a collection hidden
            # from the user must not be revealed by a refusal.
            models.UniqueConstraint(
                fields=["collection", "name"],
                name="datasource_name_unique_in_collection",
                violation_error_message="A data source with this name already exists in this "
                "collection.",
            )
        ]

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
    def has_secret_options(self) -> bool:
        return bool(self.secret_options_encrypted)

    def set_secret_options(self, values: dict[str, Any]) -> None:
        self.secret_options_encrypted = (
            crypto.encrypt(json.dumps(values, sort_keys=True)) if values else ""
        )

    def get_secret_options(self) -> dict[str, Any]:
        token = self.secret_options_encrypted
        return json.loads(crypto.decrypt(token)) if token else {}

    def clean(self) -> None:
        """Settings that could never connect are refused on save (admin form and services)."""
        super().clean()
        if self.kind not in SourceKind.values:
            return  # the field's own choice validation reports it
        errors: dict[str, str] = {}
        if self.kind in FILE_KINDS:
            try:
                file_access().resolve(self.database or "")
            except ConnectorError as exc:
                errors["database"] = exc.message
        else:
            if not self.host:
                errors["host"] = "A host is required."
            elif not valid_host(self.host):
                errors["host"] = (
                    "Enter a host name or an IP address (letters, digits, dots, hyphens; no "
                    "spaces, scheme or port)."
                )
            if self.port is None:
                self.port = DEFAULT_PORTS[SourceKind(self.kind)]
        try:
            cls = connector_class(self.kind)
            cls.check_options(self.options)
            if self.kind not in FILE_KINDS:
                cls.check_file_options(self.options, file_access())
        except ConnectorError as exc:
            errors["options"] = exc.message
        if errors:
            raise ValidationError(errors)

    @property
    def location(self) -> str:
        if self.kind in FILE_KINDS:
            return self.database
        port = f":{self.port}" if self.port else ""
        return f"{self.host}{port}/{self.database}"
