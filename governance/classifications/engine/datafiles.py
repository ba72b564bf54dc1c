"""The engine's data files: word lists and tables as gzip'd JSON, each read once when first used.

``data/<name>.json.gz`` files are written by :mod:`.build_data` (``make engine-data``) from Faker's
locale data and the hand-written sources in ``data/sources/``; do not edit them by hand. Their
bytes are deterministic (sorted keys, one item per line, a fixed gzip header without a time or a
file name), so that CI can check that the committed files are exactly what the generator writes.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().with_name("data")
SUFFIX = ".json.gz"

# gzip member header: magic, deflate, no flags, mtime 0, "maximum compression", OS "unknown"
_GZIP_HEADER = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\xff"


def encode(obj: Any) -> bytes:
    """``obj`` as deterministic, compressed JSON bytes (the content of a data file)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=0) + "\n"
    raw = text.encode("utf-8")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    body = deflate.compress(raw) + deflate.flush()
    return _GZIP_HEADER + body + struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF)


def decode(data: bytes) -> Any:
    """The object that :func:`encode` turned into ``data``."""
    return json.loads(gzip.decompress(data).decode("utf-8"))


def path_of(name: str, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"{name}{SUFFIX}"


@cache
def load(name: str) -> Any:
    """The content of ``data/<name>.json.gz`` (read and parsed once per process)."""
    return decode(path_of(name).read_bytes())
