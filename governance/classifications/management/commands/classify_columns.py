from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from ... import services
from ...engine import ColumnInput


class Command(BaseCommand):
    help = (
        "Classify the columns of a benchmark JSONL file (id, table, column, data_type, values) "
        "with the active model and custom rules; write {id, predicted} JSONL."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--input", required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        lines = Path(opts["input"]).read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
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
        self.stdout.write(f"Classified {len(records)} columns with model {version} → {out}")
