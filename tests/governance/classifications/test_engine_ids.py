"""National, tax, bank, health and travel-document numbers, and secrets: checks and rules."""

from __future__ import annotations

import random

import pytest

from governance.classifications.engine import (
    SYSTEM_INFO_TYPES,
    VALIDATORS,
    Engine,
    decide,
    get_spec,
    mask_value,
)
from governance.classifications.engine.generators import VARIANTS, Ctx, corrupt
from governance.classifications.engine.infotypes import CORE_INFO_TYPES
from governance.classifications.engine.training_data import tables
from governance.classifications.engine.validators import CHECKSUM_VALIDATORS

from .conftest import column

EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
NEW_TYPES = [spec for spec in SYSTEM_INFO_TYPES if spec not in CORE_INFO_TYPES]
CHECKSUMMED = [spec for spec in NEW_TYPES if spec.validator in CHECKSUM_VALIDATORS]


def _values(code: str, seed: int, n: int = 30, decidable: bool | None = None) -> list[str]:
    """Values of one column of ``code`` (a variant whose decidability is ``decidable``)."""
    for k in range(60):
        ctx = Ctx(random.Random(seed * 1000 + k), "en_US")
        gen, dec = VARIANTS[code](ctx)
        if decidable is None or dec == decidable:
            return [str(gen(ctx)) for _ in range(n)]
    pytest.skip(f"{code} has no variant with decidable={decidable}")


def predicted(engine: Engine, name: str, values: list[str], data_type: str = "varchar(64)"):
    best = decide(engine.classify(column(name, values, data_type)))
    return best.info_type if best else None


# --- the library --------------------------------------------------------------------------------


def test_the_library_has_the_countries_and_categories_the_issue_lists() -> None:
    countries = {c for spec in SYSTEM_INFO_TYPES for c in spec.country.split()}
    eu = set(EU.split())
    assert eu | {"GB", "US", "CA", "BR", "MX", "IN", "CN", "JP", "KR", "AU", "ZA"} <= countries
    codes = {spec.code for spec in SYSTEM_INFO_TYPES}
    assert {"US_BANK_ROUTING_NUMBER", "UK_SORT_CODE", "MX_CLABE", "AU_BSB"} <= codes
    assert {"US_NPI", "US_DEA_NUMBER", "UK_NHS_NUMBER", "US_MBI"} <= codes
    assert {"PRIVATE_KEY", "JWT", "API_TOKEN", "AWS_SECRET_KEY"} <= codes
    assert {spec.category for spec in NEW_TYPES} >= {
        "Government ID",
        "Financial",
        "Health",
        "Credentials",
    }
    for spec in NEW_TYPES:
        assert spec.validator, spec.code
        assert spec.description and spec.column_name_patterns, spec.code


@pytest.mark.parametrize("code", [spec.code for spec in NEW_TYPES])
def test_generated_values_pass_their_validator(code: str) -> None:
    check = VALIDATORS[get_spec(code).validator]
    for seed in range(3):
        values = _values(code, seed, 25)
        assert all(check(v) for v in values), [v for v in values if not check(v)][:3]


@pytest.mark.parametrize("code", [spec.code for spec in CHECKSUMMED])
def test_one_changed_character_fails_the_check(code: str) -> None:
    check = VALIDATORS[get_spec(code).validator]
    rng = random.Random(5)
    values = _values(code, 1, 60)
    failed = sum(not check(corrupt(v, rng)) for v in values)
    assert failed >= 0.6 * len(values)  # letters outside the check (an EPIC's) may change


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        ("us_rtn", "021000021", "021000022"),  # a published routing number; last digit changed
        ("gb_nhs", "943 476 5919", "943 476 5918"),  # the NHS's own example number
        ("us_npi", "1234567893", "1234567894"),  # the CMS example NPI
        ("us_dea", "AB1234563", "AB1234564"),
        ("us_mbi", "1EG4-TE5-MK73", "1EG4-TE5-MK7S"),  # CMS's example MBI; S is not allowed
        ("mx_clabe", "032180000118359719", "032180000118359718"),
        ("ch_ahv", "756.1234.5678.97", "756.1234.5678.98"),
        ("nl_bsn", "111222333", "111222334"),
        ("uk_driving_licence", "MORGA657054SM9IJ", "MORGA657054SM9I"),
        ("uk_sort_code", "12-34-56", "12-34-5"),
        ("au_bsb", "062-000", "06-2000"),
        ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJub3QiOiJqc29uIn0.e30.c2ln"),
        ("private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + "A" * 60,
         "-----BEGIN CERTIFICATE-----"),
        ("password", "hunter2!", "$2b$12$abcdefghijklmnopqrstuv"),
        ("api_token", "Xk29fLq8Zr0pVb3Nw7Yt1Ud5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("credential_url", "postgres://app:s3cret@db:5432/x", "https://example.com/path"),
    ],
)  # fmt: skip
def test_validators_on_published_examples(validator: str, good: str, bad: str) -> None:
    assert VALIDATORS[validator](good)
    assert not VALIDATORS[validator](bad)


# --- rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [spec.code for spec in NEW_TYPES])
def test_named_columns_are_recognised(rules_engine: Engine, code: str) -> None:
    name = tables().column_names[code][0]
    assert predicted(rules_engine, name, _values(code, 2)) == code


DISTINCTIVE = [
    "FI_PERSONAL_ID", "FR_NIR", "IT_FISCAL_CODE", "ES_DNI", "ES_NIE", "CH_AHV_NUMBER", "BR_CPF",
    "MX_CURP", "IN_AADHAAR", "CN_RESIDENT_ID", "KR_RRN", "IE_PPS", "PT_CITIZEN_CARD", "IN_PAN",
    "IN_GSTIN", "US_MBI", "UK_DRIVING_LICENCE", "PRIVATE_KEY", "JWT", "GITHUB_TOKEN",
    "SLACK_TOKEN", "STRIPE_API_KEY", "GOOGLE_API_KEY", "CONNECTION_STRING",
]  # fmt: skip


@pytest.mark.parametrize("code", DISTINCTIVE)
def test_distinctive_formats_decide_under_an_uninformative_name(rules_engine: Engine, code: str):
    assert predicted(rules_engine, "col_7", _values(code, 4, decidable=True)) == code


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("account_ref", [str(100_000_000 + 7919 * i) for i in range(40)]),  # 9 digits
        ("col_3", [str(10_000_000_000 + 104_729 * i) for i in range(40)]),  # 11 digits
        ("created_ts", [str(1_704_067_200 + 86_400 * i) for i in range(40)]),  # unix times
        ("order_no", [f"{i:013d}" for i in range(5_000_000, 5_000_040)]),  # 13 digits
        ("sku", [f"AB{i:07d}" for i in range(1000, 1040)]),
    ],
)
def test_plain_numbers_and_codes_are_no_national_id(rules_engine: Engine, name, values) -> None:
    assert predicted(rules_engine, name, values) not in {spec.code for spec in NEW_TYPES}


@pytest.mark.parametrize("spec", CHECKSUMMED, ids=lambda s: s.code)
def test_look_alikes_failing_the_check_are_not_the_type(rules_engine: Engine, spec) -> None:
    name = tables().column_names[spec.code][0]
    check = VALIDATORS[spec.validator]
    rng = random.Random(9)
    bad = [v for v in (corrupt(x, rng) for x in _values(spec.code, 3, 80)) if not check(v)]
    assert predicted(rules_engine, name, bad[:30]) != spec.code


def test_a_named_check_digit_match_beats_a_value_only_match(rules_engine: Engine) -> None:
    """SIRET numbers pass the Luhn check like cards: the column name decides."""
    values = _values("FR_SIRET", 1, decidable=False)
    assert predicted(rules_engine, "siret", values) == "FR_SIRET"


def test_secrets_need_a_secret_name_and_no_hash(rules_engine: Engine) -> None:
    tokens = _values("API_TOKEN", 1)
    assert predicted(rules_engine, "api_key", tokens) == "API_TOKEN"
    assert predicted(rules_engine, "description", tokens) is None
    digests = ["".join(random.Random(i).choice("0123456789abcdef") for _ in range(32))
               for i in range(30)]  # fmt: skip
    assert predicted(rules_engine, "api_key", digests) is None
    assert predicted(rules_engine, "password_hash", _values("PASSWORD", 1)) is None
    assert predicted(rules_engine, "password", _values("PASSWORD", 1)) == "PASSWORD"


def test_non_latin_column_names_match(rules_engine: Engine) -> None:
    assert predicted(rules_engine, "주민등록번호", _values("KR_RRN", 1)) == "KR_RRN"
    assert predicted(rules_engine, "ΑΜΚΑ", _values("GR_AMKA", 1)) == "GR_AMKA"
    assert predicted(rules_engine, "ЕГН", _values("BG_EGN", 1)) == "BG_EGN"


# --- masking --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [spec.code for spec in NEW_TYPES])
def test_new_types_are_masked(code: str) -> None:
    for raw in _values(code, 6, 5):
        masked = mask_value(code, raw)
        assert masked != raw and "*" in masked


def test_secrets_show_their_kind_not_their_content() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq98\n-----END RSA PRIVATE KEY-----"
    assert mask_value("PRIVATE_KEY", key) == "-----BEGIN RSA PRIVATE KEY----- ********"
    url = mask_value("CONNECTION_STRING", "postgres://app:s3cretpw@db.internal:5432/sales")
    assert url.startswith("postgres://a***:******@") and "s3cretpw" not in url
    ado = mask_value("CONNECTION_STRING", "Server=db1;User Id=app;Password=s3cretpw;")
    assert ado == "Server=******;User Id=******;Password=******;"
    assert mask_value("GITHUB_TOKEN", "ghp_" + "a1B2" * 9) == "ghp_" + "*" * 12
