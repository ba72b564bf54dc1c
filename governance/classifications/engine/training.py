"""Synthetic training data and model training.

The project generates its own labelled columns: every info type in many formats and locales, and
many realistic non-sensitive columns (ids, UUIDs, amounts, timestamps, statuses, SKUs, product and
company names, notes, job titles, user agents, booleans, order numbers, hashes, codes, ...),
including hard negatives (16-digit order numbers that fail Luhn, IBAN-shaped strings that fail
mod-97, 17-character serials that fail the VIN check, and for every checksummed national, tax,
bank and health number of the library look-alikes whose check digits fail; sensitive-sounding
flags and counts such as ``email_verified`` or ``phone_type``; dotted version numbers, language
and currency codes, unix times, long numeric ids, notes that mention an e-mail). Columns get
dirt: nulls, blanks, placeholder tokens, mixed case, stray whitespace, a share of invalid
values, and uninformative names (``col_7``, ``attr3``, ``field_12``) wherever the values alone
decide the label. Each column gets neighbours (the names of other columns of its table: person
attributes in tables of people), which is what makes an unnamed date a birth date or not.

This module assembles the columns; the values come from :mod:`.generators` and the tables
(locales, column names, table names, kinds of non-sensitive columns) from :mod:`.training_data`.

Stewards' feedback ``(ColumnInput, label or None, weight)`` is added on top (with a few resampled
copies of each example so that a "kind of column" is learned, not one exact sample).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from functools import lru_cache

from .columns import ColumnInput, Example, Label
from .generators import (
    VARIANTS,
    Ctx,
    Gen,
    corrupt,
    failing,
    junk,
    non_sensitive_factory,
    pooled,
    style_name,
    uninformative_name,
)
from .model import Model
from .training_data import TrainingTables, tables
from .validators import VALIDATORS

FeedbackItem = tuple[ColumnInput, Label, float]
NonSensitive = tuple[tuple[str, ...], Callable[[Ctx], Gen], str, float]

__all__ = [
    "VARIANTS",
    "Ctx",
    "Example",
    "FeedbackItem",
    "Label",
    "augment_feedback",
    "generate_examples",
    "train_model",
]


@lru_cache(maxsize=1)
def non_sensitive_kinds() -> tuple[NonSensitive, ...]:
    """Kinds of non-sensitive columns: (name stems, value generator factory, data type, weight)."""
    return tuple(
        (k.names, non_sensitive_factory(k.values, k.params), k.data_type, k.weight)
        for k in tables().non_sensitive
    )


def _data_type_for(label: str, sample: str, rng: random.Random) -> str:
    if label == "DATE_OF_BIRTH" and sample[:4].isdigit() and sample[4:5] == "-":
        return rng.choice(("date", "date", "varchar(10)", "datetime" if " " in sample else "date"))
    if label == "GEO_COORDINATE" and "," not in sample and "(" not in sample:
        return rng.choice(("numeric(9,6)", "decimal(10,7)", "float", "double precision", "real",
                           "varchar(20)"))  # fmt: skip
    if label == "IP_ADDRESS":
        return rng.choice(("varchar(45)", "inet", "varchar(39)", "text"))
    if label == "MAC_ADDRESS":
        return rng.choice(("varchar(17)", "macaddr", "char(17)", "text"))
    numeric_types = ("PHONE_NUMBER", "POSTAL_CODE", "US_SSN", "US_PASSPORT_NUMBER")
    as_number = sample.isdigit() and not sample.startswith("0")
    if label in numeric_types and as_number and rng.random() < 0.35:
        return rng.choice(("integer", "bigint"))
    if label == "CREDIT_CARD_NUMBER" and sample.isdigit() and rng.random() < 0.15:
        return "bigint"
    if label == "GENDER":
        return rng.choice(("char(1)", "varchar(10)", "varchar(20)", "text"))
    n = max(len(sample), 1)
    return rng.choice(
        (f"varchar({rng.choice((n, 2 * n, 50, 100, 255))})", "text", f"char({n})", "varchar(255)")
    )


def _column(
    ctx: Ctx,
    name: str,
    gen: Gen,
    label: Label,
    data_type: str | None,
    n_values: int,
    *,
    null_rate: float,
    invalid_rate: float,
    dirt: bool,
) -> tuple[list[str | None], str]:
    rng = ctx.rng
    values: list[str | None] = []
    case_mode = rng.random() if dirt else 1.0
    ws = dirt and rng.random() < 0.2
    placeholders = dirt and rng.random() < 0.15
    for _ in range(n_values):
        r = rng.random()
        if r < null_rate:
            if placeholders and rng.random() < 0.3:
                values.append(rng.choice(("", " ", "N/A", "null", "-", "NULL", "none")))
            else:
                values.append(None)
            continue
        v = str(gen(ctx))
        if invalid_rate and rng.random() < invalid_rate:
            v = corrupt(v, rng) if rng.random() < 0.6 else junk(ctx)
        if case_mode < 0.05:
            v = v.upper()
        elif case_mode < 0.08:
            v = v.lower()
        if ws and rng.random() < 0.3:
            v = (
                rng.choice((" ", "  ", "\t")) + v
                if rng.random() < 0.5
                else v + rng.choice((" ", "  "))
            )
        values.append(v)
    sample = next((v for v in values if v), "") or ""
    dt = data_type or _data_type_for(label or "", sample.strip(), rng)
    if dt in ("integer", "bigint", "smallint"):  # numbers stored as integers lose leading zeros
        values = [str(int(v)) if v and v.strip().isdigit() else v for v in values]
    return values, dt


def _locale(rng: random.Random, locales: Sequence[tuple[str, float]]) -> str:
    r = rng.random() * sum(w for _, w in locales)
    for loc, w in locales:
        r -= w
        if r <= 0:
            return loc
    return locales[0][0]


# Kinds of columns that, beside a column, say its table's rows are people.
PERSON_SIBLINGS = ("PERSON_NAME", "EMAIL_ADDRESS", "PHONE_NUMBER", "GENDER", "STREET_ADDRESS",
                   "CITY", "POSTAL_CODE", "COUNTRY", "DATE_OF_BIRTH")  # fmt: skip


def _siblings(
    rng: random.Random, t: TrainingTables, personal: bool, label: Label, need_person: bool
) -> tuple[str, ...]:
    """Names of the other columns of a generated column's table.

    A table of people holds person attributes beside its other columns; any table holds
    non-sensitive ones. A column never gets a sibling of its own type, and ``need_person``
    guarantees one person attribute (an unnamed birth date's only evidence of a person).
    """
    names: list[str] = []
    for k in range(rng.randint(1, 9)):
        if personal and (rng.random() < 0.45 or (need_person and k == 0)):
            code = rng.choice([c for c in PERSON_SIBLINGS if c != label])
            names.append(rng.choice(t.column_names[code]))
        else:
            names.append(rng.choice(rng.choice(t.non_sensitive).names))
    return tuple(names)


def generate_examples(
    *,
    seed: int = 0,
    per_type: int = 70,
    null_columns: int = 2400,
    locales: Sequence[tuple[str, float]] | None = None,
    min_values: int = 20,
    max_values: int = 100,
) -> list[Example]:
    """Generate a labelled set of synthetic columns (deterministic for a seed).

    ``locales`` are ``(locale, weight)`` pairs (by default the training locales).
    """
    t = tables()
    if locales is None:
        locales = t.locales
    rng = random.Random(seed)
    min_values = min(min_values, max_values)
    out: list[Example] = []
    for label, variant in VARIANTS.items():
        for k in range(per_type):
            loc = _locale(rng, locales)
            ctx = Ctx(random.Random(rng.getrandbits(64)), loc)
            gen, decidable = variant(ctx)
            if label in t.pooled_types and ctx.rng.random() < 0.3:
                gen = pooled(gen, ctx)  # a few distinct values, repeated (e.g. home cities)
            r = ctx.rng.random()
            unnamed = decidable and r < 0.25
            if unnamed:
                name = uninformative_name(ctx.rng)
            else:
                name = style_name(ctx.rng.choice(t.column_names[label]), ctx.rng)
            hard = k % 10 == 0
            n_values = ctx.rng.randint(min_values, max_values)
            null_rate = ctx.rng.choice((0.0, 0.0, 0.05, 0.1, 0.2, 0.35)) if not hard else 0.6
            invalid = ctx.rng.choice((0.0, 0.0, 0.0, 0.05, 0.1, 0.2))
            values, dt = _column(ctx, name, gen, label, None, n_values, null_rate=null_rate,
                                 invalid_rate=invalid, dirt=True)  # fmt: skip
            typical = t.type_tables.get(label) or t.personal_tables
            table = ctx.rng.choice(typical if ctx.rng.random() < 0.7 else t.other_tables)
            unnamed_birth = unnamed and label == "DATE_OF_BIRTH"
            if unnamed_birth:  # only a table of people makes an unnamed date a birth date
                table = ctx.rng.choice(t.personal_tables)
            siblings = _siblings(ctx.rng, t, table in t.personal_tables, label, unnamed_birth)
            out.append(Example(ColumnInput(name, dt, values, table, siblings), label))
        # checksummed identifiers whose check digits all fail are not that identifier
        if label in t.checksum_types:
            for _ in range(max(1, per_type // 12)):
                ctx = Ctx(random.Random(rng.getrandbits(64)), _locale(rng, locales))
                gen, _ = variant(ctx)
                validator = VALIDATORS[t.checksum_types[label]]
                bad = failing(gen, validator)
                name = (
                    style_name(ctx.rng.choice(t.column_names[label]), ctx.rng)
                    if ctx.rng.random() < 0.5
                    else style_name(ctx.rng.choice(t.neutral_code_names), ctx.rng)
                )
                n_values = ctx.rng.randint(min_values, max_values)
                values, dt = _column(ctx, name, bad, label, None, n_values, null_rate=0.05,
                                     invalid_rate=0.0, dirt=True)  # fmt: skip
                out.append(Example(ColumnInput(name, dt, values, table="t"), None))
        # a few columns where only the name is informative (all values null)
        for _ in range(max(1, per_type // 35)):
            ctx = Ctx(random.Random(rng.getrandbits(64)), "en_US")
            name = style_name(ctx.rng.choice(t.column_names[label]), ctx.rng)
            values = [None] * ctx.rng.randint(5, 100)
            gen, _ = variant(ctx)
            sample = str(gen(ctx))
            out.append(
                Example(ColumnInput(name, _data_type_for(label, sample, ctx.rng), values), label)
            )
    kinds = non_sensitive_kinds()
    weights = [w for *_, w in kinds]
    for _ in range(null_columns):
        stems, factory, dtype, _w = rng.choices(kinds, weights)[0]
        loc = _locale(rng, locales)
        ctx = Ctx(random.Random(rng.getrandbits(64)), loc)
        name = (
            uninformative_name(ctx.rng)
            if ctx.rng.random() < 0.2
            else style_name(ctx.rng.choice(stems), ctx.rng)
        )
        gen = factory(ctx)
        n_values = ctx.rng.randint(min_values, max_values)
        null_rate = ctx.rng.choice((0.0, 0.0, 0.05, 0.1, 0.3))
        values, dt = _column(ctx, name, gen, None, dtype, n_values, null_rate=null_rate,
                             invalid_rate=0.0, dirt=True)  # fmt: skip
        if dtype.startswith("varchar") and ctx.rng.random() < 0.3:
            dt = ctx.rng.choice(("text", "varchar(255)", "varchar(100)"))
        table = ctx.rng.choice(t.other_tables + t.personal_tables)
        siblings = _siblings(ctx.rng, t, table in t.personal_tables, None, False)
        out.append(Example(ColumnInput(name, dt, values, table, siblings), None))
    rng.shuffle(out)
    return out


def augment_feedback(
    feedback: Sequence[FeedbackItem], *, seed: int = 0, copies: int = 4
) -> list[Example]:
    """Feedback examples plus resampled copies (bootstrap of the values) of each."""
    rng = random.Random(seed)
    out: list[Example] = []
    for column, label, weight in feedback:
        out.append(Example(column, label, float(weight)))
        vals = list(column.values)
        for _ in range(copies if vals else 0):
            k = max(1, int(len(vals) * rng.uniform(0.5, 1.0)))
            sample = [rng.choice(vals) for _ in range(k)]
            out.append(
                Example(
                    ColumnInput(
                        column.name, column.data_type, sample, column.table, column.siblings
                    ),
                    label,
                    float(weight),
                )
            )
    return out


def train_model(
    feedback: Sequence[FeedbackItem] = (),
    *,
    seed: int = 0,
    small: bool = False,
    examples: Sequence[Example] | None = None,
    feedback_weight: float = 3.0,
) -> Model:
    """Generate the synthetic training set, add stewards' feedback, and fit a :class:`Model`.

    ``small=True`` trains a reduced model in a couple of seconds (for tests). Feedback items are
    ``(ColumnInput, label or None, weight)``; ``label=None`` means "not sensitive".
    """
    started = time.perf_counter()
    if examples is None:
        if small:
            examples = generate_examples(seed=seed, per_type=16, null_columns=400, max_values=40)
        else:
            examples = generate_examples(seed=seed)
    train = list(examples)
    fb = augment_feedback(feedback, seed=seed)
    for ex in fb:
        ex.weight *= feedback_weight
    train += fb
    model = Model.fit(train, seed=seed, small=small)
    model.metadata.update(
        {
            "training_examples": len(train),
            "synthetic_examples": len(examples),
            "feedback_examples": len(feedback),
            "seed": seed,
            "small": small,
            "training_seconds": round(time.perf_counter() - started, 2),
        }
    )
    return model
