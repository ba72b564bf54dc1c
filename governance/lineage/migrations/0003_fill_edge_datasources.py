"""Fill the ends' data sources of existing edges from their tables, in batches of ids.

Not atomic as a whole: each batch is its own short transaction (an UPDATE of at most
``BATCH`` rows by primary key range), so a large lineage table is never locked for the whole
fill, and an interrupted run resumes where it stopped (only rows still missing a copy are
touched)."""

from django.db import migrations, transaction
from django.db.models import OuterRef, Q, Subquery

BATCH = 5000


def fill(apps, schema_editor):
    LineageEdge = apps.get_model("lineage", "LineageEdge")
    CatalogTable = apps.get_model("catalog", "CatalogTable")
    missing = LineageEdge.objects.filter(
        Q(upstream_datasource__isnull=True) | Q(downstream_datasource__isnull=True)
    )

    def source_of(field):
        return Subquery(CatalogTable.objects.filter(pk=OuterRef(field)).values("datasource_id")[:1])

    last = 0
    while True:
        ids = list(missing.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        with transaction.atomic(using=schema_editor.connection.alias):
            LineageEdge.objects.filter(pk__gte=ids[0], pk__lte=ids[-1]).filter(
                Q(upstream_datasource__isnull=True) | Q(downstream_datasource__isnull=True)
            ).update(
                upstream_datasource_id=source_of("upstream_table_id"),
                downstream_datasource_id=source_of("downstream_table_id"),
            )
        last = ids[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0007_column_classification"),
        ("lineage", "0002_edge_datasources"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
