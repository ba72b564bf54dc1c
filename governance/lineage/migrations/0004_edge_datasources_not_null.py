"""Every edge now names its ends' data sources (filled by 0003; new rows by the model and the
capture service)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("datasources", "0005_encrypt_secret_options"),
        ("lineage", "0003_fill_edge_datasources"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lineageedge",
            name="upstream_datasource",
            field=models.ForeignKey(
                editable=False,
                help_text="The upstream table's data source (a copy, for the gate and the graph).",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="datasources.datasource",
            ),
        ),
        migrations.AlterField(
            model_name="lineageedge",
            name="downstream_datasource",
            field=models.ForeignKey(
                editable=False,
                help_text="The downstream table's data source (a copy: the edge's scope in the "
                "gate).",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="datasources.datasource",
            ),
        ),
    ]
