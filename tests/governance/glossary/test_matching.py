"""The name matcher: normalisation across cases, accents, languages and abbreviations."""

from __future__ import annotations

import pytest

from governance.glossary.matching import TermVariants, match_names, normalise


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("customer_id", "customer identifier"),
        ("CustomerID", "customer identifier"),
        ("custAddr", "customer address"),
        ("Adresse_Rüe", "adresse rue"),
        ("Straße", "strasse"),
        ("PLZ", "postleitzahl"),
        ("order-date2", "order date 2"),
        ("HTTPStatusCode", "http status code"),
        ("", ""),
    ],
)
def test_normalise(name: str, expected: str) -> None:
    assert normalise(name) == expected


TERMS = [
    TermVariants(1, ("Customer address", "Adresse client", "Kundenadresse")),
    TermVariants(2, ("Postal code", "Postleitzahl", "Code postal", "ZIP")),
    TermVariants(3, ("Email address", "E-mail")),
    TermVariants(4, ("Date of birth", "Geburtsdatum", "Fecha de nacimiento")),
]


def _best(name: str) -> int | None:
    found = [m for m in match_names([name], TERMS) if m.name == name]
    return max(found, key=lambda m: m.score).term_id if found else None


@pytest.mark.parametrize(
    ("name", "term"),
    [
        ("cust_addr", 1),
        ("ADRESSE_CLIENT", 1),
        ("kundenAdresse", 1),
        ("plz", 2),
        ("zip_code", 2),
        ("code_postal", 2),
        ("email_address", 3),
        ("e_mail", 3),
        ("dob", 4),
        ("geb_datum", None),  # not close enough: no guess
        ("fecha_de_nacimiento", 4),
        ("amount", None),
        ("id", None),
    ],
)
def test_match_languages_and_abbreviations(name: str, term: int | None) -> None:
    assert _best(name) == term


def test_scores_and_short_names() -> None:
    found = match_names(["email_adress", "mail"], TERMS)
    typo = next(m for m in found if m.name == "email_adress")
    assert typo.term_id == 3 and 86 <= typo.score < 100
    assert not [m for m in found if m.name == "mail"]  # too short to be more than chance
    assert match_names([], TERMS) == [] and match_names(["x"], []) == []
