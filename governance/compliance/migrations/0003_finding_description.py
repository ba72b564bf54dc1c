from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_finding_confirmation"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="description",
            field=models.TextField(
                blank=True,
                help_text="The team's notes on this finding: context, impact, the remediation plan.",
            ),
        ),
    ]
