"""The engine's helper process: same answers as in-process, clear errors when it dies."""

from __future__ import annotations

import os
import signal

import pytest

from governance.classifications.engine import Engine, Model
from governance.classifications.engine.infotypes import SYSTEM_INFO_TYPES
from governance.classifications.engine.process import EngineProcess, EngineProcessError

from .conftest import column, synthetic_values


@pytest.fixture(scope="module")
def helper(small_model: Model):
    proc = EngineProcess(SYSTEM_INFO_TYPES, small_model.to_bytes())
    yield proc
    proc.close()


def _columns():
    return [
        column("contact_email", synthetic_values("EMAIL_ADDRESS", 30)),
        column("col_7", synthetic_values("IBAN", 30), "text"),
        column("note", ["call back later", "thanks", None, "n/a"] * 5, "text"),
    ]


def test_helper_answers_like_the_engine_in_this_process(helper, small_model) -> None:
    assert helper.alive and helper.pid != os.getpid()
    assert helper.model_version == small_model.version
    here = Engine(model=small_model).classify_many(_columns())
    there = helper.submit(_columns()).result(timeout=60)
    assert [[c.to_dict() for c in cands] for cands in there] == [
        [c.to_dict() for c in cands] for cands in here
    ]
    assert there[0][0].info_type == "EMAIL_ADDRESS" and there[1][0].info_type == "IBAN"


def test_requests_queue_in_order(helper) -> None:
    futures = [helper.submit(_columns()[k : k + 1]) for k in range(3)]
    firsts = [f.result(timeout=60)[0] for f in futures]
    assert firsts[0][0].info_type == "EMAIL_ADDRESS"
    assert firsts[1][0].info_type == "IBAN"
    assert not firsts[2] or firsts[2][0].confidence < 0.5


def test_a_failing_request_is_reported_and_the_helper_goes_on(helper) -> None:
    with pytest.raises(EngineProcessError, match="helper failed"):
        helper.submit(["not a column"]).result(timeout=60)  # type: ignore[list-item]
    assert helper.submit(_columns()[:1]).result(timeout=60)[0][0].info_type == "EMAIL_ADDRESS"


def test_a_killed_helper_raises_a_clear_error(small_model) -> None:
    proc = EngineProcess(SYSTEM_INFO_TYPES, small_model.to_bytes())
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc._proc.wait(timeout=10)
        assert not proc.alive
        with pytest.raises(EngineProcessError, match="stopped"):
            proc.submit(_columns()).result(timeout=60)
    finally:
        proc.close()


def test_a_corrupt_model_fails_at_start() -> None:
    with pytest.raises(EngineProcessError, match="ModelFormatError"):
        EngineProcess(SYSTEM_INFO_TYPES, b"not a model")


def test_the_helper_exits_when_its_parent_is_killed(tmp_path) -> None:
    """A worker killed with SIGKILL leaves no helper behind: end of input stops it."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    pid_file = tmp_path / "helper.pid"
    script = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from governance.classifications.engine.infotypes import SYSTEM_INFO_TYPES\n"
        "from governance.classifications.engine.process import EngineProcess\n"
        "helper = EngineProcess(SYSTEM_INFO_TYPES, None)\n"
        f"open({str(pid_file)!r}, 'w').write(str(helper.pid))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    parent = subprocess.run([sys.executable, "-c", script], timeout=120, check=False)
    assert parent.returncode == -signal.SIGKILL
    helper_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = Path(f"/proc/{helper_pid}/status")
        if not status.exists() or "State:\tZ" in status.read_text():
            break
        time.sleep(0.1)
    else:
        os.kill(helper_pid, signal.SIGKILL)
        raise AssertionError("the helper outlived its killed parent")


def test_the_helper_also_finds_personal_data_inside_free_text(helper, small_model) -> None:
    notes = column("notes", ["mail me at ann@example.com today", "no contact given"] * 10, "text")
    results, contained = helper.submit_contained([notes]).result(timeout=60)
    here = Engine(model=small_model)
    assert [[c.to_dict() for c in cs] for cs in results] == [
        [c.to_dict() for c in cs] for cs in here.classify_many([notes])
    ]
    assert [c.to_dict() for c in contained[0]] == [c.to_dict() for c in here.contained(notes)]
    assert contained[0][0].info_type == "EMAIL_ADDRESS" and contained[0][0].share == 0.5
