"""The record and sidecar models: the one source of `schemas/*.schema.json`."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

SCHEMA_VERSION = 1

# JSON Schema patterns (ECMA-262): `$` matches only at the very end of the text, as
# in pydantic-core's Rust regex. Python's `$` also matches before a final "\n":
# in Python, test these with `fullmatch` (ID_RE.fullmatch), never `match`/`search`;
# validate.metadata gives jsonschema the ECMA meaning.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

ID_RE = re.compile(ID_PATTERN)  # use ID_RE.fullmatch

DocId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN)]
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
CodeSelector = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{0,3}$")]

RECOMMENDED_FIELDS = ("title", "authors", "published", "source", "url")


class Document(BaseModel):
    """One record of a release (schema v1)."""

    model_config = ConfigDict(
        extra="forbid",
        title="corpus_tool document record",
        json_schema_extra={"$id": "document.schema.json", "x-schema-version": SCHEMA_VERSION},
    )

    id: DocId = Field(description="Unique in the corpus; the file stem for .txt documents.")
    text: NonEmpty = Field(description="Normalized body without header or footer boilerplate.")
    title: str | None = Field(default=None, description="Headline.")
    authors: list[str] = Field(default_factory=list, description="Bylined authors, in order.")
    published: dt.date | None = Field(default=None, description="Publication date (ISO 8601).")
    updated: dt.date | None = Field(default=None, description="Last update date (ISO 8601).")
    source: str | None = Field(default=None, description="Publisher.")
    url: Url | None = Field(default=None, description="Canonical http(s) URL of the article.")
    language: Language = Field(description="BCP 47 language tag, e.g. `en`.")
    raw_sha256: Sha256 = Field(description="SHA-256 of the raw UTF-8 bytes as scraped.")
    text_sha256: Sha256 = Field(description="SHA-256 of `text` encoded as UTF-8.")
    normalization: list[str] = Field(
        default_factory=list, description="Codes of the normalizer rules that changed this text."
    )


DOCUMENT_FIELDS: tuple[str, ...] = tuple(Document.model_fields)


def iso(value: Any) -> Any:
    """A date as its ISO text (as a record's JSON has it); any other value as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value


def json_line(record: dict[str, Any]) -> bytes:
    """A Document dict as one JSONL line: keys in schema order, dates as ISO
    strings, UTF-8, no spaces. The release's JSONL shards hold exactly these
    lines, and the build's spill file too, so writing a record is a copy."""
    return orjson.dumps({name: record[name] for name in DOCUMENT_FIELDS}) + b"\n"


class Sidecar(BaseModel):
    """Curated metadata for one document: `seeds/<id>.meta.json`.

    A field present here wins over the one extracted from the text. Leave out
    what is not known rather than guess: `null` is not a value here.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        title="corpus_tool sidecar metadata",
        json_schema_extra={"$id": "sidecar.schema.json", "x-schema-version": SCHEMA_VERSION},
    )

    schema_: str | SkipJsonSchema[None] = Field(
        default=None, alias="$schema", description="Path or URL of this schema, for editors."
    )
    id: DocId | SkipJsonSchema[None] = Field(
        default=None, description="Must equal the text file's stem."
    )
    title: NonEmpty | SkipJsonSchema[None] = Field(default=None, description="Headline.")
    authors: list[NonEmpty] | SkipJsonSchema[None] = Field(
        default=None, description="Bylined authors, in order."
    )
    published: dt.date | SkipJsonSchema[None] = Field(
        default=None, description="Publication date, YYYY-MM-DD."
    )
    updated: dt.date | SkipJsonSchema[None] = Field(
        default=None, description="Last update date, YYYY-MM-DD."
    )
    source: NonEmpty | SkipJsonSchema[None] = Field(default=None, description="Publisher.")
    url: Url | SkipJsonSchema[None] = Field(
        default=None, description="Canonical http(s) URL of the article."
    )
    language: Language | SkipJsonSchema[None] = Field(
        default=None, description="BCP 47 tag, e.g. `en`."
    )
    notes: str | SkipJsonSchema[None] = Field(
        default=None, description="Curator's notes; not exported."
    )
    ignore: list[CodeSelector] | SkipJsonSchema[None] = Field(
        default=None,
        description="Codes or code prefixes whose findings are not reported for this"
        " document, e.g. `N202`; the record is the same. Not exported.",
    )


# Metadata a sidecar (or a shard row) may carry into a record, in record order; the
# rest of a record is computed (or, for `id`, named by the file or the row).
METADATA_FIELDS: tuple[str, ...] = tuple(
    name for name in DOCUMENT_FIELDS if name in Sidecar.model_fields and name != "id"
)

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "document.schema.json": Document,
    "sidecar.schema.json": Sidecar,
}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_schema(model: type[BaseModel]) -> str:
    """The committed text of a schema file: stable key order, trailing newline."""
    return json.dumps(json_schema(model), indent=2, ensure_ascii=False) + "\n"


@functools.cache
def sidecar_properties() -> dict[str, Any]:
    """The sidecar schema's properties, by key (`$schema` included)."""
    return dict(json_schema(Sidecar)["properties"])


def canonical_url(url: str) -> str:
    """`https://www.Example.com/a/#x` -> `example.com/a`: the same page, however spelled.

    Never raises: what is not a string (a NaN from a Parquet float column) is no url."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    for prefix in ("https://", "http://"):
        if url.lower().startswith(prefix):
            url = url[len(prefix) :]
            break
    url = url.split("#", 1)[0].rstrip("/")
    host, _, rest = url.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{rest}"
