from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import services
from ...engine import ColumnInput

SCALARS = (str, int, float, bool)


def _record(line: str, number: int) -> dict[str, Any]:
    """One input line as a checked record; a CommandError naming the line otherwise."""
    try:
        rec = json.loads(line)
    except ValueError as exc:
        raise CommandError(f"line {number}: not valid JSON ({exc.msg}).") from None
    if not isinstance(rec, dict):
        raise CommandError(f"line {number}: expected a JSON object, got {type(rec).__name__}.")
    for key in ("id", "column"):
        if key not in rec:
            raise CommandError(f"line {number}: missing key '{key}'.")
    if not isinstance(rec["id"], str | int) or isinstance(rec["id"], bool):
        raise CommandError(f"line {number}: 'id' must be a string or an integer.")
    if not isinstance(rec["column"], str) or not rec["column"]:
        raise CommandError(f"line {number}: 'column' must be a non-empty string.")
    for key in ("table", "data_type"):
        if rec.get(key) is not None and not isinstance(rec[key], str):
            raise CommandError(f"line {number}: '{key}' must be a string.")
    values = rec.get("values")
    if values is not None and (
        not isinstance(values, list) or not all(v is None or isinstance(v, SCALARS) for v in values)
    ):
        raise CommandError(f"line {number}: 'values' must be a list of strings, numbers or null.")
    return rec


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file (blank lines skipped), checked line by line."""
    if not path.exists():
        raise CommandError(f"Input file not found: {path}")
    if not path.is_file():
        raise CommandError(f"Input is not a file: {path}")
    records = []
    try:
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise CommandError(f"line {number}: not UTF-8 text.") from None
                if line.strip():
                    records.append(_record(line, number))
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    if not records:
        raise CommandError(f"No records in {path}.")
    return records


class Command(BaseCommand):
    help = (
        "Classify the columns of a benchmark JSONL file (id, table, column, data_type, values) "
        "with the active model and custom rules; write {id, predicted} JSONL."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--input", required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        records = read_records(Path(opts["input"]))
        by_table: dict[str, list[str]] = defaultdict(list)
        for rec in records:
            by_table[rec.get("table") or ""].append(rec["column"])
        columns = [
            ColumnInput(
                name=rec["column"],
                data_type=rec.get("data_type") or "",
                values=[None if v is None else str(v) for v in rec.get("values") or []],
                table=rec.get("table") or "",
                siblings=[c for c in by_table[rec.get("table") or ""] if c != rec["column"]],
            )
            for rec in records
        ]
        engine, version = services.get_engine()
        results = engine.classify_many(columns)
        out = Path(opts["output"])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8") as fh:
                for rec, candidates in zip(records, results, strict=True):
                    decision = engine.decide(candidates)
                    fh.write(
                        json.dumps(
                            {"id": rec["id"], "predicted": decision.info_type if decision else None}
                        )
                        + "\n"
                    )
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.") from None
        self.stdout.write(f"Classified {len(records)} columns with model {version} → {out}")
