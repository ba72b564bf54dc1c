"""Validators of national, tax, bank, health and travel-document identifiers, and of secrets.

Check digits come from python-stdnum wherever it has the number (most national and tax numbers);
the few it lacks are written here from their published definitions (the Luxembourg matricule,
Hungarian tax and social-security numbers, the German ID card and health-insurance numbers, the
US NPI and DEA numbers, the Medicare beneficiary identifier, the Mexican CLABE, the Australian
Medicare number, UK driving licences and sort codes, Australian BSBs, GitHub's token checksum).

Every validator takes one stripped value and answers ``True`` for a well-formed instance. They are
registered in :data:`.validators.VALIDATORS` by name, like the core ones.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import math
import zlib
from collections import Counter
from collections.abc import Callable
from importlib import import_module
from typing import Any

from stdnum import luhn as _luhn
from stdnum import verhoeff as _verhoeff

from .validators import Validator, register_validator

MAX_LENGTH = 64  # identifiers are short: anything longer is not one (secrets have their own)
_SEPARATORS = str.maketrans("", "", " -./_")


def _compact(value: str) -> str:
    return value.translate(_SEPARATORS).upper()


def _digits(value: str) -> str:
    """The value without separators if it is all digits, else ``""``."""
    compact = _compact(value)
    return compact if compact.isdigit() and compact.isascii() else ""


def _stdnum(
    name: str,
    module: str,
    label: str,
    *,
    accept: Callable[[str], bool] | None = None,
    checksum: bool = True,
) -> Validator:
    """Register python-stdnum's ``is_valid`` of ``module`` as validator ``name``.

    ``accept`` is a cheap structural test run first (length, characters); stdnum's own check
    runs only on what passes it.
    """
    is_valid = import_module(f"stdnum.{module}").is_valid

    def check(value: str) -> bool:
        if len(value) > MAX_LENGTH or (accept is not None and not accept(value)):
            return False
        try:
            return bool(is_valid(value))
        except Exception:  # stdnum raises on some malformed inputs instead of answering False
            return False

    check.__name__ = f"valid_{name}"
    register_validator(name, label, expensive=True, checksum=checksum)(check)
    return check


def _length(*sizes: int, digits: bool = True) -> Callable[[str], bool]:
    """Accept values whose compact form has one of ``sizes`` characters (digits only)."""
    allowed = frozenset(sizes)

    def accept(value: str) -> bool:
        compact = _compact(value)
        if digits and not (compact.isdigit() and compact.isascii()):
            return False
        return len(compact) in allowed and len(set(compact)) > 2

    return accept


# --- national identity numbers -----------------------------------------------------------------

_stdnum("at_vnr", "at.vnr", "Austrian social security number check digit", accept=_length(10))
_stdnum("be_nn", "be.nn", "Belgian national number mod-97 check", accept=_length(11))
_stdnum("bg_egn", "bg.egn", "Bulgarian EGN date and check digit", accept=_length(10))
_stdnum("hr_oib", "hr.oib", "Croatian OIB ISO 7064 check digit", accept=_length(11))
_stdnum("cz_rc", "cz.rc", "Czech/Slovak birth number date and mod-11 check", accept=_length(9, 10))
_stdnum("dk_cpr", "dk.cpr", "Danish CPR date check", accept=_length(10), checksum=False)
_stdnum("ee_ik", "ee.ik", "Estonian personal code date and check digit", accept=_length(11))
_stdnum("fi_hetu", "fi.hetu", "Finnish personal identity code check character")
_stdnum("fr_nir", "fr.nir", "French NIR mod-97 check key", accept=_length(15, digits=False))
_stdnum("de_idnr", "de.idnr", "German tax id ISO 7064 check digit", accept=_length(11))
_stdnum("gr_amka", "gr.amka", "Greek AMKA date and Luhn check", accept=_length(11))
_stdnum("ie_pps", "ie.pps", "Irish PPS number check letter")
_stdnum("it_cf", "it.codicefiscale", "Italian fiscal code check character")
_stdnum("lt_asmens", "lt.asmens", "Lithuanian personal code check digit", accept=_length(11))
_stdnum("nl_bsn", "nl.bsn", "Dutch BSN eleven-test", accept=_length(9))
_stdnum("pl_pesel", "pl.pesel", "Polish PESEL date and check digit", accept=_length(11))
_stdnum("pt_cc", "pt.cc", "Portuguese citizen card check digits")
_stdnum("ro_cnp", "ro.cnp", "Romanian CNP date and check digit", accept=_length(13))
_stdnum("si_emso", "si.emso", "Slovenian EMSO date and check digit", accept=_length(13))
_stdnum("es_dni", "es.dni", "Spanish DNI check letter")
_stdnum("es_nie", "es.nie", "Spanish NIE check letter")
_stdnum("se_pnr", "se.personnummer", "Swedish personal number date and Luhn check")
_stdnum("no_fnr", "no.fodselsnummer", "Norwegian birth number check digits", accept=_length(11))
_stdnum("ch_ahv", "ch.ssn", "Swiss AHV number EAN-13 check", accept=_length(13))
_stdnum("ca_sin", "ca.sin", "Canadian SIN Luhn check", accept=_length(9))
_stdnum("br_cpf", "br.cpf", "Brazilian CPF check digits", accept=_length(11))
_stdnum("mx_curp", "mx.curp", "Mexican CURP structure and check digit")
_stdnum("in_aadhaar", "in_.aadhaar", "Aadhaar Verhoeff check", accept=_length(12))
_stdnum("in_epic", "in_.epic", "Indian voter id (EPIC) check digit")
_stdnum("cn_ric", "cn.ric", "Chinese resident id date, region and check character")
_stdnum("jp_in", "jp.in_", "Japanese individual number check digit", accept=_length(12))
_stdnum("kr_rrn", "kr.rrn", "Korean resident registration number check digit", accept=_length(13))
_stdnum("za_idnr", "za.idnr", "South African id number date and Luhn check", accept=_length(13))


@register_validator("lv_pk", "Latvian personal code date and check digit", expensive=True,
                    checksum=True)  # fmt: skip
def valid_lv_pk(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 11 or digits[0] > "3":  # legal persons' codes start with 4-9
        return False
    from stdnum.lv import pvn

    try:
        return bool(pvn.is_valid(digits))
    except Exception:
        return False


@register_validator("lu_nin", "Luxembourg national number date, Luhn and Verhoeff checks",
                    expensive=True, checksum=True)  # fmt: skip
def valid_lu_nin(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 13 or _date(digits[:4], digits[4:6], digits[6:8]) is None:
        return False
    body = digits[:11]
    return (
        _luhn.calc_check_digit(body) == digits[11]
        and _verhoeff.calc_check_digit(body) == digits[12]
    )


_MT_LETTERS = frozenset("MGAPLHBZ")


@register_validator("mt_id", "Maltese identity card number structure")
def valid_mt_id(value: str) -> bool:
    compact = _compact(value)
    return (
        2 <= len(compact) <= 8
        and compact[-1] in _MT_LETTERS
        and compact[:-1].isdigit()
        and compact[:-1].isascii()
        and int(compact[:-1]) > 0
    )


@register_validator("cy_tic", "Cypriot tax identification code check letter", expensive=True,
                    checksum=True)  # fmt: skip
def valid_cy_tic(value: str) -> bool:
    compact = _compact(value)
    if len(compact) != 9 or not compact[:8].isdigit() or not compact[8].isalpha():
        return False
    from stdnum.cy import vat

    try:
        return bool(vat.is_valid(compact))
    except Exception:
        return False


def _hu_tax_ok(digits: str) -> bool:
    if len(digits) != 10 or digits[0] != "8":
        return False
    check = sum(int(d) * (i + 1) for i, d in enumerate(digits[:9])) % 11
    return check != 10 and check == int(digits[9])


@register_validator("hu_tax", "Hungarian tax id check digit", checksum=True)
def valid_hu_tax(value: str) -> bool:
    return _hu_tax_ok(_digits(value))


@register_validator("hu_taj", "Hungarian social security (TAJ) check digit", checksum=True)
def valid_hu_taj(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 9 or len(set(digits)) <= 2:
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 7) for i, d in enumerate(digits[:8]))
    return total % 10 == int(digits[8])


_ICAO_VALUES = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}}
_DE_ID_ALPHABET = frozenset("0123456789CFGHJKLMNPRTVWXYZ")


def icao_check_digit(text: str) -> str:
    """The ICAO 9303 check digit (weights 7, 3, 1) of machine-readable document fields."""
    total = sum(_ICAO_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(text))
    return str(total % 10)


@register_validator("de_id_card", "German ID card number ICAO check digit", checksum=True)
def valid_de_id_card(value: str) -> bool:
    compact = _compact(value)
    if len(compact) != 10 or compact[0] not in "CFGHJKLMNPRTVWXYZ":
        return False
    if not set(compact[:9]) <= _DE_ID_ALPHABET or not compact[9].isdigit():
        return False
    return icao_check_digit(compact[:9]) == compact[9]


def _kvnr_digits(compact: str) -> list[int]:
    letter = ord(compact[0]) - 64  # A=01 ... Z=26
    return [letter // 10, letter % 10] + [int(c) for c in compact[1:9]]


@register_validator("de_kvnr", "German health insurance number check digit", checksum=True)
def valid_de_kvnr(value: str) -> bool:
    compact = _compact(value)
    if len(compact) != 10 or not ("A" <= compact[0] <= "Z") or not compact[1:].isdigit():
        return False
    return compact[9] == de_kvnr_check_digit(compact[:9])


def de_kvnr_check_digit(first9: str) -> str:
    """The check digit of a German health insurance number (letter and eight digits)."""
    total = 0
    for i, d in enumerate(_kvnr_digits(first9)):
        product = d * (1 if i % 2 == 0 else 2)
        total += product // 10 + product % 10
    return str(total % 10)


# --- tax and company numbers -------------------------------------------------------------------

_stdnum("at_tin", "at.tin", "Austrian tax number check digit", accept=_length(9))
_stdnum("be_ent", "be.vat", "Belgian enterprise number mod-97 check", accept=_length(10))
_stdnum("fr_nif", "fr.nif", "French tax number (SPI) check digits", accept=_length(13))
_stdnum("fr_siren", "fr.siren", "SIREN Luhn check", accept=_length(9))
_stdnum("fr_siret", "fr.siret", "SIRET Luhn check", accept=_length(14))
_stdnum("de_stnr", "de.stnr", "German tax number (Steuernummer) format",
        accept=_length(10, 11, 13), checksum=False)  # fmt: skip
_stdnum("gr_afm", "gr.vat", "Greek tax number (AFM) check digit", accept=_length(9))
_stdnum("pt_nif", "pt.nif", "Portuguese tax number check digit", accept=_length(9))
_stdnum("es_cif", "es.cif", "Spanish CIF check character")
_stdnum("pl_nip", "pl.nip", "Polish NIP check digit", accept=_length(10))
_stdnum("pl_regon", "pl.regon", "Polish REGON check digit", accept=_length(9, 14))
_stdnum("dk_cvr", "dk.cvr", "Danish CVR mod-11 check", accept=_length(8))
_stdnum("fi_ytunnus", "fi.ytunnus", "Finnish business id check digit", accept=_length(8))
_stdnum("se_orgnr", "se.orgnr", "Swedish organisation number Luhn check", accept=_length(10))
_stdnum("gb_utr", "gb.utr", "UK Unique Taxpayer Reference check digit", accept=_length(10))
_stdnum("us_ein", "us.ein", "US EIN campus prefix", accept=_length(9), checksum=False)
_stdnum("us_itin", "us.itin", "US ITIN structure", accept=_length(9), checksum=False)
_stdnum("ca_bn", "ca.bn", "Canadian business number Luhn check")
_stdnum("br_cnpj", "br.cnpj", "Brazilian CNPJ check digits", accept=_length(14))
_stdnum("mx_rfc", "mx.rfc", "Mexican RFC structure and birth date", checksum=False)
_stdnum("in_pan", "in_.pan", "Indian PAN structure", checksum=False)
_stdnum("in_gstin", "in_.gstin", "Indian GSTIN state code and check character")
_stdnum("cn_uscc", "cn.uscc", "Chinese unified social credit code check character")
_stdnum("jp_cn", "jp.cn", "Japanese corporate number check digit", accept=_length(13))
_stdnum("kr_brn", "kr.brn", "Korean business registration number structure",
        accept=_length(10), checksum=False)  # fmt: skip
_stdnum("au_tfn", "au.tfn", "Australian TFN check", accept=_length(8, 9))
_stdnum("au_abn", "au.abn", "Australian ABN mod-89 check", accept=_length(11))
_stdnum("au_acn", "au.acn", "Australian ACN check digit", accept=_length(9))
_stdnum("za_tin", "za.tin", "South African tax number Luhn check", accept=_length(10))


# --- bank routing and accounts -----------------------------------------------------------------


@register_validator("us_rtn", "ABA routing number check digit", expensive=True, checksum=True)
def valid_us_rtn(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 9 or len(set(digits)) <= 2:
        return False
    prefix = int(digits[:2])  # Federal Reserve routing symbols, thrift and electronic ranges
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


@register_validator("uk_sort_code", "UK sort code structure")
def valid_uk_sort_code(value: str) -> bool:
    text = value.strip()
    parts = text.replace(" ", "-").split("-")
    if len(parts) == 3 and all(len(p) == 2 and p.isdigit() for p in parts):
        digits = "".join(parts)
    elif len(text) == 6 and text.isdigit():
        digits = text
    else:
        return False
    return digits[:2] not in ("00", "99") and len(set(digits)) > 1


def clabe_check_digit(first17: str) -> str:
    """The CLABE control digit (weights 3, 7, 1 modulo 10)."""
    total = sum((int(d) * (3, 7, 1)[i % 3]) % 10 for i, d in enumerate(first17))
    return str((10 - total % 10) % 10)


@register_validator("mx_clabe", "CLABE control digit", checksum=True)
def valid_mx_clabe(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 18 or len(set(digits)) <= 2:
        return False
    return clabe_check_digit(digits[:17]) == digits[17]


@register_validator("au_bsb", "Australian BSB structure")
def valid_au_bsb(value: str) -> bool:
    text = value.strip()
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) != 6 or not digits.isdigit():
        return False
    if len(text) == 7 and text[3] not in "- ":
        return False
    # first digit: the bank (0-9 except unused ranges); second: the state (0 and 1 unused
    # by most banks but allowed); reject the placeholder 000000 and repetitions
    return digits[:2] != "00" and len(set(digits)) > 1


# --- health -------------------------------------------------------------------------------------


@register_validator("us_npi", "NPI Luhn check (80840 prefix)", checksum=True)
def valid_us_npi(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 10 or digits[0] not in "12":
        return False
    return _luhn.checksum("80840" + digits) == 0


_DEA_FIRST = frozenset("ABCDEFGHJKLMPRSTUX")


@register_validator("us_dea", "DEA registration number check digit", checksum=True)
def valid_us_dea(value: str) -> bool:
    compact = _compact(value)
    if len(compact) != 9 or compact[0] not in _DEA_FIRST or not compact[1].isalpha():
        return False
    if not compact[2:].isdigit():
        return False
    d = [int(c) for c in compact[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


_MBI_LETTERS = frozenset("ACDEFGHJKMNPQRTUVWXY")  # no S, L, O, I, B, Z
_MBI_ALNUM = _MBI_LETTERS | frozenset("0123456789")


@register_validator("us_mbi", "Medicare beneficiary identifier structure")
def valid_us_mbi(value: str) -> bool:
    compact = _compact(value)
    if len(compact) != 11 or not compact[0].isdigit() or compact[0] == "0":
        return False
    digit_at, letter_at, either_at = (3, 6, 9, 10), (1, 4, 7, 8), (2, 5)
    return (
        all(compact[i].isdigit() for i in digit_at)
        and all(compact[i] in _MBI_LETTERS for i in letter_at)
        and all(compact[i] in _MBI_ALNUM for i in either_at)
    )


_stdnum("gb_nhs", "gb.nhs", "NHS number mod-11 check", accept=_length(10))


def au_medicare_check_digit(first8: str) -> str:
    weights = (1, 3, 7, 9, 1, 3, 7, 9)
    return str(sum(int(d) * w for d, w in zip(first8, weights, strict=True)) % 10)


@register_validator("au_medicare", "Australian Medicare number check digit", checksum=True)
def valid_au_medicare(value: str) -> bool:
    digits = _digits(value)
    if len(digits) not in (10, 11) or digits[0] not in "23456":
        return False
    return au_medicare_check_digit(digits[:8]) == digits[8] and digits[9] != "0"


# --- travel documents and driving licences ------------------------------------------------------


def _date(year: str, month: str, day: str) -> _dt.date | None:
    try:
        return _dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


@register_validator("uk_driving_licence", "UK driving licence number structure")
def valid_uk_driving_licence(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if len(compact) != 16 or not compact.isalnum() or not compact.isascii():
        return False
    surname, birth, initials, rest = compact[:5], compact[5:11], compact[11:13], compact[13:]
    if not (surname[0].isalpha() and all(c.isalpha() or c == "9" for c in surname)):
        return False
    if surname.rstrip("9") != surname.rstrip("9").replace("9", ""):  # padding only at the end
        return False
    if not birth.isdigit() or not all(c.isalpha() or c == "9" for c in initials):
        return False
    month = int(birth[1:3])
    month = month - 50 if month > 50 else month
    day = int(birth[3:5])
    return 1 <= month <= 12 and 1 <= day <= 31 and rest[0].isdigit() and rest[1:].isalpha()


@register_validator("us_driver_license", "US driver's license number shape")
def valid_us_driver_license(value: str) -> bool:
    compact = _compact(value)
    if not 5 <= len(compact) <= 14 or not compact.isalnum() or not compact.isascii():
        return False
    digits = sum(c.isdigit() for c in compact)
    letters = len(compact) - digits
    return digits >= 4 and letters <= 3 and len(set(compact)) > 2


# Passport number shapes of other countries than the US (letters and digits of the document
# number field); the US ones (9 digits, or a letter and 8 digits) belong to US_PASSPORT_NUMBER.
_PASSPORT_LETTERS_DE = frozenset("CFGHJKLMNPRTVWXYZ")


@register_validator("passport", "passport number shape (non-US formats)")
def valid_passport(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    n = len(compact)
    if not 7 <= n <= 9 or not compact.isalnum() or not compact.isascii():
        return False
    letters = sum(c.isalpha() for c in compact)
    digits = n - letters
    if compact.isdigit() or (n == 9 and compact[0].isalpha() and compact[1:].isdigit()):
        return False  # US formats
    head = len(compact) - len(compact.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if 1 <= head <= 3 and compact[head:].isdigit() and 6 <= digits <= 8:
        return True  # A1234567, AB1234567, AB123456, ABC123456
    if n == 9 and compact[:2].isdigit() and compact[2:4].isalpha() and compact[4:].isdigit():
        return True  # French: 12AB34567
    if n == 9 and compact[0] in _PASSPORT_LETTERS_DE and letters >= 2 and digits >= 3:
        return set(compact[1:]) <= _DE_ID_ALPHABET  # German: C01X00T47
    return False


# --- secrets ------------------------------------------------------------------------------------


def _b64url_json(part: str) -> Any:
    padded = part + "=" * (-len(part) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


@register_validator("jwt", "JSON Web Token header", expensive=True)
def valid_jwt(value: str) -> bool:
    text = value.strip()
    if text[:7].lower() == "bearer ":
        text = text[7:].strip()
    parts = text.split(".")
    if len(parts) != 3 or not text.startswith("eyJ") or len(text) > 8192:
        return False
    header = _b64url_json(parts[0])
    return isinstance(header, dict) and "alg" in header and bool(parts[1])


_PEM_KINDS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY",
              "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK")  # fmt: skip


@register_validator("private_key", "PEM/OpenSSH private key block")
def valid_private_key(value: str) -> bool:
    text = value.strip()
    if not text.startswith("-----BEGIN "):
        return False
    first = text[11:].split("-----", 1)[0]
    return first in _PEM_KINDS and (len(text) > 60 or "..." in text)


def entropy(text: str) -> float:
    """Shannon entropy of ``text``'s characters, in bits per character."""
    n = len(text)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=~:")


@register_validator("api_token", "high-entropy token (not a hash, id or word)")
def valid_api_token(value: str) -> bool:
    """A secret-looking token: long, random, mixing letters and digits; not hex, not a UUID."""
    text = value.strip()
    if not 16 <= len(text) <= 512 or not set(text) <= _TOKEN_CHARS:
        return False
    if set(text) <= _HEX_CHARS | {"-"}:  # hex digests and UUIDs are not credentials
        return False
    has_digit = any(c.isdigit() for c in text)
    has_upper = any(c.isupper() for c in text)
    has_lower = any(c.islower() for c in text)
    return has_digit and (has_upper or has_lower) and entropy(text) >= 3.5


@register_validator("aws_secret", "AWS secret key shape (40 base64 characters)")
def valid_aws_secret(value: str) -> bool:
    text = value.strip()
    if len(text) != 40 or not set(text) <= _TOKEN_CHARS:
        return False
    return (
        any(c.isdigit() for c in text)
        and any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and entropy(text) >= 4.0
    )


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_GITHUB_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")


def github_checksum(body: str) -> str:
    """The six base-62 characters GitHub appends to a token's 30 random ones (CRC32)."""
    n = zlib.crc32(body.encode("ascii"))
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(6, "0")


@register_validator("github_token", "GitHub token prefix and CRC32 checksum", checksum=True)
def valid_github_token(value: str) -> bool:
    text = value.strip()
    if text.startswith("github_pat_"):
        body = text[11:]
        return 70 <= len(body) <= 90 and body.replace("_", "").isalnum()
    if len(text) != 40 or not text.startswith(_GITHUB_PREFIXES) or not text[4:].isalnum():
        return False
    return github_checksum(text[4:34]) == text[34:]


@register_validator("slack_token", "Slack token structure")
def valid_slack_token(value: str) -> bool:
    text = value.strip()
    if not text.startswith(("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-")):
        return False
    parts = text.split("-")
    return 3 <= len(parts) <= 6 and all(p.isalnum() for p in parts) and len(text) >= 30


@register_validator("stripe_key", "Stripe API key structure")
def valid_stripe_key(value: str) -> bool:
    text = value.strip()
    head, _, body = text.partition("_")
    mode, _, secret = body.partition("_")
    return (
        head in ("sk", "pk", "rk")
        and mode in ("live", "test")
        and 20 <= len(secret) <= 110
        and secret.isalnum()
        and entropy(secret) >= 3.5
    )


@register_validator("google_api_key", "Google API key structure")
def valid_google_api_key(value: str) -> bool:
    text = value.strip()
    return (
        len(text) == 39
        and text.startswith("AIza")
        and set(text[4:]) <= _TOKEN_CHARS
        and entropy(text[4:]) >= 4.0
    )


@register_validator("azure_key", "Azure storage account key (64 bytes, base64)")
def valid_azure_key(value: str) -> bool:
    text = value.strip()
    if "AccountKey=" in text:
        text = text.split("AccountKey=", 1)[1].split(";", 1)[0]
    if len(text) != 88 or not text.endswith("=="):
        return False
    try:
        return len(base64.b64decode(text, validate=True)) == 64
    except (ValueError, binascii.Error):
        return False


@register_validator("credential_url", "connection string with an embedded password")
def valid_credential_url(value: str) -> bool:
    text = value.strip()
    if len(text) > 1024:
        return False
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if not scheme.replace("+", "").isalnum() or "@" not in rest:
            return False
        userinfo = rest.rsplit("@", 1)[0]
        user, sep, password = userinfo.partition(":")
        return bool(sep and user and password) and "/" not in userinfo
    lowered = text.lower()
    return ("password=" in lowered or "pwd=" in lowered or "accountkey=" in lowered) and (
        ";" in text
    )


_HASH_PREFIXES = ("$2a$", "$2b$", "$2y$", "$argon2", "$pbkdf2", "pbkdf2_", "$5$", "$6$", "$1$",
                  "sha1$", "bcrypt$", "{SSHA}", "{SHA}", "scrypt")  # fmt: skip


@register_validator("password", "plain-text password (not a hash)")
def valid_password(value: str) -> bool:
    """A value that can be a password typed by a person and stored as is (never a hash)."""
    text = value.strip()
    if not 4 <= len(text) <= 64 or " " in text or not text.isprintable():
        return False
    if text.startswith(_HASH_PREFIXES) or ("$" in text[:8] and text.count("$") >= 3):
        return False
    if len(text) >= 32 and set(text) <= _HEX_CHARS:
        return False  # a hex digest
    return not (len(text) >= 40 and text.endswith("=") and set(text) <= _TOKEN_CHARS)
