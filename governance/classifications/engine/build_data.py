"""Write, or check, the engine's data files (``data/*.json.gz``; see :mod:`.datafiles`).

    .venv/bin/python -m governance.classifications.engine.build_data          # make engine-data
    .venv/bin/python -m governance.classifications.engine.build_data --check  # CI

``dictionaries.json.gz`` holds the built-in word lists: a modest, capped share of each locale's
first names, last names and real city names, its localised country names and street words (from
Faker's locale providers), ISO country codes (Faker and phonenumbers' regions), and the
hand-written multilingual lists in ``data/sources/*.txt``. ``training.json.gz`` holds the tables of
the synthetic training generator, written by hand in ``data/sources/training.toml``.

The output depends only on these sources and on the Faker and phonenumbers versions pinned in
``requirements.txt``, never on the interpreter's string-hash seed: the one Faker list whose order
does (it_IT's cities, built from a set) is replaced by the sample pinned in
``data/sources/pinned/``. ``--check`` writes into a temporary directory and compares bytes.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import importlib.metadata
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .datafiles import DATA_DIR, SUFFIX, decode, encode, path_of
from .dictionaries import fold

SOURCES = DATA_DIR / "sources"
REQUIREMENTS = Path(__file__).resolve().parents[3] / "requirements.txt"
PINNED_PACKAGES = ("Faker", "phonenumbers")

LOCALES = (
    "en_US", "en_GB", "en_IE", "en_AU", "en_CA", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR",
    "fr_CH", "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_BR", "pt_PT", "pl_PL", "sv_SE",
    "da_DK", "no_NO", "fi_FI", "cs_CZ", "sk_SK", "ro_RO", "hu_HU", "hr_HR", "sl_SI", "et_EE",
    "lt_LT", "lv_LV", "tr_TR", "el_GR", "ru_RU", "uk_UA", "bg_BG", "id_ID", "fil_PH", "vi_VN",
)  # fmt: skip
# Locales the training generator never draws from, whose names and places the dictionaries still
# know: a scan meets people and towns of every country. Their names equal to a common English
# word (Faker's en_US lorem words: "may", "will", "grant") are left out, so that ordinary words
# do not read as names.
EXTRA_LOCALES = (
    "ja_JP", "ko_KR", "zh_CN", "zh_TW", "th_TH", "hi_IN", "ar_AA", "ar_SA", "he_IL", "ka_GE",
    "hy_AM", "sw", "yo_NG", "ig_NG", "ha_NG", "zu_ZA", "es_AR", "es_CL", "es_CO", "en_NZ",
    "en_KE", "en_NG", "en_PK", "fr_BE", "fr_CA", "de_LU", "is_IS", "ga_IE", "az_AZ", "uz_UZ",
    "fa_IR", "bn_BD", "ta_IN", "ne_NP", "mk_MK", "tw_GH", "si_LK", "gu_IN", "mr_IN", "tl_PH",
)  # fmt: skip
NAMES_PER_LOCALE = 500
CITIES_PER_LOCALE = 1500
FIRST_NAME_LISTS = ("first_names", "first_names_male", "first_names_female")
LAST_NAME_LISTS = ("last_names", "last_names_male", "last_names_female", "male_last_names",
                   "female_last_names", "unisex_last_names")  # fmt: skip
STREET_WORD_LISTS = ("street_suffixes", "street_prefixes", "street_suffixes_long")
# (provider, locale, list) -> the source file holding the sample taken of it
PINNED_SAMPLES = {("address", "it_IT", "cities"): "pinned/it_IT-cities.txt"}


class BuildError(RuntimeError):
    """The sources cannot produce the data files (e.g. a pinned sample Faker no longer has)."""


def read_words(name: str) -> list[str]:
    """A hand-written word list: one entry per line; blank lines and ``#`` comments skipped."""
    lines = (SOURCES / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _take(seq: object, n: int) -> list[str]:
    """At most ``n`` entries: the most frequent of a weighted dict, else spread over the list."""
    if isinstance(seq, dict):
        ranked = sorted(seq.items(), key=lambda kv: -float(kv[1]))
        items = [k for k, _ in ranked]
    else:
        items = list(seq or ()) if not isinstance(seq, property) else []
        if len(items) > n:  # spread evenly over an alphabetical list rather than take its head
            step = len(items) / n
            items = [items[int(i * step)] for i in range(n)]
    return [str(x) for x in items[:n]]


CJK_LOCALES = frozenset({"zh_CN", "zh_TW", "ko_KR", "ja_JP"})


def _list(seq: object) -> list[object]:
    """A Faker list, or the keys of a weighted one."""
    return list(seq.keys()) if isinstance(seq, dict) else list(seq or ())  # type: ignore[union-attr]


def _provider(kind: str, locale: str) -> Any:
    try:
        return importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
    except ImportError:
        return None


def _sample(
    kind: str, locale: str, provider: Any, attr: str, n: int, ordered: bool = False
) -> Iterable[str]:
    """A capped sample of a Faker list (``ordered``: of the list sorted first, in case Faker
    built it from a set, whose order changes with the string-hash seed)."""
    pinned = PINNED_SAMPLES.get((kind, locale, attr))
    if pinned is None:
        seq = getattr(provider, attr, ())
        if ordered and not isinstance(seq, (dict, property)):
            seq = sorted(str(x) for x in seq or ())
        return (fold(x) for x in _take(seq, n))
    words = read_words(pinned)
    known = {fold(str(x)) for x in getattr(provider, attr, ())}
    missing = [w for w in words if w not in known]
    if missing:
        raise BuildError(
            f"{pinned}: {len(missing)} names are not in Faker's {locale} {attr} any more "
            f"(e.g. {missing[:3]}); is the installed Faker the version pinned in requirements.txt?"
        )
    return words


def _fold_all(words: Iterable[str]) -> set[str]:
    return {fold(w) for w in words}


def build_dictionaries() -> dict[str, list[str]]:
    """The built-in word lists, each sorted (folded: lower case, accents stripped)."""
    first: set[str] = set()
    last: set[str] = set()
    cities = _fold_all(read_words("world_cities.txt"))
    countries = _fold_all(read_words("extra_country_names.txt"))
    street = _fold_all(read_words("street_words.txt"))
    english = _fold_all(importlib.import_module("faker.providers.lorem.en_US").Provider.word_list)
    cjk_surnames: set[str] = set()
    for loc in LOCALES + EXTRA_LOCALES:
        extra = loc in EXTRA_LOCALES
        person = _provider("person", loc)
        if person is not None:
            for attr, target in [(a, first) for a in FIRST_NAME_LISTS] + [
                (a, last) for a in LAST_NAME_LISTS
            ]:
                names = set(_sample("person", loc, person, attr, NAMES_PER_LOCALE, extra))
                target.update(names - english if extra else names)
            if loc in CJK_LOCALES:
                for attr in LAST_NAME_LISTS:
                    cjk_surnames.update(
                        str(x) for x in _list(getattr(person, attr, ())) if len(str(x)) <= 2
                    )
        address = _provider("address", loc)
        if address is not None:
            towns = set(_sample("address", loc, address, "cities", CITIES_PER_LOCALE, extra))
            cities.update(towns - english if extra else towns)
            countries.update(fold(x) for x in getattr(address, "countries", ()) or ())
            for attr in STREET_WORD_LISTS:
                for word in getattr(address, attr, ()) or ():
                    w = fold(str(word)).strip()
                    if 2 <= len(w) <= 14 and " " not in w:
                        street.add(w)
    base = importlib.import_module("faker.providers.address").Provider
    codes2 = {c.lower() for c in base.alpha_2_country_codes}
    codes3 = {c.lower() for c in base.alpha_3_country_codes}
    import phonenumbers

    codes2 |= {r.lower() for r in phonenumbers.SUPPORTED_REGIONS if len(r) == 2}
    codes2.discard("001")
    misc = importlib.import_module("faker.providers.misc").Provider
    currency = importlib.import_module("faker.providers.currency").Provider
    languages = {c.lower() for c in misc.language_locale_codes if len(c) == 2}
    currencies = {code.lower() for code, _ in currency.currencies}
    lists: dict[str, Iterable[str]] = {
        "first_names": {w for w in first if len(w) >= 2},
        "last_names": {w for w in last if len(w) >= 2},
        "cities": cities,
        "country_names": countries,
        "country_codes_2": codes2,
        "country_codes_3": codes3,
        # ISO 3166-1 numeric codes, three digits ("004", "840"): the first word of each line
        "country_codes_numeric": sorted(
            w.split()[0] for w in read_words("country_codes_numeric.txt")
        ),
        "gender_terms": _fold_all(read_words("gender_terms.txt")),
        "gender_weak_terms": _fold_all(read_words("gender_weak_terms.txt")),
        "street_words": street,
        "city_prefixes": _fold_all(read_words("city_prefixes.txt")),
        "city_suffixes": _fold_all(read_words("city_suffixes.txt")),
        "org_words": _fold_all(read_words("org_words.txt")),
        "title_words": _fold_all(read_words("title_words.txt")),
        "street_suffixes": _fold_all(read_words("street_suffixes.txt")),
        # family names of Chinese, Korean and Japanese, as written (not folded: a name such as
        # 홍정훈 is read by its first syllable)
        "cjk_surnames": cjk_surnames,
        # ISO 639-1 language and ISO 4217 currency codes (Faker's lists): code columns that
        # are not countries
        "language_codes": languages,
        "currency_codes": currencies,
        "person_table_words": _fold_all(read_words("person_table_words.txt")),
        "date_words": _fold_all(read_words("date_words.txt")),
    }
    return {name: sorted(words) for name, words in lists.items()}


def build_training() -> dict[str, Any]:
    """The training generator's tables, as written in ``sources/training.toml``."""
    with (SOURCES / "training.toml").open("rb") as fh:
        return tomllib.load(fh)


def build() -> dict[str, Any]:
    """The content of every data file, by name."""
    return {"dictionaries": build_dictionaries(), "training": build_training()}


def write(out_dir: Path) -> list[Path]:
    """Write every data file into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in build().items():
        path = path_of(name, out_dir)
        path.write_bytes(encode(content))
        paths.append(path)
    return paths


def pinned_version_problems() -> list[str]:
    """Differences between the installed and the pinned versions of the generator's sources."""
    if not REQUIREMENTS.exists():
        return []
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    problems = []
    for package in PINNED_PACKAGES:
        pinned = pins.get(package.lower())
        installed = importlib.metadata.version(package)
        if pinned and installed != pinned:
            problems.append(f"{package} {installed} is installed, requirements.txt pins {pinned}")
    return problems


def _describe(name: str, committed: bytes, generated: bytes) -> str:
    try:
        old, new = decode(committed), decode(generated)
    except ValueError:
        return f"  {name}: not a data file"
    if old == new:
        return f"  {name}: same content, different bytes (compression or serialisation)"
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return f"  {name}: different content"
    lines = [f"  {name}:"]
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, str) for x in a + b):
            committed_only, generated_only = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            lines.append(
                f"    {key}: {len(committed_only)} only in the committed file "
                f"{committed_only[:5]}, {len(generated_only)} only in the generator's "
                f"{generated_only[:5]}"
                if committed_only or generated_only
                else f"    {key}: different order or duplicates"
            )
        else:
            lines.append(f"    {key}: differs")
    return "\n".join(lines)


def check(data_dir: Path = DATA_DIR) -> list[str]:
    """Differences between ``data_dir``'s data files and what the generator writes now."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write(Path(tmp))
        problems = []
        expected = {p.name for p in fresh}
        for extra in sorted(p.name for p in data_dir.glob(f"*{SUFFIX}")):
            if extra not in expected:
                problems.append(f"  {extra}: not written by the generator (remove it)")
        for path in fresh:
            committed = data_dir / path.name
            if not committed.exists():
                problems.append(f"  {path.name}: missing")
            elif not filecmp.cmp(committed, path, shallow=False):
                problems.append(_describe(path.name, committed.read_bytes(), path.read_bytes()))
        return problems


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with data/, write nothing")
    ap.add_argument("--data-dir", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    data_dir: Path = args.data_dir
    versions = pinned_version_problems()
    for problem in versions:
        print(f"warning: {problem}; the data files may differ", file=sys.stderr)
    try:
        if args.check:
            problems = check(data_dir)
            if problems:
                print(
                    f"The engine's data files in {data_dir} are not what the generator writes:\n"
                    + "\n".join(problems)
                    + "\nRun `make engine-data` (with the pinned requirements installed) and "
                    "commit the result.",
                    file=sys.stderr,
                )
                return 1
            print(f"The engine's data files in {data_dir} are up to date.")
            return 0
        for path in write(data_dir):
            print(f"wrote {path} ({path.stat().st_size} bytes)")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
