"""GIN indexes for full-text search on PostgreSQL (other databases use the LIKE fallback).

Superseded by 0005, which indexes a stored document column instead of an expression.
"""

from django.db import migrations

TABLES = {
    "catalog_schema_search": "catalog_catalogschema",
    "catalog_table_search": "catalog_catalogtable",
    "catalog_column_search": "catalog_catalogcolumn",
}


def _expression(table: str) -> str:
    def col(name: str) -> str:
        return f'COALESCE(("{name}")::text, \'\')'

    return (
        "to_tsvector('simple'::regconfig, "
        f"{col('name')} || ' ' || {col('description')} || ' ' || {col('qualified_name')})"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, table in TABLES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ({_expression(table)})'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in TABLES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]
    operations = [migrations.RunPython(create, drop)]
