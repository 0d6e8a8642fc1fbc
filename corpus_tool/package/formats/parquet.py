"""Parquet shards (`data/*.parquet`): zstd, one row group per writer row group.

The format `datasets.load_dataset`, the card and Croissant point at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_tool.config import Config
from corpus_tool.models import json_line
from corpus_tool.package.fields import ARROW_SCHEMA, SCHEMA_VERSION_KEY, comparable
from corpus_tool.package.files import CHUNK
from corpus_tool.package.formats.base import ShardFormat, ShardWriter

ZSTD_LEVEL = 3  # fixed: the level is part of the bytes; zstd's default, 4x faster than 9
DATA_PAGE_BYTES = 1 << 20  # pyarrow's default, pinned so a new default cannot change the bytes
BATCH_ROWS = 1024  # rows decoded at a time when reading


class _ParquetShard(ShardWriter):
    def __init__(self, path: Path, config: Config) -> None:
        self.row_group_rows = config.row_group_rows
        self.file: pq.ParquetWriter | None = pq.ParquetWriter(
            path,
            ARROW_SCHEMA,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            version="2.6",
            data_page_size=DATA_PAGE_BYTES,
            use_dictionary=True,
            write_statistics=True,
        )

    def write(self, encoded: Any, batch: pa.RecordBatch) -> None:
        assert self.file is not None
        self.file.write_batch(batch, row_group_size=self.row_group_rows)

    def close(self, rows: int) -> None:
        assert self.file is not None
        self.file.close()
        self.file = None


class Parquet(ShardFormat):
    label = "Parquet"
    name = "parquet"
    folder = "data"
    suffix = ".parquet"
    mime = "application/x-parquet"
    described = True
    libraries = ("pyarrow",)

    def open(self, path: Path, config: Config) -> ShardWriter:
        return _ParquetShard(path, config)

    def records(self, f: BinaryIO) -> Iterator[dict[str, Any]]:
        with pq.ParquetFile(f) as pf:
            for batch in pf.iter_batches(batch_size=BATCH_ROWS):
                for row in batch.to_pylist():
                    yield comparable(row)

    def content(self, f: BinaryIO, raw_digest: Any | None = None) -> tuple[str, int]:
        if raw_digest is not None:
            while chunk := f.read(CHUNK):
                raw_digest.update(chunk)
            f.seek(0)
        digest = hashlib.sha256()
        rows = 0
        with pq.ParquetFile(f) as pf:
            for batch in pf.iter_batches(batch_size=BATCH_ROWS):
                digest.update(b"".join(json_line(row) for row in batch.to_pylist()))
                rows += batch.num_rows
        return digest.hexdigest(), rows

    def schema_version(self, f: BinaryIO) -> str | None:
        meta = pq.ParquetFile(f).schema_arrow.metadata or {}
        return meta.get(SCHEMA_VERSION_KEY.encode(), b"").decode(errors="replace")

    def card_usage(self) -> list[str]:
        return [
            "import pyarrow.parquet as pq",
            f'table = pq.read_table("{self.folder}/")',
            "",
            "import polars as pl",
            f'df = pl.read_parquet("{self.glob}")',
            "",
            "import duckdb",
            f"duckdb.sql(\"SELECT * FROM '{self.glob}'\")",
        ]
