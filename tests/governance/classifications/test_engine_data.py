"""The engine's data files: generated deterministically, committed as generated, read once."""

from __future__ import annotations

import ast
import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from governance.classifications.engine import SYSTEM_INFO_TYPES, VALIDATORS, build_data, datafiles
from governance.classifications.engine.features import Library, normalize_name
from governance.classifications.engine.generators import VARIANTS, non_sensitive_factory
from governance.classifications.engine.training import non_sensitive_kinds
from governance.classifications.engine.training_data import tables

ROOT = Path(__file__).resolve().parents[3]
ENGINE = ROOT / "governance" / "classifications" / "engine"

# Training column names that no ``column_name_patterns`` of their info type recognise: the model
# alone learns them. Recognising them by rule (or dropping them) changes the engine's results.
MODEL_ONLY_NAMES = {
    "EMAIL_ADDRESS": {"recipient"},
    "PHONE_NUMBER": {"mobiel"},
    "CREDIT_CARD_NUMBER": {"numero_carta", "numer_karty"},
    "US_SSN": {"social_sec_num"},
    "IBAN": {"bankrekening", "conta_bancaria"},
    "URL": {"landing_page", "strona_www"},
    "PERSON_NAME": {"account_holder", "efternamn"},
    "STREET_ADDRESS": {"addr1", "rue", "via", "straatnaam", "logradouro", "residence"},
    "CITY": {"localite"},
    "COUNTRY": {"herkunftsland"},
    "DATE_OF_BIRTH": {"fodelsedatum"},
}


def _run(*args: str, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


# --- generation and the check ------------------------------------------------------------------


def test_committed_data_files_are_what_the_generator_writes() -> None:
    assert build_data.check() == []


def test_the_check_command_passes_whatever_the_hash_seed() -> None:
    """Faker's it_IT cities come in hash-seed order; the pinned sample makes the output stable."""
    for seed in ("1", "4242"):
        done = _run("-m", "governance.classifications.engine.build_data", "--check", hash_seed=seed)
        assert done.returncode == 0, done.stderr
        assert "up to date" in done.stdout


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for path in datafiles.DATA_DIR.glob(f"*{datafiles.SUFFIX}"):
        shutil.copy(path, target / path.name)
    return target


def test_the_check_names_what_differs(data_copy: Path) -> None:
    path = datafiles.path_of("dictionaries", data_copy)
    content = datafiles.decode(path.read_bytes())
    content["cities"].remove("zurich")
    content["gender_terms"].append("zzz")
    path.write_bytes(datafiles.encode(content))
    (data_copy / f"stale{datafiles.SUFFIX}").write_bytes(datafiles.encode([]))
    datafiles.path_of("training", data_copy).unlink()

    problems = "\n".join(build_data.check(data_copy))
    assert (
        "cities: 0 only in the committed file [], 1 only in the generator's ['zurich']" in problems
    )
    assert "gender_terms: 1 only in the committed file ['zzz'], 0 only" in problems
    assert f"stale{datafiles.SUFFIX}: not written by the generator" in problems
    assert f"training{datafiles.SUFFIX}: missing" in problems

    args = ("-m", "governance.classifications.engine.build_data", "--check")
    done = _run(*args, "--data-dir", str(data_copy))
    assert done.returncode == 1
    assert "are not what the generator writes" in done.stderr
    assert "make engine-data" in done.stderr


def test_the_check_reports_bytes_that_differ_with_the_same_content(data_copy: Path) -> None:
    path = datafiles.path_of("training", data_copy)
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), mtime=1))
    [problem] = build_data.check(data_copy)
    assert "same content, different bytes" in problem


def test_a_pinned_sample_must_still_be_in_faker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_data, "read_words", lambda name: ["no such town"])
    with pytest.raises(build_data.BuildError, match="not in Faker's it_IT cities"):
        build_data.build_dictionaries()


def test_encoding_is_deterministic() -> None:
    data = datafiles.encode({"b": ["z", "ä"], "a": 1.5})
    assert data == datafiles.encode({"a": 1.5, "b": ["z", "ä"]})
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # no time, no file name
    assert gzip.decompress(data) == '{\n"a": 1.5,\n"b": [\n"z",\n"ä"\n]\n}\n'.encode()
    assert datafiles.decode(data) == {"a": 1.5, "b": ["z", "ä"]}


# --- loading --------------------------------------------------------------------------------------


def test_dictionaries_are_read_on_first_use_and_once() -> None:
    code = (
        "from governance.classifications.engine import Engine, datafiles, dictionaries as d\n"
        "assert 'CITIES' not in vars(d) and datafiles.load.cache_info().currsize == 0\n"
        "assert d.city_hit('Zürich') and d.country_hit('DE') and 'zurich' in d.CITIES\n"
        "assert 'CITIES' in vars(d)\n"
        "Engine().classify_many([])\n"
        "info = datafiles.load.cache_info()\n"
        "assert (info.currsize, info.misses) == (1, 1), info\n"
    )
    done = _run("-c", code)
    assert done.returncode == 0, done.stderr


def test_unknown_dictionary_attribute() -> None:
    from governance.classifications.engine import dictionaries

    with pytest.raises(AttributeError):
        _ = dictionaries.NO_SUCH_LIST


# --- the training tables ---------------------------------------------------------------------


def test_training_tables_cover_the_system_info_types() -> None:
    t = tables()
    codes = {spec.code for spec in SYSTEM_INFO_TYPES}
    assert set(t.column_names) == codes == set(VARIANTS)
    assert set(t.type_tables) <= codes
    assert t.pooled_types <= codes
    assert set(t.checksum_types) <= codes
    assert set(t.checksum_types.values()) <= set(VALIDATORS)
    assert all(stems for stems in t.column_names.values())


def test_the_info_types_name_patterns_recognise_the_training_names() -> None:
    """One name vocabulary: the info types' patterns; training names are examples of it."""
    library = Library(SYSTEM_INFO_TYPES)
    unrecognised: dict[str, set[str]] = {}
    for code, stems in tables().column_names.items():
        i = library.codes.index(code)
        for stem in stems:
            name = normalize_name(stem)
            if i not in library.names.match(name) or i in library.exclusions.match(name):
                unrecognised.setdefault(code, set()).add(stem)
    assert unrecognised == MODEL_ONLY_NAMES


def test_every_kind_of_non_sensitive_column_has_a_value_generator() -> None:
    kinds = non_sensitive_kinds()
    assert len(kinds) == len(tables().non_sensitive) > 40
    assert all(callable(factory) for _, factory, _, _ in kinds)
    with pytest.raises(KeyError, match="unknown non-sensitive value generator"):
        non_sensitive_factory("no_such_generator", {})
    with pytest.raises(TypeError, match="takes no parameters"):
        non_sensitive_factory("uuid", {"length": 3})


# --- imports ------------------------------------------------------------------------------------


def _engine_imports() -> dict[str, set[str]]:
    """Every engine module's imports of other engine modules (type-only and local ones too)."""
    modules = {path.stem for path in ENGINE.glob("*.py")} - {"__init__"}
    graph: dict[str, set[str]] = {}
    for name in modules:
        tree = ast.parse((ENGINE / f"{name}.py").read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    targets.add(node.module.split(".")[0])
                else:
                    targets.update(alias.name for alias in node.names)
        graph[name] = targets & modules
    return graph


def test_the_engine_modules_import_each_other_without_cycles() -> None:
    graph = _engine_imports()
    assert "training" not in graph["model"]
    assert {"model", "generators", "training_data"} <= graph["training"]
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join([*visiting, name])}"
        if name in done:
            return
        visiting.append(name)
        for target in sorted(graph[name]):
            visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
