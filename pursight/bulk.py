"""Fast set-based inserts for the scan's hot path.

On PostgreSQL, ids are taken from the table's sequence in one query and rows are streamed with
``COPY``, without building model instances: several times faster than ``bulk_create`` for tens of
thousands of rows. Elsewhere rows go through ``bulk_create``. Either way the new ids come back in
the order of the rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
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
