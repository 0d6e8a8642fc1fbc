"""Check a release against its manifest: every checksum, size and count, and that the
Parquet and JSONL copies hold the same records in the same order."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from isal import igzip

from corpus_tool.package.files import (
    JSONL_DIR,
    MANIFEST,
    PARQUET_SUFFIX,
    read_jsonl_shard,
    read_parquet_shard,
    sha256_file,
    shard_index,
)
from corpus_tool.package.manifest import read_manifest

SCHEMA_KEY = "corpus_tool.schema_version"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # relative to the release, `/`-separated
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ReleaseError(Exception):
    """A release failed verification; the message names the first files at fault."""

    def __init__(self, release: Path, problems: list[Problem]) -> None:
        self.release = release
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"release {release} failed verification: {shown}{more}")


def _count_rows(path: Path) -> int:
    if path.name.endswith(PARQUET_SUFFIX):
        return pq.ParquetFile(path).metadata.num_rows
    with igzip.open(path, "rb") as f:
        return sum(1 for _ in f)


def _check_file(release: Path, entry: dict[str, Any]) -> list[Problem]:
    rel = str(entry.get("path", ""))
    path = release / rel
    if not rel or ".." in Path(rel).parts or Path(rel).is_absolute():
        return [Problem(MANIFEST, f"bad file path `{rel[:40]}`")]
    if not path.is_file():
        return [Problem(rel, "listed in manifest.json but missing")]
    problems = []
    size = path.stat().st_size
    if size != entry.get("bytes"):
        problems.append(Problem(rel, f"{size} bytes, manifest says {entry.get('bytes')}"))
    digest = sha256_file(path)
    if digest != entry.get("sha256"):
        problems.append(Problem(rel, f"sha256 {digest[:12]}…, manifest says {entry.get('sha256')}"))
    if "rows" in entry:
        try:
            rows = _count_rows(path)
        except Exception as exc:  # gzip, ISA-L and Arrow each raise their own types
            problems.append(Problem(rel, f"cannot be read: {str(exc)[:80]}"))
        else:
            if rows != entry["rows"]:
                problems.append(Problem(rel, f"{rows} rows, manifest says {entry['rows']}"))
    return problems


def _compare_shards(release: Path, parquet: str, jsonl: str, schema_version: Any) -> list[Problem]:
    """The same records in the same order: first difference only, streaming."""
    meta = pq.ParquetFile(release / parquet).schema_arrow.metadata or {}
    found = meta.get(SCHEMA_KEY.encode(), b"").decode()
    if found != str(schema_version):
        return [Problem(parquet, f"schema version `{found}`, manifest says {schema_version}")]
    pairs = itertools.zip_longest(
        read_parquet_shard(release / parquet), read_jsonl_shard(release / jsonl)
    )
    for row, (a, b) in enumerate(pairs, start=1):
        if a is None or b is None:
            short = parquet if a is None else jsonl
            return [Problem(short, f"ends at record {row - 1}, before its Parquet/JSONL twin")]
        if a != b or list(a) != list(b):
            fields = [k for k in a if a.get(k) != b.get(k)] or ["key order"]
            return [
                Problem(
                    jsonl,
                    f"record {row} (`{b.get('id')}`) differs from {parquet} in {', '.join(fields)}",
                )
            ]
    return []


def verify_release(path: Path) -> list[Problem]:
    """Every problem of the release at `path`; an empty list means it is intact."""
    release = Path(path)
    if not release.is_dir():
        return [Problem(".", f"{release} is not a release folder")]
    try:
        manifest = read_manifest(release)
    except FileNotFoundError:
        return [Problem(MANIFEST, "missing")]
    except (OSError, ValueError) as exc:
        return [Problem(MANIFEST, f"cannot be read: {str(exc)[:80]}")]
    entries = [e for e in manifest["files"] if isinstance(e, dict)]
    problems: list[Problem] = []
    bad: set[str] = set()
    for entry in entries:
        found = _check_file(release, entry)
        problems += found
        bad.update(p.path for p in found)
    listed = {str(e.get("path")) for e in entries} | {MANIFEST}
    for p in sorted(release.rglob("*")):
        rel = p.relative_to(release).as_posix()
        if p.is_file() and rel not in listed:
            problems.append(Problem(rel, "present but not listed in manifest.json"))
    # Pair the shards by index and compare their records where both files are intact.
    shards: dict[int, dict[str, str]] = {}
    for rel in sorted(listed):
        index = shard_index(Path(rel).name)
        if index is not None:
            kind = "jsonl" if rel.startswith(JSONL_DIR + "/") else "parquet"
            shards.setdefault(index, {})[kind] = rel
    schema_version = manifest.get("schema", {}).get("version")
    for _, pair in sorted(shards.items()):
        if set(pair) != {"parquet", "jsonl"}:
            (only,) = pair.values()
            problems.append(Problem(only, "has no Parquet/JSONL twin in manifest.json"))
        elif not bad & set(pair.values()):
            problems += _compare_shards(release, pair["parquet"], pair["jsonl"], schema_version)
    return problems
