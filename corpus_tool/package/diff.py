"""Release-to-release changes: what was added, removed or changed, and the bump it calls for.

A release read here may be damaged (an earlier release found while building the
next): `read_release_records` checks each shard it reads (those of the streamed
format, `formats.streamed`) against the manifest while reading it and raises
`ReleaseError` naming the release and the file, never a decoder's own exception.
Ids in the Markdown and text renderings are escaped (`corpus_tool.escape`): a
hostile id cannot add a heading, HTML or a line.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from corpus_tool.escape import md_code, terminal
from corpus_tool.package.fields import DIFFED_FIELDS, TEXT_HASH, mistyped_field
from corpus_tool.package.files import MANIFEST, shard_files
from corpus_tool.package.formats import streamed
from corpus_tool.package.manifest_model import (
    MAX_MANIFEST_BYTES,
    FileModel,
    ManifestError,
    open_regular,
    parse_json,
    read_regular,
    validate_manifest,
)
from corpus_tool.package.verify import Problem, ReleaseError
from corpus_tool.package.version import Bump, Version, parse_version

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


CHUNK = 1 << 20  # bytes read at a time


def read_release_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a release folder, from its shards of the streamed format, in
    release order.

    With a manifest that lists files, the shards are the ones it lists, each
    checked against its sha256 and rows as it is read; a folder without one (a
    release being written) is read by shard names. A damaged release raises
    ReleaseError naming the release and the file (`.release`, `.file`).
    """
    release = Path(path)
    listed = _listed_shards(release)
    if listed is None:
        for shard in shard_files(release, streamed()):
            yield from _read_shard(release, shard.relative_to(release).as_posix(), None)
    else:
        for entry in listed:
            yield from _read_shard(release, entry.path, entry)


def _damaged(release: Path, rel: str, message: str) -> ReleaseError:
    return ReleaseError(release, [Problem(rel, message)])


def _listed_shards(release: Path) -> list[FileModel] | None:
    """The streamed format's shards the manifest lists, in order; None without a manifest that
    has a file list. A malformed manifest raises ReleaseError."""
    try:
        data = parse_json(read_regular(release / MANIFEST, MAX_MANIFEST_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise _damaged(release, MANIFEST, f"cannot be read: {str(exc)[:80]}") from None
    if not isinstance(data, dict) or "files" not in data:
        return None
    try:
        manifest = validate_manifest(data)
    except ManifestError as exc:
        raise _damaged(release, MANIFEST, str(exc)) from None
    fmt = streamed()
    return sorted((f for f in manifest.files if fmt.in_folder(f.path)), key=lambda f: f.path)


class _Hashing:
    """A binary reader that hashes what it hands out (a shard's decoder reads it in order)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.raw.read(CHUNK if size is None or size < 0 else size)
        self.digest.update(data)
        return data

    def rest(self) -> str:
        while self.read(CHUNK):
            pass
        return self.digest.hexdigest()


def _check_fields(record: Any) -> str | None:
    """Why a decoded line is not a release record (JSON types only), else None."""
    if not isinstance(record, dict):
        return f"is a JSON {type(record).__name__}, not an object"
    spec = mistyped_field(record, dates_as_text=True)
    return None if spec is None else f"field `{spec.name}` is not {spec.type_label}"


def _read_shard(release: Path, rel: str, entry: FileModel | None) -> Iterator[dict[str, Any]]:
    rows = 0
    try:
        with open_regular(release / rel) as raw:
            hashing = _Hashing(raw)
            for rows, record in enumerate(streamed().records(hashing), start=1):  # type: ignore[arg-type]
                problem = _check_fields(record)
                if problem:
                    raise ValueError(f"line {rows} {problem}")
                yield record
            digest = hashing.rest()
    except FileNotFoundError:
        raise _damaged(release, rel, "listed in manifest.json but missing") from None
    except (OSError, EOFError, ValueError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise _damaged(release, rel, f"cannot be read: {str(exc)[:80]}") from None
    if entry is not None and digest != entry.sha256:
        raise _damaged(release, rel, f"sha256 {digest[:12]}…, manifest says {entry.sha256[:12]}…")
    if entry is not None and rows != entry.rows:
        raise _damaged(release, rel, f"{rows} rows, manifest says {entry.rows}")


def release_schema_sha256(path: Path) -> str | None:
    """The record schema hash a release's manifest names (None when unreadable)."""
    try:
        manifest = parse_json(read_regular(Path(path) / MANIFEST, MAX_MANIFEST_BYTES))
        sha = manifest["schema"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sha if isinstance(sha, str) else None


def diff_releases(old: Path, new: Path) -> tuple[ReleaseDiff, bool]:
    """The diff between two release folders, and whether their record schema differs
    (unknown when a manifest is unreadable: then not counted as a change)."""
    old_sha, new_sha = release_schema_sha256(old), release_schema_sha256(new)
    schema_changed = None not in (old_sha, new_sha) and old_sha != new_sha
    return diff_records(read_release_records(old), read_release_records(new)), schema_changed


def _fingerprint(record: dict[str, Any]) -> bytes:
    """text_sha256 plus a short digest per metadata field: a few bytes per document."""
    parts = [str(record.get(TEXT_HASH, "")).encode()]
    for name in DIFFED_FIELDS:
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
        split = len(prev) - _DIGEST * len(DIFFED_FIELDS)
        if prev[:split] != cur[:split]:
            diff.text_changed.append(doc_id)
        changed = [
            name
            for i, name in enumerate(DIFFED_FIELDS)
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


def _listed(items: list[tuple[str, list[str]]], markdown: bool) -> str:
    """Ids (with their changed fields), escaped for Markdown or a terminal."""
    escape = md_code if markdown else terminal
    shown = [
        escape(i) + (f" ({', '.join(fields)})" if fields else "") for i, fields in items[:LISTED]
    ]
    more = f", … and {len(items) - LISTED} more" if len(items) > LISTED else ""
    return ", ".join(shown) + more


def _sections(diff: ReleaseDiff) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(title, [(id, changed fields)]) per non-empty category."""
    rows: list[tuple[str, list[tuple[str, list[str]]]]] = [
        ("Added", [(i, []) for i in diff.added]),
        ("Removed", [(i, []) for i in diff.removed]),
        ("Text changed", [(i, []) for i in diff.text_changed]),
        ("Metadata changed", list(diff.metadata_changed.items())),
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
        for title, items in _sections(diff):
            lines += ["", f"### {title} ({len(items)})", "", _listed(items, markdown=True)]
        lines += ["", f"Suggested version bump: **{bump or 'none'}**."]
    elif fmt == "text":
        lines.append(summary)
        if schema_changed:
            lines.append("schema changed")
        for title, items in _sections(diff):
            lines.append(f"{title.lower()}: {_listed(items, markdown=False)}")
        lines.append(f"suggested bump: {bump or 'none'}")
    else:
        raise ValueError(f"unknown diff format `{fmt}`: expected text, json or markdown")
    return "\n".join(lines) + "\n"


def previous_release(out: Path, name: str, version: str) -> Path | None:
    """The finished release `out/<name>-X.Y.Z` with the highest version below `version`."""
    current = parse_version(version)
    below = [(v, folder) for v, folder in _releases(out, name) if v < current]
    return max(below, key=lambda found: found[0].sort_key())[1] if below else None


def latest_release(out: Path, name: str) -> Path | None:
    """The finished release `out/<name>-X.Y.Z` with the highest version."""
    found = _releases(out, name)
    return max(found, key=lambda release: release[0].sort_key())[1] if found else None


def _releases(out: Path, name: str) -> list[tuple[Version, Path]]:
    """The finished releases of `name` in `out` (folders with a manifest), by version."""
    prefix = f"{name}-"
    if not Path(out).is_dir():
        return []
    found = []
    for folder in Path(out).iterdir():
        if not folder.name.startswith(prefix) or not (folder / MANIFEST).is_file():
            continue
        try:
            found.append((parse_version(folder.name[len(prefix) :]), folder))
        except ValueError:
            continue
    return found
