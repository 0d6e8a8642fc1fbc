"""The record's columns, once: Arrow types, Hugging Face and Croissant types, JSON lines.

Every format of a release (Parquet, JSONL, the dataset card, Croissant) takes its
column list and types from `FIELDS`, so they cannot drift apart; a test fails
when `FIELDS` and `corpus_tool.models.Document` disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa

from corpus_tool.models import DOCUMENT_FIELDS, SCHEMA_VERSION, Document, render_schema


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column: how each output format spells its type."""

    name: str
    kind: str  # "string" | "date" | "strings": the Python value kind
    required: bool  # never null (lists are never null, possibly empty)

    @property
    def arrow(self) -> pa.Field:
        types = {"string": pa.string(), "date": pa.date32(), "strings": pa.list_(pa.string())}
        return pa.field(self.name, types[self.kind], nullable=not self.required)

    @property
    def hf_feature(self) -> dict[str, str]:
        """The `dataset_info.features` entry of the dataset card (YAML)."""
        if self.kind == "strings":
            return {"name": self.name, "sequence": "string"}
        return {"name": self.name, "dtype": "date32" if self.kind == "date" else "string"}

    @property
    def croissant_type(self) -> str:
        if self.name == "url":
            return "sc:URL"
        return "sc:Date" if self.kind == "date" else "sc:Text"

    @property
    def type_label(self) -> str:
        """The type as the dataset card's fields table shows it."""
        label = {"string": "string", "date": "date (date32)", "strings": "list of string"}
        return label[self.kind] + ("" if self.required else " or null")

    @property
    def description(self) -> str:
        return Document.model_fields[self.name].description or ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "string", True),
    FieldSpec("text", "string", True),
    FieldSpec("title", "string", False),
    FieldSpec("authors", "strings", True),
    FieldSpec("published", "date", False),
    FieldSpec("updated", "date", False),
    FieldSpec("source", "string", False),
    FieldSpec("url", "string", False),
    FieldSpec("language", "string", True),
    FieldSpec("raw_sha256", "string", True),
    FieldSpec("text_sha256", "string", True),
    FieldSpec("normalization", "strings", True),
)
FIELD_NAMES = DOCUMENT_FIELDS  # the model's order, which `json_line` writes
_KEYS = frozenset(FIELD_NAMES)

if tuple(f.name for f in FIELDS) != FIELD_NAMES:  # pragma: no cover - caught by the tests
    raise RuntimeError("corpus_tool.package.fields.FIELDS is out of date with models.Document")

# The sha256 of the record JSON schema: a release names the exact schema it follows.
SCHEMA_SHA256 = hashlib.sha256(render_schema(Document).encode("utf-8")).hexdigest()

# Parquet key-value metadata: readers can tell the schema without the manifest.
PARQUET_METADATA = {
    "corpus_tool.schema_version": str(SCHEMA_VERSION),
    "corpus_tool.schema_sha256": SCHEMA_SHA256,
}
ARROW_SCHEMA = pa.schema([f.arrow for f in FIELDS], metadata=PARQUET_METADATA)


def check_record(record: Mapping[str, Any]) -> None:
    """Raise ValueError naming the record and field when `record` is not a Document dict.

    Cheap type checks only (the pipeline validated the values): the writer must not
    turn a stray `datetime` or string date into a silently different column.
    """
    if record.keys() != _KEYS:
        missing = sorted(_KEYS - record.keys())
        extra = sorted(record.keys() - _KEYS)
        raise ValueError(
            f"record `{record.get('id')}`: keys differ from Document"
            f" (missing {missing}, unexpected {extra})"
        )
    for spec in FIELDS:
        value = record[spec.name]
        if value is None and not spec.required:
            continue
        if spec.kind == "string":
            ok = isinstance(value, str)
        elif spec.kind == "date":
            ok = type(value) is dt.date  # a datetime is a date too, but not a day
        else:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok:
            raise ValueError(
                f"record `{record.get('id')}`: field `{spec.name}` must be {spec.type_label},"
                f" got {type(value).__name__} `{str(value)[:40]}`"
            )


def comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record with dates as ISO strings, in Document order: equal across formats."""
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name in FIELD_NAMES
        for value in (record.get(name),)
    }


# Arrow's JSON reader cannot read a date from a string: dates are read as
# strings, then cast to date32 with the rest of the schema.
_READ_SCHEMA = pa.schema(
    [pa.field(f.name, pa.string()) if f.kind == "date" else f.arrow for f in FIELDS]
)
MAX_BLOCK_BYTES = (1 << 31) - 1  # Arrow's JSON block size is a 32-bit int


def parse_lines(chunk: bytes | bytearray, longest: int) -> pa.RecordBatch:
    """`json_line` records, joined, as one Arrow batch with the release schema.

    Arrow's JSON reader parses them in C++ and releases the GIL, so this runs on
    a thread beside the gzip and Parquet encoders. The chunk is read as one
    block when it can be (one set of arrays, no copy to combine them); `longest`
    is the length of the longest line, which a block must hold whole.
    """
    from pyarrow import json as pa_json

    block = min(len(chunk) + 1, MAX_BLOCK_BYTES)
    if longest >= block:
        raise ValueError(f"a record of {longest:,} bytes is over Arrow's JSON block limit")
    table = pa_json.read_json(
        pa.py_buffer(chunk),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=block),
        parse_options=pa_json.ParseOptions(
            explicit_schema=_READ_SCHEMA, unexpected_field_behavior="error"
        ),
    )
    (batch,) = table.cast(ARROW_SCHEMA).combine_chunks().to_batches()  # one chunk: one batch
    return batch


def iter_json_lines(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    for line in lines:
        yield orjson.loads(line)
