"""A release's identity: what makes two builds of a version the same release.

Compressed bytes are not a function of the records alone: they also depend on
the compressor's version (each shard format names its `libraries`). So a
release is identified by what it says, not by how it was compressed:

- a data shard by its rows and its `content_sha256`, the SHA-256 of its records
  as release JSON lines (`models.json_line`), whatever its format
  (`ShardFormat.content`): the twins of a shard have the same hash;
- the card and Croissant file by their bytes with the shards' sizes and
  checksums masked (those depend on the compressor); any other file by its bytes;
- the manifest by its content: all but provenance (tool version, source commit,
  time, library versions), its own layout version and the files' raw bytes and
  checksums;
- `report.html` not at all (`OUTSIDE`): its charts are drawn by a renderer whose
  output depends on its version and the fonts it finds, and it names the corpus
  paths as the build was given them. It says nothing the rest does not: the
  manifest lists it with its bytes and sha256, which `verify` checks.

`manifest.json` records each file's `content_sha256` and, under `identity`,
the SHA-256 of the canonical JSON of that view. The "up to date" check of a
rebuild, the "conflict: bump the version" refusal (`compare_with_existing`) and
`verify` all use it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from corpus_tool.package.files import CARD, CROISSANT, MANIFEST, REPORT
from corpus_tool.package.formats import format_of
from corpus_tool.package.manifest_model import open_regular, read_manifest_file, read_regular

# Manifest keys that are not part of the identity: how and when it was built, the
# manifest's own layout version, and the identity itself.
NOT_CONTENT = (
    "manifest_version",
    "tool_version",
    "source_commit",
    "timestamp",
    "writers",
    "identity",
    "files",
)
OUTSIDE = (REPORT,)  # listed in the manifest with their checksums, not in the identity
# Folders likewise outside: the dedup index (`dedup_index`), derived state a release
# built before it existed lacks.
OUTSIDE_PREFIXES = ("index/",)


def outside(rel: object) -> bool:
    """Is the release file `rel` outside the identity?"""
    return isinstance(rel, str) and (rel in OUTSIDE or rel.startswith(OUTSIDE_PREFIXES))


COVERS = (
    "name, version, schema, counts and dropped of this manifest, and each file's path,"
    " rows and content_sha256: for a data shard the SHA-256 of its records as JSON lines"
    " (the decompressed JSONL), for README.md and croissant.json their bytes with the"
    " shards' sizes and checksums masked (and Croissant's datePublished), for other"
    " files their bytes; report.html is not covered"
)
MAX_TEXT_BYTES = 64 << 20  # the card, Croissant and changelog are a few kB
_DOWNLOAD_SIZE = re.compile(rb"(?m)^(\s*download_size:)[ \t]*\d+[ \t]*$")


def masked(rel: str, data: bytes) -> bytes:
    """The bytes of a metadata file with what the compressors decide masked."""
    if rel == CARD:
        return _DOWNLOAD_SIZE.sub(rb"\1 null", data)
    if rel == CROISSANT:
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            return data  # not JSON: compared as it is (and `verify` says so)
        if isinstance(doc, dict):
            doc.pop("datePublished", None)  # the build's time: provenance, like the manifest's
        if isinstance(doc, dict) and isinstance(doc.get("distribution"), list):
            for entry in doc["distribution"]:
                if isinstance(entry, dict) and entry.get("@type") == "cr:FileObject":
                    entry["contentSize"] = entry["sha256"] = None
        return canonical(doc)
    return data


def text_content_sha256(rel: str, data: bytes) -> str:
    return hashlib.sha256(masked(rel, data)).hexdigest()


def file_content(release: Path, rel: str) -> tuple[str, int | None]:
    """(`content_sha256`, rows or None) of one file of a release, computed from the file.

    Raises OSError or ValueError (or the decoders' own errors) on a damaged file."""
    path = release / rel
    if rel.startswith(OUTSIDE_PREFIXES):  # the dedup index: binary; its bytes are its content
        digest = hashlib.sha256()
        with open_regular(path) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest(), None
    fmt = format_of(rel)
    if fmt is not None:
        with open_regular(path) as f:
            return fmt.content(f)
    return text_content_sha256(rel, read_regular(path, MAX_TEXT_BYTES)), None


def release_view(release: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The identity view of a release folder, computed from its files (not its
    manifest's file list): what a build of the same version must equal.

    Raises ReleaseReadError naming the file that cannot be read."""
    files = []
    for path in sorted(release.rglob("*")):
        rel = path.relative_to(release).as_posix()
        if rel == MANIFEST or outside(rel) or path.is_dir():
            continue
        if path.is_symlink() or not path.is_file():
            raise ReleaseReadError(release, rel, "not a regular file")
        try:
            sha, rows = file_content(release, rel)
        except Exception as exc:  # each format's decoder raises its own types
            raise ReleaseReadError(release, rel, str(exc) or type(exc).__name__) from None
        files.append({"path": rel, "rows": rows, "content_sha256": sha})
    return view(manifest, files)


class ReleaseReadError(Exception):
    """A file of an existing release cannot be read: the release is damaged."""

    def __init__(self, release: Path, rel: str, reason: str) -> None:
        self.release, self.rel = release, rel
        super().__init__(f"release {release} is damaged: {rel}: {reason[:120]}")


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def view(manifest: dict[str, Any], files: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What the identity covers: the manifest's content and each file's content hash.

    `files` are manifest file entries (`path`, optional `rows`, `content_sha256`).
    """
    content = {k: v for k, v in manifest.items() if k not in NOT_CONTENT}
    content["files"] = sorted(
        (
            {k: f[k] for k in ("path", "rows", "content_sha256") if f.get(k) is not None}
            for f in files
            if not outside(f.get("path"))
        ),
        key=lambda f: str(f.get("path")),
    )
    return content


def identity_sha256(content_view: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content_view)).hexdigest()


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The names of what differs between two views: file paths, then manifest keys."""
    files_a = {str(f.get("path")): f for f in a.get("files", [])}
    files_b = {str(f.get("path")): f for f in b.get("files", [])}
    names = [p for p in sorted(files_a.keys() | files_b.keys()) if files_a.get(p) != files_b.get(p)]
    for key in sorted((a.keys() | b.keys()) - {"files"}):
        if a.get(key) != b.get(key):
            names.append(f"manifest.json: {key}")
    return names


class ReleaseExistsError(Exception):
    """The version exists with different content: releases are immutable."""


def compare_with_existing(existing: Path, new: Path) -> list[str]:
    """What differs between the published release `existing` and the build `new` of
    the same version, by identity: the decoded content of every file, never
    compressed bytes. The existing release is read from its files, so a damaged one
    is named (ReleaseExistsError); `new` is trusted (its manifest was just written)."""
    new_manifest, _ = read_manifest_file(new / MANIFEST)
    try:
        old_manifest, _ = read_manifest_file(existing / MANIFEST)
    except (OSError, ValueError) as exc:
        raise ReleaseExistsError(
            f"release {existing} exists but its manifest.json cannot be read"
            f" ({str(exc)[:80]}); a published version is never overwritten"
        ) from None
    try:
        old_view = release_view(existing, old_manifest)
    except ReleaseReadError as exc:
        raise ReleaseExistsError(
            f"{exc}; a published version is never overwritten: restore it or bump the version"
        ) from None
    return differences(view(new_manifest, new_manifest["files"]), old_view)
