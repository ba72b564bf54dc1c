"""The column classification engine: rules, decisions, masking, patterns, model and feedback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from governance.classifications.engine import (
    SYSTEM_CODES,
    SYSTEM_INFO_TYPES,
    Candidate,
    ColumnInput,
    Engine,
    InfoTypeSpec,
    Model,
    ModelFormatError,
    PatternError,
    compile_pattern,
    decide,
    mask_value,
    train_model,
    validate_pattern,
)
from governance.classifications.engine.features import normalize_name, type_family
from governance.classifications.engine.training import generate_examples
from governance.classifications.engine.training_data import tables

from .conftest import column, synthetic_values

ROOT = Path(__file__).resolve().parents[3]

# A typical column name per core info type, with a data type (the others: see ``named``).
NAMED = {
    "EMAIL_ADDRESS": ("email", "varchar(255)"),
    "PHONE_NUMBER": ("phone_number", "varchar(32)"),
    "CREDIT_CARD_NUMBER": ("card_number", "varchar(19)"),
    "US_SSN": ("ssn", "char(11)"),
    "IBAN": ("iban", "varchar(34)"),
    "SWIFT_BIC": ("swift_code", "varchar(11)"),
    "IP_ADDRESS": ("ip_address", "varchar(45)"),
    "MAC_ADDRESS": ("mac_address", "varchar(17)"),
    "URL": ("website", "varchar(255)"),
    "PERSON_NAME": ("full_name", "varchar(100)"),
    "STREET_ADDRESS": ("street_address", "varchar(255)"),
    "POSTAL_CODE": ("zip_code", "varchar(10)"),
    "CITY": ("city", "varchar(100)"),
    "COUNTRY": ("country", "varchar(100)"),
    "DATE_OF_BIRTH": ("date_of_birth", "date"),
    "GENDER": ("gender", "varchar(10)"),
    "GEO_COORDINATE": ("latitude", "numeric(10,7)"),
    "US_PASSPORT_NUMBER": ("passport_number", "varchar(9)"),
    "UK_NINO": ("ni_number", "varchar(13)"),
    "EU_VAT_NUMBER": ("vat_number", "varchar(20)"),
    "CRYPTO_WALLET": ("wallet_address", "varchar(64)"),
    "AWS_ACCESS_KEY": ("aws_access_key_id", "char(20)"),
    "VEHICLE_VIN": ("vin", "char(17)"),
    "ICD10_CODE": ("diagnosis_code", "varchar(8)"),
}

# Types whose values alone identify them (an uninformative column name is enough).
VALUE_DECIDABLE = [
    "EMAIL_ADDRESS",
    "CREDIT_CARD_NUMBER",
    "IBAN",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "URL",
    "UK_NINO",
    "EU_VAT_NUMBER",
    "CRYPTO_WALLET",
    "AWS_ACCESS_KEY",
    "VEHICLE_VIN",
]


def named(code: str) -> tuple[str, str]:
    """A typical column name and data type: the first training name of the types beyond NAMED."""
    return NAMED.get(code) or (tables().column_names[code][0], "varchar(64)")


def gender_values() -> list[str]:
    return ["M", "F", "F", "M", "M", "F", "F", "M", "F", "M"] * 4


def values_for(code: str) -> list[str]:
    if code == "GENDER":
        return gender_values()
    return synthetic_values(code, 40)


def predicted(engine: Engine, col: ColumnInput) -> str | None:
    best = decide(engine.classify(col))
    return best.info_type if best else None


# --- positives ------------------------------------------------------------------------------


def test_library_covers_the_canonical_types() -> None:
    assert set(NAMED) <= set(SYSTEM_CODES) and len(SYSTEM_CODES) >= 100
    for spec in SYSTEM_INFO_TYPES:
        assert spec.sensitivity in ("Public", "Internal", "Confidential", "Highly Confidential")
        assert spec.column_name_patterns and spec.has_value_rules
        assert 0 < spec.min_match_ratio <= 1


@pytest.mark.parametrize("code", SYSTEM_CODES)
def test_each_type_is_recognised_by_rules(rules_engine: Engine, code: str) -> None:
    name, data_type = named(code)
    col = column(name, values_for(code), data_type)
    assert predicted(rules_engine, col) == code


@pytest.mark.parametrize("code", SYSTEM_CODES)
def test_each_type_is_recognised_with_the_model(model_engine: Engine, code: str) -> None:
    name, data_type = named(code)
    col = column(name, values_for(code), data_type)
    best = decide(model_engine.classify(col))
    assert best is not None and best.info_type == code
    assert best.source in ("rule+model", "model", "rule")


@pytest.mark.parametrize("code", VALUE_DECIDABLE)
def test_values_alone_decide_distinctive_types(rules_engine: Engine, code: str) -> None:
    col = column("col_7", values_for(code), "text")
    best = decide(rules_engine.classify(col))
    assert best is not None and best.info_type == code
    assert not any("column name" in r and "matches" in r for r in best.reasons)


def test_reasons_count_matches_and_validator_passes(rules_engine: Engine) -> None:
    values = synthetic_values("IBAN", 20) + ["DE00123412341234123412"] * 5  # shaped, bad check
    best = decide(rules_engine.classify(column("iban", values, "varchar(34)")))
    assert best is not None and best.info_type == "IBAN"
    assert "25/25 non-null values match the IBAN pattern; 20 pass the IBAN mod-97 check" in (
        best.reasons
    )
    assert "column name 'iban' matches IBAN" in best.reasons
    assert (best.matched, best.validated, best.sampled) == (25, 20, 25)
    assert best.match_ratio == pytest.approx(0.8)


def test_nulls_blanks_and_placeholders_are_not_counted(rules_engine: Engine) -> None:
    values: list[str | None] = [*synthetic_values("EMAIL_ADDRESS", 12)]
    values += [None, "", "  ", "N/A", "null", None, "NULL", " None ", "n/a", "-", "NaN", "#N/A"]
    best = decide(rules_engine.classify(column("contact", values)))
    assert best is not None and best.info_type == "EMAIL_ADDRESS"
    assert best.sampled == 24 and best.matched == 12 and best.match_ratio == 1.0


def test_numbers_from_a_driver_are_read_as_text(rules_engine: Engine) -> None:
    values: list = [378282246310005, 5500005555555559, 4012888888881881, None] * 6
    best = decide(rules_engine.classify(column("card_number", values, "bigint")))
    assert best is not None and best.info_type == "CREDIT_CARD_NUMBER"
    assert best.sampled == 24 and best.validated == 18


def test_many_distinct_values_are_estimated_and_say_so(rules_engine: Engine) -> None:
    values = synthetic_values("IBAN", 100, seed=11)  # more distinct values than are examined
    best = decide(rules_engine.classify(column("iban", values, "varchar(34)")))
    assert best is not None and best.info_type == "IBAN"
    assert best.sampled == 100 and best.validated == 100
    assert any(r.startswith("about 100/100 non-null values match") for r in best.reasons)


# --- look-alike negatives -------------------------------------------------------------------

NEGATIVES = {
    # info type that must NOT be decided: (column name, values, data type)
    "EMAIL_ADDRESS": ("mentions", ["@anna", "@bob_smith", "@carol", "@dave.k", "@eve"] * 6, "text"),
    "PHONE_NUMBER": ("amount", ["1234567.89", "9876543.21", "1200000.50", "7654321.00"] * 8,
                     "numeric(12,2)"),
    "CREDIT_CARD_NUMBER": ("order_number", None, "varchar(20)"),  # 16 digits failing Luhn
    "US_SSN": ("ssn", ["000-12-3456", "666-45-6789", "912-34-5678", "123-00-4567"] * 8, "text"),
    "IBAN": ("payment_ref", None, "varchar(34)"),  # IBAN-shaped, failing mod-97
    "SWIFT_BIC": ("status", ["SHIPPING", "DELIVERED", "RETURNED", "CANCELED", "ACCEPTED"] * 6,
                  "varchar(20)"),
    "IP_ADDRESS": ("version", ["1.2.3", "10.4.1", "2.0.11", "3.14.15", "0.9.8"] * 6,
                   "varchar(20)"),
    "MAC_ADDRESS": ("checksum", None, "char(12)"),  # 12 hex characters
    "URL": ("path", ["/var/log/app.log", "/home/ann/notes.txt", "C:\\temp\\a.csv",
                     "/etc/hosts"] * 8, "varchar(255)"),
    "PERSON_NAME": ("company", ["Acme GmbH", "Globex LLC", "Initech Inc.", "Umbrella Corp",
                                "Stark Industries Ltd", "Wayne Enterprises SA"] * 5,
                    "varchar(100)"),
    "STREET_ADDRESS": ("notes", ["Call back tomorrow", "Customer asked about the delivery",
                                 "Left a voicemail", "Sent the contract"] * 8, "text"),
    "POSTAL_CODE": ("quantity", ["12", "5", "300", "7", "48", "1", "19"] * 5, "integer"),
    "CITY": ("category", ["Electronics", "Books", "Garden", "Toys", "Sports"] * 6,
             "varchar(50)"),
    "COUNTRY": ("currency", ["EUR", "USD", "GBP", "JPY", "CHF", "SEK"] * 5, "char(3)"),
    "DATE_OF_BIRTH": ("created_at", ["2024-03-01 10:22:13", "2024-03-02 08:01:55",
                                     "2024-03-05 17:45:00", "2024-04-11 09:13:27"] * 8,
                      "timestamp"),
    "GENDER": ("shirt_size", ["S", "M", "L", "XL", "M", "S", "XXL"] * 5, "varchar(5)"),
    "GEO_COORDINATE": ("price", ["19.99", "5.49", "102.00", "7.25", "64.10"] * 6,
                       "numeric(10,2)"),
    "US_PASSPORT_NUMBER": ("order_id", [str(100000000 + 7919 * i) for i in range(30)], "bigint"),
    "UK_NINO": ("ni_number", ["QQ123456Z", "DA123456A", "GB123456A", "TN654321B"] * 8, "text"),
    "EU_VAT_NUMBER": ("vat_number", ["DE123456788", "DE987654320", "FR00123456789",
                                     "IT12345678900"] * 8, "varchar(20)"),
    "CRYPTO_WALLET": ("wallet", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
                                 "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz",
                                 "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx"] * 10, "text"),
    "AWS_ACCESS_KEY": ("api_key", ["AKIBIOSFODNN7EXAMPLE", "AXYZIOSFODNN7EXAMPL2",
                                   "ZKIAIOSFODNN7EXAMPLE"] * 10, "char(20)"),
    "VEHICLE_VIN": ("serial_number", None, "char(17)"),  # 17 characters failing the check digit
    "ICD10_CODE": ("seat", ["A12", "B07", "C33", "D01", "E19", "F22"] * 5, "varchar(4)"),
}  # fmt: skip


def _negative_values(code: str) -> list[str]:
    import random

    from stdnum import luhn

    rng = random.Random(11)
    out: list[str] = []
    if code == "CREDIT_CARD_NUMBER":
        while len(out) < 30:
            s = str(rng.randint(4, 5)) + "".join(rng.choice("0123456789") for _ in range(15))
            if luhn.checksum(s) != 0:
                out.append(s)
    elif code == "IBAN":
        from governance.classifications.engine.validators import valid_iban

        for v in synthetic_values("IBAN", 40):
            bad = v[:2] + ("00" if v[2:4] != "00" else "01") + v[4:]
            if not valid_iban(bad):
                out.append(bad)
    elif code == "MAC_ADDRESS":
        out = ["".join(rng.choice("0123456789abcdef") for _ in range(12)) for _ in range(30)]
    elif code == "VEHICLE_VIN":
        from governance.classifications.engine.validators import valid_vin

        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        while len(out) < 30:
            s = "".join(rng.choice(alphabet) for _ in range(17))
            if not valid_vin(s):
                out.append(s)
    return out


@pytest.mark.parametrize("code", sorted(NEGATIVES))
def test_look_alikes_are_not_classified(rules_engine: Engine, model_engine: Engine, code: str):
    name, values, data_type = NEGATIVES[code]
    values = values if values is not None else _negative_values(code)
    for engine in (rules_engine, model_engine):
        assert predicted(engine, column(name, values, data_type)) != code


def test_order_numbers_failing_luhn_are_not_cards_even_unnamed(rules_engine: Engine) -> None:
    values = _negative_values("CREDIT_CARD_NUMBER")
    candidates = rules_engine.classify(column("col_3", values, "varchar(16)"))
    assert decide(candidates) is None or decide(candidates).info_type != "CREDIT_CARD_NUMBER"


def test_non_sensitive_columns_stay_unclassified(model_engine: Engine) -> None:
    cols = [
        column("id", [str(i) for i in range(1, 80)], "integer"),
        column("is_active", ["true", "false", "true", "true"] * 10, "boolean"),
        column("email_verified", ["1", "0", "0", "1"] * 10, "boolean"),
        column("notes", ["Please deliver after 5pm", "Gift wrap", "Fragile item"] * 10, "text"),
        column("status", ["active", "pending", "closed"] * 10, "varchar(20)"),
        column("phone_type", ["mobile", "home", "work"] * 10, "varchar(10)"),
        column(
            "name",
            ["Ergonomic Steel Chair", "Smart Granite Lamp", "Rustic Wool Hat"] * 10,
            "varchar(100)",
            table="products",
        ),
    ]
    for col in cols:
        assert predicted(model_engine, col) is None, col.name


# --- names vs values ----------------------------------------------------------------------


def test_name_only_decision_when_every_value_is_null(rules_engine: Engine) -> None:
    best = decide(rules_engine.classify(column("email", [None] * 20)))
    assert best is not None and best.info_type == "EMAIL_ADDRESS" and best.source == "rule"
    assert any("column name only" in r for r in best.reasons)
    assert best.sampled == 20 and best.matched == 0


def test_name_is_not_enough_when_values_contradict_it(rules_engine: Engine) -> None:
    col = column("phone", ["true", "false"] * 20, "varchar(5)")
    assert predicted(rules_engine, col) is None
    phone = next(c for c in rules_engine.classify(col) if c.info_type == "PHONE_NUMBER")
    assert any("do not look like" in r for r in phone.reasons)


def test_flags_and_counts_about_a_type_are_not_the_type(rules_engine: Engine) -> None:
    assert predicted(rules_engine, column("email_count", ["1", "2", "0"] * 10, "integer")) is None
    assert predicted(rules_engine, column("phone_verified", [None] * 10, "boolean")) is None


@pytest.mark.parametrize(
    ("name", "code", "values", "data_type"),
    [
        ("Geburtsdatum", "DATE_OF_BIRTH", ["12.03.1985", "01.11.1970", "23.07.1992"] * 10, "text"),
        ("courriel", "EMAIL_ADDRESS", None, "varchar(255)"),
        ("numéro_de_téléphone", "PHONE_NUMBER", ["+33 1 23 45 67 89", "06 12 34 56 78"] * 10,
         "varchar(20)"),
        ("telefono_movil", "PHONE_NUMBER", ["+34 612 345 678", "+34 699 112 233"] * 10, "text"),
        ("nazwisko", "PERSON_NAME", ["Kowalski", "Nowak", "Wiśniewski", "Wójcik"] * 8, "text"),
        ("woonplaats", "CITY", ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"] * 8, "text"),
        ("Staatsangehörigkeit", "COUNTRY", ["Deutschland", "Österreich", "Schweiz"] * 10,
         "text"),
        ("codice_postale", "POSTAL_CODE", ["00184", "20121", "10121", "80133"] * 8, "char(5)"),
        ("geslacht", "GENDER", ["Man", "Vrouw", "Vrouw", "Man"] * 8, "varchar(10)"),
        ("fahrgestellnummer", "VEHICLE_VIN", None, "char(17)"),
        ("partita_iva", "EU_VAT_NUMBER", None, "varchar(20)"),
    ],
)  # fmt: skip
def test_non_english_columns(
    rules_engine: Engine, model_engine: Engine, name: str, code: str, values, data_type: str
) -> None:
    values = values if values is not None else synthetic_values(code, 30, locale="fr_FR")
    for engine in (rules_engine, model_engine):
        assert predicted(engine, column(name, values, data_type)) == code, engine


def test_name_normalisation() -> None:
    assert normalize_name("customerEMail_Addr") == "customer e mail addr"
    assert normalize_name("Numéro-de-Téléphone") == "numero de telephone"
    assert normalize_name("IPAddress") == "ip address"
    assert type_family("numeric(9,6)") == "decimal" and type_family("varchar(32)") == "string"
    assert type_family("timestamptz") == "datetime" and type_family("bigint") == "integer"


# --- masking ------------------------------------------------------------------------------


def test_mask_value_examples() -> None:
    assert mask_value("CREDIT_CARD_NUMBER", "4539-1488-0343-6467") == "****-****-****-6467"
    assert mask_value("EMAIL_ADDRESS", "john@example.com") == "j***@e******.com"
    assert mask_value("IBAN", "DE89 3704 0044 0532 0130 00") == "DE** **** **** **** **** 00"
    assert mask_value("GENDER", "M") == "***"
    for code in SYSTEM_CODES:
        for raw in values_for(code)[:5]:
            masked = mask_value(code, raw)
            assert masked != raw and "*" in masked


@pytest.mark.parametrize("code", SYSTEM_CODES)
def test_raw_values_never_appear_in_reasons_or_evidence(model_engine: Engine, code: str) -> None:
    name, data_type = named(code)
    values = values_for(code)
    for candidates in model_engine.classify_many([column(name, values, data_type)]):
        assert candidates
        for cand in candidates:
            text = " | ".join(cand.reasons + cand.evidence)
            for raw in {v.strip() for v in values}:
                if len(raw) >= 3:
                    assert raw not in text, (cand.info_type, raw)
        assert candidates[0].evidence, "evidence (masked examples) is expected"


# --- RE2 patterns ---------------------------------------------------------------------------


def test_compile_pattern_accepts_re2_and_matches_in_linear_time() -> None:
    rx = compile_pattern(r"(a+)+$")  # catastrophic in backtracking engines, linear in RE2
    assert rx.search("a" * 5000 + "!") is None
    assert compile_pattern(r"EMP-[0-9]{6}").fullmatch("EMP-123456")
    assert validate_pattern(r"[A-Z]{2}[0-9]+") is None


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        (r"(a)\1", "backreference"),
        (r"foo(?=bar)", "look-ahead"),
        (r"(?<!x)y", "look-behind"),
        (r"[a-z", "missing ]"),
        (r"", "empty"),
        ("x" * 3000, "longer than"),
    ],
)
def test_compile_pattern_rejects_invalid_patterns(pattern: str, fragment: str) -> None:
    with pytest.raises(PatternError) as err:
        compile_pattern(pattern)
    assert fragment in str(err.value)
    assert validate_pattern(pattern) is not None


def test_spec_with_invalid_pattern_fails_when_the_engine_is_built() -> None:
    bad = InfoTypeSpec(code="BAD", name="Bad", value_patterns=(r"(x)\1",))
    with pytest.raises(PatternError):
        Engine(specs=[*SYSTEM_INFO_TYPES, bad])


# --- custom specs, batches, decisions -------------------------------------------------------


def test_custom_steward_specs() -> None:
    employee = InfoTypeSpec(
        code="EMPLOYEE_ID",
        name="Employee id",
        value_patterns=(r"EMP-[0-9]{6}",),
        column_name_patterns=(r"\bemployee ?id\b",),
        min_match_ratio=0.8,
    )
    tier = InfoTypeSpec(
        code="LOYALTY_TIER", name="Loyalty tier", dictionary_values=frozenset({"gold", "silver"})
    )
    engine = Engine(specs=[*SYSTEM_INFO_TYPES, employee, tier])
    emp = column("col_1", [f"EMP-{i:06d}" for i in range(30)])
    best = decide(engine.classify(emp))
    assert best is not None and best.info_type == "EMPLOYEE_ID"
    assert best.evidence and all("*" in e for e in best.evidence)
    tiers = column("tier", ["Gold", "Silver", "gold"] * 10)
    best = decide(engine.classify(tiers))
    assert best is not None and best.info_type == "LOYALTY_TIER"
    assert "30/30 non-null values are found in the Loyalty tier dictionary" in best.reasons


def test_classify_many_equals_classify(model_engine: Engine) -> None:
    cols = [column(NAMED[c][0], values_for(c), NAMED[c][1]) for c in ("IBAN", "CITY", "URL")]
    many = model_engine.classify_many(cols)
    for col, cands in zip(cols, many, strict=True):
        single = model_engine.classify(col)
        assert [(c.info_type, c.confidence) for c in single] == [
            (c.info_type, c.confidence) for c in cands
        ]


def test_decide_policy() -> None:
    low = Candidate("CITY", 0.3, "rule")
    high = Candidate("COUNTRY", 0.8, "rule+model")
    assert decide([]) is None
    assert decide([low]) is None
    assert decide([low, high]) is high
    assert decide([low], threshold=0.2) is low


def test_candidate_ranking_and_fields(model_engine: Engine) -> None:
    cands = model_engine.classify(column("iban", values_for("IBAN"), "varchar(34)"))
    assert [c.confidence for c in cands] == sorted((c.confidence for c in cands), reverse=True)
    top = cands[0]
    assert top.info_type == "IBAN" and 0.0 <= top.confidence <= 1.0
    assert top.model_confidence is not None and top.rule_confidence > 0.9
    assert any(r.startswith("model ") for r in top.reasons)
    assert top.to_dict()["info_type"] == "IBAN"


def test_engine_does_not_import_django() -> None:
    code = (
        "import sys, governance.classifications.engine as e; "
        "e.Engine(); "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


# --- model -------------------------------------------------------------------------------


def test_model_round_trip(small_model: Model) -> None:
    data = small_model.to_bytes()
    assert len(data) < 5_000_000
    again = Model.from_bytes(data)
    assert again.version == small_model.version
    assert again.trained_at == small_model.trained_at
    assert again.metadata["training_examples"] == small_model.metadata["training_examples"] > 500
    engine_a, engine_b = Engine(model=small_model), Engine(model=again)
    cols = [column(NAMED[c][0], values_for(c), NAMED[c][1]) for c in ("EMAIL_ADDRESS", "GENDER")]
    a = [[(c.info_type, c.confidence) for c in cs] for cs in engine_a.classify_many(cols)]
    b = [[(c.info_type, c.confidence) for c in cs] for cs in engine_b.classify_many(cols)]
    assert a == b


def test_model_bytes_are_checked(small_model: Model) -> None:
    with pytest.raises(ModelFormatError):
        Model.from_bytes(b"not a model")
    with pytest.raises(ModelFormatError):
        Model.from_bytes(small_model.to_bytes()[:200])


def test_training_set_is_generated_and_deterministic() -> None:
    a = generate_examples(seed=5, per_type=2, null_columns=20, max_values=10)
    b = generate_examples(seed=5, per_type=2, null_columns=20, max_values=10)
    assert [(e.column.name, e.label, list(e.column.values)) for e in a] == [
        (e.column.name, e.label, list(e.column.values)) for e in b
    ]
    labels = {e.label for e in a}
    assert set(SYSTEM_CODES) <= labels and None in labels


def _pet_columns(seed: int) -> list[ColumnInput]:
    import random

    pets = ["Bella", "Max", "Charlie", "Luna", "Lucy", "Cooper", "Daisy", "Milo", "Rocky", "Molly"]
    rng = random.Random(seed)
    return [
        column("pet_name", [rng.choice(pets) for _ in range(30)], "varchar(30)", table="pets")
        for _ in range(3)
    ]


def _member_ref_columns(seed: int) -> list[ColumnInput]:
    import random

    rng = random.Random(seed)

    def ssn() -> str:
        return f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"

    return [column("member_ref", [ssn() for _ in range(30)], "varchar(9)") for _ in range(3)]


def test_feedback_changes_later_predictions(small_model: Model) -> None:
    before = Engine(model=small_model)
    pets_new, refs_new = _pet_columns(99)[0], _member_ref_columns(99)[0]
    assert predicted(before, pets_new) == "PERSON_NAME"  # pet names look like first names
    assert predicted(before, refs_new) is None  # bare 9-digit references look like ids

    # stewards reject PERSON_NAME on pet-name columns, and accept US_SSN on "member_ref"
    feedback = [(c, None, 5.0) for c in _pet_columns(1)]
    feedback += [(c, "US_SSN", 5.0) for c in _member_ref_columns(1)]
    retrained = train_model(feedback=feedback, small=True, seed=3)
    assert retrained.metadata["feedback_examples"] == 6
    after = Engine(model=retrained)
    assert predicted(after, pets_new) != "PERSON_NAME"
    assert predicted(after, refs_new) == "US_SSN"
    # unrelated columns keep their classification
    assert predicted(after, column("email", values_for("EMAIL_ADDRESS"))) == "EMAIL_ADDRESS"
    assert predicted(after, column("full_name", values_for("PERSON_NAME"))) == "PERSON_NAME"


def test_feature_vector_matches_feature_names(rules_engine: Engine) -> None:
    from governance.classifications.engine.features import feature_names

    names = feature_names(SYSTEM_CODES)
    for values in ([None] * 5, values_for("IBAN"), ["1", "2"]):
        analysis = rules_engine.analyze(column("x", values))
        assert analysis.dense.shape == (len(names),)
