"""An unchanged re-evaluation confirms findings per rule and data source (RuleResult.run and
evaluated_at) instead of rewriting each finding: Finding.last_seen/last_run become the stored
seen_at/seen_run, read as the later of those and the confirmation (FindingManager)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="finding", old_name="last_seen", new_name="seen_at"),
        migrations.RenameField(model_name="finding", old_name="last_run", new_name="seen_run"),
        migrations.AlterField(
            model_name="finding",
            name="seen_at",
            field=models.DateTimeField(help_text="Last seen, as stored on the finding itself."),
        ),
        migrations.AddField(
            model_name="ruleresult",
            name="run",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="compliance.evaluationrun",
            ),
        ),
        migrations.AlterModelManagers(name="finding", managers=[]),
        migrations.AlterModelOptions(
            name="finding",
            options={
                "base_manager_name": "objects",
                "default_manager_name": "objects",
                "ordering": ["-first_seen", "-id"],
            },
        ),
    ]
