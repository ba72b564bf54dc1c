"""Fast set-based inserts: rows from Python (:func:`insert_rows`) or from a query
(:func:`insert_select`).

:func:`insert_rows` serves the scan's hot path. On PostgreSQL, ids are taken from the table's
sequence in one query and rows are streamed with ``COPY``, without building model instances:
several times faster than ``bulk_create`` for tens of thousands of rows. Elsewhere rows go through
``bulk_create``. Either way the new ids come back in the order of the rows.

:func:`insert_select` copies rows computed by a queryset into a table in one
``INSERT INTO … SELECT …`` statement, on every database: no row is read into Python.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.models import ExpressionWrapper, QuerySet, Value
from django.utils import timezone


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _default(field: models.Field, now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts of field attnames) into ``model``'s table; return their new ids.

    Missing fields take their defaults (``auto_now``/``auto_now_add`` take the current time).
    """
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _fields(model)
    now = timezone.now()
    defaults = {f.attname: _default(f, now) for f in fields}
    if connection.vendor != "postgresql":
        objs = [model(**{**defaults, **row}) for row in rows]
        model._default_manager.using(alias).bulk_create(objs, batch_size=1000)
        return [o.pk for o in objs]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        json_fields = {
            f.attname: (f.encoder or DjangoJSONEncoder)
            for f in fields
            if isinstance(f, models.JSONField)
        }
        names = [f.attname for f in fields]
        columns = ", ".join(
            connection.ops.quote_name(c) for c in [meta.pk.column, *(f.column for f in fields)]
        )
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk]
                for name in names:
                    value = row.get(name, defaults[name])
                    if name in json_fields and value is not None:
                        value = json.dumps(value, cls=json_fields[name])
                    values.append(value)
                copy.write_row(values)
    return ids


def insert_select(model: type[models.Model], source: QuerySet, values: Mapping[str, Any]) -> int:
    """``INSERT INTO model (...) SELECT ... FROM source``: one statement, no row in Python.

    ``values`` maps ``model``'s field attnames to expressions over ``source`` (``F("pk")``,
    ``Value(...)``, any annotation); every row of ``source`` becomes one row of ``model``. The
    primary key comes from the table unless ``values`` gives it. A field left out takes its
    default (a callable default is called once: every row gets the same value;
    ``auto_now``/``auto_now_add`` take the current time), or NULL if it is nullable and has
    none; a required field with neither raises ``ValueError``. Returns the number of rows
    inserted.

    Example: record a "closed" event for each of a queryset of findings::

        insert_select(FindingEvent, findings, {"finding_id": F("pk"), "to_status": Value("x")})
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    now = timezone.now()
    values = dict(values)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    for name, f in fields.items():
        if name in values or f.primary_key:
            continue
        default = _default(f, now)
        if default is None and not f.null:
            raise ValueError(f"{model.__name__}.{name} needs a value")
        if default is not None:
            values[name] = Value(default)
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    aliases = {f"_i{i}": name for i, name in enumerate(values)}
    annotated = source.order_by().annotate(
        **{
            # A constant needs the column's type (a JSON default is a dict, a date a string).
            alias: ExpressionWrapper(values[name], output_field=fields[name])
            if isinstance(values[name], Value)
            else values[name]
            for alias, name in aliases.items()
        }
    )
    compiler = annotated.values(*aliases).query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # the source can select nothing (``.none()``, ``__in=[]``)
        return 0
    selected = [a for _, _, a in compiler.select]
    if selected != list(aliases):  # never insert a value into the wrong column
        raise RuntimeError(f"unexpected column order {selected}")
    columns = ", ".join(connection.ops.quote_name(fields[aliases[a]].column) for a in selected)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return cursor.rowcount
