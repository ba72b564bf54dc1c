"""Value validators: checksums and structural checks applied to values that matched a pattern.

Each validator takes one stripped value and returns ``True`` when it is a plausible, well-formed
instance of its type. They are registered by name so that info-type specs (system ones and
stewards' custom rules) can refer to them as plain strings.

Checksums come from python-stdnum (Luhn, IBAN mod-97, EU VAT national check digits, SSN rules,
BIC structure, Bitcoin base58check/bech32), phone numbers from ``phonenumbers`` and IP addresses
from ``ipaddress``. Only checks that no available library offers are written here (the VIN check
digit, UK NINO prefix rules, coordinate ranges, birth-date plausibility, ICD-10 structure).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
from stdnum import bic as _bic
from stdnum import bitcoin as _bitcoin
from stdnum import luhn as _luhn
from stdnum.eu import vat as _eu_vat
from stdnum.gb import vat as _gb_vat
from stdnum.iso7064 import mod_97_10 as _mod_97_10
from stdnum.us import ssn as _us_ssn

Validator = Callable[[str], bool]

VALIDATORS: dict[str, Validator] = {}
VALIDATOR_LABELS: dict[str, str] = {}
# Validators costing tens of microseconds per value: they only run on values matching a
# distinctive pattern (or when the column name points at the type), on a bounded number of values.
EXPENSIVE_VALIDATORS: set[str] = set()
# Validators that verify check digits: when the values have the shape but fail the check, the
# column is not that identifier, whatever else suggests it.
CHECKSUM_VALIDATORS: set[str] = set()


def register_validator(
    name: str, label: str, *, expensive: bool = False, checksum: bool = False
) -> Callable[[Validator], Validator]:
    """Register ``func`` under ``name``; ``label`` names the check in human reasons."""

    def wrap(func: Validator) -> Validator:
        VALIDATORS[name] = func
        VALIDATOR_LABELS[name] = label
        if expensive:
            EXPENSIVE_VALIDATORS.add(name)
        if checksum:
            CHECKSUM_VALIDATORS.add(name)
        return func

    return wrap


_SEPARATORS = str.maketrans("", "", " -./_")


def _compact(value: str) -> str:
    return value.translate(_SEPARATORS).upper()


@register_validator("luhn", "Luhn check", expensive=True, checksum=True)
def valid_card(value: str) -> bool:
    digits = _compact(value)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    if digits[0] not in "23456":  # issuer ranges in use: Mir/MC 2, Amex/JCB/Diners 3, ...
        return False
    if len(set(digits)) <= 2:
        return False
    return _luhn.checksum(digits) == 0


@register_validator("iban", "IBAN mod-97 check", checksum=True)
def valid_iban(value: str) -> bool:
    compact = _compact(value)
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    if not compact.isalnum() or not compact.isascii():
        return False
    # ISO 7064 mod 97-10 over the rearranged IBAN (python-stdnum's implementation)
    return _mod_97_10.checksum(compact[4:] + compact[:4]) == 1


@register_validator("vat", "VAT check digits", expensive=True, checksum=True)
def valid_vat(value: str) -> bool:
    compact = _compact(value)
    if len(compact) < 4 or not compact[:2].isalpha():
        return False
    try:
        if compact[:2] in ("GB", "XI"):
            return _gb_vat.is_valid(compact)
        return _eu_vat.is_valid(compact)
    except Exception:
        return False


@register_validator("ssn", "SSN area/group/serial rules", expensive=True)
def valid_ssn(value: str) -> bool:
    compact = value.replace("-", "").replace(" ", "")
    if len(compact) != 9 or not compact.isdigit():
        return False
    if len(set(compact)) <= 2:
        return False
    return _us_ssn.is_valid(compact)


@register_validator("bic", "BIC structure and country check")
def valid_bic(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if compact[4:6] in ("XX", "ZZ"):
        return False
    try:
        return _bic.is_valid(compact)
    except Exception:
        return False


@register_validator("ip", "IP address parse")
def valid_ip(value: str) -> bool:
    try:
        if "/" in value:
            ipaddress.ip_interface(value)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_HEX = frozenset("0123456789abcdefABCDEF")


@register_validator("mac", "MAC address structure")
def valid_mac(value: str) -> bool:
    compact = value.replace(":", "").replace("-", "").replace(".", "")
    if len(compact) != 12 or not set(compact) <= _HEX:
        return False
    return len(set(compact)) > 2


# Regions whose national formats are tried for numbers written without a country code.
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "PL", "PT", "BE", "CH", "AT")
_PHONE_CHARS = frozenset("0123456789+-() ./x#")


@lru_cache(maxsize=512)
def _region_lengths(region: str) -> tuple[frozenset[int], str]:
    """Possible national number lengths and the trunk prefix, from phonenumbers' metadata."""
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if md is None or md.general_desc is None:
        return frozenset(), ""
    desc = md.general_desc
    lengths = set(desc.possible_length or ()) | set(desc.possible_length_local_only or ())
    return frozenset(x for x in lengths if x >= 6), md.national_prefix or ""


@lru_cache(maxsize=512)
def _country_lengths(code: int) -> frozenset[int]:
    lengths: set[int] = set()
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
        if region == "001":
            md = phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
            if md is not None and md.general_desc is not None:
                lengths |= set(md.general_desc.possible_length or ())
        else:
            lengths |= _region_lengths(region)[0]
    return frozenset(lengths)


_NATIONAL_LENGTHS = [(_region_lengths(r)) for r in _PHONE_REGIONS]


@register_validator("phone", "phone number plausibility (phonenumbers metadata)", expensive=True)
def valid_phone(value: str) -> bool:
    """A plausible phone number: the digit count fits a country's possible lengths.

    With ``+`` or ``00`` the country calling code is read and the rest must have a possible
    length for that country (phonenumbers' metadata, as ``is_possible_number`` checks); without
    it, the number must be possible in one of the common regions (trunk prefix allowed).
    """
    low = value.strip().lower()
    if not set(low.replace("ext", "x")) <= _PHONE_CHARS:
        return False
    main = low
    for mark in ("ext", "x", "#"):
        cut = main.find(mark)
        if cut > 0:
            main = main[:cut]
    main = main.strip()
    digits = "".join(ch for ch in main if ch.isdigit())
    if not 7 <= len(digits) <= 15:
        return False
    if main.count(".") == 3 and "-" not in main and " " not in main:  # dotted quad: an IPv4
        return False
    if _looks_like_date(main):
        return False
    if main.startswith("+") or main.startswith("00"):
        rest = digits[2:] if main.startswith("00") else digits
        for size in (1, 2, 3):
            code = int(rest[:size])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                national = rest[size:]
                if national.startswith("0") and size > 1:  # "+49 (0) 30 ..." style trunk zero
                    national = (
                        national[1:] if len(national) - 1 in _country_lengths(code) else national
                    )
                return len(national) in _country_lengths(code)
        return False
    for lengths, trunk in _NATIONAL_LENGTHS:
        n = len(digits)
        if trunk and digits.startswith(trunk):
            n -= len(trunk)
        if n in lengths:
            return True
    return False


def _looks_like_date(text: str) -> bool:
    parts = [p for p in text.replace("/", "-").replace(".", "-").split("-") if p]
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        return False
    lens = sorted(len(p.strip()) for p in parts)
    return lens in ([1, 1, 4], [1, 2, 4], [2, 2, 4], [1, 1, 2], [1, 2, 2], [2, 2, 2])


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


@register_validator("vin", "VIN check digit", checksum=True)
def valid_vin(value: str) -> bool:
    vin = value.replace(" ", "").replace("-", "").upper()
    if len(vin) != 17:
        return False
    try:
        total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    except KeyError:  # I, O, Q or a non-alphanumeric character
        return False
    if vin.isdigit() or vin.isalpha():
        return False
    check = total % 11
    return vin[8] == ("X" if check == 10 else str(check))


_NINO_BAD_FIRST = frozenset("DFIQUV")
_NINO_BAD_SECOND = frozenset("DFIOQUV")
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


@register_validator("nino", "NINO prefix and suffix rules")
def valid_nino(value: str) -> bool:
    nino = value.replace(" ", "").replace("-", "").upper()
    if len(nino) == 8:  # the suffix letter is sometimes omitted
        nino += "A"
    if len(nino) != 9 or not (nino[:2].isalpha() and nino[2:8].isdigit()):
        return False
    if nino[8] not in "ABCD":
        return False
    first, second = nino[0], nino[1]
    return (
        first not in _NINO_BAD_FIRST
        and second not in _NINO_BAD_SECOND
        and nino[:2] not in _NINO_BAD_PREFIX
    )


@register_validator(
    "crypto",
    "wallet address checksum (base58check / bech32) or ETH format",
    expensive=True,
    checksum=True,
)
def valid_crypto(value: str) -> bool:
    text = value.strip()
    if text[:2] in ("0x", "0X"):
        body = text[2:]
        return len(body) == 40 and set(body) <= _HEX and len(set(body)) > 4
    try:
        return _bitcoin.is_valid(text)
    except Exception:
        return False


_AWS_PREFIXES = frozenset({"AKIA", "ASIA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "AGPA", "ABIA"})


@register_validator("aws_key", "AWS key-id prefix and alphabet")
def valid_aws_key(value: str) -> bool:
    text = value.strip()
    text = text.upper()
    return (
        len(text) == 20
        and text[:4] in _AWS_PREFIXES
        and text.isalnum()
        and text.isascii()
        and len(set(text[4:])) > 5
    )


@register_validator("geo", "coordinate range check")
def valid_geo(value: str) -> bool:
    text = value.strip().strip("()[]")
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    if len(parts) == 2:
        return _coord(parts[0], 90.0) and _coord(parts[1], 180.0)
    if len(parts) == 1 and " " in text.strip():
        pieces = text.split()
        if len(pieces) == 2:
            return _coord(pieces[0], 90.0) and _coord(pieces[1], 180.0)
    return len(parts) == 1 and _coord(parts[0], 180.0, need_decimals=3)


def _coord(text: str, limit: float, need_decimals: int = 2) -> bool:
    text = text.strip()
    if text and text[-1] in "NSEWnsew":
        text = text[:-1].strip()
    try:
        number = float(text)
    except ValueError:
        return False
    if "." not in text or len(text.split(".")[1]) < need_decimals:
        return False
    return -limit <= number <= limit


@register_validator("birth_date", "plausible birth date")
def valid_birth_date(value: str) -> bool:
    parsed = parse_date(value)
    if parsed is None:
        return False
    today = _dt.date.today()
    return today.year - 110 <= parsed.year <= today.year and parsed <= today


_ICD_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTVWXYZ")


@register_validator("icd10", "ICD-10 code structure")
def valid_icd10(value: str) -> bool:
    code = value.strip().upper()
    if len(code) < 3 or code[0] not in _ICD_FIRST or not code[1].isdigit():
        return False
    if not (code[2].isdigit() or code[2] in "AB"):
        return False
    rest = code[3:]
    if not rest:
        return True
    if rest[0] == ".":
        rest = rest[1:]
    return 1 <= len(rest) <= 4 and rest.isalnum()


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


def parse_date(value: str) -> _dt.date | None:
    """Parse the common date spellings (ISO, D.M.Y, D/M/Y, M/D/Y, YYYYMMDD, 'Mar 3, 1985').

    A time part after the date (``T`` or a space) is ignored. Returns ``None`` when the value is
    not a date.
    """
    text = value.strip()
    if not text or len(text) > 40:
        return None
    if "T" in text[8:12]:
        text = text.split("T", 1)[0]
    elif " " in text and text[:4].isdigit():
        text = text.split(" ", 1)[0]
    if len(text) == 8 and text.isdigit():
        return _mk(int(text[:4]), int(text[4:6]), int(text[6:]))
    for sep in ("-", "/", "."):
        if text.count(sep) == 2:
            a, b, c = (p.strip() for p in text.split(sep))
            if not (a.isdigit() and b.isdigit() and c.isdigit()):
                break
            if len(a) == 4:
                return _mk(int(a), int(b), int(c))
            if len(c) == 4:
                day, month = int(a), int(b)
                if sep == "/" and month > 12:  # M/D/Y
                    day, month = month, day
                elif sep == "/" and day <= 12 and month <= 12:
                    day, month = month, day  # ambiguous: read as US M/D/Y
                return _mk(int(c), month, day)
            return None
    words = text.replace(",", " ").split()
    if len(words) == 3:
        month = _MONTHS.get(words[0][:3].lower()) or _MONTHS.get(words[1][:3].lower())
        nums = [w for w in words if w.isdigit()]
        if month and len(nums) == 2:
            year = next((int(n) for n in nums if len(n) == 4), None)
            day = next((int(n) for n in nums if len(n) <= 2), None)
            if year is not None and day is not None:
                return _mk(year, month, day)
    return None


def _mk(year: int, month: int, day: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


# --- validators backed by the built-in dictionaries -------------------------------------------

from . import dictionaries as _dicts  # noqa: E402 - dictionaries do not import validators


@register_validator("person_name", "person-name dictionary")
def valid_person_name(value: str) -> bool:
    if _dicts.cjk_name_hit(value):
        return True
    tokens = _dicts.name_tokens(value)
    if not 1 <= len(tokens) <= 5:
        return False
    hit = False
    for token in tokens:
        if token in _dicts.ORG_WORDS or (token in _dicts.STREET_WORDS and token not in ("park",)):
            return False
        if token in _dicts.PERSON_NAME_TOKENS:
            hit = True
    return hit


def _street_token(token: str) -> bool:
    if token in _dicts.STREET_WORDS:
        return True
    return len(token) > 5 and token.endswith(_dicts.STREET_SUFFIXES)


@register_validator(
    "street_address", "street-address structure (number and street word)", expensive=True
)
def valid_street_address(value: str) -> bool:
    if len(value) > 300:
        return False
    text = _dicts.fold(value)
    if not any(ch.isdigit() for ch in text):
        return False
    tokens = [t.strip(".,;:()#'’") for t in text.replace(",", " ").replace("\n", " ").split()]
    words = [t for t in tokens if t and t.isalpha()]
    if len(words) < 1 or len(tokens) < 2:
        return False
    return any(_street_token(t) for t in tokens if t) or any(
        _street_token(t.rstrip(".")) for t in text.split()
    )


# What Chinese, Japanese and Korean place names end with (city, county, district, town ...).
_CJK_PLACE_SUFFIXES = (*"市县縣区區都府町村郡镇鎮", "시", "군", "구", "읍", "면")


@register_validator("city", "city dictionary and place-name shape")
def valid_city(value: str) -> bool:
    if len(value) > 80:
        return False
    folded = _dicts.fold(value)
    if folded in _dicts.CITIES:
        return True
    text = value.strip()
    if 2 <= len(text) <= 6 and text.endswith(_CJK_PLACE_SUFFIXES) and _dicts.cjk_text(text[:-1]):
        return True
    tokens = folded.replace("-", " ").split()
    if not 1 <= len(tokens) <= 5 or any(not t.replace(".", "").isalpha() for t in tokens):
        return False
    if len(tokens) >= 2 and tokens[0] in _dicts.CITY_PREFIXES:
        return True
    last = tokens[-1]
    return len(last) >= 6 and last.endswith(_dicts.CITY_SUFFIXES)


@register_validator("country", "country dictionary (names and ISO codes)")
def valid_country(value: str) -> bool:
    return _dicts.country_hit(value)


ISO_5218 = frozenset({"0", "1", "2", "9"})  # not known, male, female, not applicable


@register_validator("gender", "gender dictionary (or ISO 5218 code)")
def valid_gender(value: str) -> bool:
    return value.strip() in ISO_5218 or _dicts.gender_hit(value)


# --- whole-column checks ------------------------------------------------------------------------

ColumnCheck = Callable[[list[str]], bool]
COLUMN_CHECKS: dict[str, ColumnCheck] = {}


def register_column_check(name: str) -> Callable[[ColumnCheck], ColumnCheck]:
    def wrap(func: ColumnCheck) -> ColumnCheck:
        COLUMN_CHECKS[name] = func
        return func

    return wrap


@register_column_check("gender_variety")
def gender_variety(distinct_valid: list[str]) -> bool:
    """At least two distinct gender terms, one of them not a catch-all ('other', 'x', ...)."""
    folded = {_dicts.fold(v) for v in distinct_valid}
    strong = folded - _dicts.GENDER_WEAK_TERMS
    return len(folded) >= 2 and len(strong) >= 1 and len(folded) <= 12
