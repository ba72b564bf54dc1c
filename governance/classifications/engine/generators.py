"""Value generators of the synthetic training set: what the values of one column look like.

For each info type, a *variant* function picks a format (``variant_phone`` an E.164 or a national
number, ``variant_dob`` a date format and an age range, ...) and returns a value generator plus
whether values alone decide the label in that format (then an uninformative column name is
allowed). :data:`NON_SENSITIVE` holds the generators of non-sensitive columns (ids, amounts,
timestamps, codes, hashes, ...) that ``data/sources/training.toml`` refers to by name. Values come
from Faker's locale providers and from check-digit helpers validated with the engine's own
validators. Everything draws from the column's :class:`Ctx`, so a seed generates the same values.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from .generators_ids import VARIANTS_IDS, stable_faker
from .training_data import tables


@lru_cache(maxsize=64)
def _faker(locale: str) -> Any:
    from faker import Faker

    return stable_faker(Faker(locale))


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


def _vat_number(rng: random.Random, country: str | None = None) -> str:
    from .validators import valid_vat

    formats = tables().vat_formats
    country = country or rng.choice(list(formats))
    fmt = formats[country]
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


def _nino(rng: random.Random) -> str:
    from .validators import valid_nino

    while True:
        letters = rng.choice("ABCEGHJKLMNOPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
        value = letters + "".join(rng.choice(string.digits) for _ in range(6)) + rng.choice("ABCD")
        if valid_nino(value):
            return value


def _vin(ctx: Ctx) -> str:
    return ctx.call("vin")


def corrupt(value: str, rng: random.Random) -> str:
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


def variant_dob(ctx: Ctx) -> tuple[Gen, bool]:
    fmt = _pick(ctx, tables().date_formats)
    lo, hi = _pick(ctx, [((18, 90), 5), ((0, 100), 2), ((18, 65), 2), ((0, 18), 0.5)])
    return (lambda c: c.fk.date_of_birth(minimum_age=lo, maximum_age=hi).strftime(fmt)), lo >= 18


def variant_gender(ctx: Ctx) -> tuple[Gen, bool]:
    options = _pick(ctx, tables().gender_sets)
    weights = [ctx.rng.uniform(0.5, 1.0) for _ in options]
    if len(options) > 2:
        weights[2:] = [w * 0.1 for w in weights[2:]]
    coded = all(o.isdigit() for o in options)  # ISO 5218 codes: only a name says "gender"
    return (lambda c: c.rng.choices(options, weights)[0]), not coded


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
    formats = tables().vat_formats
    countries = list(formats)

    def gen(c: Ctx) -> str:
        cc = c.rng.choice(countries) if mixed or home not in formats else home
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
    **VARIANTS_IDS,  # national, tax, bank, health and travel-document numbers; secrets
}


# ------------------------------------------------------------------------------------------------
# column names


def style_name(stem: str, rng: random.Random, affixes: bool = True) -> str:
    """Apply a naming style (snake, camel, Pascal, UPPER, kebab, concatenated) and affixes."""
    words = stem
    if affixes and rng.random() < 0.35:
        affix_tables = tables()
        words = (
            rng.choice(affix_tables.name_prefixes) + words + rng.choice(affix_tables.name_suffixes)
        )
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
    return rng.choice(tables().uninformative_names).format(n=rng.randint(1, 60))


# ------------------------------------------------------------------------------------------------
# non-sensitive columns: a factory per kind of column, called once per column, returns the
# column's value generator


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
    fmt = _pick(ctx, tables().date_formats)
    base = date(ctx.rng.randint(2005, 2024), 1, 1)
    span = ctx.rng.choice((60, 365, 1200, 3000))
    return lambda c: (base + timedelta(days=c.rng.randint(0, span))).strftime(fmt)


def _wide_date(ctx: Ctx) -> Gen:
    """Dates spread over decades that are not birth dates (hire, founding, build dates...)."""
    fmt = _pick(ctx, tables().date_formats)
    lo = ctx.rng.randint(1950, 2000)
    return lambda c: date(
        c.rng.randint(lo, 2024), c.rng.randint(1, 12), c.rng.randint(1, 28)
    ).strftime(fmt)


def _future_date(ctx: Ctx) -> Gen:
    fmt = _pick(ctx, tables().date_formats)
    return lambda c: (date(2025, 1, 1) + timedelta(days=c.rng.randint(0, 3000))).strftime(fmt)


def _hex(length: int) -> Callable[[Ctx], Gen]:
    return _fixed(lambda c: "".join(c.rng.choice("0123456789abcdef") for _ in range(length)))


def _code(patterns: Sequence[str]) -> Callable[[Ctx], Gen]:
    """Codes from a template: 'A' letter, '9' digit, 'X' alnum, other characters literal."""

    def factory(ctx: Ctx) -> Gen:
        pattern = ctx.rng.choice(list(patterns))

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
    return lambda c: corrupt(c.call("iban"), c.rng)


def _bad_card(ctx: Ctx) -> Gen:
    return lambda c: corrupt(c.call("credit_card_number"), c.rng)


def _bad_vin(ctx: Ctx) -> Gen:
    return lambda c: corrupt(c.call("vin"), c.rng)


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


def _sentence_with_contact(ctx: Ctx) -> Gen:
    """Notes that now and then mention an e-mail or a phone number (free text, not contacts)."""
    share = ctx.rng.uniform(0.05, 0.5)

    def gen(c: Ctx) -> str:
        text = c.call("sentence", nb_words=c.rng.randint(4, 12))
        if c.rng.random() < share:
            contact = c.call("email") if c.rng.random() < 0.5 else c.call("phone_number")
            text = f"{text[:-1]} ({c.rng.choice(('call', 'mail', 'contact'))} {contact})."
        return text

    return gen


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


def _digits(lengths: Sequence[int]) -> Callable[[Ctx], Gen]:
    return _rand_digits(lengths[0], lengths[1])


def _integer(bounds: Sequence[int]) -> Callable[[Ctx], Gen]:
    return _rand_int(bounds[0], bounds[1])


Factory = Callable[[Ctx], Gen]

# The value generators of non-sensitive columns, by the name ``training.toml`` gives them.
_PLAIN: dict[str, Factory] = {
    "sequence": _seq_ids,
    "uuid": _uuid,
    "amount": _amount,
    "measure": _measure,
    "small_int": _small_int,
    "timestamp": _timestamp,
    "recent_date": _recent_date,
    "wide_date": _wide_date,
    "future_date": _future_date,
    "year": _year,
    "boolean": _bool,
    "luhn_failing_16": _order_16,
    "product_name": _fixed(
        lambda c: c.call("catch_phrase") if c.rng.random() < 0.5 else c.call("bs").title()
    ),
    "company": _company_like_person,
    "job_title": _fixed(lambda c: c.call("job")),
    "sentence": _sentence,
    "sentence_with_contact": _sentence_with_contact,
    "paragraph": _paragraph,
    "user_agent": _fixed(lambda c: c.call("user_agent")),
    "short_hex": _fixed(
        lambda c: "".join(
            c.rng.choice("0123456789abcdef") for _ in range(c.rng.choice((8, 10, 12, 12, 16)))
        )
    ),
    "base64": _b64,
    "color_name": _fixed(lambda c: c.call("color_name")),
    "hex_color": _fixed(lambda c: c.call("hex_color")),
    "file_name": _fixed(
        lambda c: c.call("file_name") if c.rng.random() < 0.6 else c.call("file_path")
    ),
    "mime_type": _fixed(lambda c: c.call("mime_type")),
    "currency_code": _fixed(lambda c: c.call("currency_code")),
    "language": _fixed(
        lambda c: c.call("language_code") if c.rng.random() < 0.6 else c.call("locale")
    ),
    "state": _state,
    "timezone": _timezone,
    "version": _version,
    "percent": _percent,
    "json": _json,
    "tags": _fixed(lambda c: ", ".join(c.call("word") for _ in range(c.rng.randint(1, 4)))),
    "title_words": _fixed(lambda c: _words(c, 1, 2).title()),
    "license_plate": _fixed(lambda c: c.call("license_plate")),
    "ean_isbn": _fixed(lambda c: c.call("ean13") if c.rng.random() < 0.6 else c.call("isbn13")),
    "serial17": _serial17,
    "five_digits": _zipish_int,
    "nine_digits": _nine_digit,
    "phoneish_code": _phoneish_code,
    "iban_failing": _bad_iban,
    "card_failing": _bad_card,
    "vin_failing": _bad_vin,
    "host": _fixed(lambda c: c.call("hostname") if c.rng.random() < 0.5 else c.call("domain_word")),
    "snake_words": _fixed(lambda c: "_".join(c.call("word") for _ in range(c.rng.randint(1, 3)))),
    "url_path": _fixed(lambda c: "/" + c.call("uri_path")),
}
# ... and those that take parameters (the entry's other keys, e.g. ``options`` for ``choice``)
_PARAMETRISED: dict[str, Callable[..., Factory]] = {
    "choice": _choices,
    "code": _code,
    "digits": _digits,
    "hex": _hex,
    "integer": _integer,
}
NON_SENSITIVE: frozenset[str] = frozenset(_PLAIN) | frozenset(_PARAMETRISED)


def non_sensitive_factory(values: str, params: Mapping[str, Any]) -> Factory:
    """The factory of the non-sensitive value generator named ``values`` (with its parameters)."""
    if values in _PARAMETRISED:
        return _PARAMETRISED[values](**params)
    if values not in _PLAIN:
        raise KeyError(f"unknown non-sensitive value generator {values!r}")
    if params:
        raise TypeError(f"value generator {values!r} takes no parameters, got {sorted(params)}")
    return _PLAIN[values]


# ------------------------------------------------------------------------------------------------
# dirt and look-alikes


def junk(ctx: Ctx) -> str:
    """A value that belongs to no type (replaces a share of a column's values)."""
    r = ctx.rng.random()
    if r < 0.3:
        return ctx.call("word")
    if r < 0.5:
        return str(ctx.rng.randint(0, 99999))
    if r < 0.7:
        return "unknown"
    return ctx.call("pystr", min_chars=3, max_chars=12)


def pooled(gen: Gen, ctx: Ctx) -> Gen:
    """Draw from a small pool of values with skewed frequencies (low-cardinality columns)."""
    k = ctx.rng.randint(3, 25)
    pool = [str(gen(ctx)) for _ in range(k)]
    weights = [1.0 / (i + 1) ** ctx.rng.uniform(0.3, 1.2) for i in range(k)]
    return lambda c: c.rng.choices(pool, weights)[0]


def failing(gen: Gen, validator: Callable[[str], bool]) -> Gen:
    """Values shaped like ``gen``'s whose check digits fail."""

    def bad(c: Ctx) -> str:
        for _ in range(20):
            v = corrupt(str(gen(c)), c.rng)
            if not validator(v):
                return v
        return corrupt(str(gen(c)), c.rng)

    return bad
