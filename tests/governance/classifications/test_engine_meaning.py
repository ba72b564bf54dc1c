"""Meaning beyond patterns: birth dates, coded gender, country codes, version numbers, names in
unseen locales, and personal data inside free text."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from governance.classifications.engine import ColumnInput, Engine, decide
from governance.classifications.engine import dictionaries as dicts
from governance.classifications.engine.validators import valid_city, valid_person_name


def _dates(lo: date, hi: date, n: int = 40, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    span = (hi - lo).days
    return [(lo + timedelta(days=rng.randint(0, span))).isoformat() for _ in range(n)]


BIRTHS = _dates(date(1940, 1, 1), date(2005, 12, 31))


def best(engine: Engine, col: ColumnInput):
    candidates = engine.classify(col)
    return decide(candidates), {c.info_type: c for c in candidates}


# --- dates of birth -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hire_date", "invoice_date", "delivery_date", "HireDate",
                                  "transaction_date", "event_on", "created"])  # fmt: skip
def test_other_dates_are_not_birth_dates_whatever_their_spread(
    rules_engine: Engine, model_engine: Engine, name: str
) -> None:
    col = ColumnInput(name, "date", BIRTHS, table="employees", siblings=["first_name", "email"])
    for engine in (rules_engine, model_engine):
        decision, by_type = best(engine, col)
        assert decision is None or decision.info_type != "DATE_OF_BIRTH"
        if "DATE_OF_BIRTH" in by_type:
            assert by_type["DATE_OF_BIRTH"].confidence <= 0.3


def test_the_reason_names_the_other_date(rules_engine: Engine) -> None:
    _, by_type = best(rules_engine, ColumnInput("hire_date", "date", BIRTHS))
    assert "column name 'hire_date' names another date than a birth" in (
        by_type["DATE_OF_BIRTH"].reasons
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (_dates(date(1960, 1, 1), date(2045, 1, 1)), "in the future"),
        (_dates(date(1850, 1, 1), date(1990, 1, 1)), "older than living people"),
        (["1985-03-02"] * 40, "the same day"),
    ],
)
def test_birth_dates_must_fit_living_people(rules_engine: Engine, values, reason: str) -> None:
    decision, by_type = best(rules_engine, ColumnInput("date_of_birth", "date", values))
    assert decision is None or decision.info_type != "DATE_OF_BIRTH"
    dob = by_type.get("DATE_OF_BIRTH")
    assert dob is None or any(reason in r for r in dob.reasons)


def test_named_birth_dates_are_birth_dates(rules_engine: Engine, model_engine: Engine) -> None:
    for name in ("date_of_birth", "geburtsdatum", "dob"):
        for engine in (rules_engine, model_engine):
            decision, _ = best(engine, ColumnInput(name, "date", BIRTHS))
            assert decision is not None and decision.info_type == "DATE_OF_BIRTH"


def test_an_unnamed_date_needs_neighbours_that_are_people(rules_engine: Engine) -> None:
    with_people = ColumnInput("col_7", "date", BIRTHS, table="t", siblings=["last_name", "email"])
    alone = ColumnInput("col_7", "date", BIRTHS, table="orders", siblings=["amount", "sku"])
    twin = ColumnInput("col_7", "date", BIRTHS, table="t", siblings=["dob", "last_name"])
    _, people = best(rules_engine, with_people)
    assert not any("suggest" in r for r in people["DATE_OF_BIRTH"].reasons)
    _, lonely = best(rules_engine, alone)
    assert lonely["DATE_OF_BIRTH"].confidence <= 0.3
    assert any("neither its name nor the columns beside it" in r
               for r in lonely["DATE_OF_BIRTH"].reasons)  # fmt: skip
    _, other = best(rules_engine, twin)
    assert any("another column of the table names the birth date" in r
               for r in other["DATE_OF_BIRTH"].reasons)  # fmt: skip


# --- coded gender ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values", "data_type"),
    [
        ("sex", ["1", "2", "2", "1", "9"] * 8, "smallint"),
        ("gender", ["M", "F", "X", "F"] * 8, "char(1)"),
        ("geschlecht", ["m", "w", "d", "w"] * 8, "char(1)"),
        ("gender", ["férfi", "nő"] * 16, "text"),
        ("jenis_kelamin_gender", ["laki-laki", "perempuan"] * 16, "text"),
        ("sex", ["男", "女", "女"] * 10, "text"),
        ("pol_gender", ["мужской", "женский"] * 16, "text"),
    ],
)
def test_coded_and_localised_gender(rules_engine: Engine, name, values, data_type) -> None:
    decision, _ = best(rules_engine, ColumnInput(name, data_type, values))
    assert decision is not None and decision.info_type == "GENDER"


@pytest.mark.parametrize("name", ["rating", "col_3", "priority", "stars"])
def test_numeric_codes_are_gender_only_under_a_gender_name(rules_engine: Engine, name) -> None:
    decision, _ = best(rules_engine, ColumnInput(name, "smallint", ["1", "2", "2", "1"] * 10))
    assert decision is None or decision.info_type != "GENDER"


# --- country codes -------------------------------------------------------------------------------


def test_iso_codes_are_countries_but_languages_and_currencies_are_not(
    rules_engine: Engine, model_engine: Engine
) -> None:
    cases = {
        ("country", ("DE", "FR", "ES", "IT", "US", "BR")): "COUNTRY",
        ("country_iso3", ("DEU", "FRA", "ESP", "USA")): "COUNTRY",
        ("country", ("en", "de", "fr", "es", "ja")): None,
        ("col_3", ("en", "de", "fr", "zh", "it")): None,
        ("lang", ("en", "de", "fr", "es")): None,
        ("country", ("EUR", "USD", "GBP", "CHF")): None,
    }
    for (name, values), expected in cases.items():
        col = ColumnInput(name, "varchar(3)", list(values) * 6)
        for engine in (rules_engine, model_engine):
            decision, _ = best(engine, col)
            got = decision.info_type if decision else None
            assert (got == "COUNTRY") == (expected == "COUNTRY"), (name, values, engine.model)


def test_a_language_code_column_says_why(rules_engine: Engine) -> None:
    _, by_type = best(rules_engine, ColumnInput("country", "char(2)", ["en", "de", "fr"] * 10))
    assert any("are languages, not countries" in r for r in by_type["COUNTRY"].reasons)


# --- version numbers are not IP addresses --------------------------------------------------------


def test_dotted_versions_are_not_ip_addresses(rules_engine: Engine, model_engine: Engine) -> None:
    versions = ["1.2.0.4", "3.1.2.1", "2.0.1.9", "1.1.1.4", "4.0.12.3"] * 6
    addresses = ["192.168.1.20", "10.0.3.7", "172.16.8.1", "81.2.194.33"] * 8
    for engine in (rules_engine, model_engine):
        decision, _ = best(engine, ColumnInput("col_2", "varchar(20)", versions))
        assert decision is None or decision.info_type != "IP_ADDRESS"
        decision, _ = best(engine, ColumnInput("col_2", "varchar(20)", addresses))
        assert decision is not None and decision.info_type == "IP_ADDRESS"


# --- names and cities of locales the generator never uses ----------------------------------------


@pytest.mark.parametrize("locale", ["ko_KR", "zh_CN", "ja_JP", "ka_GE", "hy_AM", "yo_NG", "es_AR",
                                    "he_IL", "sw", "zu_ZA"])  # fmt: skip
def test_names_of_unseen_locales_are_known(locale: str) -> None:
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(5)
    names = [fake.name() for _ in range(40)]
    assert sum(map(valid_person_name, names)) >= 0.8 * len(names)


def test_cities_of_unseen_locales_are_known() -> None:
    from faker import Faker

    for locale in ("ko_KR", "zh_CN", "hy_AM", "zu_ZA"):
        fake = Faker(locale)
        fake.seed_instance(5)
        cities = [fake.city() for _ in range(30)]
        assert sum(map(valid_city, cities)) >= 0.5 * len(cities), locale


def test_common_english_words_are_not_names() -> None:
    for word in ("data", "system", "order", "status", "total", "account", "report"):
        assert not valid_person_name(word.title()), word


def test_cjk_names_without_a_space(rules_engine: Engine) -> None:
    assert dicts.cjk_name_hit("홍정훈") and dicts.cjk_name_hit("梁鑫")
    assert not dicts.cjk_name_hit("東京都") or "東" in dicts.CJK_SURNAMES
    names = ["홍정훈", "박영길", "안미숙"] * 10
    decision, _ = best(rules_engine, ColumnInput("name", "text", names))
    assert decision is not None and decision.info_type == "PERSON_NAME"


# --- personal data inside free text --------------------------------------------------------------

NOTES = [
    "Call me at +44 20 7946 0958 tomorrow",
    "Customer asked for a refund",
    "Send the invoice to john.doe@example.com please",
    "Delivered on time",
    "Left a voicemail on (415) 555-0132",
    "Paid with 4539 1488 0343 6467 at the desk",
] * 5


def test_contained_personal_data_is_a_separate_result_with_its_share(rules_engine: Engine) -> None:
    col = ColumnInput("notes", "text", NOTES)
    candidates = rules_engine.classify(col)
    assert decide(candidates) is None  # a notes column is not an e-mail or phone column
    found = {c.info_type: c for c in rules_engine.contained(col, candidates)}
    assert set(found) == {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD_NUMBER"}
    assert found["EMAIL_ADDRESS"].share == pytest.approx(1 / 6, abs=0.01)
    assert found["PHONE_NUMBER"].share == pytest.approx(2 / 6, abs=0.01)
    assert found["EMAIL_ADDRESS"].to_dict()["sampled"] == 30
    text = " ".join(e for c in found.values() for e in c.evidence)
    assert "john.doe" not in text and "0343" not in text and "*" in text


def test_contained_ignores_single_values_and_the_columns_own_type(rules_engine: Engine) -> None:
    emails = ColumnInput("email", "text", ["ann@example.com", "bob@example.org"] * 10)
    assert rules_engine.contained(emails, rules_engine.classify(emails)) == []
    codes = ColumnInput("ref", "varchar(20)", ["AB-12345", "CD-67890"] * 10)
    assert rules_engine.contained(codes) == []
    plain = ColumnInput("notes", "text", ["Nothing to report here at all"] * 20)
    assert rules_engine.contained(plain) == []
    many = rules_engine.contained_many([emails, ColumnInput("notes", "text", NOTES)])
    assert many[0] == [] or all(c.info_type != "EMAIL_ADDRESS" for c in many[0])
    assert {c.info_type for c in many[1]} >= {"EMAIL_ADDRESS"}
