"""Encryption of stored credentials with rotating Fernet keys."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class CredentialDecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    keys = settings.CREDENTIALS_KEYS
    if not keys:
        raise CredentialDecryptionError("No credentials key is configured.")
    try:
        return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    except ValueError as exc:
        raise CredentialDecryptionError(
            "A configured credentials key is malformed (it must be 32 url-safe base64 bytes)."
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialDecryptionError(
            "A stored secret cannot be decrypted with the configured credentials keys: "
            "the key was changed without rotating (see `manage.py rotate_credentials_key`)."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the primary key (first in the list)."""
    return _fernet().rotate(token.encode()).decode() if token else ""


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code reads and writes plaintext through the model property.

    The column holds the token only. Use the owning model's accessor to read the plaintext so that
    decryption happens explicitly, never while rendering a form or a list.
    """

    description = "Encrypted text (Fernet token)"
