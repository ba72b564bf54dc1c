from django.db import migrations


def load(apps, schema_editor):
    from governance.classifications.engine import SYSTEM_INFO_TYPES
    from governance.classifications.services import LABELS

    Label = apps.get_model("classifications", "SensitivityLabel")
    Classification = apps.get_model("classifications", "Classification")
    labels = {}
    for name, rank, color, description in LABELS:
        labels[name], _ = Label.objects.get_or_create(
            name=name, defaults={"rank": rank, "color": color, "description": description}
        )
    for spec in SYSTEM_INFO_TYPES:
        Classification.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "category": str(spec.category),
                "default_label": labels[str(spec.sensitivity)],
                "is_system": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("classifications", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
