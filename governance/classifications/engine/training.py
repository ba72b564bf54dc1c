"""Synthetic training data and model training.

The project generates its own labelled columns: every info type in many formats and locales, and
many realistic non-sensitive columns (ids, UUIDs, amounts, timestamps, statuses, SKUs, product and
company names, notes, job titles, user agents, booleans, order numbers, hashes, codes, ...),
including hard negatives (16-digit order numbers that fail Luhn, IBAN-shaped strings that fail
mod-97, 17-character serials that fail the VIN check, sensitive-sounding flags and counts such as
``email_verified`` or ``phone_type``). Columns get dirt: nulls, blanks, placeholder tokens, mixed
case, stray whitespace, a share of invalid values, and uninformative names (``col_7``,
``attr3``, ``field_12``) wherever the values alone decide the label.

Stewards' feedback ``(ColumnInput, label or None, weight)`` is added on top (with a few resampled
copies of each example so that a "kind of column" is learned, not one exact sample).
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from .engine import ColumnInput
from .validators import VALIDATORS

Label = str | None
FeedbackItem = tuple[ColumnInput, Label, float]

DEFAULT_LOCALES: tuple[tuple[str, float], ...] = (
    ("en_US", 0.30),
    ("en_GB", 0.08),
    ("de_DE", 0.08),
    ("fr_FR", 0.08),
    ("es_ES", 0.06),
    ("it_IT", 0.06),
    ("nl_NL", 0.05),
    ("pt_BR", 0.05),
    ("pl_PL", 0.05),
    ("sv_SE", 0.02),
    ("da_DK", 0.02),
    ("pt_PT", 0.02),
    ("cs_CZ", 0.02),
    ("de_AT", 0.02),
    ("fr_CH", 0.02),
    ("en_CA", 0.02),
    ("en_AU", 0.02),
    ("es_MX", 0.01),
)


@dataclass
class Example:
    column: ColumnInput
    label: Label
    weight: float = 1.0


@lru_cache(maxsize=64)
def _faker(locale: str) -> Any:
    from faker import Faker

    return Faker(locale)


class Ctx:
    """Random state shared by the generators of one column."""

    def __init__(self, rng: random.Random, locale: str):
        self.rng = rng
        self.locale = locale
        self.fk = _faker(locale)
        self.fk.seed_instance(rng.getrandbits(32))
        self.en = _faker("en_US")
        self.en.seed_instance(rng.getrandbits(32))

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.fk, method)(*args, **kwargs)
        except (AttributeError, TypeError, ValueError):
            return getattr(self.en, method)(*args, **kwargs)


# ------------------------------------------------------------------------------------------------
# helpers for identifiers with check digits (generated here, validated with the same libraries
# the engine uses)

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _b58check(version: int, payload: bytes) -> str:
    data = bytes([version]) + payload
    check = hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]
    num = int.from_bytes(data + check, "big")
    out = ""
    while num:
        num, rem = divmod(num, 58)
        out = _B58[rem] + out
    pad = len(data + check) - len((data + check).lstrip(b"\0"))
    return "1" * pad + out


def _bech32_polymod(values: Iterable[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _bech32_address(rng: random.Random, hrp: str = "bc") -> str:
    program = bytes(rng.getrandbits(8) for _ in range(20))
    acc, bits, data = 0, 0, [0]  # witness version 0
    for b in program:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    expanded = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    polymod = _bech32_polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)


_VAT_FORMATS = {
    "AT": "U########",
    "BE": "0#########",
    "DE": "#########",
    "DK": "########",
    "ES": "X#######X",
    "FI": "########",
    "FR": "XX#########",
    "GB": "#########",
    "IE": "#######X",
    "IT": "###########",
    "LU": "########",
    "NL": "#########B##",
    "PL": "##########",
    "PT": "#########",
    "SE": "##########01",
    "CZ": "########",
    "SK": "##########",
    "SI": "########",
    "HU": "########",
    "EL": "#########",
    "RO": "########",
    "HR": "###########",
    "LT": "#########",
    "EE": "#########",
}


def _vat_number(rng: random.Random, country: str | None = None) -> str:
    from .validators import valid_vat

    country = country or rng.choice(list(_VAT_FORMATS))
    fmt = _VAT_FORMATS[country]
    for _ in range(4000):
        body = "".join(
            rng.choice(string.digits)
            if c == "#"
            else rng.choice(string.ascii_uppercase + string.digits)
            if c == "X"
            else c
            for c in fmt
        )
        candidate = country + body
        if valid_vat(candidate):
            return candidate
    return country + "".join(rng.choice(string.digits) for _ in range(9))


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    from stdnum import luhn

    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def _nino(rng: random.Random) -> str:
    from .validators import valid_nino

    while True:
        letters = rng.choice("ABCEGHJKLMNOPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
        value = letters + "".join(rng.choice(string.digits) for _ in range(6)) + rng.choice("ABCD")
        if valid_nino(value):
            return value


def _vin(ctx: Ctx) -> str:
    return ctx.call("vin")


def _corrupt(value: str, rng: random.Random) -> str:
    """Flip one alphanumeric character (turns most checksummed ids invalid)."""
    idx = [i for i, c in enumerate(value) if c.isalnum()]
    if not idx:
        return value + "x"
    i = rng.choice(idx)
    c = value[i]
    pool = string.digits if c.isdigit() else string.ascii_uppercase
    new = rng.choice([p for p in pool if p != c.upper()])
    return value[:i] + (new if c.isupper() or c.isdigit() else new.lower()) + value[i + 1 :]


def _group(text: str, size: int, sep: str) -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


# ------------------------------------------------------------------------------------------------
# value generators per info type: each returns a "format variant" (a callable producing one value)
# and whether values alone decide the label in that variant (then uninformative names are allowed)

Gen = Callable[[Ctx], str]


def _pick(ctx: Ctx, options: Sequence[tuple[Any, float]]) -> Any:
    r = ctx.rng.random() * sum(w for _, w in options)
    for item, w in options:
        r -= w
        if r <= 0:
            return item
    return options[-1][0]


def variant_email(ctx: Ctx) -> tuple[Gen, bool]:
    def gen(c: Ctx) -> str:
        kind = c.rng.random()
        if kind < 0.5:
            return c.call("email")
        if kind < 0.7:
            return c.call("free_email")
        if kind < 0.85:
            return c.call("company_email")
        first, last = c.call("first_name"), c.call("last_name")
        local = f"{first}.{last}".lower().replace(" ", "")
        return f"{local}@{c.call('domain_name')}"

    upper = ctx.rng.random() < 0.1
    return ((lambda c: gen(c).upper()) if upper else gen), True


def variant_phone(ctx: Ctx) -> tuple[Gen, bool]:
    import phonenumbers

    kind = _pick(ctx, [("faker", 5), ("e164", 2), ("intl", 1.5), ("digits", 1), ("msisdn", 0.5)])
    region = ctx.locale.split("_")[-1]

    def e164(c: Ctx, fmt: Any) -> str:
        for _ in range(20):
            raw = c.call("phone_number")
            try:
                num = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(num):
                return phonenumbers.format_number(num, fmt)
        return c.call("phone_number")

    if kind == "faker":
        return (lambda c: c.call("phone_number")), True
    if kind == "e164":
        return (lambda c: e164(c, phonenumbers.PhoneNumberFormat.E164)), True
    if kind == "intl":
        return (lambda c: e164(c, phonenumbers.PhoneNumberFormat.INTERNATIONAL)), True
    if kind == "msisdn":
        return (lambda c: c.call("msisdn")), False
    return (
        lambda c: "".join(ch for ch in c.call("phone_number").split("x")[0] if ch.isdigit())
    ), False


def variant_card(ctx: Ctx) -> tuple[Gen, bool]:
    sep = _pick(ctx, [("", 5), (" ", 2), ("-", 2)])

    def gen(c: Ctx) -> str:
        number = c.call("credit_card_number")
        if len(number) == 16 and sep:
            return _group(number, 4, sep)
        return number

    return gen, True


def variant_ssn(ctx: Ctx) -> tuple[Gen, bool]:
    fmt = _pick(ctx, [("dash", 6), ("plain", 2), ("space", 1)])
    en = ctx.en

    def gen(c: Ctx) -> str:
        value = en.ssn()
        if fmt == "plain":
            return value.replace("-", "")
        if fmt == "space":
            return value.replace("-", " ")
        return value

    return gen, fmt != "plain"


def variant_iban(ctx: Ctx) -> tuple[Gen, bool]:
    spaced = ctx.rng.random() < 0.3
    return (lambda c: _group(c.call("iban"), 4, " ")) if spaced else (
        lambda c: c.call("iban")
    ), True


def variant_swift(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("swift", 2), ("swift8", 1), ("swift11", 1)])
    return (lambda c: c.call(kind)), True


def variant_ip(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("v4", 5), ("v6", 2), ("mixed", 2), ("private", 1), ("cidr", 0.5)])

    def gen(c: Ctx) -> str:
        if kind == "v4":
            return c.call("ipv4")
        if kind == "v6":
            return c.call("ipv6")
        if kind == "private":
            return c.call("ipv4_private")
        if kind == "cidr":
            return c.call("ipv4", network=True)
        return c.call("ipv4") if c.rng.random() < 0.6 else c.call("ipv6")

    return gen, True


def variant_mac(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("colon", 5), ("dash", 2), ("upper", 2), ("cisco", 1), ("bare", 0.5)])

    def gen(c: Ctx) -> str:
        mac = c.call("mac_address")
        if kind == "dash":
            return mac.replace(":", "-")
        if kind == "upper":
            return mac.upper()
        if kind == "cisco":
            flat = mac.replace(":", "")
            return _group(flat, 4, ".")
        if kind == "bare":
            return mac.replace(":", "")
        return mac

    return gen, kind != "bare"


def variant_url(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("url", 4), ("uri", 3), ("image", 1), ("www", 1), ("bare", 0.5)])

    def gen(c: Ctx) -> str:
        if kind == "url":
            return c.call("url")
        if kind == "uri":
            return c.call("uri")
        if kind == "image":
            return c.call("image_url")
        if kind == "www":
            return (
                "www."
                + c.call("domain_name")
                + ("/" + c.call("uri_path") if c.rng.random() < 0.3 else "")
            )
        return c.call("domain_name")

    return gen, kind != "bare"


def variant_person(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(
        ctx,
        [("full", 4), ("first", 3), ("last", 3), ("prefixed", 0.7), ("lastfirst", 0.6),
         ("upper", 0.5), ("initial", 0.4)],
    )  # fmt: skip

    def gen(c: Ctx) -> str:
        if kind == "full":
            return c.call("name")
        if kind == "first":
            return c.call("first_name")
        if kind == "last":
            return c.call("last_name")
        if kind == "prefixed":
            return f"{c.call('prefix')} {c.call('first_name')} {c.call('last_name')}"
        if kind == "lastfirst":
            return f"{c.call('last_name')}, {c.call('first_name')}"
        if kind == "upper":
            return c.call("name").upper()
        return f"{c.call('first_name')[0]}. {c.call('last_name')}"

    return gen, True


def variant_street(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("street", 4), ("full", 3), ("oneline", 2), ("secondary", 0.5)])

    def gen(c: Ctx) -> str:
        if kind == "street":
            return c.call("street_address")
        if kind == "full":
            return c.call("address")
        if kind == "oneline":
            return c.call("address").replace("\n", ", ")
        return f"{c.call('street_address')} {c.call('secondary_address')}"

    return gen, True


def variant_postal(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("local", 6), ("plus4", 0.6), ("prefixed", 0.3)])
    if kind == "plus4":
        return (lambda c: c.en.zipcode_plus4()), True
    if kind == "prefixed":
        cc = ctx.locale.split("_")[-1]
        return (lambda c: f"{cc}-{c.call('postcode')}"), True
    sample = str(ctx.call("postcode"))
    decidable = not (sample.isdigit() or sample.replace(" ", "").isdigit())
    return (lambda c: str(c.call("postcode"))), decidable


def variant_city(ctx: Ctx) -> tuple[Gen, bool]:
    upper = ctx.rng.random() < 0.08
    return (lambda c: c.call("city").upper()) if upper else (lambda c: c.call("city")), True


def variant_country(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("name", 5), ("alpha2", 3), ("alpha3", 1.5), ("local", 1)])
    if kind == "alpha2":
        return (lambda c: c.en.country_code()), True
    if kind == "alpha3":
        return (lambda c: c.en.country_code(representation="alpha-3")), True
    if kind == "local":
        return (lambda c: c.call("country")), True
    return (lambda c: c.en.country()), True


_DATE_FORMATS = (
    ("%Y-%m-%d", 6), ("%d/%m/%Y", 1.5), ("%m/%d/%Y", 1.5), ("%d.%m.%Y", 1.5), ("%Y%m%d", 0.3),
    ("%Y-%m-%d 00:00:00", 1), ("%d-%m-%Y", 0.5), ("%b %d, %Y", 0.3),
)  # fmt: skip


def variant_dob(ctx: Ctx) -> tuple[Gen, bool]:
    fmt = _pick(ctx, _DATE_FORMATS)
    lo, hi = _pick(ctx, [((18, 90), 5), ((0, 100), 2), ((18, 65), 2), ((0, 18), 0.5)])
    return (lambda c: c.fk.date_of_birth(minimum_age=lo, maximum_age=hi).strftime(fmt)), lo >= 18


_GENDER_SETS = (
    (("M", "F"), 5), (("Male", "Female"), 3), (("male", "female"), 2), (("m", "f"), 1),
    (("Male", "Female", "Other"), 1), (("M", "F", "X"), 1), (("M", "W", "D"), 1),
    (("männlich", "weiblich", "divers"), 0.7), (("Homme", "Femme"), 0.6), (("H", "F"), 0.6),
    (("masculin", "féminin"), 0.4), (("Masculino", "Femenino"), 0.6), (("hombre", "mujer"), 0.3),
    (("maschio", "femmina"), 0.5), (("Man", "Vrouw"), 0.4), (("M", "V"), 0.4),
    (("Masculino", "Feminino"), 0.5), (("mężczyzna", "kobieta"), 0.3), (("K", "M"), 0.3),
    (("MALE", "FEMALE", "NON-BINARY", "UNKNOWN"), 0.5), (("man", "woman"), 0.4),
    (("Female", "Male", "Non-binary", "Prefer not to say"), 0.5),
)  # fmt: skip


def variant_gender(ctx: Ctx) -> tuple[Gen, bool]:
    options = _pick(ctx, _GENDER_SETS)
    weights = [ctx.rng.uniform(0.5, 1.0) for _ in options]
    if len(options) > 2:
        weights[2:] = [w * 0.1 for w in weights[2:]]
    return (lambda c: c.rng.choices(options, weights)[0]), True


def variant_geo(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("lat", 3), ("lon", 3), ("pair", 2), ("local", 1), ("point", 0.2)])
    digits = ctx.rng.choice((4, 5, 6, 6, 7, 8))

    def coord(c: Ctx, limit: float) -> float:
        return round(c.rng.uniform(-limit, limit), digits)

    if kind == "lat":
        return (lambda c: str(coord(c, 90))), False
    if kind == "lon":
        return (lambda c: str(coord(c, 180))), False
    if kind == "local":

        def local(c: Ctx) -> str:
            pair = c.call("local_latlng", coords_only=True) or c.en.local_latlng(coords_only=True)
            return f"{pair[0]}, {pair[1]}"

        return local, True
    if kind == "point":
        return (lambda c: f"POINT({coord(c, 180)} {coord(c, 90)})"), True
    sep = ctx.rng.choice((", ", ",", "; "))
    return (lambda c: f"{coord(c, 90)}{sep}{coord(c, 180)}"), True


def variant_passport(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("digits", 3), ("letter", 2)])
    if kind == "letter":
        return (
            lambda c: (
                c.rng.choice("ACEFGHJKLMNPRSTUVWXYZ")
                + "".join(c.rng.choice(string.digits) for _ in range(8))
            )
        ), False
    return (lambda c: c.en.passport_number()), False


def variant_nino(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("plain", 3), ("spaced", 2), ("nosuffix", 0.3)])

    def gen(c: Ctx) -> str:
        v = _nino(c.rng)
        if kind == "spaced":
            return f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:8]} {v[8]}"
        if kind == "nosuffix":
            return v[:8]
        return v

    return gen, True


def variant_vat(ctx: Ctx) -> tuple[Gen, bool]:
    mixed = ctx.rng.random() < 0.5
    home = ctx.locale.split("_")[-1]
    home = {"GR": "EL"}.get(home, home)
    countries = list(_VAT_FORMATS)

    def gen(c: Ctx) -> str:
        cc = c.rng.choice(countries) if mixed or home not in _VAT_FORMATS else home
        v = _vat_number(c.rng, cc)
        return v if c.rng.random() < 0.85 else f"{v[:2]} {v[2:]}"

    return gen, True


def variant_crypto(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("mixed", 3), ("legacy", 1), ("p2sh", 1), ("bech32", 1), ("eth", 2)])

    def gen(c: Ctx) -> str:
        k = kind if kind != "mixed" else c.rng.choice(("legacy", "p2sh", "bech32", "eth"))
        payload = bytes(c.rng.getrandbits(8) for _ in range(20))
        if k == "legacy":
            return _b58check(0, payload)
        if k == "p2sh":
            return _b58check(5, payload)
        if k == "bech32":
            return _bech32_address(c.rng)
        return "0x" + payload.hex()

    return gen, True


def variant_aws(ctx: Ctx) -> tuple[Gen, bool]:
    alphabet = string.ascii_uppercase + "234567"

    def gen(c: Ctx) -> str:
        prefix = "AKIA" if c.rng.random() < 0.75 else "ASIA"
        return prefix + "".join(c.rng.choice(alphabet) for _ in range(16))

    return gen, True


def variant_vin(ctx: Ctx) -> tuple[Gen, bool]:
    return _vin, True


_ICD_CHAPTERS = "ABCDEFGHIJKLMNOPQRSTVZ"


def variant_icd(ctx: Ctx) -> tuple[Gen, bool]:
    kind = _pick(ctx, [("dotted", 5), ("category", 1), ("nodot", 0.5)])

    def gen(c: Ctx) -> str:
        r = c.rng
        cat = r.choice(_ICD_CHAPTERS) + f"{r.randint(0, 99):02d}"
        if kind == "category":
            return cat
        sub = str(r.randint(0, 9)) + (str(r.randint(0, 9)) if r.random() < 0.4 else "")
        if r.random() < 0.1:
            sub += r.choice("ADS")
        return f"{cat}.{sub}" if kind == "dotted" else cat + sub

    return gen, kind == "dotted"


VARIANTS: dict[str, Callable[[Ctx], tuple[Gen, bool]]] = {
    "EMAIL_ADDRESS": variant_email,
    "PHONE_NUMBER": variant_phone,
    "CREDIT_CARD_NUMBER": variant_card,
    "US_SSN": variant_ssn,
    "IBAN": variant_iban,
    "SWIFT_BIC": variant_swift,
    "IP_ADDRESS": variant_ip,
    "MAC_ADDRESS": variant_mac,
    "URL": variant_url,
    "PERSON_NAME": variant_person,
    "STREET_ADDRESS": variant_street,
    "POSTAL_CODE": variant_postal,
    "CITY": variant_city,
    "COUNTRY": variant_country,
    "DATE_OF_BIRTH": variant_dob,
    "GENDER": variant_gender,
    "GEO_COORDINATE": variant_geo,
    "US_PASSPORT_NUMBER": variant_passport,
    "UK_NINO": variant_nino,
    "EU_VAT_NUMBER": variant_vat,
    "CRYPTO_WALLET": variant_crypto,
    "AWS_ACCESS_KEY": variant_aws,
    "VEHICLE_VIN": variant_vin,
    "ICD10_CODE": variant_icd,
}

# Column names per type: multilingual stems; styles and affixes are applied on top.
NAMES: dict[str, tuple[str, ...]] = {
    "EMAIL_ADDRESS": ("email", "e_mail", "email_address", "mail", "emailaddress", "contact_email",
                      "work_email", "personal_email", "user_email", "courriel", "adresse_email",
                      "correo", "correo_electronico", "email_adresse", "e_mail_adresse",
                      "posta_elettronica", "indirizzo_email", "emailadres", "e_mailadres",
                      "endereco_email", "adres_email", "epost", "sahkoposti", "mail_privat",
                      "notification_email", "billing_email", "login_email", "recipient"),
    "PHONE_NUMBER": ("phone", "phone_number", "telephone", "tel", "mobile", "mobile_phone", "cell",
                     "cell_phone", "fax", "home_phone", "work_phone", "contact_number", "telefon",
                     "telefonnummer", "handynummer", "mobilnummer", "telephone_portable",
                     "numero_telephone", "telefono", "movil", "numero_telefono", "cellulare",
                     "telefoonnummer", "mobiel", "telefone", "celular", "numer_telefonu",
                     "telefon_komorkowy", "phone_no", "msisdn", "tel_fixe", "rufnummer"),
    "CREDIT_CARD_NUMBER": ("credit_card", "credit_card_number", "card_number", "cc_number", "pan",
                           "card_no", "cc_num", "kreditkarte", "kartennummer", "numero_carte",
                           "carte_bancaire", "numero_tarjeta", "tarjeta_credito",
                           "numero_carta", "carta_di_credito", "creditcard_nummer",
                           "numero_cartao", "numer_karty", "payment_card", "card_pan"),
    "US_SSN": ("ssn", "social_security_number", "social_security_no", "ssn_number", "soc_sec_no",
               "tax_ssn", "employee_ssn", "ss_number", "social_sec_num", "ssn_id"),
    "IBAN": ("iban", "iban_number", "bank_account", "bank_account_number", "account_iban",
             "iban_code", "kontonummer", "bankverbindung", "numero_de_compte", "compte_iban",
             "cuenta_bancaria", "numero_cuenta", "conto_corrente", "codice_iban",
             "rekeningnummer", "bankrekening", "numer_konta", "conta_bancaria", "payout_iban"),
    "SWIFT_BIC": ("swift", "swift_code", "bic", "bic_code", "swift_bic", "bank_bic", "bank_swift",
                  "bic_swift", "code_bic", "codigo_swift", "codice_bic", "bank_identifier_code"),
    "IP_ADDRESS": ("ip", "ip_address", "ipaddress", "client_ip", "remote_addr", "source_ip",
                   "host_ip", "last_login_ip", "ipv4", "ipv6", "ip_adresse", "adresse_ip",
                   "direccion_ip", "indirizzo_ip", "ip_adres", "endereco_ip", "x_forwarded_for",
                   "signup_ip", "dest_ip"),
    "MAC_ADDRESS": ("mac", "mac_address", "macaddr", "hw_address", "device_mac", "wifi_mac",
                    "bssid", "mac_adresse", "adresse_mac", "direccion_mac", "indirizzo_mac",
                    "hardware_address", "ethernet_address"),
    "URL": ("url", "website", "homepage", "web_site", "link", "profile_url", "avatar_url",
            "page_url", "landing_page", "referrer_url", "webseite", "site_web", "sitio_web",
            "pagina_web", "sito_web", "website_url", "image_url", "href", "callback_url",
            "internetseite", "strona_www"),
    "PERSON_NAME": ("name", "full_name", "first_name", "last_name", "firstname", "lastname",
                    "surname", "given_name", "family_name", "customer_name", "contact_name",
                    "employee_name", "patient_name", "middle_name", "maiden_name", "fname",
                    "lname", "display_name", "cardholder_name", "account_holder", "vorname",
                    "nachname", "familienname", "nom", "prenom", "nom_de_famille", "nombre",
                    "apellido", "apellidos", "nome", "cognome", "voornaam", "achternaam",
                    "naam", "sobrenome", "nome_completo", "imie", "nazwisko", "fornavn",
                    "efternamn", "owner_name", "driver_name", "contact_person",
                    "ansprechpartner", "beneficiary_name", "author_name", "holder_name"),
    "STREET_ADDRESS": ("address", "street_address", "street", "address_line1", "address_line_1",
                       "addr1", "billing_address", "shipping_address", "home_address",
                       "mailing_address", "postal_address", "strasse", "anschrift",
                       "adresse", "lieferadresse", "rue", "adresse_postale", "direccion",
                       "domicilio", "calle", "indirizzo", "via", "adres", "straat",
                       "straatnaam", "endereco", "logradouro", "ulica", "adres_zamieszkania",
                       "delivery_address", "residence", "addr"),
    "POSTAL_CODE": ("zip", "zip_code", "zipcode", "postal_code", "postcode", "post_code", "plz",
                    "postleitzahl", "code_postal", "cp", "codigo_postal", "cap", "codice_postale",
                    "cep", "kod_pocztowy", "postnummer", "billing_zip",
                    "shipping_postcode", "zip5", "postal"),
    "CITY": ("city", "town", "city_name", "billing_city", "shipping_city", "home_city", "ort",
             "stadt", "wohnort", "ville", "localite", "ciudad", "localidad", "municipio", "citta",
             "comune", "plaats", "woonplaats", "cidade", "municipio_residencia", "miasto",
             "miejscowosc", "locality", "municipality", "place_of_birth", "birth_city"),
    "COUNTRY": ("country", "country_code", "country_name", "nationality", "citizenship",
                "billing_country", "shipping_country", "country_iso", "iso_country", "land",
                "herkunftsland", "pays", "pays_residence", "pais", "nacionalidad", "paese",
                "nazione", "nazionalita", "land_code", "nationaliteit", "pais_origem", "kraj",
                "country_of_residence", "ctry", "origin_country"),
    "DATE_OF_BIRTH": ("date_of_birth", "dob", "birth_date", "birthdate", "birthday", "born_on",
                      "geburtsdatum", "geburtstag", "geb_datum", "date_naissance",
                      "date_de_naissance", "fecha_nacimiento", "fecha_de_nacimiento",
                      "data_nascita", "data_di_nascita", "geboortedatum", "data_nascimento",
                      "data_urodzenia", "fodelsedatum", "patient_dob", "customer_birthdate",
                      "bday"),
    "GENDER": ("gender", "sex", "geschlecht", "sexe", "genre", "sexo", "genero", "sesso",
               "genere", "geslacht", "plec", "gender_code", "patient_sex", "customer_gender",
               "kon", "biological_sex"),
    "GEO_COORDINATE": ("lat", "latitude", "lon", "lng", "long", "longitude", "coordinates",
                       "geo_location", "location_lat", "location_lng", "gps", "gps_position",
                       "geo_point", "latlng", "lat_lon", "coords", "breitengrad", "laengengrad",
                       "koordinaten", "latitud", "longitud", "coordonnees", "coordenadas",
                       "coordinate", "pickup_lat", "dropoff_lng", "home_latitude"),
    "US_PASSPORT_NUMBER": ("passport", "passport_number", "passport_no", "passport_num",
                           "passport_id", "us_passport", "reisepass_nr", "reisepassnummer",
                           "numero_passeport", "passeport", "numero_pasaporte", "pasaporte",
                           "numero_passaporto", "paspoortnummer", "numero_passaporte",
                           "traveler_passport", "pass_no"),
    "UK_NINO": ("nino", "ni_number", "national_insurance_number", "national_insurance_no",
                "ni_no", "nat_ins_no", "nin", "employee_nino", "national_insurance"),
    "EU_VAT_NUMBER": ("vat", "vat_number", "vat_id", "vat_no", "vat_reg_no", "ust_id",
                      "ust_idnr", "umsatzsteuer_id", "numero_tva", "tva_intracom", "nif_iva",
                      "partita_iva", "btw_nummer", "btw_id", "nip", "vat_registration",
                      "tax_id", "supplier_vat", "customer_vat_id", "cif", "numero_iva"),
    "CRYPTO_WALLET": ("wallet", "wallet_address", "btc_address", "eth_address",
                      "bitcoin_address", "crypto_wallet", "payout_wallet", "deposit_address",
                      "ethereum_address", "receiving_address", "wallet_addr", "crypto_address"),
    "AWS_ACCESS_KEY": ("aws_access_key_id", "aws_access_key", "access_key_id", "aws_key",
                       "access_key", "iam_access_key", "aws_key_id", "akid", "cloud_access_key"),
    "VEHICLE_VIN": ("vin", "vin_number", "vehicle_vin", "vehicle_identification_number",
                    "chassis_number", "chassis_no", "fahrgestellnummer", "fin", "numero_chassis",
                    "numero_bastidor", "bastidor", "numero_telaio", "telaio", "chassisnummer",
                    "chassi", "vin_code", "car_vin"),
    "ICD10_CODE": ("icd10", "icd_10", "icd10_code", "icd_code", "diagnosis_code", "dx_code",
                   "primary_diagnosis", "diagnosis", "diagnose_code", "icd10_diagnosis",
                   "diagnoseschluessel", "code_cim10", "cim10", "codigo_cie10", "cie10",
                   "codice_icd", "diagnosi", "secondary_dx", "admit_dx", "condition_code"),
}  # fmt: skip

PERSONAL_TABLES = (
    "customers", "users", "employees", "patients", "contacts", "members", "clients", "leads",
    "accounts", "staff", "students", "applicants", "drivers", "guests", "subscribers", "kunden",
    "mitarbeiter", "clienti", "clientes", "klanten", "utilisateurs", "pacientes", "persons",
    "people", "profiles", "crm_contacts", "hr_people", "dim_customer", "stg_users",
)  # fmt: skip
OTHER_TABLES = (
    "orders", "products", "invoices", "events", "logs", "inventory", "shipments", "payments",
    "transactions", "sessions", "devices", "vehicles", "claims", "tickets", "audit_log",
    "web_events", "fact_sales", "stg_orders", "bestellungen", "produits", "pedidos", "ordini",
    "artikel", "line_items", "assets", "servers", "catalog", "reviews", "campaigns", "visits",
)  # fmt: skip
TYPE_TABLES: dict[str, tuple[str, ...]] = {
    "IP_ADDRESS": ("sessions", "web_events", "access_log", "logins", "audit_log", "firewall_logs"),
    "MAC_ADDRESS": ("devices", "network_devices", "assets", "wifi_clients", "endpoints"),
    "URL": ("companies", "websites", "links", "pages", "suppliers", "profiles", "bookmarks"),
    "VEHICLE_VIN": ("vehicles", "fleet", "cars", "policies", "fahrzeuge", "vehicules"),
    "ICD10_CODE": ("diagnoses", "encounters", "claims", "admissions", "patients", "visits"),
    "AWS_ACCESS_KEY": ("credentials", "api_keys", "integrations", "service_accounts", "secrets"),
    "CRYPTO_WALLET": ("wallets", "payouts", "deposits", "crypto_transfers", "users"),
    "SWIFT_BIC": ("bank_accounts", "payees", "suppliers", "wire_transfers", "banks"),
    "EU_VAT_NUMBER": ("suppliers", "companies", "vendors", "invoices", "lieferanten", "clients"),
    "GEO_COORDINATE": ("locations", "stores", "trips", "addresses", "sites", "check_ins"),
}  # fmt: skip

UNINFORMATIVE_NAMES = (
    "col_{n}", "col{n}", "column_{n}", "column{n}", "field_{n}", "field{n}", "attr{n}",
    "attr_{n}", "attribute_{n}", "c{n}", "f{n}", "x{n}", "var_{n}", "v{n}", "value{n}", "val_{n}",
    "data_{n}", "feature_{n}", "unnamed_{n}", "misc_{n}", "extra_{n}", "custom_{n}", "udf_{n}",
    "prop_{n}", "spalte_{n}", "champ_{n}", "campo_{n}", "kolumna_{n}", "tmp_{n}", "item_{n}",
)  # fmt: skip

_PREFIXES = (
    "", "", "", "", "customer_", "cust_", "user_", "billing_", "primary_", "contact_", "emp_",
    "home_", "main_", "personal_", "usr_", "client_", "kunde_", "src_", "raw_",
)  # fmt: skip
_SUFFIXES = (
    "", "", "", "", "", "_1", "_2", "_primary", "_raw", "_txt", "_value", "_str", "_clean",
    "_old", "_new", "_current",
)  # fmt: skip


def style_name(stem: str, rng: random.Random, affixes: bool = True) -> str:
    """Apply a naming style (snake, camel, Pascal, UPPER, kebab, concatenated) and affixes."""
    words = stem
    if affixes and rng.random() < 0.35:
        words = rng.choice(_PREFIXES) + words + rng.choice(_SUFFIXES)
    parts = [p for p in words.split("_") if p]
    style = rng.random()
    if style < 0.55:
        return "_".join(parts)
    if style < 0.7:
        return parts[0] + "".join(p.capitalize() for p in parts[1:])
    if style < 0.8:
        return "".join(p.capitalize() for p in parts)
    if style < 0.9:
        return "_".join(parts).upper()
    if style < 0.95:
        return "".join(parts)
    return " ".join(p.capitalize() for p in parts)


def uninformative_name(rng: random.Random) -> str:
    return rng.choice(UNINFORMATIVE_NAMES).format(n=rng.randint(1, 60))


# ------------------------------------------------------------------------------------------------
# non-sensitive columns: (name stems, generator factory, data type)


def _words(c: Ctx, lo: int, hi: int) -> str:
    return " ".join(c.call("word") for _ in range(c.rng.randint(lo, hi)))


def _choices(options: Sequence[str]) -> Callable[[Ctx], Gen]:
    def factory(ctx: Ctx) -> Gen:
        k = ctx.rng.randint(2, len(options))
        subset = ctx.rng.sample(list(options), k)
        weights = [ctx.rng.random() + 0.05 for _ in subset]
        return lambda c: c.rng.choices(subset, weights)[0]

    return factory


def _fixed(fn: Gen) -> Callable[[Ctx], Gen]:
    return lambda ctx: fn


def _seq_ids(ctx: Ctx) -> Gen:
    start = ctx.rng.choice((1, 1, 100, 1000, 10000, 100000, 5_000_000))
    step = ctx.rng.choice((1, 1, 1, 2, 7))
    counter = iter(range(start, start + step * 100000, step))
    return lambda c: str(next(counter))


def _rand_int(lo: int, hi: int) -> Callable[[Ctx], Gen]:
    return _fixed(lambda c: str(c.rng.randint(lo, hi)))


def _rand_digits(n_lo: int, n_hi: int, sep: str = "") -> Callable[[Ctx], Gen]:
    def factory(ctx: Ctx) -> Gen:
        n = ctx.rng.randint(n_lo, n_hi)

        def gen(c: Ctx) -> str:
            s = str(c.rng.randint(1, 9)) + "".join(
                c.rng.choice(string.digits) for _ in range(n - 1)
            )
            return _group(s, 4, sep) if sep else s

        return gen

    return factory


def _amount(ctx: Ctx) -> Gen:
    hi = ctx.rng.choice((10, 100, 1000, 10000, 1_000_000))
    dp = ctx.rng.choice((2, 2, 2, 0, 1, 3))
    neg = ctx.rng.random() < 0.2
    return lambda c: f"{c.rng.uniform(-hi if neg else 0, hi):.{dp}f}"


def _measure(ctx: Ctx) -> Gen:
    hi = ctx.rng.choice((1, 5, 100, 250, 1000))
    dp = ctx.rng.choice((3, 4, 5, 6))
    return lambda c: f"{c.rng.uniform(0, hi):.{dp}f}"


def _timestamp(ctx: Ctx) -> Gen:
    fmt = ctx.rng.choice(("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S.%f",
                          "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S+00:00"))  # fmt: skip
    base = datetime(2015, 1, 1) + timedelta(days=ctx.rng.randint(0, 3000))
    span = ctx.rng.choice((30, 365, 1500))
    return lambda c: (base + timedelta(seconds=c.rng.randint(0, span * 86400))).strftime(fmt)


def _recent_date(ctx: Ctx) -> Gen:
    fmt = _pick(ctx, _DATE_FORMATS)
    base = date(ctx.rng.randint(2005, 2024), 1, 1)
    span = ctx.rng.choice((60, 365, 1200, 3000))
    return lambda c: (base + timedelta(days=c.rng.randint(0, span))).strftime(fmt)


def _wide_date(ctx: Ctx) -> Gen:
    """Dates spread over decades that are not birth dates (hire, founding, build dates...)."""
    fmt = _pick(ctx, _DATE_FORMATS)
    lo = ctx.rng.randint(1950, 2000)
    return lambda c: date(
        c.rng.randint(lo, 2024), c.rng.randint(1, 12), c.rng.randint(1, 28)
    ).strftime(fmt)


def _future_date(ctx: Ctx) -> Gen:
    fmt = _pick(ctx, _DATE_FORMATS)
    return lambda c: (date(2025, 1, 1) + timedelta(days=c.rng.randint(0, 3000))).strftime(fmt)


def _hex(n: int) -> Callable[[Ctx], Gen]:
    return _fixed(lambda c: "".join(c.rng.choice("0123456789abcdef") for _ in range(n)))


def _code(pattern_choices: Sequence[str]) -> Callable[[Ctx], Gen]:
    """Codes from a template: 'A' letter, '9' digit, 'X' alnum, other characters literal."""

    def factory(ctx: Ctx) -> Gen:
        pattern = ctx.rng.choice(list(pattern_choices))

        def gen(c: Ctx) -> str:
            out = []
            for ch in pattern:
                if ch == "A":
                    out.append(c.rng.choice(string.ascii_uppercase))
                elif ch == "9":
                    out.append(c.rng.choice(string.digits))
                elif ch == "X":
                    out.append(c.rng.choice(string.ascii_uppercase + string.digits))
                else:
                    out.append(ch)
            return "".join(out)

        return gen

    return factory


def _bad_iban(ctx: Ctx) -> Gen:
    return lambda c: _corrupt(c.call("iban"), c.rng)


def _bad_card(ctx: Ctx) -> Gen:
    return lambda c: _corrupt(c.call("credit_card_number"), c.rng)


def _bad_vin(ctx: Ctx) -> Gen:
    return lambda c: _corrupt(c.call("vin"), c.rng)


def _serial17(ctx: Ctx) -> Gen:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return lambda c: "".join(c.rng.choice(alphabet) for _ in range(17))


def _order_16(ctx: Ctx) -> Gen:
    from .validators import valid_card

    def gen(c: Ctx) -> str:
        while True:
            s = str(c.rng.randint(2, 6)) + "".join(c.rng.choice(string.digits) for _ in range(15))
            if not valid_card(s):
                return s

    return gen


def _uuid(ctx: Ctx) -> Gen:
    upper = ctx.rng.random() < 0.1
    return lambda c: (lambda u: u.upper() if upper else u)(
        str(uuid.UUID(int=c.rng.getrandbits(128)))
    )


def _bool(ctx: Ctx) -> Gen:
    pair = ctx.rng.choice((("true", "false"), ("True", "False"), ("1", "0"), ("Y", "N"),
                           ("yes", "no"), ("t", "f"), ("TRUE", "FALSE"), ("ja", "nein"),
                           ("oui", "non"), ("sí", "no")))  # fmt: skip
    p = ctx.rng.uniform(0.1, 0.9)
    return lambda c: pair[0] if c.rng.random() < p else pair[1]


def _sentence(ctx: Ctx) -> Gen:
    return lambda c: c.call("sentence", nb_words=c.rng.randint(4, 14))


def _paragraph(ctx: Ctx) -> Gen:
    return lambda c: c.call("paragraph", nb_sentences=c.rng.randint(1, 3))


def _b64(ctx: Ctx) -> Gen:
    n = ctx.rng.choice((12, 18, 24, 32))
    return lambda c: base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(n))).decode()


def _json(ctx: Ctx) -> Gen:
    keys = [ctx.call("word") for _ in range(3)]
    return lambda c: "{" + ", ".join(f'"{k}": {c.rng.randint(0, 99)}' for k in keys) + "}"


def _version(ctx: Ctx) -> Gen:
    return lambda c: f"{c.rng.randint(0, 12)}.{c.rng.randint(0, 30)}.{c.rng.randint(0, 99)}"


def _percent(ctx: Ctx) -> Gen:
    return lambda c: f"{c.rng.uniform(0, 100):.{c.rng.choice((1, 2))}f}"


def _year(ctx: Ctx) -> Gen:
    lo = ctx.rng.randint(1950, 2015)
    return lambda c: str(c.rng.randint(lo, 2025))


def _small_int(ctx: Ctx) -> Gen:
    hi = ctx.rng.choice((5, 10, 50, 100, 500))
    return lambda c: str(c.rng.randint(0, hi))


def _zipish_int(ctx: Ctx) -> Gen:
    return lambda c: str(c.rng.randint(10000, 99999))


def _nine_digit(ctx: Ctx) -> Gen:
    return lambda c: str(c.rng.randint(100_000_000, 999_999_999))


def _phoneish_code(ctx: Ctx) -> Gen:
    return lambda c: (
        f"{c.rng.randint(100, 999)}-{c.rng.randint(1000, 9999)}-{c.rng.randint(10, 99)}"
    )


def _company_like_person(ctx: Ctx) -> Gen:
    return lambda c: c.call("company")


def _state(ctx: Ctx) -> Gen:
    abbr = ctx.rng.random() < 0.5
    return lambda c: c.en.state_abbr() if abbr else c.call("state")


def _timezone(ctx: Ctx) -> Gen:
    return lambda c: c.call("timezone")


NULL_KINDS: tuple[tuple[tuple[str, ...], Callable[[Ctx], Gen], str, float], ...] = (
    (("id", "user_id", "order_id", "customer_id", "row_id", "pk", "record_id", "kunden_id"),
     _seq_ids, "integer", 6.0),
    (("account_id", "external_id", "ref_id", "session_id", "member_no", "customer_number"),
     _rand_digits(6, 12), "bigint", 3.0),
    (("uuid", "guid", "request_id", "trace_id", "event_id", "correlation_id", "id"),
     _uuid, "uuid", 3.0),
    (("amount", "price", "total", "unit_price", "balance", "cost", "betrag", "montant", "importe",
      "revenue", "discount", "tax_amount", "fee"), _amount, "numeric(10,2)", 5.0),
    (("weight_kg", "score", "probability", "ratio", "rate", "exchange_rate", "confidence",
      "temperature", "distance_km", "volume", "elevation", "accuracy"),
     _measure, "numeric(12,6)", 3.0),
    (("quantity", "qty", "count", "age_days", "retries", "stock", "items", "menge", "nb_items",
      "rank", "priority", "level", "floor"), _small_int, "integer", 4.0),
    (("created_at", "updated_at", "timestamp", "event_time", "last_login", "modified",
      "erstellt_am", "date_creation", "fecha_alta", "ts", "logged_at"),
     _timestamp, "timestamp", 5.0),
    (("order_date", "ship_date", "invoice_date", "start_date", "due_date", "event_date",
      "datum", "date", "fecha", "data", "created", "visit_date", "payment_date"),
     _recent_date, "date", 4.0),
    (("hire_date", "founded", "build_date", "first_registration", "policy_start", "joined_on",
      "opening_date", "release_date", "date_acquired", "contract_date"),
     _wide_date, "date", 2.0),
    (("expiry_date", "valid_until", "renewal_date", "expires_on", "next_review"),
     _future_date, "date", 1.0),
    (("year", "model_year", "fiscal_year", "year_built", "season"), _year, "integer", 1.5),
    (("is_active", "active", "verified", "deleted", "enabled", "opt_in", "is_admin", "flag",
      "newsletter", "email_verified", "phone_verified", "has_card", "aktiv"),
     _bool, "boolean", 4.0),
    (("status", "state", "order_status", "stage", "etat", "estado", "stato"),
     _choices(("active", "inactive", "pending", "closed", "open", "cancelled", "shipped",
               "delivered", "ACTIVE", "PENDING", "failed", "refunded", "on_hold", "new",
               "in_progress", "done", "archived")), "varchar(20)", 4.0),
    (("category", "product_category", "segment", "tier", "plan", "department", "channel",
      "source", "type", "kategorie", "categorie", "priority_level"),
     _choices(("Electronics", "Books", "Toys", "Garden", "Premium", "Basic", "Gold", "Silver",
               "Enterprise", "Retail", "Online", "Partner", "Sales", "Marketing", "HR",
               "Finance", "Support", "Engineering", "Web", "Mobile", "B2B", "B2C", "Direct",
               "Referral", "Organic", "Paid", "Email", "Social")), "varchar(50)", 4.0),
    (("phone_type", "address_type", "card_type", "email_type", "contact_type", "id_type",
      "payment_method", "card_brand"),
     _choices(("mobile", "home", "work", "billing", "shipping", "Visa", "Mastercard", "Amex",
               "personal", "business", "other", "primary", "secondary", "fax", "PayPal",
               "SEPA", "Discover")), "varchar(20)", 2.0),
    (("sku", "product_code", "item_code", "article_no", "part_number", "model_number",
      "artikelnummer", "ref_produit", "codigo_producto"),
     _code(("AAA-9999", "AA-999-XX", "SKU-99999", "9999-AAA", "AAA99999", "XXXX-XXXX",
            "AA9999A", "A99-999", "99-9999-99", "AAAA9999X")), "varchar(32)", 4.0),
    (("order_number", "order_no", "invoice_number", "reference", "confirmation_code",
      "ticket_no", "booking_ref", "bestellnummer", "numero_commande", "rechnungsnummer"),
     _code(("ORD-999999", "INV-2024-99999", "9999999999", "AAXXXX", "X99999999",
            "PO-99999", "R999999999", "XXXXXXXX", "BK9999999")), "varchar(32)", 4.0),
    (("order_number", "transaction_ref", "reference_number", "tracking_id", "card_token",
      "loyalty_number", "batch_number", "auth_code"), _order_16, "varchar(20)", 3.0),
    (("tracking_number", "shipment_id", "parcel_id", "waybill"),
     _code(("1Z999AA99999999999", "AA999999999AA", "99999999999999", "JJD99999999999")),
     "varchar(32)", 2.0),
    (("product_name", "item_name", "title", "product", "name", "article", "produktname",
      "nom_produit", "nombre_producto", "label"),
     _fixed(lambda c: c.call("catch_phrase") if c.rng.random() < 0.5 else c.call("bs").title()),
     "varchar(100)", 4.0),
    (("company", "company_name", "employer", "organization", "vendor", "supplier", "firma",
      "entreprise", "empresa", "azienda", "merchant", "name", "customer"),
     _company_like_person, "varchar(100)", 4.0),
    (("job_title", "title", "position", "occupation", "role", "beruf", "poste", "puesto",
      "professione"), _fixed(lambda c: c.call("job")), "varchar(100)", 3.0),
    (("notes", "comment", "description", "remarks", "message", "feedback", "bemerkung",
      "commentaire", "comentario", "body", "summary"), _sentence, "text", 4.0),
    (("details", "long_description", "content", "text"), _paragraph, "text", 1.5),
    (("user_agent", "browser", "ua", "http_user_agent"),
     _fixed(lambda c: c.call("user_agent")), "text", 2.0),
    (("md5", "checksum", "hash", "etag", "digest", "password_hash", "email_hash", "token"),
     _hex(32), "char(32)", 2.0),
    (("sha1", "commit", "git_sha", "fingerprint", "api_secret_hash"), _hex(40), "char(40)", 1.5),
    (("short_hash", "checksum", "build_id", "object_id", "commit_short", "device_token", "nonce"),
     _fixed(lambda c: "".join(c.rng.choice("0123456789abcdef") for _ in range(c.rng.choice(
         (8, 10, 12, 12, 16))))), "varchar(16)", 1.5),
    (("sha256", "content_hash", "signature", "hashed_email"), _hex(64), "char(64)", 1.0),
    (("api_token", "nonce", "salt", "session_key", "secret"), _b64, "varchar(64)", 1.0),
    (("color", "colour", "farbe", "couleur"), _fixed(lambda c: c.call("color_name")),
     "varchar(20)", 1.5),
    (("hex_color", "color_code"), _fixed(lambda c: c.call("hex_color")), "char(7)", 0.5),
    (("file_name", "filename", "attachment", "document", "path"),
     _fixed(lambda c: c.call("file_name") if c.rng.random() < 0.6 else c.call("file_path")),
     "varchar(255)", 2.0),
    (("mime_type", "content_type", "format"), _fixed(lambda c: c.call("mime_type")),
     "varchar(50)", 1.0),
    (("currency", "currency_code", "waehrung", "devise", "moneda"),
     _fixed(lambda c: c.call("currency_code")), "char(3)", 2.0),
    (("language", "lang", "locale", "language_code", "sprache", "langue", "idioma"),
     _fixed(lambda c: c.call("language_code") if c.rng.random() < 0.6 else c.call("locale")),
     "varchar(10)", 2.0),
    (("state", "region", "province", "bundesland", "state_code", "provincia"),
     _state, "varchar(30)", 2.0),
    (("timezone", "tz", "time_zone"), _timezone, "varchar(40)", 1.0),
    (("version", "app_version", "firmware", "os_version", "schema_version"),
     _version, "varchar(20)", 1.5),
    (("percent", "pct", "completion", "discount_pct", "margin", "vat_rate", "tax_rate"),
     _percent, "numeric(5,2)", 2.0),
    (("payload", "metadata", "attributes", "settings", "extra"), _json, "text", 1.0),
    (("tags", "keywords", "labels", "topics"), _fixed(lambda c: ", ".join(
        c.call("word") for _ in range(c.rng.randint(1, 4)))), "varchar(255)", 1.5),
    (("word", "code_name", "nickname_internal", "project", "team", "squad", "project_name"),
     _fixed(lambda c: _words(c, 1, 2).title()), "varchar(50)", 2.0),
    (("license_plate", "plate", "kennzeichen", "immatriculation"),
     _fixed(lambda c: c.call("license_plate")), "varchar(12)", 1.0),
    (("isbn", "ean", "barcode", "gtin", "upc"),
     _fixed(lambda c: c.call("ean13") if c.rng.random() < 0.6 else c.call("isbn13")),
     "varchar(17)", 1.5),
    (("serial_number", "serial", "license_key", "device_serial", "asset_tag", "product_key"),
     _serial17, "varchar(17)", 2.0),
    (("port", "http_status", "status_code", "response_code", "error_code"),
     _choices(("200", "201", "301", "302", "400", "401", "403", "404", "500", "502", "503",
               "8080", "443", "22")), "integer", 1.5),
    (("store_number", "branch_code", "route_no", "product_id", "batch", "lot", "area_code",
      "cost_center", "kostenstelle"), _zipish_int, "integer", 2.0),
    (("employee_number", "member_id", "policy_number", "contract_no", "claim_number",
      "account_no", "customer_no", "case_number", "voucher"), _nine_digit, "varchar(12)", 2.5),
    (("part_number", "catalog_no", "doc_number", "form_id", "ref_code"),
     _phoneish_code, "varchar(20)", 1.5),
    (("iban_check", "payment_ref", "mandate_reference", "transfer_ref", "bank_reference",
      "remittance_info"), _bad_iban, "varchar(34)", 1.0),
    (("card_ref", "order_reference", "voucher_code", "gift_card_number", "receipt_no"),
     _bad_card, "varchar(20)", 1.0),
    (("registration_id", "unit_serial", "frame_code", "engine_code"), _bad_vin, "char(17)", 1.0),
    (("region_code", "grade", "cabin", "shelf", "room", "aisle", "section", "gate", "seat"),
     _code(("A99", "AA9", "A9", "A999", "99A", "A9A")), "varchar(5)", 1.5),
    (("size", "shirt_size", "groesse", "taille"),
     _choices(("XS", "S", "M", "L", "XL", "XXL")), "varchar(5)", 1.0),
    (("rating", "stars", "review_score", "nps"), _choices(("1", "2", "3", "4", "5")),
     "smallint", 1.5),
    (("duration", "elapsed", "response_time_ms", "latency"),
     _rand_int(1, 50000), "integer", 1.5),
    (("country_id", "city_id", "address_id", "gender_id", "email_count", "phone_count",
      "name_length", "iban_count", "zip_count"), _small_int, "integer", 1.5),
    (("domain", "hostname", "host", "server"),
     _fixed(lambda c: c.call("hostname") if c.rng.random() < 0.5 else c.call("domain_word")),
     "varchar(100)", 1.0),
    (("airport", "iata", "station_code", "warehouse_code", "ticker", "symbol"),
     _code(("AAA",)), "char(3)", 1.5),
    (("bucket", "queue", "topic", "event_name", "action", "operation", "method"),
     _fixed(lambda c: "_".join(c.call("word") for _ in range(c.rng.randint(1, 3)))),
     "varchar(50)", 1.5),
    (("url_path", "endpoint", "route", "uri_path"),
     _fixed(lambda c: "/" + c.call("uri_path")), "varchar(255)", 1.0),
)  # fmt: skip

# ------------------------------------------------------------------------------------------------


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
            v = _corrupt(v, rng) if rng.random() < 0.6 else _junk(ctx)
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


def _junk(ctx: Ctx) -> str:
    r = ctx.rng.random()
    if r < 0.3:
        return ctx.call("word")
    if r < 0.5:
        return str(ctx.rng.randint(0, 99999))
    if r < 0.7:
        return "unknown"
    return ctx.call("pystr", min_chars=3, max_chars=12)


def _locale(rng: random.Random, locales: Sequence[tuple[str, float]]) -> str:
    r = rng.random() * sum(w for _, w in locales)
    for loc, w in locales:
        r -= w
        if r <= 0:
            return loc
    return locales[0][0]


CHECKSUM_TYPES = {
    "CREDIT_CARD_NUMBER": "luhn",
    "IBAN": "iban",
    "EU_VAT_NUMBER": "vat",
    "VEHICLE_VIN": "vin",
    "CRYPTO_WALLET": "crypto",
}
NEUTRAL_CODE_NAMES = ("reference", "ref_code", "code", "external_ref", "token", "identifier",
                      "tracking_code", "doc_id", "key", "serial")  # fmt: skip


POOLED_TYPES = frozenset(
    {"CITY", "COUNTRY", "PERSON_NAME", "POSTAL_CODE", "ICD10_CODE", "SWIFT_BIC", "IP_ADDRESS",
     "URL", "STREET_ADDRESS", "DATE_OF_BIRTH", "GEO_COORDINATE"}
)  # fmt: skip


def _pooled(gen: Gen, ctx: Ctx) -> Gen:
    """Draw from a small pool of values with skewed frequencies (low-cardinality columns)."""
    k = ctx.rng.randint(3, 25)
    pool = [str(gen(ctx)) for _ in range(k)]
    weights = [1.0 / (i + 1) ** ctx.rng.uniform(0.3, 1.2) for i in range(k)]
    return lambda c: c.rng.choices(pool, weights)[0]


def _failing(gen: Gen, validator: Callable[[str], bool]) -> Gen:
    """Values shaped like ``gen``'s whose check digits fail."""

    def bad(c: Ctx) -> str:
        for _ in range(20):
            v = _corrupt(str(gen(c)), c.rng)
            if not validator(v):
                return v
        return _corrupt(str(gen(c)), c.rng)

    return bad


def generate_examples(
    *,
    seed: int = 0,
    per_type: int = 70,
    null_columns: int = 1700,
    locales: Sequence[tuple[str, float]] = DEFAULT_LOCALES,
    min_values: int = 20,
    max_values: int = 100,
) -> list[Example]:
    """Generate a labelled set of synthetic columns (deterministic for a seed)."""
    rng = random.Random(seed)
    min_values = min(min_values, max_values)
    out: list[Example] = []
    for label, variant in VARIANTS.items():
        for k in range(per_type):
            loc = _locale(rng, locales)
            ctx = Ctx(random.Random(rng.getrandbits(64)), loc)
            gen, decidable = variant(ctx)
            if label in POOLED_TYPES and ctx.rng.random() < 0.3:
                gen = _pooled(gen, ctx)  # a few distinct values, repeated (e.g. home cities)
            r = ctx.rng.random()
            if decidable and r < 0.25:
                name = uninformative_name(ctx.rng)
            else:
                name = style_name(ctx.rng.choice(NAMES[label]), ctx.rng)
            hard = k % 10 == 0
            n_values = ctx.rng.randint(min_values, max_values)
            null_rate = ctx.rng.choice((0.0, 0.0, 0.05, 0.1, 0.2, 0.35)) if not hard else 0.6
            invalid = ctx.rng.choice((0.0, 0.0, 0.0, 0.05, 0.1, 0.2))
            values, dt = _column(ctx, name, gen, label, None, n_values, null_rate=null_rate,
                                 invalid_rate=invalid, dirt=True)  # fmt: skip
            tables = TYPE_TABLES.get(label) or PERSONAL_TABLES
            table = ctx.rng.choice(tables if ctx.rng.random() < 0.7 else OTHER_TABLES)
            out.append(Example(ColumnInput(name, dt, values, table=table), label))
        # checksummed identifiers whose check digits all fail are not that identifier
        if label in CHECKSUM_TYPES:
            for _ in range(max(1, per_type // 12)):
                ctx = Ctx(random.Random(rng.getrandbits(64)), _locale(rng, locales))
                gen, _ = variant(ctx)
                validator = VALIDATORS[CHECKSUM_TYPES[label]]
                bad = _failing(gen, validator)
                name = (
                    style_name(ctx.rng.choice(NAMES[label]), ctx.rng)
                    if ctx.rng.random() < 0.5
                    else style_name(ctx.rng.choice(NEUTRAL_CODE_NAMES), ctx.rng)
                )
                n_values = ctx.rng.randint(min_values, max_values)
                values, dt = _column(ctx, name, bad, label, None, n_values, null_rate=0.05,
                                     invalid_rate=0.0, dirt=True)  # fmt: skip
                out.append(Example(ColumnInput(name, dt, values, table="t"), None))
        # a few columns where only the name is informative (all values null)
        for _ in range(max(1, per_type // 35)):
            ctx = Ctx(random.Random(rng.getrandbits(64)), "en_US")
            name = style_name(ctx.rng.choice(NAMES[label]), ctx.rng)
            values = [None] * ctx.rng.randint(5, 100)
            gen, _ = variant(ctx)
            sample = str(gen(ctx))
            out.append(
                Example(ColumnInput(name, _data_type_for(label, sample, ctx.rng), values), label)
            )
    weights = [w for *_, w in NULL_KINDS]
    for _ in range(null_columns):
        stems, factory, dtype, _w = rng.choices(NULL_KINDS, weights)[0]
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
        table = ctx.rng.choice(OTHER_TABLES + PERSONAL_TABLES)
        out.append(Example(ColumnInput(name, dt, values, table=table), None))
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
) -> Any:
    """Generate the synthetic training set, add stewards' feedback, and fit a :class:`Model`.

    ``small=True`` trains a reduced model in a couple of seconds (for tests). Feedback items are
    ``(ColumnInput, label or None, weight)``; ``label=None`` means "not sensitive".
    """
    from .model import Model

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
