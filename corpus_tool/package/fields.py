"""The record's columns, read off the model: Arrow, Hugging Face and Croissant types.

Every output of a release (each shard format, the dataset card, Croissant) takes
its column list and types from `FIELDS`, which is derived from
`corpus_tool.models.Document`: a field added there is a column everywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import pyarrow as pa
from pydantic.fields import FieldInfo

from corpus_tool.models import (
    DOCUMENT_FIELDS,
    SCHEMA_VERSION,
    URL_PATTERN,
    Document,
    render_schema,
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column: how each output format spells its type."""

    name: str
    kind: str  # "string" | "date" | "strings": the Python value kind
    required: bool  # never null (lists are never null, possibly empty)
    url: bool = False  # a string that is a URL (Croissant says so)

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
        if self.url:
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


_KINDS: dict[Any, str] = {str: "string", dt.date: "date", list[str]: "strings"}


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    """The column of one model field: `X | None` is nullable, `Annotated` constraints
    are looked through (a URL pattern makes a URL)."""
    annotation, patterns = info.annotation, [getattr(m, "pattern", None) for m in info.metadata]
    args = typing.get_args(annotation)
    nullable = typing.get_origin(annotation) in (typing.Union, types.UnionType) and (
        type(None) in args
    )
    if nullable:
        (annotation,) = (a for a in args if a is not type(None))
    if typing.get_origin(annotation) is Annotated:
        annotation, *meta = typing.get_args(annotation)
        patterns += [getattr(m, "pattern", None) for m in meta]
    if annotation not in _KINDS:
        raise TypeError(f"Document.{name}: no column type for {annotation!r}")
    return FieldSpec(name, _KINDS[annotation], not nullable, URL_PATTERN in patterns)


FIELDS: tuple[FieldSpec, ...] = tuple(
    _spec(name, info) for name, info in Document.model_fields.items()
)
FIELD_NAMES = DOCUMENT_FIELDS  # the model's order, which `json_line` writes
_KEYS = frozenset(FIELD_NAMES)
KEY = "id"  # a record's identity across releases
# `diff` follows the text by its hash; every other field but the key is metadata.
TEXT_HASH = "text_sha256"
DIFFED_FIELDS = tuple(n for n in FIELD_NAMES if n not in (KEY, "text", TEXT_HASH))

# The sha256 of the record JSON schema: a release names the exact schema it follows.
SCHEMA_SHA256 = hashlib.sha256(render_schema(Document).encode("utf-8")).hexdigest()

# Key-value metadata of the Arrow schema, which a shard format may store in its
# files: readers can tell the schema without the manifest.
SCHEMA_VERSION_KEY = "corpus_tool.schema_version"
SCHEMA_METADATA = {
    SCHEMA_VERSION_KEY: str(SCHEMA_VERSION),
    "corpus_tool.schema_sha256": SCHEMA_SHA256,
}
ARROW_SCHEMA = pa.schema([f.arrow for f in FIELDS], metadata=SCHEMA_METADATA)


def mistyped_field(record: Mapping[str, Any], *, dates_as_text: bool) -> FieldSpec | None:
    """The first field of `record` whose value is not of its column's type, else None.

    Dates are `datetime.date` values (not datetimes: a day) in a record from the
    pipeline, and ISO strings in one read back from JSON (`dates_as_text`). A
    missing key counts as None.
    """
    for spec in FIELDS:
        value = record.get(spec.name)
        if value is None and not spec.required:
            continue
        if spec.kind == "strings":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif spec.kind == "date" and not dates_as_text:
            ok = type(value) is dt.date  # a datetime is a date too, but not a day
        else:
            ok = isinstance(value, str)
        if not ok:
            return spec
    return None


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
    spec = mistyped_field(record, dates_as_text=False)
    if spec is not None:
        value = record[spec.name]
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
    a thread beside the shard formats' encoders. The chunk is read as one
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
