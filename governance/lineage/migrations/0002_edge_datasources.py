"""Each edge's ends' data sources (nullable first; filled by 0003, made NOT NULL by 0004)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("datasources", "0005_encrypt_secret_options"),
        ("lineage", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="lineageedge",
            name="upstream_datasource",
            field=models.ForeignKey(
                editable=False,
                help_text="The upstream table's data source (a copy, for the gate and the graph).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="datasources.datasource",
            ),
        ),
        migrations.AddField(
            model_name="lineageedge",
            name="downstream_datasource",
            field=models.ForeignKey(
                editable=False,
                help_text="The downstream table's data source (a copy: the edge's scope in the "
                "gate).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="datasources.datasource",
            ),
        ),
    ]
