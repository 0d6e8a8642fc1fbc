"""Release-to-release changes: what was added, removed or changed, and the bump it calls for."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from corpus_tool.package.fields import FIELD_NAMES
from corpus_tool.package.files import (
    JSONL_DIR,
    JSONL_SUFFIX,
    MANIFEST,
    read_jsonl_shard,
    shard_files,
)
from corpus_tool.package.version import Bump, Version, parse_version

# Fields whose change is a metadata change; `text` is tracked through `text_sha256`.
METADATA_FIELDS = tuple(f for f in FIELD_NAMES if f not in ("id", "text", "text_sha256"))
_DIGEST = 8  # bytes of blake2b per metadata field: enough to see a change, small in memory
LISTED = 50  # ids shown per category in text and markdown; json lists them all

Format = Literal["text", "json", "markdown"]


@dataclass
class ReleaseDiff:
    """Changes from an old record stream to a new one, by document id."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    text_changed: list[str] = field(default_factory=list)
    # id -> names of the changed metadata fields, in Document order
    metadata_changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "text_changed": len(self.text_changed),
            "metadata_changed": len(self.metadata_changed),
            "unchanged": self.unchanged,
        }

    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.text_changed or self.metadata_changed)


def read_release_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a release folder, from its JSONL shards, in release order."""
    for shard in shard_files(Path(path), JSONL_DIR, JSONL_SUFFIX):
        yield from read_jsonl_shard(shard)


def release_schema_sha256(path: Path) -> str | None:
    """The record schema hash a release's manifest names (None when unreadable)."""
    try:
        manifest = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
        return manifest["schema"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def diff_releases(old: Path, new: Path) -> tuple[ReleaseDiff, bool]:
    """The diff between two release folders, and whether their record schema differs
    (unknown when a manifest is unreadable: then not counted as a change)."""
    old_sha, new_sha = release_schema_sha256(old), release_schema_sha256(new)
    schema_changed = None not in (old_sha, new_sha) and old_sha != new_sha
    return diff_records(read_release_records(old), read_release_records(new)), schema_changed


def _fingerprint(record: dict[str, Any]) -> bytes:
    """text_sha256 plus a short digest per metadata field: a few bytes per document."""
    parts = [str(record.get("text_sha256", "")).encode()]
    for name in METADATA_FIELDS:
        value = orjson.dumps(record.get(name), default=str)
        parts.append(hashlib.blake2b(value, digest_size=_DIGEST).digest())
    return b"".join(parts)


def diff_records(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> ReleaseDiff:
    """Compare two record streams by id. Holds one fingerprint per old id, never texts."""
    before = {r["id"]: _fingerprint(r) for r in old}
    diff = ReleaseDiff()
    for record in new:
        doc_id = record["id"]
        prev = before.pop(doc_id, None)
        if prev is None:
            diff.added.append(doc_id)
            continue
        cur = _fingerprint(record)
        if prev == cur:
            diff.unchanged += 1
            continue
        split = len(prev) - _DIGEST * len(METADATA_FIELDS)
        if prev[:split] != cur[:split]:
            diff.text_changed.append(doc_id)
        changed = [
            name
            for i, name in enumerate(METADATA_FIELDS)
            if prev[split + i * _DIGEST : split + (i + 1) * _DIGEST]
            != cur[split + i * _DIGEST : split + (i + 1) * _DIGEST]
        ]
        if changed:
            diff.metadata_changed[doc_id] = changed
    diff.removed = list(before)
    return diff


def suggest_bump(diff: ReleaseDiff, schema_changed: bool) -> Bump | None:
    """Semver for data: removals or a new schema break users (major); additions are
    features (minor); corrections are fixes (patch); nothing changed needs no release."""
    if diff.removed or schema_changed:
        return "major"
    if diff.added:
        return "minor"
    if diff.text_changed or diff.metadata_changed:
        return "patch"
    return None


def _listed(ids: list[str], code: bool) -> str:
    shown = [f"`{i}`" if code else i for i in ids[:LISTED]]
    more = f", … and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    return ", ".join(shown) + more


def _sections(diff: ReleaseDiff) -> list[tuple[str, list[str], list[str]]]:
    """(title, ids, ids with their changed fields) per non-empty category."""
    meta = [f"{i} ({', '.join(fs)})" for i, fs in diff.metadata_changed.items()]
    rows = [
        ("Added", diff.added, diff.added),
        ("Removed", diff.removed, diff.removed),
        ("Text changed", diff.text_changed, diff.text_changed),
        ("Metadata changed", list(diff.metadata_changed), meta),
    ]
    return [r for r in rows if r[1]]


def render_diff(diff: ReleaseDiff, fmt: Format = "text", schema_changed: bool = False) -> str:
    """The diff for people (`text`, `markdown`) or machines (`json`, every id)."""
    bump = suggest_bump(diff, schema_changed)
    counts = diff.counts()
    if fmt == "json":
        data = {
            "counts": counts,
            "schema_changed": schema_changed,
            "suggested_bump": bump,
            **{k: v for k, v in asdict(diff).items() if k != "unchanged"},
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
    lines: list[str] = []
    if fmt == "markdown":
        lines.append(f"{summary}.")
        if schema_changed:
            lines.append("\nThe record schema changed.")
        for title, _, shown in _sections(diff):
            lines += ["", f"### {title} ({len(shown)})", "", _listed(shown, code=True)]
        lines += ["", f"Suggested version bump: **{bump or 'none'}**."]
    elif fmt == "text":
        lines.append(summary)
        if schema_changed:
            lines.append("schema changed")
        for title, _, shown in _sections(diff):
            lines.append(f"{title.lower()}: {_listed(shown, code=False)}")
        lines.append(f"suggested bump: {bump or 'none'}")
    else:
        raise ValueError(f"unknown diff format `{fmt}`: expected text, json or markdown")
    return "\n".join(lines) + "\n"


def previous_release(out: Path, name: str, version: str) -> Path | None:
    """The finished release `out/<name>-X.Y.Z` with the highest version below `version`."""
    current = parse_version(version)
    best: tuple[Version, Path] | None = None
    prefix = f"{name}-"
    if not Path(out).is_dir():
        return None
    for folder in Path(out).iterdir():
        if not folder.name.startswith(prefix) or not (folder / MANIFEST).is_file():
            continue
        try:
            v = parse_version(folder.name[len(prefix) :])
        except ValueError:
            continue
        if v < current and (best is None or best[0] < v):
            best = (v, folder)
    return best[1] if best else None
