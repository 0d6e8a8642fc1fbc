"""Shards: JSONL (plain, gzip, zstd) and Parquet files of one document per line/row."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from corpus_tool import codes
from corpus_tool.findings import Finding
from corpus_tool.sources import Item


def _open_jsonl(path: Path) -> IO[bytes]:
    name = path.name
    if name.endswith(".gz"):
        from isal import igzip  # ISA-L: a gzip reader several times faster than zlib's

        return igzip.open(path, "rb")
    if name.endswith(".zst"):
        import zstandard

        raw = path.open("rb")
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return path.open("rb")


def read_shard(path: Path, shown: str, max_line_bytes: int) -> Iterator[Item | Finding]:
    if path.name.endswith(".parquet"):
        yield from _read_parquet(path, shown)
    else:
        yield from _read_jsonl(path, shown, max_line_bytes)


def _read_jsonl(path: Path, shown: str, max_line_bytes: int) -> Iterator[Item | Finding]:
    lineno = 0
    try:
        with _open_jsonl(path) as stream:
            for lineno, line in enumerate(stream, start=1):
                if len(line) > max_line_bytes:
                    yield codes.make(
                        "E006",
                        f"line of {len(line):,} bytes is over the limit of {max_line_bytes:,}",
                        path=shown,
                        line=lineno,
                    )
                    continue
                if line.strip():
                    yield Item("jsonl", shown, lineno, line)
    except OSError as exc:
        yield _broken(shown, lineno + 1, exc)
    except (EOFError, zlib.error) as exc:
        yield _broken(shown, lineno + 1, exc)
    except Exception as exc:  # zstandard.ZstdError has no stable base class
        yield _broken(shown, lineno + 1, exc)


def _broken(shown: str, line: int, exc: BaseException) -> Finding:
    reason = str(exc) or type(exc).__name__
    return codes.make("E009", f"cannot decode the shard: {reason}", path=shown, line=line)


def _read_parquet(path: Path, shown: str) -> Iterator[Item | Finding]:
    import pyarrow.parquet as pq

    row = 0
    try:
        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                row += 1
                yield Item("row", shown, row, record)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others
        yield _broken(shown, row + 1, exc)
