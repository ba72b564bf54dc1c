"""Move secret-like connection options (sslpassword, keys, tokens…) out of the plain ``options``
JSON into the encrypted ``secret_options_encrypted``. Reversible: the reverse puts them back."""

import json

from django.db import migrations

from governance.datasources.connectors.base import is_secret_option
from pursight import crypto


def encrypt_secret_options(apps, schema_editor):
    DataSource = apps.get_model("datasources", "DataSource")
    for source in DataSource.objects.all().iterator():
        options = source.options if isinstance(source.options, dict) else {}
        secret = {k: v for k, v in options.items() if is_secret_option(k)}
        if not secret:
            continue
        stored = (
            json.loads(crypto.decrypt(source.secret_options_encrypted))
            if source.secret_options_encrypted
            else {}
        )
        stored.update(secret)
        source.secret_options_encrypted = crypto.encrypt(json.dumps(stored, sort_keys=True))
        source.options = {k: v for k, v in options.items() if not is_secret_option(k)}
        source.save(update_fields=["options", "secret_options_encrypted"])


def decrypt_secret_options(apps, schema_editor):
    DataSource = apps.get_model("datasources", "DataSource")
    for source in DataSource.objects.exclude(secret_options_encrypted="").iterator():
        secret = json.loads(crypto.decrypt(source.secret_options_encrypted))
        options = source.options if isinstance(source.options, dict) else {}
        source.options = {**options, **secret}
        source.secret_options_encrypted = ""
        source.save(update_fields=["options", "secret_options_encrypted"])


class Migration(migrations.Migration):
    dependencies = [("datasources", "0004_secret_options_and_unique_name_per_collection")]

    operations = [migrations.RunPython(encrypt_secret_options, decrypt_secret_options)]
