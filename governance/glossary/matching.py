"""Matching catalog names to glossary terms: plain data in, plain data out (no Django).

Names are normalised before they are compared: accents folded (``Adresse_Rüe`` → ``adresse
rue``), ``snake_case``, ``kebab-case``, ``camelCase`` and ``PascalCase`` split into words,
digits apart, and common abbreviations of several languages expanded (``cust_addr`` →
``customer address``, ``plz`` → ``postleitzahl``, ``tel`` → ``telephone``). Each term is known
by its name, its abbreviation and its synonyms (in any language); a name is scored against
every variant with RapidFuzz (token order does not matter) and the best variant wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

# Abbreviations seen in column and table names (English, French, German, Spanish, Italian,
# Dutch, Portuguese). A word is expanded only when it is a whole word of the name.
ABBREVIATIONS: dict[str, str] = {
    # English
    "acct": "account", "acc": "account", "addr": "address", "adr": "address",
    "amt": "amount", "avg": "average", "bal": "balance", "cat": "category",
    "cnt": "count", "cust": "customer", "cstmr": "customer", "clnt": "client",
    "curr": "currency", "ccy": "currency", "desc": "description", "descr": "description",
    "dept": "department", "dob": "date of birth", "dt": "date", "emp": "employee",
    "empl": "employee", "fname": "first name", "lname": "last name", "id": "identifier",
    "ident": "identifier", "inv": "invoice", "msg": "message", "nbr": "number",
    "num": "number", "no": "number", "nr": "number", "org": "organisation",
    "pct": "percent", "ph": "phone", "pmt": "payment", "pymt": "payment", "prod": "product",
    "qty": "quantity", "ref": "reference", "sal": "salary", "ssn": "social security number",
    "tel": "telephone", "txn": "transaction", "trx": "transaction", "ts": "timestamp",
    "usr": "user", "val": "value", "zip": "postal code", "zipcode": "postal code",
    "cc": "credit card", "dl": "driving licence", "iban": "international bank account number",
    # French
    "tél": "telephone", "fact": "facture", "cli": "client", "mt": "montant",
    "dte": "date", "cp": "code postal", "num_secu": "numero securite sociale",
    # German
    "plz": "postleitzahl", "str": "strasse", "nr.": "nummer", "geb": "geburtsdatum",
    "gebdat": "geburtsdatum", "kdnr": "kundennummer", "kd": "kunde", "ma": "mitarbeiter",
    "betr": "betrag", "ust": "umsatzsteuer", "mwst": "mehrwertsteuer",
    # Spanish / Portuguese / Italian
    "dir": "direccion", "tlf": "telefono", "cif": "codigo identificacion fiscal",
    "nif": "numero identificacion fiscal", "cpf": "cadastro pessoa fisica",
    "cod": "codigo", "ind": "indirizzo", "cf": "codice fiscale",
}  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Suggestions below this score are not stored.
DEFAULT_THRESHOLD = 86.0


def fold(text: str) -> str:
    """Accents folded and a few letters spelled out (ß → ss, æ → ae, ø → o), case kept."""
    text = (
        text.replace("ß", "ss")
        .replace("æ", "ae")
        .replace("Æ", "AE")
        .replace("ø", "o")
        .replace("Ø", "O")
        .replace("œ", "oe")
        .replace("Œ", "OE")
    )
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(name: str) -> list[str]:
    """The words of a name: accents folded, case and separators normalised."""
    text = _DIGITS.sub(" ", _CAMEL.sub(" ", fold(name or "")))
    return [w for w in _NON_WORD.split(text.lower()) if w]


def normalise(name: str, *, expand: bool = True) -> str:
    """``name`` as lowercase words separated by one space, abbreviations expanded."""
    out: list[str] = []
    for word in words(name):
        for part in (ABBREVIATIONS.get(word, word) if expand else word).split():
            if not out or out[-1] != part:  # "zip_code" → "postal code", not "… code code"
                out.append(part)
    return " ".join(out)


@dataclass(frozen=True)
class TermVariants:
    """The names a term is known by."""

    term_id: int
    names: tuple[str, ...]  # name, abbreviation, synonyms, as written


@dataclass(frozen=True)
class Match:
    name: str  # the asset name, as written
    term_id: int
    score: float
    matched: str  # the variant, as written


def _variants(terms: Iterable[TermVariants]) -> tuple[list[str], list[tuple[int, str]]]:
    keys: list[str] = []
    owners: list[tuple[int, str]] = []
    seen: set[tuple[int, str]] = set()
    for term in terms:
        for variant in term.names:
            key = normalise(variant)
            if not key or (term.term_id, key) in seen:
                continue
            seen.add((term.term_id, key))
            keys.append(key)
            owners.append((term.term_id, variant))
    return keys, owners


def match_names(
    names: Sequence[str],
    terms: Iterable[TermVariants],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """For each distinct name, the terms it matches at ``threshold`` or more (best variant per
    term). Scores: 100 for equal normalised forms; otherwise the better of RapidFuzz's
    token-sort ratio and the plain ratio of the forms without spaces (compounds), lowered for
    very short names (two letters match too much by chance)."""
    keys, owners = _variants(terms)
    if not keys or not names:
        return []
    distinct = list(dict.fromkeys(n for n in names if n))
    queries = [normalise(n) for n in distinct]
    scores = process.cdist(queries, keys, scorer=fuzz.token_sort_ratio, dtype="float32")
    # Compounds ("kundenadresse" for "Kunden Adresse"): the words run together, compared too.
    compact = process.cdist(
        [q.replace(" ", "") for q in queries],
        [k.replace(" ", "") for k in keys],
        scorer=fuzz.ratio,
        dtype="float32",
    )
    scores = np.maximum(scores, compact)
    out: list[Match] = []
    for i, name in enumerate(distinct):
        query = queries[i]
        if not query:
            continue
        best: dict[int, tuple[float, str]] = {}
        row = scores[i]
        for j in (row >= min(threshold, 100.0) - 15).nonzero()[0]:
            key = keys[j]
            same = key == query or key.replace(" ", "") == query.replace(" ", "")
            score = 100.0 if same else float(row[j])
            shortest = min(len(key), len(query))
            if score < 100.0 and shortest < 6:
                score -= 3 * (6 - shortest)  # "ab" vs "abc": chance, not meaning
            if score < threshold:
                continue
            term_id, variant = owners[j]
            if score > best.get(term_id, (-1.0, ""))[0]:
                best[term_id] = (round(score, 1), variant)
        out.extend(Match(name, tid, score, variant) for tid, (score, variant) in best.items())
    return out
