"""How many documents a corpus holds, estimated before reading it (for progress bars).

Exact where it is cheap: a `.txt` file is one document, a Parquet file says
its rows in its footer. A JSONL shard is estimated from its size and the
lines in its first `SAMPLE` bytes (decompressed, for `.gz` and `.zst`, with the
compressed bytes they took): exact when the shard is smaller than the sample.
Nothing here raises: a file that cannot be sampled counts as one document,
and reading it later says what is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tool.sources.files import list_corpus

SAMPLE = 1 << 20  # decoded bytes read from the start of a JSONL shard


@dataclass(frozen=True)
class Estimate:
    documents: int  # the estimated number of documents
    exact: bool  # every count was exact (no shard was extrapolated)
    files: int
    bytes: int  # the files' sizes on disk


CHUNK = 16 << 10  # compressed bytes fed at a time while sampling


def _decompressor(path: str) -> Any:
    if path.endswith(".gz"):
        import zlib

        return zlib.decompressobj(wbits=31)
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj()


def _jsonl(path: str) -> tuple[int, bool]:
    """(lines, exact) of a JSONL shard: counted in its first SAMPLE decoded bytes,
    scaled by the share of the file those took."""
    size = os.path.getsize(path)
    with open(path, "rb") as raw:
        if path.endswith((".gz", ".zst")):
            decoder = _decompressor(path)
            out, used = bytearray(), 0
            while len(out) < SAMPLE:
                chunk = raw.read(CHUNK)
                if not chunk:
                    break
                used += len(chunk)
                out += decoder.decompress(chunk)
            data = bytes(out)
            whole = used == size and not getattr(decoder, "unused_data", b"")
        else:
            data = raw.read(SAMPLE)
            used, whole = len(data), len(data) < SAMPLE
    if not data:
        return 0, whole
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if whole:
        return lines, True
    return max(round(lines * size / max(used, 1)), lines), False


def _parquet(path: str) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def estimate_documents(paths: Sequence[Path], exclude: Sequence[Path] = ()) -> Estimate:
    """The documents at `paths` (files and folders, listed as reading lists them)."""
    listing = list_corpus(list(paths), [str(p) for p in paths], exclude)
    documents, exact, files, size = 0, True, 0, 0
    for entry in listing.entries:
        if entry.kind == "sidecar":
            continue
        files += 1
        try:
            size += os.path.getsize(entry.real)
            if entry.kind != "shard":
                documents += 1
            elif entry.real.endswith(".parquet"):
                documents += _parquet(entry.real)
            else:
                count, whole = _jsonl(entry.real)
                documents += count
                exact = exact and whole
        except Exception:  # unreadable or damaged: reading it reports why
            documents += 1
    return Estimate(documents, exact, files, size)
