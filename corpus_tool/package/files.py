"""The files of a release: names, checksums, deterministic writing, shard readers."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import deflate
import orjson
import pyarrow.parquet as pq
from isal import igzip

from corpus_tool.package.fields import comparable

SPLIT = "train"
MANIFEST = "manifest.json"
CARD = "README.md"
CROISSANT = "croissant.json"
CHANGELOG = "CHANGELOG.md"
PARQUET_DIR = "data"
JSONL_DIR = "jsonl"
PARQUET_SUFFIX = ".parquet"
JSONL_SUFFIX = ".jsonl.gz"
PARQUET_GLOB = f"{PARQUET_DIR}/{SPLIT}-*{PARQUET_SUFFIX}"

# Fixed: the level is part of the bytes. libdeflate's level 1 compresses the
# JSONL shards faster than zlib's level 3 and a little smaller. libdeflate's
# output depends only on its input, level and version, never on the CPU it runs
# on (ISA-L, used before, picks code paths by CPU feature and so its bytes).
GZIP_LEVEL = 1
CHUNK = 1 << 20  # bytes read at a time when hashing

_SHARD_RE = re.compile(rf"^{SPLIT}-(\d{{5}})-of-(\d{{5}})(\.parquet|\.jsonl\.gz)$")


def shard_name(index: int, total: int, suffix: str) -> str:
    """Hugging Face's shard naming: `train-00000-of-00003.parquet`."""
    return f"{SPLIT}-{index:05d}-of-{total:05d}{suffix}"


def shard_index(name: str) -> int | None:
    """The index of a shard file named by `shard_name`, else None."""
    m = _SHARD_RE.fullmatch(name)
    return int(m.group(1)) if m else None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def json_text(data: Any) -> str:
    """Stable JSON text: the caller fixes key order; 2-space indent, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 with `\\n` line ends on every platform, and flush it to disk."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def gzip_member(data: bytes | bytearray) -> bytes | bytearray:
    """One gzip member whose header holds no name and no time: equal input, equal bytes
    for a given libdeflate version, on any machine."""
    return deflate.gzip_compress(data, GZIP_LEVEL)


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_jsonl_shard(path: Path) -> Iterator[dict[str, Any]]:
    """The records of one `.jsonl.gz` shard, streaming."""
    with igzip.open(path, "rb") as f:
        for line in f:
            yield orjson.loads(line)


def read_parquet_shard(path: Path, batch_rows: int = 1024) -> Iterator[dict[str, Any]]:
    """The records of one Parquet shard, streaming, with dates as ISO strings."""
    with pq.ParquetFile(path) as pf:
        for batch in pf.iter_batches(batch_size=batch_rows):
            for row in batch.to_pylist():
                yield comparable(row)


def shard_files(release: Path, folder: str, suffix: str) -> list[Path]:
    """The shards of one format, in index order."""
    found = [
        (index, p)
        for p in (release / folder).glob(f"*{suffix}")
        if (index := shard_index(p.name)) is not None and p.name.endswith(suffix)
    ]
    return [p for _, p in sorted(found)]
