"""An :class:`Engine` in a helper process, so that classification overlaps the caller's work.

A scan samples batch *k+1* and commits batch *k* while batch *k*'s columns are classified: on a
machine with two cores that runs the engine beside the sampling instead of after it. The helper is
a plain child process started with ``subprocess`` (a Celery prefork worker is a daemonic process,
which ``multiprocessing`` does not allow to have children), talking length-prefixed pickles over
its stdin and stdout:

    ("init", specs, model_bytes)  ->  ("ok", model_version)
    ("classify", [ColumnInput])   ->  ("ok", [[Candidate]])
    ("classify_contained", [ColumnInput])  ->  ("ok", ([[Candidate]], [[Containment]]))
    EOF                            ->  the helper exits

Sampled values cross the pipe and live only in the two processes' memory, as they do in one. A
request is answered before the next is read, and one thread of the caller writes a request and
reads its answer, so neither side can block the other on a full pipe. If the helper dies (killed,
out of memory) :meth:`EngineProcess.submit`'s future raises :class:`EngineProcessError`, and the
caller classifies in its own process instead.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from .contained import Containment
from .engine import Candidate, ColumnInput, Engine
from .infotypes import InfoTypeSpec

_HEADER = struct.Struct("!Q")
_ROOT = Path(__file__).resolve().parents[3]  # the project: what the helper imports from


class EngineProcessError(RuntimeError):
    """The helper process failed, died or answered with an error."""


def _write(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own child process over a private pipe


class EngineProcess:
    """A helper process running one engine (specs and model) for as long as it is needed."""

    def __init__(self, specs: Sequence[InfoTypeSpec], model_bytes: bytes | None) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), *sys.path])}
        self._proc = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(_ROOT),
            env=env,
        )
        self._lock = threading.Lock()
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-process")
        try:
            self.model_version: str = self._call(("init", list(specs), model_bytes))
        except BaseException:
            self.close()
            raise

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _call(self, message: object) -> Any:
        with self._lock:
            stdin, stdout = self._proc.stdin, self._proc.stdout
            assert stdin is not None and stdout is not None
            try:
                _write(stdin, message)
                status, payload = _read(stdout)
            except (EOFError, OSError, pickle.PickleError) as exc:
                code = self._proc.poll()
                raise EngineProcessError(
                    f"the classification helper process stopped (exit code {code})"
                ) from exc
        if status != "ok":
            raise EngineProcessError(f"the classification helper failed: {payload}")
        return payload

    def submit(self, columns: Sequence[ColumnInput]) -> Future[list[list[Candidate]]]:
        """Classify ``columns`` in the helper; the future holds ``classify_many``'s result."""
        return self._io.submit(self._call, ("classify", list(columns)))

    def submit_contained(
        self, columns: Sequence[ColumnInput]
    ) -> Future[tuple[list[list[Candidate]], list[list[Containment]]]]:
        """Classify ``columns`` and find personal data inside their free text, in the helper."""
        return self._io.submit(self._call, ("classify_contained", list(columns)))

    def close(self) -> None:
        """Stop the helper (it exits on end of input) and wait for it briefly."""
        self._io.shutdown(wait=True, cancel_futures=True)
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The helper's loop: answer requests until end of input."""
    engine: Engine | None = None
    while True:
        try:
            message = _read(stdin)
        except EOFError:
            return
        try:
            if message[0] == "init":
                from .model import Model

                _, specs, model_bytes = message
                model = Model.from_bytes(model_bytes) if model_bytes else None
                engine = Engine(specs=specs, model=model)
                gc.collect()
                gc.freeze()  # the engine lives as long as the helper: keep it out of the GC's way
                reply: tuple[str, Any] = ("ok", model.version if model else "")
            elif message[0] in ("classify", "classify_contained"):
                if engine is None:
                    raise RuntimeError("classify before init")
                results = engine.classify_many(message[1])
                if message[0] == "classify":
                    reply = ("ok", results)
                else:
                    reply = ("ok", (results, engine.contained_many(message[1], results)))
            else:
                raise RuntimeError(f"unknown request {message[0]!r}")
        except Exception as exc:  # reported to the caller, which falls back to its own engine
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            _write(stdout, reply)
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":
    _out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the replies
    serve(sys.stdin.buffer, _out)
