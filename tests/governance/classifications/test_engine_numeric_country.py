"""Countries as ISO 3166-1 numeric codes, and the numbers that only look like them (product
codes, quantities, HTTP statuses, dialling codes, surrogate keys)."""

from __future__ import annotations

import random

import pytest

from governance.classifications.engine import ColumnInput, Engine, decide
from governance.classifications.engine import dictionaries as dicts

CODES = ["250", "276", "840", "826", "380", "724", "056", "528", "036", "124", "392", "156"]


def pick(values: list[str], n: int = 120, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(values) for _ in range(n)]


def decision(engine: Engine, name: str, values: list[str], data_type: str = "integer"):
    return decide(engine.classify(ColumnInput(name, data_type, values, table="orders")))


def test_the_numeric_list_is_iso_3166() -> None:
    codes = dicts.COUNTRY_CODES_NUMERIC
    assert len(codes) == 249
    assert {"004", "250", "276", "840", "826", "894"} <= codes
    assert not {"000", "200", "999", "001"} & codes


@pytest.mark.parametrize(
    ("name", "values", "data_type"),
    [
        ("country", pick(CODES[:4]), "integer"),
        ("country", pick(CODES[:4]), "varchar(3)"),
        ("billing_country", pick(CODES), "smallint"),
        ("ctry_num", pick([c.zfill(3) for c in CODES]), "char(3)"),
        ("nationality", pick(CODES, 30), "integer"),
        ("pays", pick(CODES[:3]), "integer"),
        ("iso_numeric", pick(["4", "36", "250", "840"]), "integer"),  # unpadded, named
        ("M49", pick(CODES), "integer"),
        ("col_7", pick(CODES, 200), "integer"),  # says nothing: a repeated code list
        ("c", pick([c.zfill(3) for c in CODES], 200), "text"),
    ],
)
def test_numeric_country_codes_are_countries(
    rules_engine: Engine, model_engine: Engine, name: str, values: list[str], data_type: str
) -> None:
    for engine in (rules_engine, model_engine):
        found = decision(engine, name, values, data_type)
        assert found is not None and found.info_type == "COUNTRY", (name, found)
        assert any("ISO 3166-1 numeric" in r for r in found.reasons)
        assert found.evidence and set(found.evidence) <= set(values)


rng = random.Random(11)
HARD_NEGATIVES = [
    ("product_code", pick(CODES, 200), "integer"),  # the same numbers, named as products
    ("item_qty", pick(CODES, 200), "integer"),
    ("c3", pick(["250", "276", "840"]), "integer"),  # three values, no name: could be anything
    ("col_9", [str(rng.randint(100, 999)) for _ in range(200)], "integer"),  # random numbers
    ("col_x", [str(rng.randint(1, 894)).zfill(3) for _ in range(200)], "text"),
    ("qty", [str(rng.randint(1, 60)) for _ in range(200)], "integer"),
    ("country_id", [str(rng.randint(1, 250)) for _ in range(200)], "integer"),  # surrogate keys
    ("status", pick(["200", "201", "204", "301", "404", "500"], 200), "integer"),
    ("col_2", pick(["200", "201", "204", "301", "302", "400", "404", "500"], 200), "integer"),
    ("country_code", pick(["1", "33", "44", "49", "86", "91"], 200), "integer"),  # dialling
    ("col_5", [str(i) for i in rng.sample(range(100, 1000), 120)], "integer"),  # distinct ids
    ("price", pick(CODES, 200), "numeric(8,2)"),
    ("col_4", pick([f"{c}.00" for c in CODES], 200), "decimal"),
]


@pytest.mark.parametrize(("name", "values", "data_type"), HARD_NEGATIVES)
def test_numbers_that_only_look_like_codes_are_not_countries(
    rules_engine: Engine, model_engine: Engine, name: str, values: list[str], data_type: str
) -> None:
    for engine in (rules_engine, model_engine):
        found = decision(engine, name, values, data_type)
        assert found is None or found.info_type != "COUNTRY", (name, found)


def test_letter_codes_and_names_are_unchanged(rules_engine: Engine) -> None:
    found = decision(rules_engine, "country", pick(["FR", "DE", "US", "GB"]), "varchar(2)")
    assert found is not None and found.info_type == "COUNTRY"
    assert not any("numeric" in r for r in found.reasons)
