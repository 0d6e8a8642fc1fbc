"""The shard formats of a release, listed once.

A new format is one class (a `ShardFormat` in its own module) and one line in
`FORMATS`; every other part of the package iterates over this list.
"""

from __future__ import annotations

from corpus_tool.package.formats.base import ShardFormat, ShardWriter
from corpus_tool.package.formats.jsonl import JSONL
from corpus_tool.package.formats.parquet import Parquet

FORMATS: list[ShardFormat] = [
    Parquet(),
    JSONL(),
]


def described() -> ShardFormat:
    """The format the card's `configs`, `load` and Croissant point at."""
    return next(f for f in FORMATS if f.described)


def streamed() -> ShardFormat:
    """The format `diff` reads records from."""
    return next(f for f in FORMATS if f.streamed)


def format_of(rel: str) -> ShardFormat | None:
    """The format of the release file `rel` (by suffix), or None for a metadata file."""
    return next((f for f in FORMATS if f.holds(rel)), None)


__all__ = [
    "FORMATS",
    "ShardFormat",
    "ShardWriter",
    "described",
    "format_of",
    "streamed",
]
