"""Secret-like options stored encrypted; names unique per collection; ports 1..65535."""

import django.core.validators
from django.db import migrations, models

import pursight.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("datasources", "0003_governance_facts"),
        ("rbac", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="datasource",
            name="secret_options_encrypted",
            field=pursight.crypto.EncryptedTextField(blank=True, default="", editable=False),
        ),
        migrations.AlterField(
            model_name="datasource",
            name="name",
            field=models.CharField(help_text="Unique within its collection.", max_length=100),
        ),
        migrations.AlterField(
            model_name="datasource",
            name="options",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=(
                    'Driver options (a JSON object of names and values, e.g. {"sslmode": '
                    '"require"}). Secret-like options (names with pass, secret, token, key, '
                    "credential…) are stored encrypted and never shown: omit one to keep it, "
                    "give it an empty value to remove it."
                ),
            ),
        ),
        migrations.AlterField(
            model_name="datasource",
            name="port",
            field=models.PositiveIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(65535),
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="datasource",
            constraint=models.UniqueConstraint(
                fields=("collection", "name"),
                name="datasource_name_unique_in_collection",
                violation_error_message=(
                    "A data source with this name already exists in this collection."
                ),
            ),
        ),
    ]
