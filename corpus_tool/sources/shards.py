"""Shards: JSONL (plain, gzip, zstd) and Parquet files of one document per line/row.

Bounded whatever the input: `max_file_bytes` is the per-document limit, on a
line's or a row's decoded size. Lines are split from decoded chunks of 1 MiB;
at most `limit` bytes of a line are held and the rest of an over-long line is
counted and dropped, so a gzip bomb of one 20 GB line costs one chunk of memory
and time linear in what is decoded.
There is no limit on a whole shard's decoded size: shards are streamed.

A compressed shard must be complete: gzip (ISA-L) raises on a stream that ends
early or on trailing garbage; zstd's reader just stops, so the frames are walked
at the end (`_zstd_problem`). Either is E009 at the line reached, and a partial
last line is not passed on as a document.

Parquet is checked against its metadata before any data is read: a footer over
FOOTER_LIMIT, or a page whose decoded size is over PAGE_LIMIT (and the
document limit), is a finding, not an allocation. Rows are read in batches of
about BATCH_BYTES; a row over the limit is measured in Arrow (E006 at its row)
and never becomes a Python object.
"""

from __future__ import annotations

import io
import mmap
import os
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any

from corpus_tool.findings import Finding
from corpus_tool.sources import Item
from corpus_tool.sources.files import open_regular
from corpus_tool.sources.read import FILE_TOO_LARGE, MALFORMED_SHARD

CHUNK = 1 << 20  # bytes read at a time when skipping an over-long line
FOOTER_LIMIT = 64 << 20  # Parquet metadata bytes: a real footer is kilobytes
PAGE_LIMIT = 256 << 20  # decoded bytes of one Parquet page read in one piece
BATCH_BYTES = 64 << 20  # decoded bytes of Parquet rows per batch, on average
BATCH_ROWS = 1024


def read_shard(path: str, shown: str, limit: int) -> Iterator[Item | Finding]:
    """The documents of the shard at `path` (a resolved path), or findings."""
    raw = open_regular(path, shown)
    if isinstance(raw, Finding):
        yield raw
        return
    with raw:
        if path.endswith(".parquet"):
            yield from _read_parquet(raw, shown, limit)
        else:
            yield from _read_jsonl(raw, path, shown, limit)


def _decoder(raw: IO[bytes], name: str) -> IO[bytes]:
    if name.endswith(".gz"):
        from isal import igzip  # ISA-L: a gzip reader several times faster than zlib's

        return igzip.IGzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if name.endswith(".zst"):
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(
            raw, read_across_frames=True, closefd=False
        )
        return io.BufferedReader(reader, buffer_size=CHUNK)
    return raw


def _read_jsonl(raw: IO[bytes], name: str, shown: str, limit: int) -> Iterator[Item | Finding]:
    lineno = 0
    zstd = name.endswith(".zst")
    try:
        for line, size in _lines(_decoder(raw, name), limit):
            lineno += 1
            if line is None:
                msg = (
                    f"line of {size:,} bytes is over the per-document limit "
                    f"`max_file_bytes` of {limit:,}"
                )
                yield FILE_TOO_LARGE.finding(msg, path=shown, line=lineno)
                continue
            if zstd and not line.endswith(b"\n"):
                problem = _zstd_problem(raw)  # the last line: is it all there?
                if problem:
                    yield _broken(shown, lineno, problem)
                    return
            if line.strip():
                yield Item("jsonl", shown, lineno, line)
    except Exception as exc:  # EOFError, OSError, zlib/isal and zstd errors
        yield _broken(shown, lineno + 1, str(exc) or type(exc).__name__)
        return
    if zstd and (problem := _zstd_problem(raw)):
        yield _broken(shown, lineno + 1, problem)


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, its size) of each line, or (None, size) for a line over `limit` bytes.

    Reads CHUNK bytes at a time: at most `limit` bytes of a line are held, and
    the rest of an over-long line is counted and dropped, never kept.
    """
    parts: list[bytes] = []
    held = 0  # bytes in `parts`
    over = 0  # bytes so far of an over-long line being skipped
    while chunk := stream.read(CHUNK):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start : end + 1]
            if over:
                over += len(piece)
            elif held + len(piece) > limit:
                over, parts, held = held + len(piece), [], 0
            elif piece:
                parts.append(piece)
                held += len(piece)
            if end < 0:
                break
            if over:
                yield None, over
                over = 0
            else:
                yield b"".join(parts) if len(parts) > 1 else parts[0], held
                parts, held = [], 0
            start = end + 1
    if over:
        yield None, over
    elif held:
        yield b"".join(parts), held


def _broken(shown: str, line: int, reason: str) -> Finding:
    return MALFORMED_SHARD.finding(f"cannot decode the shard: {reason}", path=shown, line=line)


# ------------------------------------------------------------------------- zstd frames

_ZSTD_MAGIC = 0xFD2FB528


def _zstd_problem(raw: IO[bytes]) -> str | None:
    """Why the zstd file is not a whole number of complete frames, or None.

    The zstd reader stops quietly where the data stops, so a cut file would look
    like a short shard: walk the frame and block headers (no decompression).
    """
    size = os.fstat(raw.fileno()).st_size
    if size == 0:
        return "the file is empty, not a zstd stream"
    with mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as data:
        pos, frame = 0, 0
        while pos < size:
            frame += 1
            if pos + 4 > size:
                return f"the stream ends early, in the header of frame {frame}"
            magic = int.from_bytes(data[pos : pos + 4], "little")
            if 0x184D2A50 <= magic <= 0x184D2A5F:  # a skippable frame
                if pos + 8 > size:
                    return f"the stream ends early, in the header of frame {frame}"
                pos += 8 + int.from_bytes(data[pos + 4 : pos + 8], "little")
                if pos > size:
                    return f"the stream ends early, in frame {frame}"
                continue
            if magic != _ZSTD_MAGIC:
                return f"trailing data after the zstd stream, at byte {pos:,}"
            if pos + 5 > size:
                return f"the stream ends early, in the header of frame {frame}"
            descriptor = data[pos + 4]
            single = (descriptor >> 5) & 1
            checksum = (descriptor >> 2) & 1
            content_size = (single, 2, 4, 8)[descriptor >> 6]
            pos += 5 + (0 if single else 1) + (0, 1, 2, 4)[descriptor & 3] + content_size
            while True:
                if pos + 3 > size:
                    return f"the stream ends early, in frame {frame}"
                header = int.from_bytes(data[pos : pos + 3], "little")
                kind = (header >> 1) & 3
                if kind == 3:
                    return f"a corrupt block in frame {frame}, at byte {pos:,}"
                pos += 3 + (1 if kind == 1 else header >> 3)
                if header & 1:
                    break
            pos += 4 * checksum
            if pos > size:
                return f"the stream ends early, in frame {frame}"
    return None


# ------------------------------------------------------------------------------ Parquet


def _read_parquet(raw: IO[bytes], shown: str, limit: int) -> Iterator[Item | Finding]:
    import pyarrow.parquet as pq

    problem = _footer_problem(raw)
    if problem:
        yield _broken(shown, 1, problem)
        return
    row = 0
    try:
        pf = pq.ParquetFile(
            raw,
            buffer_size=CHUNK,  # stream each column chunk, never read it whole
            thrift_string_size_limit=FOOTER_LIMIT,
            thrift_container_size_limit=FOOTER_LIMIT // 8,
        )
        meta = pf.metadata
        for group in range(meta.num_row_groups):
            info = meta.row_group(group)
            big = _big_page(raw, info, max(limit, PAGE_LIMIT))
            if big is not None:
                column, size, first = big
                msg = (
                    f"column `{column}` holds a page of {size:,} bytes decoded, over the "
                    f"per-document limit `max_file_bytes` of {limit:,}: its row group "
                    f"(rows {row + 1:,}-{row + info.num_rows:,}) is not read"
                )
                yield FILE_TOO_LARGE.finding(msg, path=shown, line=row + 1 + first)
                row += info.num_rows
                continue
            average = max(1, info.total_byte_size // max(1, info.num_rows))
            rows = max(1, min(BATCH_ROWS, BATCH_BYTES // average))
            for batch in pf.iter_batches(batch_size=rows, row_groups=[group], use_threads=False):
                sizes = _row_sizes(batch)
                over = [i for i, size in enumerate(sizes) if size > limit]
                if over:
                    keep = [i for i in range(batch.num_rows) if sizes[i] <= limit]
                    records = iter(batch.take(keep).to_pylist())
                else:
                    records = iter(batch.to_pylist())
                for i in range(batch.num_rows):
                    row += 1
                    if sizes[i] > limit:
                        msg = (
                            f"row of {int(sizes[i]):,} bytes decoded is over the per-document "
                            f"limit `max_file_bytes` of {limit:,}"
                        )
                        yield FILE_TOO_LARGE.finding(msg, path=shown, line=row)
                    else:
                        yield Item("row", shown, row, next(records))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others
        yield _broken(shown, row + 1, str(exc) or type(exc).__name__)


def _footer_problem(raw: IO[bytes]) -> str | None:
    size = os.fstat(raw.fileno()).st_size
    if size < 12:
        return f"{size} bytes is too short for a Parquet file"
    tail = os.pread(raw.fileno(), 8, size - 8)
    if tail[4:] != b"PAR1":
        return "no `PAR1` at the end: not a Parquet file, or cut short"
    length = int.from_bytes(tail[:4], "little")
    if length + 12 > size:
        return f"the metadata length {length:,} is more than the file holds: cut short?"
    if length > FOOTER_LIMIT:
        return f"metadata of {length:,} bytes is over the limit of {FOOTER_LIMIT:,}"
    return None


def _row_sizes(batch: Any) -> list[int]:
    """Each row's decoded bytes of text (strings and binaries, also in lists)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    sizes = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        kind = column.type
        if (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
        ):
            sizes += pc.binary_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            values = pc.list_flatten(column)
            vkind = values.type
            if pa.types.is_string(vkind) or pa.types.is_large_string(vkind):
                lengths = pc.binary_length(values).fill_null(0).to_numpy(zero_copy_only=False)
                parents = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
                sizes += np.bincount(parents, weights=lengths, minlength=len(sizes)).astype(
                    np.int64
                )
    return [int(s) for s in sizes]


def _big_page(raw: IO[bytes], info: Any, page_limit: int) -> tuple[str, int, int] | None:
    """(column, decoded bytes, first row in the row group) of a page over `page_limit`."""
    for j in range(info.num_columns):
        chunk = info.column(j)
        if chunk.total_uncompressed_size <= page_limit:
            continue  # no page of it can be larger
        for size, first in _pages(raw, chunk):
            if size > page_limit:
                return chunk.path_in_schema, size, first
    return None


def _pages(raw: IO[bytes], chunk: Any) -> Iterator[tuple[int, int]]:
    """(decoded size, first row) of each page of a column chunk, from its headers."""
    starts = [chunk.data_page_offset]
    if chunk.has_dictionary_page and chunk.dictionary_page_offset:
        starts.append(chunk.dictionary_page_offset)
    pos = min(starts)
    end = pos + chunk.total_compressed_size
    rows = 0
    size = os.fstat(raw.fileno()).st_size
    with mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as data:
        while pos < min(end, size):
            reader = _Compact(data, pos)
            header: dict[Any, int] = {}
            reader.struct(partial(_page_field, reader, header))
            compressed = header.get(3, -1)
            if compressed < 0:
                raise ValueError(f"a page header without its size, at byte {pos:,}")
            yield header.get(2, 0), rows
            rows += header.get("values", 0)
            pos = reader.pos + compressed


def _page_field(reader: _Compact, header: dict[Any, int], fid: int, kind: int) -> None:
    if fid in (2, 3) and kind == 5:
        header[fid] = reader.zigzag()
    elif fid in (5, 8) and kind == 12:  # data page (v1, v2): field 1 is num_values

        def inner(f: int, k: int) -> None:
            if f == 1 and k == 5:
                header["values"] = reader.zigzag()
            else:
                reader.skip(k)

        reader.struct(inner)
    else:
        reader.skip(kind)


class _Compact:
    """Just enough of Thrift's compact protocol to read Parquet page headers."""

    def __init__(self, data: Any, pos: int) -> None:
        self.data, self.pos = data, pos

    def byte(self) -> int:
        value: int = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise ValueError("a malformed varint in a page header")

    def zigzag(self) -> int:
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def struct(self, on_field: Callable[[int, int], None]) -> None:
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return
            kind, delta = head & 0x0F, head >> 4
            last = last + delta if delta else self.zigzag()
            on_field(last, kind)

    def skip(self, kind: int) -> None:
        if kind in (1, 2):  # a bool field carries its value in the type
            return
        if kind == 3:
            self.pos += 1
        elif kind in (4, 5, 6):
            self.varint()
        elif kind == 7:
            self.pos += 8
        elif kind == 8:
            self.pos += self.varint()
        elif kind in (9, 10):
            head = self.byte()
            count, element = head >> 4, head & 0x0F
            if count == 15:
                count = self.varint()
            for _ in range(count):
                if element in (1, 2):
                    self.pos += 1
                else:
                    self.skip(element)
        elif kind == 11:
            count = self.varint()
            if count:
                types = self.byte()
                for _ in range(count):
                    self.skip(types >> 4)
                    self.skip(types & 0x0F)
        elif kind == 12:
            self.struct(lambda _fid, k: self.skip(k))
        else:
            raise ValueError(f"unknown Thrift type {kind} in a page header")
