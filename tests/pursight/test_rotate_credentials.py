"""Key rotation: every encrypted field re-encrypted with the primary key, atomically."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.management import CommandError, call_command

from governance.datasources.models import DataSource
from pursight import crypto
from pursight.core.credentials import encrypted_fields

pytestmark = pytest.mark.django_db


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_fields_found_generically():
    assert (DataSource, "password_encrypted") in encrypted_fields()


def test_rotation_reencrypts_and_loses_nothing(make_source, settings):
    old = settings.CREDENTIALS_KEYS[0]
    sources = [make_source(name=f"s{i}", password=f"pw-{i}") for i in range(3)]
    make_source(name="nopass")
    new = _key()
    settings.CREDENTIALS_KEYS = [new, old]
    call_command("rotate_credentials_key")
    settings.CREDENTIALS_KEYS = [new]  # the old key can now be dropped
    for i, s in enumerate(sources):
        assert DataSource.objects.get(pk=s.pk).get_password() == f"pw-{i}"
    assert DataSource.objects.get(name="nopass").password_encrypted == ""


def test_wrong_key_is_a_clear_error_and_changes_nothing(make_source, settings):
    s1 = make_source(name="a", password="one")
    before = DataSource.objects.get(pk=s1.pk).password_encrypted
    settings.CREDENTIALS_KEYS = [_key()]  # the original key is lost
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_credentials_key")
    assert DataSource.objects.get(pk=s1.pk).password_encrypted == before
    with pytest.raises(crypto.CredentialDecryptionError):
        DataSource.objects.get(pk=s1.pk).get_password()
