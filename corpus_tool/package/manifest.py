"""What a release holds: counts gathered while writing, file entries, and `manifest.json`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import corpus_tool
from corpus_tool.config import Config
from corpus_tool.models import SCHEMA_VERSION
from corpus_tool.package import identity
from corpus_tool.package.fields import SCHEMA_SHA256
from corpus_tool.package.files import MANIFEST, json_text, sha256_file
from corpus_tool.package.formats import FORMATS, ShardFormat
from corpus_tool.package.manifest_model import read_manifest_file

MANIFEST_VERSION = 2  # layout of manifest.json itself; 2 added content_sha256 and identity
UNKNOWN = "unknown"  # the count key for a missing source or date
# Libraries whose version decides the bytes of the files, besides each shard
# format's own `libraries`: Arrow and orjson encode the records, huggingface_hub
# the card's YAML.
RECORD_WRITERS = ("pyarrow", "orjson")
CARD_WRITERS = ("huggingface_hub",)


def writers() -> tuple[str, ...]:
    """Every library whose version decides the bytes of a release, once each."""
    formats = (lib for fmt in FORMATS for lib in fmt.libraries)
    return tuple(dict.fromkeys((*RECORD_WRITERS, *formats, *CARD_WRITERS)))


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str  # relative to the release, `/`-separated
    bytes: int
    sha256: str  # of the bytes as stored
    content_sha256: str  # of what the file says, whatever compressed it: see `identity`
    rows: int | None = None  # records, for data files

    @classmethod
    def of(
        cls, release: Path, rel: str, rows: int | None = None, content_sha256: str | None = None
    ) -> FileEntry:
        """The entry of a written file; a data shard's `content_sha256` is given by the
        writer (it hashed the records on their way in), a text file's is computed."""
        p = release / rel
        if content_sha256 is None:
            content_sha256 = identity.text_content_sha256(rel, p.read_bytes())
        return cls(rel, p.stat().st_size, sha256_file(p), content_sha256, rows)

    @classmethod
    def of_binary(cls, release: Path, rel: str) -> FileEntry:
        """The entry of a written binary file (the dedup index): its content is its bytes."""
        p = release / rel
        sha = sha256_file(p)
        return cls(rel, p.stat().st_size, sha, sha)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "bytes": self.bytes}
        if self.rows is not None:
            data["rows"] = self.rows
        data["sha256"] = self.sha256
        data["content_sha256"] = self.content_sha256
        return data


@dataclass
class Counts:
    """Statistics gathered record by record while writing."""

    records: int = 0
    arrow_bytes: int = 0  # in-memory Arrow size: Hugging Face's `num_bytes`
    by_source: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)

    normalization: Counter[str] = field(default_factory=Counter)  # rule code -> records

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Count a batch of release records (Arrow's value counts, not a loop per record)."""
        self.records += batch.num_rows
        self.arrow_bytes += batch.nbytes
        _count(self.by_source, batch.column("source"), str)
        _count(self.by_month, batch.column("published"), lambda day: day.strftime("%Y-%m"))
        _count(self.by_language, batch.column("language"), str)
        _count(self.normalization, pc.list_flatten(batch.column("normalization")), str)


def _count(counter: Counter[str], column: pa.Array, key: Any) -> None:
    """Add the values of `column` to `counter` under `key(value)`; nulls under UNKNOWN."""
    for entry in pc.value_counts(column).to_pylist():
        value = entry["values"]
        counter[UNKNOWN if value is None else key(value)] += entry["counts"]


@dataclass
class ReleaseInfo:
    """Everything the metadata files (card, Croissant, manifest, changelog) describe."""

    name: str
    version: str
    config: Config
    counts: Counts
    data_files: list[FileEntry]  # the shards, format by format (`FORMATS`), in index order
    dropped: list[dict[str, Any]]
    normalization_counts: dict[str, int]
    timestamp: int | None = None  # the release's time (seconds since the epoch), if known

    def shards(self, fmt: ShardFormat) -> list[FileEntry]:
        """The shards of one format, in index order."""
        return [f for f in self.data_files if fmt.holds(f.path)]

    @property
    def languages(self) -> list[str]:
        langs = sorted(self.counts.by_language)
        if not langs and self.config.default_language:
            langs = [self.config.default_language]
        return langs

    @property
    def pretty_name(self) -> str:
        return self.config.pretty_name or self.name


def sorted_counts(counter: Counter[str] | dict[str, int]) -> dict[str, int]:
    """Counts with keys in sorted order, `unknown` last: stable across runs."""
    return dict(sorted(counter.items(), key=lambda kv: (kv[0] == UNKNOWN, kv[0])))


def dropped_entries(dropped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dropped duplicates with fixed keys, in the order the pipeline gave them."""
    return [
        {
            "id": d["id"],
            "duplicate_of": d["duplicate_of"],
            "kind": d["kind"],
            "similarity": d.get("similarity"),
        }
        for d in dropped
    ]


def writer_versions() -> dict[str, str]:
    versions = {}
    for dist in writers():
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = UNKNOWN
    return versions


def render_manifest(
    info: ReleaseInfo,
    files: list[FileEntry],
    source_commit: str | None,
    timestamp: int | None,
) -> str:
    c = info.counts
    data: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "name": info.name,
        "version": info.version,
        "tool_version": corpus_tool.__version__,
        "schema": {"version": SCHEMA_VERSION, "sha256": SCHEMA_SHA256},
        "source_commit": source_commit,
    }
    if timestamp is not None:
        data["timestamp"] = timestamp
    data["counts"] = {
        "records": c.records,
        "dropped": len(info.dropped),
        "by_source": sorted_counts(c.by_source),
        "by_month": sorted_counts(c.by_month),
        "by_language": sorted_counts(c.by_language),
        "normalization": sorted_counts(info.normalization_counts),
    }
    data["dropped"] = dropped_entries(info.dropped)
    data["files"] = [f.to_dict() for f in sorted(files, key=lambda f: f.path)]
    data["identity"] = {
        "sha256": identity.identity_sha256(identity.view(data, data["files"])),
        "covers": identity.COVERS,
    }
    data["writers"] = writer_versions()
    return json_text(data)


def read_manifest(release: Path) -> dict[str, Any]:
    """The parsed manifest, validated against `manifest_model.Manifest` (so every key
    the tool uses has its type); raises FileNotFoundError when missing, and
    `ManifestError` (a ValueError naming the key) when unreadable or malformed."""
    data, _ = read_manifest_file(Path(release) / MANIFEST)
    return data
