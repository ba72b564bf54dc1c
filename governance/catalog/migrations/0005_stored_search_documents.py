"""Full-text search on PostgreSQL reads a stored, generated ``search_document`` column.

The expression indexes of 0003 made the database recompute ``to_tsvector`` for every row that a
permission filter had already narrowed down (the planner prefers the data-source filter); a
stored vector is computed once, when a row is written. Other databases use the LIKE fallback.
"""

from django.db import migrations

TABLES = {
    "catalog_catalogschema": "catalog_schema_search",
    "catalog_catalogtable": "catalog_table_search",
    "catalog_catalogcolumn": "catalog_column_search",
}
DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(description, '') "
    "|| ' ' || replace(coalesce(qualified_name, ''), '/', ' '))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, index in TABLES.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD COLUMN search_document tsvector '
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        schema_editor.execute(f'CREATE INDEX "{index}" ON "{table}" USING gin (search_document)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, index in TABLES.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS search_document')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_catalogtable_scan_token")]
    operations = [migrations.RunPython(forwards, backwards)]
