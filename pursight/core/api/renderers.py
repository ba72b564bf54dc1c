"""CSV rendering of flat API rows (audit export)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from rest_framework import renderers


def csv_cell(value: Any) -> Any:
    """A value as a safe CSV cell: JSON for structures, formulas neutralised."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # no formula injection when opened in a spreadsheet
    return value


def csv_lines(rows: Iterable[dict[str, Any]], fields: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(row.get(f)) for f in fields])
        yield buffer.getvalue()


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):
            data = [data]
        rows = list(data or [])
        fields = list(rows[0].keys()) if rows else []
        return "".join(csv_lines(rows, fields)).encode(self.charset)
