"""View-lineage parsing benchmark: sqlglot over a generated corpus of view definitions.

    .venv/bin/python bench/lineage_parse.py [--per-dialect 84] [--show-misses]

The corpus (``bench/lineage_views.py``) holds 243 views by default (81 per dialect: PostgreSQL,
MySQL/MariaDB, SQLite) of 27 real-world shapes, each with its expected column edges. Each view is
parsed with ``governance.lineage.sql.parse_query`` exactly as a scan does (the dialect of its
source, a schema mapping of the catalog's tables and earlier views so that ``SELECT *``
expands). Prints the share of views parsed fully (no problem reported), the share of expected
column edges found (recall), the share of found edges that are expected (precision), the share
of views whose edges are exactly right, per shape, and the parse time per view. No database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lineage_views import SCHEMA, TABLES, views  # noqa: E402

from governance.lineage import sql  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-dialect", type=int, default=81)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    corpus = views(args.per_dialect)
    mappings: dict[str, dict[tuple[str, str], list[str]]] = {
        d: {(SCHEMA[d], t): cols for t, cols in TABLES.items()} for d in SCHEMA
    }
    for v in corpus:
        mappings[v.dialect][(SCHEMA[v.dialect], v.name)] = v.columns
    schemas = {d: sql.catalog_schema(m, dialect=d) for d, m in mappings.items()}

    full = exact = expected_n = found_n = correct_n = 0
    by_shape: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # views, exact, full
    timings: list[float] = []
    misses: list[str] = []
    for v in corpus:
        started = time.perf_counter()
        result = sql.parse_query(
            v.sql, dialect=v.dialect, schema=schemas[v.dialect], default_schema=SCHEMA[v.dialect]
        )
        timings.append((time.perf_counter() - started) * 1000)
        expected = {(out, t, c) for out, sources in v.expected.items() for t, c in sources}
        got = {(e.target_column, e.source.name, e.source_column) for e in result.columns}
        expected_n += len(expected)
        found_n += len(got)
        correct_n += len(expected & got)
        shape = by_shape[v.shape]
        shape[0] += 1
        if result.complete:
            full += 1
            shape[2] += 1
        if got == expected:
            exact += 1
            shape[1] += 1
        elif args.show_misses:
            misses.append(
                f"{v.name}\n  missing: {sorted(expected - got)}"
                f"\n  extra:   {sorted(got - expected)}"
                f"\n  problems: {result.problems}\n  {v.sql}"
            )

    n = len(corpus)
    print(f"views: {n} ({args.per_dialect} per dialect: postgres, mysql, sqlite)")
    print(f"parsed fully (no problem reported): {full}/{n} = {full / n:.1%}")
    print(f"views with exactly the expected column edges: {exact}/{n} = {exact / n:.1%}")
    recall, precision = correct_n / max(expected_n, 1), correct_n / max(found_n, 1)
    print(f"expected column edges found (recall): {correct_n}/{expected_n} = {recall:.1%}")
    print(
        f"found column edges that are expected (precision): {correct_n}/{found_n} = {precision:.1%}"
    )
    timings.sort()
    print(
        f"parse time per view: median {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, max {timings[-1]:.1f} ms"
    )
    print("by shape (views, exact, parsed fully):")
    for shape, (count, ok, parsed) in sorted(by_shape.items()):
        print(f"  {shape:16} {count:4} {ok:4} {parsed:4}")
    for miss in misses:
        print(miss)


if __name__ == "__main__":
    main()
