"""Value generators of the identifier and secret info types (the training set's own data).

Each *variant* picks a written format for a column (compact digits, the country's separators,
upper or lower case) and returns a value generator and whether values in that format decide the
type alone (see :mod:`.generators`). Valid numbers come from Faker's locale providers where they
pass the engine's own validator, and otherwise from a random body completed with the check
character the validator accepts (:func:`complete`), so every generated value is checked by the
same code the engine runs.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .validators import VALIDATORS
from .validators_ids import (
    clabe_check_digit,
    de_kvnr_check_digit,
    github_checksum,
    icao_check_digit,
)

Ctx = Any  # generators.Ctx (not imported: generators imports this module)
Gen = Callable[[Ctx], str]
Variant = tuple[Gen, bool]

DIGITS = string.digits
UPPER = string.ascii_uppercase
ALNUM = UPPER + DIGITS


@lru_cache(maxsize=32)
def _faker(locale: str) -> Any:
    from faker import Faker

    return stable_faker(Faker(locale))


def stable_faker(fk: Any) -> Any:
    """``fk`` with its lists in an order that does not depend on the string-hash seed.

    Faker builds it_IT's cities from a set, so that their order (and with it the city a seed
    draws) changes from one interpreter to the next; sorted, a seed generates the same
    training set in every process.
    """
    for factory in getattr(fk, "factories", [fk]):
        for provider in factory.providers:
            if type(provider).__module__ == "faker.providers.address.it_IT":
                provider.cities = sorted(type(provider).cities)
    return fk


def _d(r: random.Random, n: int, first: str = DIGITS) -> str:
    return r.choice(first) + "".join(r.choice(DIGITS) for _ in range(n - 1))


def _birth(r: random.Random, lo: int = 1935, hi: int = 2012) -> date:
    return date(lo, 1, 1) + timedelta(days=r.randint(0, (date(hi, 12, 31) - date(lo, 1, 1)).days))


def complete(
    r: random.Random,
    body: Callable[[random.Random], str],
    validator: str,
    alphabet: str = DIGITS,
    calc: Callable[[str], str] | None = None,
) -> str:
    """``body(r)`` plus the check character ``validator`` accepts (a new body if none does).

    ``calc`` computes the check character of a body (python-stdnum's ``calc_check_digit``);
    without it each character of ``alphabet`` is tried. Either way the validator has the last
    word.
    """
    check = VALIDATORS[validator]
    for _ in range(50):
        head = body(r)
        for ch in (calc(head),) if calc is not None else alphabet:
            if check(head + ch):
                return head + ch
    raise RuntimeError(f"cannot generate a value that passes {validator}")  # pragma: no cover


def _luhn_calc(alphabet: str = DIGITS) -> Callable[[str], str]:
    from stdnum import luhn

    return lambda head: luhn.calc_check_digit(head, alphabet)


def _stdnum_calc(module: str, name: str = "calc_check_digit", *, dummy: bool = False):
    """A module's check-digit function (``dummy``: it expects a placeholder check digit)."""
    from importlib import import_module

    fn = getattr(import_module(f"stdnum.{module}"), name)
    return (lambda head: fn(head + "0")) if dummy else fn


def _group(text: str, sizes: Sequence[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(text[i : i + size])
        i += size
    if i < len(text):
        out.append(text[i:])
    return sep.join(out)


def _pick(ctx: Ctx, options: Sequence[tuple[Any, float]]) -> Any:
    r = ctx.rng.random() * sum(w for _, w in options)
    for item, w in options:
        r -= w
        if r <= 0:
            return item
    return options[-1][0]


def _from_faker(locale: str, method: str, validator: str) -> Callable[[Ctx], Gen]:
    """A column generator drawing from Faker's ``locale`` provider, keeping valid values only."""

    def make(ctx: Ctx) -> Gen:
        fk = _faker(locale)
        fk.seed_instance(ctx.rng.getrandbits(32))
        check = VALIDATORS[validator]

        def gen(c: Ctx) -> str:
            for _ in range(30):
                value = str(getattr(fk, method)())
                if check(value):
                    return value
            raise RuntimeError(f"Faker {locale}.{method} gives no valid {validator}")

        return gen

    return make


def _formatted(
    make: Callable[[Ctx], Gen],
    formats: Sequence[tuple[Callable[[str], str], float, bool]],
) -> Callable[[Ctx], Variant]:
    """A variant: one of ``formats`` (rewrite, weight, decidable) applied to ``make``'s values."""

    def variant(ctx: Ctx) -> Variant:
        rewrite, decidable = _pick(ctx, [((f, dec), w) for f, w, dec in formats])
        gen = make(ctx)
        return (lambda c: rewrite(gen(c))), decidable

    return variant


def _own(
    body: Callable[[random.Random], str],
    validator: str,
    alphabet: str = DIGITS,
    calc: Callable[[str], str] | None = None,
) -> Callable[[Ctx], Gen]:
    def make(ctx: Ctx) -> Gen:
        return lambda c: complete(c.rng, body, validator, alphabet, calc)

    return make


def _plain(v: str) -> str:
    return v.replace(" ", "").replace("-", "").replace(".", "").replace("/", "")


def _same(v: str) -> str:
    return v


def _lower(v: str) -> str:
    return v.lower()


# --- national identity numbers -----------------------------------------------------------------


def _at_vnr_body(r: random.Random) -> str:
    b = _birth(r)
    return _d(r, 3, "123456789"), b.strftime("%d%m%y")


def _at_vnr(c: Ctx) -> str:
    from stdnum.at import vnr

    for _ in range(50):
        serial, birth = _at_vnr_body(c.rng)
        number = serial + "0" + birth
        check = vnr.calc_check_digit(number)
        if check != "10":
            value = serial + check + birth
            if VALIDATORS["at_vnr"](value):
                return value
    raise RuntimeError("at_vnr")  # pragma: no cover


def _bg_egn(r: random.Random) -> str:
    b = _birth(r, 1935, 2015)
    month = b.month + (40 if b.year >= 2000 else 0)
    return f"{b.year % 100:02d}{month:02d}{b.day:02d}" + _d(r, 3)


def _dob_digits(r: random.Random, lo: int = 1940, hi: int = 2010) -> str:
    return _birth(r, lo, hi).strftime("%y%m%d")


def _ee_lt(r: random.Random) -> str:
    b = _birth(r, 1935, 2015)
    century = (b.year - 1800) // 100  # 1 for 1900s, 2 for 2000s
    sex = r.choice((1, 2))
    return str(2 * century + sex) + b.strftime("%y%m%d") + _d(r, 3)


def _lu_nin(c: Ctx) -> str:
    from stdnum import luhn, verhoeff

    body = _birth(c.rng).strftime("%Y%m%d") + _d(c.rng, 3)
    return body + luhn.calc_check_digit(body) + verhoeff.calc_check_digit(body)


def _ro_cnp(r: random.Random) -> str:
    b = _birth(r, 1935, 2015)
    sex = r.choice("12") if b.year < 2000 else r.choice("56")
    county = f"{r.randint(1, 46):02d}"
    return sex + b.strftime("%y%m%d") + county + _d(r, 3)


def _si_emso(r: random.Random) -> str:
    b = _birth(r, 1935, 2015)
    return b.strftime("%d%m") + f"{b.year % 1000:03d}" + "50" + _d(r, 3)


def _dk_cpr(c: Ctx) -> str:
    check = VALIDATORS["dk_cpr"]
    while True:
        value = _birth(c.rng, 1940, 2015).strftime("%d%m%y") + _d(c.rng, 4)
        if check(value):
            return value


def _gr_amka(r: random.Random) -> str:
    return _birth(r).strftime("%d%m%y") + _d(r, 4)


def _hu_tax(r: random.Random) -> str:
    days = (_birth(r) - date(1867, 1, 1)).days
    return "8" + f"{days:05d}" + _d(r, 3)


def _de_idnr(r: random.Random) -> str:
    # ten digits, one of them twice (or three times) and the rest once at most
    while True:
        digits = r.sample(DIGITS, 9)
        twice = r.choice(digits)
        body = [*digits, twice]
        r.shuffle(body)
        if body[0] != "0":
            return "".join(body)


def _de_id_card(c: Ctx) -> str:
    alphabet = "0123456789CFGHJKLMNPRTVWXYZ"
    body = c.rng.choice("LMNPRTVWXYZ") + "".join(c.rng.choice(alphabet) for _ in range(8))
    return body + icao_check_digit(body)


def _mt_id(c: Ctx) -> str:
    return str(c.rng.randint(1, 9999999)) + c.rng.choice("MMMMGAPLHBZ")


def _pt_cc(c: Ctx) -> str:
    return complete(c.rng, lambda r: _d(r, 8) + r.choice("0123456789") + r.choice(UPPER) +
                    r.choice(UPPER), "pt_cc")  # fmt: skip


def _hu_taj(r: random.Random) -> str:
    return _d(r, 8, "123456789")


def _ie_pps(c: Ctx) -> str:
    from stdnum.ie import pps

    body = _d(c.rng, 7)
    suffix = c.rng.choice(("", "", "", "A", "W", "B"))
    for letter in "ABCDEFGHIJKLMNOPQRSTUVW":
        if pps.is_valid(body + letter + suffix):
            return body + letter + suffix
    return _ie_pps(c)


_CN_REGIONS = (
    "110101",
    "110105",
    "310104",
    "440305",
    "440106",
    "320102",
    "330106",
    "420102",
    "610113",
)


def _cn_ric(c: Ctx) -> str:
    def body(r: random.Random) -> str:
        return r.choice(_CN_REGIONS) + _birth(r).strftime("%Y%m%d") + _d(r, 3)

    return complete(c.rng, body, "cn_ric", DIGITS + "X", _stdnum_calc("cn.ric", dummy=True))


def _kr_rrn(c: Ctx) -> str:
    b = _birth(c.rng, 1935, 2015)
    sex = c.rng.choice("12") if b.year < 2000 else c.rng.choice("34")
    return complete(c.rng, lambda r: b.strftime("%y%m%d") + sex + _d(r, 5), "kr_rrn",
                    calc=_stdnum_calc("kr.rrn"))  # fmt: skip


def _za_id(c: Ctx) -> str:
    b = _birth(c.rng, 1935, 2010)
    return complete(
        c.rng,
        lambda r: b.strftime("%y%m%d") + _d(r, 4) + r.choice("01") + "8",
        "za_idnr",
        calc=_luhn_calc(),
    )


def _jp_in(r: random.Random) -> str:
    return _d(r, 11)


def _aadhaar(c: Ctx) -> str:
    from stdnum import verhoeff

    body = _d(c.rng, 11, "23456789")
    return body + verhoeff.calc_check_digit(body)


def _in_epic(c: Ctx) -> str:
    from stdnum import luhn

    def calc(head: str) -> str:
        return luhn.calc_check_digit(head[3:])

    return complete(c.rng, lambda r: "".join(r.choice(UPPER) for _ in range(3)) + _d(r, 6),
                    "in_epic", calc=calc)  # fmt: skip


def _cy_tic(c: Ctx) -> str:
    return complete(c.rng, lambda r: r.choice("0139") + _d(r, 7), "cy_tic", UPPER,
                    _stdnum_calc("cy.vat"))  # fmt: skip


# --- tax and company numbers -------------------------------------------------------------------


def _fr_nif(c: Ctx) -> str:
    from stdnum.fr import nif

    body = c.rng.choice("0123") + _d(c.rng, 9)
    return body + nif.calc_check_digits(body)


def _de_stnr(c: Ctx) -> str:
    r = c.rng
    fmt = r.choice(("###/###/#####", "##/###/#####", "###/####/####", "#####/#####"))
    for _ in range(100):
        value = "".join(r.choice(DIGITS) if ch == "#" else ch for ch in fmt)
        if VALIDATORS["de_stnr"](value):
            return value
    return "181/815/08155"  # pragma: no cover


def _be_ent(r: random.Random) -> str:
    return r.choice("01") + _d(r, 7)


def _mod97_be(c: Ctx) -> str:
    body = _be_ent(c.rng)
    check = 97 - int(body) % 97
    return body + f"{check:02d}"


def _at_tin(r: random.Random) -> str:
    return _d(r, 8)


def _dk_cvr(r: random.Random) -> str:
    return _d(r, 7, "123456789")


def _gb_utr(c: Ctx) -> str:
    from stdnum.gb import utr

    body = _d(c.rng, 9)
    return utr.calc_check_digit(body) + body


def _ca_bn(c: Ctx) -> str:
    from stdnum import luhn

    body = _d(c.rng, 8, "123456789")
    return body + luhn.calc_check_digit(body)


def _in_pan(c: Ctx) -> str:
    r = c.rng
    return ("".join(r.choice(UPPER) for _ in range(3)) + r.choice("PPPPCHFATBLJG") +
            r.choice(UPPER) + _d(r, 4) + r.choice(UPPER))  # fmt: skip


def _in_gstin(c: Ctx) -> str:
    def body(r: random.Random) -> str:
        return f"{r.randint(1, 37):02d}" + _in_pan(c) + r.choice("123") + "Z"

    return complete(c.rng, body, "in_gstin", ALNUM, _luhn_calc(DIGITS + UPPER))


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _cn_uscc(c: Ctx) -> str:
    r = c.rng

    def body(_: random.Random) -> str:
        return (r.choice("1259") + r.choice("123") + r.choice(("110101", "310104", "440305")) +
                "".join(r.choice(_USCC_ALPHABET) for _ in range(9)))  # fmt: skip

    return complete(r, body, "cn_uscc", _USCC_ALPHABET, _stdnum_calc("cn.uscc"))


def _jp_cn(c: Ctx) -> str:
    from stdnum.jp import cn

    body = _d(c.rng, 12, "123456789")
    return cn.calc_check_digit(body) + body


def _kr_brn(c: Ctx) -> str:
    return complete(c.rng, lambda r: _d(r, 3, "123456789") + r.choice(("81", "86", "87", "01",
                                                                         "12")) + _d(r, 4),
                    "kr_brn")  # fmt: skip


def _au_tfn(r: random.Random) -> str:
    return _d(r, 8, "123456789")


def _au_abn(c: Ctx) -> str:
    from stdnum.au import abn

    body = _d(c.rng, 9, "123456789")
    return abn.calc_check_digits(body) + body


def _au_acn(c: Ctx) -> str:
    from stdnum.au import acn

    body = _d(c.rng, 8)
    return body + acn.calc_check_digit(body)


def _za_tin(c: Ctx) -> str:
    return complete(c.rng, lambda r: r.choice("0123") + _d(r, 8), "za_tin", calc=_luhn_calc())


def _pt_nif(c: Ctx) -> str:
    from stdnum.pt import nif

    body = c.rng.choice("125689") + _d(c.rng, 7)
    return body + nif.calc_check_digit(body)


def _se_orgnr(c: Ctx) -> str:
    from stdnum import luhn

    body = (
        c.rng.choice("25789") + c.rng.choice("0123456789") + c.rng.choice("23456789") + _d(c.rng, 6)
    )
    return body + luhn.calc_check_digit(body)


# --- bank, health, travel --------------------------------------------------------------------


def _us_rtn(c: Ctx) -> str:
    from stdnum.us import rtn

    prefix = f"{c.rng.choice(list(range(1, 13)) + list(range(21, 33)) + list(range(61, 73))):02d}"
    body = prefix + _d(c.rng, 6)
    return body + rtn.calc_check_digit(body)


def _sort_code(c: Ctx) -> str:
    r = c.rng
    return f"{r.randint(1, 98):02d}{r.randint(0, 99):02d}{r.randint(0, 99):02d}"


def _clabe(c: Ctx) -> str:
    r = c.rng
    bank = r.choice(("002", "012", "014", "021", "030", "036", "044", "058", "072", "127", "137"))
    body = bank + f"{r.randint(1, 999):03d}" + _d(r, 11)
    return body + clabe_check_digit(body)


def _bsb(c: Ctx) -> str:
    r = c.rng
    return r.choice("0123456789"[1:]) + r.choice("0123456789") + _d(r, 4)


def _npi(c: Ctx) -> str:
    from stdnum import luhn

    body = c.rng.choice("12") + _d(c.rng, 8)
    return body + luhn.calc_check_digit("80840" + body)


def _dea(c: Ctx) -> str:
    r = c.rng
    d = [int(x) for x in _d(r, 6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return r.choice("ABFGMPR") + r.choice(UPPER) + "".join(map(str, d)) + str(check)


_MBI_L = "ACDEFGHJKMNPQRTUVWXY"


def _mbi(c: Ctx) -> str:
    r = c.rng
    a = _MBI_L + DIGITS
    return (r.choice("123456789") + r.choice(_MBI_L) + r.choice(a) + r.choice(DIGITS) +
            r.choice(_MBI_L) + r.choice(a) + r.choice(DIGITS) + r.choice(_MBI_L) +
            r.choice(_MBI_L) + r.choice(DIGITS) + r.choice(DIGITS))  # fmt: skip


def _nhs(c: Ctx) -> str:
    return complete(c.rng, lambda r: _d(r, 9, "3456789"), "gb_nhs")


def _au_medicare(c: Ctx) -> str:
    from .validators_ids import au_medicare_check_digit

    body = c.rng.choice("23456") + _d(c.rng, 7)
    return body + au_medicare_check_digit(body) + c.rng.choice("12345")


def _kvnr(c: Ctx) -> str:
    body = c.rng.choice(UPPER) + _d(c.rng, 8)
    return body + de_kvnr_check_digit(body)


def _passport(c: Ctx, kind: str) -> str:
    r = c.rng
    if kind == "fr":
        return _d(r, 2) + r.choice(UPPER) + r.choice(UPPER) + _d(r, 5)
    if kind == "de":
        alphabet = "0123456789CFGHJKLMNPRTVWXYZ"
        while True:
            v = r.choice("CFGHJK") + "".join(r.choice(alphabet) for _ in range(8))
            if VALIDATORS["passport"](v):
                return v
    if kind == "one":  # India, Australia: a letter and seven digits
        return r.choice("ABCDEFGHJKLMNPRSTUVWYZ") + _d(r, 7)
    if kind == "three":  # Spain
        return "".join(r.choice(UPPER) for _ in range(3)) + _d(r, 6)
    if kind == "two6":  # Canada
        return r.choice(UPPER) + r.choice(UPPER) + _d(r, 6)
    return r.choice(UPPER) + r.choice(UPPER) + _d(r, 7)  # Japan, Italy, Poland, Portugal ...


def _uk_dl(c: Ctx) -> str:
    r = c.rng
    surname = "".join(ch for ch in c.en.last_name().upper() if ch.isalpha())[:5].ljust(5, "9")
    b = _birth(r, 1940, 2005)
    month = b.month + (50 if r.random() < 0.5 else 0)
    birth = f"{str(b.year)[2]}{month:02d}{b.day:02d}{str(b.year)[3]}"
    initials = r.choice(UPPER) + (r.choice(UPPER) if r.random() < 0.7 else "9")
    return surname + birth + initials + str(r.randint(0, 9)) + r.choice(UPPER) + r.choice(UPPER)


def _us_dl(c: Ctx, kind: str) -> str:
    r = c.rng
    if kind == "letter":  # CA, FL, IL, ...: a letter and 7-12 digits
        return r.choice(UPPER) + _d(r, r.choice((7, 8, 11, 12)))
    if kind == "fl":
        return (f"{r.choice(UPPER)}{_d(r, 3)}-{_d(r, 3)}-{_d(r, 2)}-{_d(r, 3)}-"
                f"{r.randint(0, 9)}")  # fmt: skip
    return _d(r, r.choice((7, 8, 9, 9, 12)), "123456789")  # TX, NY, PA, ...


# --- secrets ---------------------------------------------------------------------------------

_B64 = string.ascii_letters + DIGITS + "+/"
_B62 = string.ascii_letters + DIGITS
_B64URL = string.ascii_letters + DIGITS + "-_"


def _rand(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(c: Ctx) -> str:
    r = c.rng
    alg = r.choice(("HS256", "RS256", "ES256", "HS512"))
    header = _b64url(f'{{"alg":"{alg}","typ":"JWT"}}'.encode())
    payload = _b64url(
        f'{{"sub":"{r.randint(1, 10**6)}","iat":{r.randint(1_500_000_000, 1_800_000_000)},'
        f'"name":"{c.call("first_name")}"}}'.encode()
    )
    sig = _rand(r, _B64URL, 43 if alg.endswith("256") else 86)
    return f"{header}.{payload}.{sig}"


def _private_key(c: Ctx) -> str:
    r = c.rng
    kind = r.choice(("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"))
    lines = [_rand(r, _B64, 64) for _ in range(r.randint(3, 12))]
    sep = r.choice(("\n", "\n", "\\n"))
    return f"-----BEGIN {kind}-----{sep}" + sep.join(lines) + f"{sep}-----END {kind}-----"


def _api_token(c: Ctx) -> str:
    r = c.rng
    style = r.random()
    if style < 0.4:
        return _rand(r, _B62, r.choice((24, 32, 40, 48)))
    if style < 0.6:
        return r.choice(("sk-", "key-", "tok_", "pat_", "api_", "")) + _rand(r, _B62, 32)
    if style < 0.8:
        return base64.b64encode(bytes(r.getrandbits(8) for _ in range(r.choice((24, 32))))).decode()
    return _rand(r, _B64URL, r.choice((22, 43, 64)))


def _token_valid(gen: Callable[[Ctx], str], validator: str) -> Gen:
    check = VALIDATORS[validator]

    def g(c: Ctx) -> str:
        for _ in range(20):
            v = gen(c)
            if check(v):
                return v
        return gen(c)

    return g


def _aws_secret(c: Ctx) -> str:
    return _rand(c.rng, _B64, 40)


def _github(c: Ctx) -> str:
    body = _rand(c.rng, _B62, 30)
    return c.rng.choice(("ghp_", "ghp_", "gho_", "ghs_", "ghu_")) + body + github_checksum(body)


def _slack(c: Ctx) -> str:
    r = c.rng
    return (f"{r.choice(('xoxb', 'xoxp', 'xoxe'))}-{_d(r, 12)}-{_d(r, 13)}-"
            f"{_rand(r, _B62, 24)}")  # fmt: skip


def _stripe(c: Ctx) -> str:
    r = c.rng
    return f"{r.choice(('sk', 'pk', 'rk'))}_{r.choice(('live', 'test'))}_{_rand(r, _B62, 24)}"


def _google(c: Ctx) -> str:
    return "AIza" + _rand(c.rng, _B64URL, 35)


def _azure(c: Ctx) -> str:
    return base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(64))).decode()


def _conn(c: Ctx) -> str:
    r = c.rng
    user = c.call("user_name").replace(".", "_")
    pw = _rand(r, _B62, r.randint(8, 20))
    host = c.call("hostname")
    style = r.random()
    if style < 0.6:
        scheme = r.choice(("postgres", "postgresql", "mysql", "mongodb", "redis", "amqp", "mssql"))
        return f"{scheme}://{user}:{pw}@{host}:{r.randint(1024, 65000)}/{c.call('word')}"
    if style < 0.8:
        return f"Server={host};Database={c.call('word')};User Id={user};Password={pw};"
    return (f"DefaultEndpointsProtocol=https;AccountName={c.call('word')};"
            f"AccountKey={_azure(c)};EndpointSuffix=core.windows.net")  # fmt: skip


def _password(c: Ctx) -> str:
    r = c.rng
    style = r.random()
    if style < 0.4:
        return c.call("password", length=r.randint(8, 16))
    if style < 0.7:
        return c.call("word").capitalize() + str(r.randint(1, 9999)) + r.choice("!@#$%&*?")
    return _rand(r, string.ascii_letters + DIGITS, r.randint(6, 14))


def _simple(gen: Gen, decidable: bool) -> Callable[[Ctx], Variant]:
    return lambda ctx: (gen, decidable)


def _spaced(sizes: Sequence[int], sep: str = " ") -> Callable[[str], str]:
    return lambda v: _group(v, sizes, sep)


def _from_gen(gen: Gen) -> Callable[[Ctx], Gen]:
    return lambda ctx: gen


_F = _formatted
_D = _from_gen

VARIANTS_IDS: dict[str, Callable[[Ctx], Variant]] = {
    # EU national ids
    "AT_SOCIAL_SECURITY_NUMBER": _F(_D(_at_vnr), [(_same, 3, False), (_spaced((4, 6)), 2, True)]),
    "BE_NATIONAL_NUMBER": _F(
        _from_faker("nl_BE", "ssn", "be_nn"),
        [
            (_same, 3, False),
            (lambda v: f"{v[:2]}.{v[2:4]}.{v[4:6]}-{v[6:9]}.{v[9:]}", 2, True),
            (_spaced((6, 3, 2)), 1, False),
        ],
    ),
    "BG_EGN": _F(_own(_bg_egn, "bg_egn", calc=_stdnum_calc("bg.egn")), [(_same, 1, False)]),
    "HR_OIB": _F(_from_faker("hr_HR", "ssn", "hr_oib"), [(_same, 1, False)]),
    "CY_TAX_ID": _F(_D(_cy_tic), [(_same, 3, True), (_lower, 0.3, True)]),
    "CZ_SK_BIRTH_NUMBER": _F(
        _from_faker("cs_CZ", "birth_number", "cz_rc"), [(_same, 3, True), (_plain, 2, False)]
    ),
    "DK_CPR": _F(_D(_dk_cpr), [(lambda v: v[:6] + "-" + v[6:], 3, True), (_same, 2, False)]),
    "EE_PERSONAL_CODE": _F(_from_faker("et_EE", "ssn", "ee_ik"), [(_same, 1, False)]),
    "FI_PERSONAL_ID": _F(_from_faker("fi_FI", "ssn", "fi_hetu"), [(_same, 1, True)]),
    "FR_NIR": _F(
        _from_faker("fr_FR", "ssn", "fr_nir"),
        [
            (_same, 3, True),
            (_spaced((1, 2, 2, 2, 3, 3, 2)), 2, True),
        ],
    ),
    "DE_TAX_ID": _F(
        _own(_de_idnr, "de_idnr"), [(_same, 3, False), (_spaced((2, 3, 3, 3)), 1, False)]
    ),
    "DE_ID_CARD_NUMBER": _F(_D(_de_id_card), [(_same, 1, False)]),
    "GR_AMKA": _F(_from_faker("el_GR", "ssn", "gr_amka"), [(_same, 1, False)]),
    "HU_TAX_ID": _F(_own(_hu_tax, "hu_tax"), [(_same, 1, False)]),
    "HU_TAJ": _F(_own(_hu_taj, "hu_taj"), [(_same, 2, False), (_spaced((3, 3, 3)), 2, True)]),
    "IE_PPS": _F(_D(_ie_pps), [(_same, 1, True)]),
    "IT_FISCAL_CODE": _F(
        _from_faker("it_IT", "ssn", "it_cf"), [(_same, 5, True), (_lower, 0.3, True)]
    ),
    "LV_PERSONAL_CODE": _F(
        _from_faker("lv_LV", "ssn", "lv_pk"), [(_same, 2, True), (_plain, 1, False)]
    ),
    "LT_PERSONAL_CODE": _F(
        _own(_ee_lt, "lt_asmens", calc=_stdnum_calc("lt.asmens", dummy=True)), [(_same, 1, False)]
    ),
    "LU_NATIONAL_ID": _F(_D(_lu_nin), [(_same, 3, False), (_spaced((4, 4, 5)), 1, False)]),
    "MT_IDENTITY_CARD": _F(_D(_mt_id), [(_same, 1, False)]),
    "NL_BSN": _F(
        _from_faker("nl_NL", "ssn", "nl_bsn"),
        [
            (_same, 3, False),
            (lambda v: f"{v[:4]}.{v[4:6]}.{v[6:]}", 1, True),
        ],
    ),
    "PL_PESEL": _F(_from_faker("pl_PL", "pesel", "pl_pesel"), [(_same, 1, False)]),
    "PT_CITIZEN_CARD": _F(_D(_pt_cc), [(_same, 2, True), (_spaced((8, 1, 3)), 2, True)]),
    "RO_CNP": _F(_own(_ro_cnp, "ro_cnp", calc=_stdnum_calc("ro.cnp")), [(_same, 1, False)]),
    "SI_EMSO": _F(_own(_si_emso, "si_emso", calc=_stdnum_calc("si.emso")), [(_same, 1, False)]),
    "ES_DNI": _F(
        _from_faker("es_ES", "nif", "es_dni"),
        [(_same, 4, True), (lambda v: v[:8] + "-" + v[8:], 1, True)],
    ),
    "ES_NIE": _F(_from_faker("es_ES", "nie", "es_nie"), [(_same, 1, True)]),
    "SE_PERSONNUMMER": _F(
        _from_faker("sv_SE", "ssn", "se_pnr"), [(_same, 3, True), (_plain, 1, False)]
    ),
    # beyond the EU
    "CH_AHV_NUMBER": _F(
        _from_faker("de_CH", "ssn", "ch_ahv"), [(_same, 3, True), (_plain, 1, True)]
    ),
    "NO_BIRTH_NUMBER": _F(
        _from_faker("no_NO", "ssn", "no_fnr"), [(_same, 3, False), (_spaced((6, 5)), 1, True)]
    ),
    "CA_SIN": _F(
        _from_faker("en_CA", "ssn", "ca_sin"),
        [
            (_same, 3, True),
            (_plain, 2, False),
            (lambda v: v.replace(" ", "-"), 1, True),
        ],
    ),
    "BR_CPF": _F(
        _from_faker("pt_BR", "ssn", "br_cpf"),
        [
            (_same, 2, False),
            (lambda v: f"{v[:3]}.{v[3:6]}.{v[6:9]}-{v[9:]}", 3, True),
        ],
    ),
    "MX_CURP": _F(_from_faker("es_MX", "curp", "mx_curp"), [(_same, 1, True)]),
    "IN_AADHAAR": _F(_D(_aadhaar), [(_same, 2, False), (_spaced((4, 4, 4)), 3, True)]),
    "IN_VOTER_ID": _F(_D(_in_epic), [(_same, 1, False)]),
    "CN_RESIDENT_ID": _F(_D(_cn_ric), [(_same, 1, True)]),
    "JP_MY_NUMBER": _F(
        _own(_jp_in, "jp_in", calc=_stdnum_calc("jp.in_")),
        [(_same, 3, False), (_spaced((4, 4, 4)), 1, True)],
    ),
    "KR_RRN": _F(_D(_kr_rrn), [(lambda v: v[:6] + "-" + v[6:], 3, True), (_same, 1, False)]),
    "ZA_ID_NUMBER": _F(_D(_za_id), [(_same, 3, False), (_spaced((6, 4, 3)), 1, False)]),
    # tax and company numbers
    "AT_TAX_NUMBER": _F(
        _own(_at_tin, "at_tin", calc=_stdnum_calc("at.tin", dummy=True)),
        [
            (_same, 2, False),
            (lambda v: f"{v[:2]}-{v[2:5]}/{v[5:]}", 2, True),
        ],
    ),
    "BE_ENTERPRISE_NUMBER": _F(
        _D(_mod97_be),
        [
            (_same, 2, False),
            (lambda v: f"{v[:4]}.{v[4:7]}.{v[7:]}", 2, True),
        ],
    ),
    "FR_TAX_NUMBER": _F(_D(_fr_nif), [(_same, 2, False), (_spaced((2, 2, 3, 3, 3)), 1, True)]),
    "FR_SIREN": _F(
        _from_faker("fr_FR", "siren", "fr_siren"), [(_same, 2, False), (_plain, 2, False)]
    ),
    "FR_SIRET": _F(
        _from_faker("fr_FR", "siret", "fr_siret"), [(_same, 2, True), (_plain, 2, False)]
    ),
    "DE_STEUERNUMMER": _F(_D(_de_stnr), [(_same, 1, True)]),
    "GR_TAX_ID": _F(_from_faker("el_GR", "tin", "gr_afm"), [(_same, 1, False)]),
    "PT_TAX_NUMBER": _F(_D(_pt_nif), [(_same, 1, False)]),
    "ES_CIF": _F(_from_faker("es_ES", "cif", "es_cif"), [(_same, 1, True)]),
    "PL_NIP": _F(
        _from_faker("pl_PL", "nip", "pl_nip"),
        [
            (_same, 3, False),
            (lambda v: f"{v[:3]}-{v[3:6]}-{v[6:8]}-{v[8:]}", 1, True),
        ],
    ),
    "PL_REGON": _F(_from_faker("pl_PL", "regon", "pl_regon"), [(_same, 1, False)]),
    "DK_CVR": _F(_own(_dk_cvr, "dk_cvr"), [(_same, 1, False)]),
    "FI_BUSINESS_ID": _F(
        _from_faker("fi_FI", "company_business_id", "fi_ytunnus"),
        [(_same, 3, True), (_plain, 1, False)],
    ),
    "SE_ORG_NUMBER": _F(
        _D(_se_orgnr), [(lambda v: v[:6] + "-" + v[6:], 3, True), (_same, 1, False)]
    ),
    "UK_UTR": _F(_D(_gb_utr), [(_same, 3, False), (_spaced((5, 5)), 1, True)]),
    "US_ITIN": _F(_from_faker("en_US", "itin", "us_itin"), [(_same, 3, True), (_plain, 1, False)]),
    "US_EIN": _F(_from_faker("en_US", "ein", "us_ein"), [(_same, 3, True), (_plain, 1, False)]),
    "CA_BUSINESS_NUMBER": _F(
        _D(_ca_bn),
        [
            (_same, 2, False),
            (lambda v: v + " RT0001", 1, True),
            (lambda v: v + "RC0001", 1, True),
        ],
    ),
    "BR_CNPJ": _F(_from_faker("pt_BR", "cnpj", "br_cnpj"), [(_same, 3, True), (_plain, 1, False)]),
    "MX_RFC": _F(_from_faker("es_MX", "rfc", "mx_rfc"), [(_same, 1, True)]),
    "IN_PAN": _F(_D(_in_pan), [(_same, 1, True)]),
    "IN_GSTIN": _F(_D(_in_gstin), [(_same, 1, True)]),
    "CN_USCC": _F(_D(_cn_uscc), [(_same, 1, True)]),
    "JP_CORPORATE_NUMBER": _F(_D(_jp_cn), [(_same, 1, False)]),
    "KR_BRN": _F(
        _D(_kr_brn), [(lambda v: f"{v[:3]}-{v[3:5]}-{v[5:]}", 3, True), (_same, 1, False)]
    ),
    "AU_TFN": _F(_own(_au_tfn, "au_tfn"), [(_same, 2, False), (_spaced((3, 3, 3)), 2, True)]),
    "AU_ABN": _F(_D(_au_abn), [(_same, 2, False), (_spaced((2, 3, 3, 3)), 2, True)]),
    "AU_ACN": _F(_D(_au_acn), [(_same, 2, False), (_spaced((3, 3, 3)), 2, True)]),
    "ZA_TAX_NUMBER": _F(_D(_za_tin), [(_same, 1, False)]),
    # bank
    "US_BANK_ROUTING_NUMBER": _F(_D(_us_rtn), [(_same, 1, False)]),
    "UK_SORT_CODE": _F(
        _D(_sort_code),
        [(_spaced((2, 2, 2), "-"), 4, False), (_same, 1, False), (_spaced((2, 2, 2)), 1, False)],
    ),
    "MX_CLABE": _F(_D(_clabe), [(_same, 3, False), (_spaced((3, 3, 11, 1)), 1, True)]),
    "AU_BSB": _F(_D(_bsb), [(_spaced((3, 3), "-"), 3, False), (_same, 1, False)]),
    # health
    "US_NPI": _F(_D(_npi), [(_same, 1, False)]),
    "US_DEA_NUMBER": _F(_D(_dea), [(_same, 1, False)]),
    "UK_NHS_NUMBER": _F(_D(_nhs), [(_spaced((3, 3, 4)), 3, True), (_same, 2, False)]),
    "US_MBI": _F(_D(_mbi), [(_same, 3, True), (_spaced((4, 3, 4), "-"), 1, True)]),
    "AU_MEDICARE_NUMBER": _F(_D(_au_medicare), [(_same, 2, True), (_spaced((4, 5, 1)), 1, True)]),
    "DE_HEALTH_INSURANCE_NUMBER": _F(_D(_kvnr), [(_same, 1, False)]),
    # travel documents and driving licences
    "PASSPORT_NUMBER": lambda ctx: (
        (lambda k: lambda c: _passport(c, k))(
            _pick(ctx, [("one", 3), ("two", 3), ("fr", 1), ("de", 1), ("three", 1), ("two6", 1)])
        ),
        False,
    ),
    "DRIVER_LICENSE_NUMBER": lambda ctx: (
        (lambda k: lambda c: _us_dl(c, k))(_pick(ctx, [("letter", 3), ("digits", 3), ("fl", 1)])),
        False,
    ),
    "UK_DRIVING_LICENCE": _F(_D(_uk_dl), [(_same, 3, True), (_spaced((5, 6, 3, 2)), 1, True)]),
    # secrets
    "PRIVATE_KEY": _simple(_private_key, True),
    "JWT": _F(_D(_jwt), [(_same, 5, True), (lambda v: "Bearer " + v, 1, True)]),
    "API_TOKEN": _simple(_token_valid(_api_token, "api_token"), False),
    "AWS_SECRET_KEY": _simple(_token_valid(_aws_secret, "aws_secret"), False),
    "GITHUB_TOKEN": _simple(_github, True),
    "SLACK_TOKEN": _simple(_slack, True),
    "STRIPE_API_KEY": _simple(_token_valid(_stripe, "stripe_key"), True),
    "GOOGLE_API_KEY": _simple(_token_valid(_google, "google_api_key"), True),
    "AZURE_STORAGE_KEY": _simple(_azure, True),
    "CONNECTION_STRING": _simple(_conn, True),
    "PASSWORD": _simple(_token_valid(_password, "password"), False),
}
