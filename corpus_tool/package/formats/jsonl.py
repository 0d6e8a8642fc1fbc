"""Gzip JSON lines shards (`jsonl/*.jsonl.gz`): the release JSON lines, compressed.

Each row group is one gzip member (a multi-member gzip file is plain gzip to
every reader), compressed by libdeflate on an encoder thread. A shard's
decompressed bytes are exactly its records as `models.json_line` gives them.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import deflate
import orjson
import pyarrow as pa

from corpus_tool.config import Config
from corpus_tool.package.files import CHUNK
from corpus_tool.package.formats.base import ShardFormat, ShardWriter

# Fixed: the level is part of the bytes. libdeflate's level 1 compresses the
# shards faster than zlib's level 3 and a little smaller. libdeflate's output
# depends only on its input, level and version, never on the CPU it runs on
# (ISA-L, used before, picks code paths by CPU feature and so its bytes).
GZIP_LEVEL = 1


def gzip_member(data: bytes | bytearray) -> bytes | bytearray:
    """One gzip member whose header holds no name and no time: equal input, equal bytes
    for a given libdeflate version, on any machine."""
    return deflate.gzip_compress(data, GZIP_LEVEL)


def gzip_content(f: BinaryIO, raw_digest: Any | None = None) -> tuple[str, int]:
    """(SHA-256 of the inflated bytes, lines) of a gzip stream of any number of
    members, inflated in pieces of at most CHUNK bytes: memory stays bounded
    whatever the compression ratio. The raw bytes go into `raw_digest` on the way.
    Raises ValueError on a stream that is empty, truncated or not gzip."""
    content = hashlib.sha256()
    lines = 0
    inflate = zlib.decompressobj(wbits=31)
    seen = False
    try:
        while chunk := f.read(CHUNK):
            seen = True
            if raw_digest is not None:
                raw_digest.update(chunk)
            data = chunk
            while data:
                if inflate.eof:  # the next gzip member
                    inflate = zlib.decompressobj(wbits=31)
                out = inflate.decompress(data, CHUNK)
                lines += out.count(b"\n")
                content.update(out)
                data = inflate.unused_data if inflate.eof else inflate.unconsumed_tail
        while seen and not inflate.eof and (out := inflate.decompress(b"", CHUNK)):
            lines += out.count(b"\n")
            content.update(out)
    except zlib.error as exc:
        raise ValueError(f"not a valid gzip stream: {exc}") from None
    if not seen:
        raise ValueError("empty, not a gzip file")
    if not inflate.eof:
        raise ValueError("truncated gzip stream")
    return content.hexdigest(), lines


class _JSONLShard(ShardWriter):
    def __init__(self, path: Path) -> None:
        self.file: IO[bytes] | None = path.open("wb")

    def encode(self, lines: bytes | bytearray) -> bytes | bytearray:
        return gzip_member(lines)

    def write(self, encoded: Any, batch: pa.RecordBatch) -> None:
        assert self.file is not None
        self.file.write(encoded)

    def close(self, rows: int) -> None:
        assert self.file is not None
        if rows == 0:
            self.file.write(gzip_member(b""))  # an empty shard is still a gzip file
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.file = None


class JSONL(ShardFormat):
    label = "JSONL"
    name = "jsonl"
    folder = "jsonl"
    suffix = ".jsonl.gz"
    mime = "application/jsonlines+gzip"
    streamed = True
    kind_of_file = "gzipped JSON lines"
    libraries = ("deflate",)

    def open(self, path: Path, config: Config) -> ShardWriter:
        return _JSONLShard(path)

    def records(self, f: BinaryIO) -> Iterator[Any]:
        with gzip.GzipFile(fileobj=f, mode="rb") as lines:
            for line in lines:
                yield orjson.loads(line)

    def lines(self, f: BinaryIO) -> Iterator[bytes]:
        from isal import igzip  # ISA-L: several times faster than zlib's reader

        with igzip.IGzipFile(fileobj=f, mode="rb") as lines:
            yield from lines

    def content(self, f: BinaryIO, raw_digest: Any | None = None) -> tuple[str, int]:
        return gzip_content(f, raw_digest)
