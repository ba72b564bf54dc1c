"""Classify every column of the classification benchmark and write predictions JSONL.

    .venv/bin/python bench/classify.py [DATASET] --out PRED.jsonl [--model MODEL.bin] [--save M.bin]
    .venv/bin/python ../shared/benchmarks/classification/score.py DATASET PRED.jsonl
    .venv/bin/python bench/classify.py --out PRED.jsonl --heldout --processes 5

The dataset is only read for classification (never for training): the model is trained from the
engine's own synthetic generator (or loaded with ``--model``).

Speed is for the engine alone (analysis, rules, model and decision; single process, training
excluded), measured in ``--processes`` fresh child processes, each warmed up on the benchmark
once and then timed on it ``--repeat`` times (best kept) and once on columns of 100 values it has
never seen (generated with another seed: no value or name cache can help). The figures of one
process on this shared machine differ from the next by up to ±25%, so the median and the range
over the processes are printed.

``--heldout`` also scores the engine on the project's own held-out synthetic sets: another seed
of the training generator (every info type, with look-alikes failing their check digits as
negatives), and ten locales it was never trained on. Each is scored twice: over every info type
(``--per-type`` prints precision and recall per type), and restricted to the benchmark's 24
canonical types and null columns with the benchmark's scorer (a column given a type outside
those counts as wrong), comparable with the figures before the library grew.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import multiprocessing as mp
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.classifications.engine import ColumnInput, Engine, Model, train_model  # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "benchmarks" / "classification" / "columns.jsonl"
SCORER = DEFAULT_DATASET.parent / "score.py"
UNSEEN_LOCALES = ("fi_FI", "no_NO", "ro_RO", "hu_HU", "sk_SK", "hr_HR", "en_IE", "en_NZ",
                  "es_AR", "nl_BE")  # fmt: skip
FRESH_SEED = 901


def load_columns(path: Path) -> tuple[list[str], list[ColumnInput]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    by_table: dict[str, list[str]] = defaultdict(list)
    for rec in records:
        by_table[rec["table"]].append(rec["column"])
    ids, columns = [], []
    for rec in records:
        siblings = [c for c in by_table[rec["table"]] if c != rec["column"]]
        ids.append(rec["id"])
        columns.append(
            ColumnInput(
                name=rec["column"],
                data_type=rec.get("data_type") or "",
                values=rec.get("values") or [],
                table=rec.get("table") or "",
                siblings=siblings,
            )
        )
    return ids, columns


def fresh_columns(seed: int = FRESH_SEED) -> list[ColumnInput]:
    """~1,200 generated columns of exactly 100 values (half sensitive), never trained on."""
    from governance.classifications.engine.training import generate_examples

    examples = generate_examples(
        seed=seed, per_type=25, null_columns=600, min_values=100, max_values=100
    )
    return [e.column for e in examples]


def _time_in_child(args: tuple[bytes | None, str, int, list[ColumnInput]]) -> tuple[float, ...]:
    """Columns per second in this (fresh) process: first pass, best of ``repeat``, unseen."""
    model_bytes, dataset, repeat, fresh = args
    model = Model.from_bytes(model_bytes) if model_bytes else None
    _, columns = load_columns(Path(dataset))
    engine = Engine(model=model)
    engine.classify_many(columns[:5])  # lazy imports
    gc.collect()
    gc.freeze()  # as a scan worker does after loading the engine
    timings = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        for cands in engine.classify_many(columns):
            engine.decide(cands)
        timings.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for cands in engine.classify_many(fresh):
        engine.decide(cands)
    unseen = time.perf_counter() - t0
    n = len(columns)
    return n / timings[0], n / min(timings), len(fresh) / unseen


def score_all(gold: list[str | None], predicted: list[str | None]) -> dict:
    """Per-type precision, recall and F1 over every label, macro/micro F1 and the FP rate.

    The same definitions as the benchmark's scorer, for any set of info types: per type T, TP =
    label T and predicted T, FP = predicted T and label not T, FN = label T and predicted not T;
    macro-F1 is the mean F1 over the types that occur as a label; the FP rate is the share of
    null columns that got a type.
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    nulls = null_fp = 0
    for lab, pred in zip(gold, predicted, strict=True):
        if lab is None:
            nulls += 1
            null_fp += pred is not None
        if pred == lab:
            if lab is not None:
                tp[lab] += 1
            continue
        if pred is not None:
            fp[pred] += 1
        if lab is not None:
            fn[lab] += 1
    per_type = {}
    for t in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_type[t] = {"support": tp[t] + fn[t], "tp": tp[t], "fp": fp[t], "fn": fn[t],
                       "precision": p, "recall": r, "f1": f1}  # fmt: skip
    present = [t for t, m in per_type.items() if m["support"]]
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p = total_tp / (total_tp + total_fp) if total_tp + total_fp else 0.0
    micro_r = total_tp / (total_tp + total_fn) if total_tp + total_fn else 0.0
    return {
        "per_type": per_type,
        "macro_f1": sum(per_type[t]["f1"] for t in present) / len(present) if present else 0.0,
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "fp_rate": null_fp / nulls if nulls else 0.0,
        "types": len(present),
    }


def _score_heldout(engine: Engine, per_type: bool = False) -> None:
    from governance.classifications.engine.infotypes import CORE_INFO_TYPES
    from governance.classifications.engine.training import generate_examples

    spec = importlib.util.spec_from_file_location("score", SCORER)
    scorer = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(scorer)  # type: ignore[union-attr]
    core = {s.code for s in CORE_INFO_TYPES}
    sets = {
        "held-out synthetic (seed 777)": generate_examples(seed=777, per_type=30, null_columns=700),
        "held-out synthetic, 10 unseen locales": generate_examples(
            seed=778, per_type=30, null_columns=700, locales=[(x, 1.0) for x in UNSEEN_LOCALES]
        ),
    }
    for label, examples in sets.items():
        results = engine.classify_many([e.column for e in examples])
        predicted = []
        for cands in results:
            decision = engine.decide(cands)
            predicted.append(decision.info_type if decision else None)
        gold = [e.label for e in examples]
        r = score_all(gold, predicted)
        print(
            f"{label}: {len(examples)} columns, all {r['types']} types: "
            f"macro_f1={r['macro_f1']:.3f} micro_f1={r['micro_f1']:.3f} fp_rate={r['fp_rate']:.3f}"
        )
        keep = [k for k, lab in enumerate(gold) if lab is None or lab in core]
        canonical = scorer.score(
            [{"id": str(k), "label": gold[k]} for k in keep],
            [{"id": str(k), "predicted": predicted[k]} for k in keep],
        )
        print(
            f"{label}, the 24 canonical types and null columns ({len(keep)} columns): "
            f"macro_f1={canonical['macro_f1']:.3f} micro_f1={canonical['micro_f1']:.3f} "
            f"fp_rate={canonical['fp_rate']:.3f}"
        )
        if per_type:
            print(f"  {'type':<28} {'support':>7} {'precision':>9} {'recall':>7} {'f1':>6}")
            for t, m in r["per_type"].items():
                print(
                    f"  {t:<28} {m['support']:>7} {m['precision']:>9.3f} {m['recall']:>7.3f} "
                    f"{m['f1']:>6.3f}"
                )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("dataset", nargs="?", default=str(DEFAULT_DATASET))
    ap.add_argument("--out", required=True, help="predictions JSONL to write")
    ap.add_argument("--model", help="load a serialised model instead of training one")
    ap.add_argument("--save", help="write the trained model here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rules-only", action="store_true", help="no model: rules alone")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per process (best kept)")
    ap.add_argument("--processes", type=int, default=3, help="fresh processes to time in")
    ap.add_argument("--heldout", action="store_true", help="also score the held-out sets")
    ap.add_argument("--per-type", action="store_true", help="with --heldout: a line per type")
    args = ap.parse_args(argv)

    model = None
    if not args.rules_only:
        if args.model:
            model = Model.from_bytes(Path(args.model).read_bytes())
            print(f"loaded model {model.version}")
        else:
            t0 = time.perf_counter()
            model = train_model(seed=args.seed)
            print(
                f"trained model {model.version} in {time.perf_counter() - t0:.1f}s "
                f"on {model.metadata['training_examples']} synthetic columns"
            )
        size = len(model.to_bytes())
        print(f"model size {size / 1e6:.2f} MB")
        if args.save:
            Path(args.save).write_bytes(model.to_bytes())

    ids, columns = load_columns(Path(args.dataset))
    engine = Engine(model=model)
    results = engine.classify_many(columns)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for cid, cands in zip(ids, results, strict=True):
            decision = engine.decide(cands)
            rec = {
                "id": cid,
                "predicted": decision.info_type if decision else None,
                "confidence": decision.confidence if decision else None,
                "top": [[c.info_type, c.confidence] for c in cands[:3]],
            }
            fh.write(json.dumps(rec) + "\n")
    print(f"wrote {len(ids)} predictions to {out}")
    if args.heldout:
        _score_heldout(engine, per_type=args.per_type)

    fresh = fresh_columns()
    job = (model.to_bytes() if model else None, args.dataset, args.repeat, fresh)
    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        figures = [pool.apply(_time_in_child, (job,)) for _ in range(max(1, args.processes))]
    for label, k, n in (
        ("benchmark columns, first pass", 0, len(columns)),
        ("benchmark columns, warm", 1, len(columns)),
        ("unseen columns of 100 values", 2, len(fresh)),
    ):
        values = [f[k] for f in figures]
        print(
            f"{label}: {statistics.median(values):,.0f} columns/s median "
            f"({min(values):,.0f}-{max(values):,.0f} over {len(values)} processes; {n} columns)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
