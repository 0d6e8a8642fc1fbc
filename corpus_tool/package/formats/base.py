"""What a shard format is: one class per format, listed once in `FORMATS`.

A release holds the same records, in the same order, in every format of
`FORMATS`: one folder per format, shard `i` of each format holding the same
rows. The writer, `verify`, the card, Croissant, the manifest, `identity`,
`diff` and `load` only ever go through this interface.

A format says where its shards live (`folder`, `suffix`), how to write a shard
(`open`: a `ShardWriter`), how to read one back (`records`) and what one holds
(`content`: the SHA-256 of its records as release JSON lines, and its rows;
that is the shard's identity whatever compressed it, so every format of a
release gives its twins the same `content_sha256`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pyarrow as pa

from corpus_tool.config import Config
from corpus_tool.package.files import SPLIT


class ShardWriter(ABC):
    """One shard being written. `encode` runs on an encoder thread (it must release
    the GIL to be worth it); `write` and `close` run on the writer's thread, in order."""

    file: Any  # the open file (anything with `close`); None once closed

    def encode(self, lines: bytes | bytearray) -> Any:
        """What `write` needs of a row group, from its release JSON lines (off thread)."""
        return None

    @abstractmethod
    def write(self, encoded: Any, batch: pa.RecordBatch) -> None:
        """Append one row group: `encoded` is what `encode` gave for its lines, `batch`
        the same records as Arrow (the release schema)."""

    @abstractmethod
    def close(self, rows: int) -> None:
        """Finish the file, which holds `rows` records (maybe none)."""

    def discard(self) -> None:
        """Close the file without finishing it (the build is aborted); never raises."""
        try:
            if self.file is not None:
                self.file.close()
        except Exception:
            pass
        self.file = None


class ShardFormat(ABC):
    """One shard format of a release."""

    label: ClassVar[str]  # the name people read: in messages and the card
    name: ClassVar[str]  # the name in identifiers (Croissant's file set)
    folder: ClassVar[str]  # relative to the release
    suffix: ClassVar[str]  # of every shard file
    mime: ClassVar[str]
    # The one format that the card's `configs` (so `datasets.load_dataset` and
    # `corpus_tool.load`) and Croissant describe.
    described: ClassVar[bool] = False
    # The one format `diff` reads records from: the cheapest to stream.
    streamed: ClassVar[bool] = False
    # The card's sentence about a format that is not the described one.
    kind_of_file: ClassVar[str] = ""
    # Libraries whose version decides the bytes of this format's files.
    libraries: ClassVar[tuple[str, ...]] = ()

    @property
    def glob(self) -> str:
        """Every shard of this format, as a glob relative to the release."""
        return f"{self.folder}/{SPLIT}-*{self.suffix}"

    def holds(self, rel: str) -> bool:
        """Is the release file `rel` a shard of this format (by its suffix)?"""
        return rel.endswith(self.suffix)

    def in_folder(self, rel: str) -> bool:
        """Is `rel` in this format's folder with its suffix (as the manifest lists it)?"""
        return rel.startswith(self.folder + "/") and rel.endswith(self.suffix)

    @abstractmethod
    def open(self, path: Path, config: Config) -> ShardWriter:
        """Start writing a shard at `path`."""

    @abstractmethod
    def records(self, f: BinaryIO) -> Iterator[Any]:
        """The records of a shard read from `f`, streaming: dicts in Document order
        with dates as ISO strings (anything else the file holds is handed out as
        decoded, for the caller to judge)."""

    def lines(self, f: BinaryIO) -> Iterator[bytes]:
        """The records of a shard as release JSON lines (`models.json_line`), streaming:
        what `build --since` copies. A format that holds the lines themselves says so."""
        from corpus_tool.models import json_line

        for record in self.records(f):
            yield json_line(record)

    @abstractmethod
    def content(self, f: BinaryIO, raw_digest: Any | None = None) -> tuple[str, int]:
        """(SHA-256 of the records as release JSON lines, rows) of the shard read from
        `f`, streaming; its raw bytes go into `raw_digest` on the way. Raises (ValueError,
        OSError or the decoder's own error) when the file is damaged."""

    def schema_version(self, f: BinaryIO) -> str | None:
        """The record schema version the shard names itself, or None when the format
        carries none."""
        return None

    def card_usage(self) -> list[str]:
        """Lines of the card's Python example that read these shards."""
        return []

    def card_note(self) -> str:
        """The card's sentence about these shards, besides the described format."""
        return (
            f"The same records, in the same order, are in `{self.folder}/` as {self.kind_of_file}."
        )
