"""A release's identity: what makes two builds of a version the same release.

Compressed bytes are not a function of the records alone: they also depend on
the compressor's version (libdeflate for the JSONL shards, the zstd inside
pyarrow for Parquet). So a release is identified by what it says, not by how
it was compressed:

- a data shard by its rows and its `content_sha256`, the SHA-256 of its records
  as release JSON lines (`models.json_line`): for a `.jsonl.gz` shard that is the
  decompressed file; a Parquet shard holds the same records, so the same hash;
- the card and Croissant file by their bytes with the shards' sizes and
  checksums masked (those depend on the compressor); any other file by its bytes;
- the manifest by its content: all but provenance (tool version, source commit,
  time, library versions), its own layout version and the files' raw bytes and
  checksums.

`manifest.json` records each file's `content_sha256` and, under `identity`,
the SHA-256 of the canonical JSON of that view. The "up to date" check of a
rebuild, the "conflict: bump the version" refusal and `verify` all use it.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from corpus_tool.models import json_line
from corpus_tool.package.files import CARD, CHUNK, CROISSANT, JSONL_SUFFIX, MANIFEST, PARQUET_SUFFIX
from corpus_tool.package.manifest_model import open_regular, read_regular

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
COVERS = (
    "name, version, schema, counts and dropped of this manifest, and each file's path,"
    " rows and content_sha256: for a data shard the SHA-256 of its records as JSON lines"
    " (the decompressed JSONL), for README.md and croissant.json their bytes with the"
    " shards' sizes and checksums masked, for other files their bytes"
)
MAX_TEXT_BYTES = 64 << 20  # the card, Croissant and changelog are a few kB
_DOWNLOAD_SIZE = re.compile(rb"(?m)^(\s*download_size:)[ \t]*\d+[ \t]*$")


def gzip_content(f: BinaryIO, raw_digest: Any | None = None) -> tuple[str, int]:
    """(SHA-256 of the inflated bytes, lines) of a gzip stream of any number of
    members, inflated in pieces of at most CHUNK bytes: memory stays bounded
    whatever the compression ratio. The raw bytes go into `raw_digest` on the way.
    Raises ValueError on a stream that is empty, truncated or not gzip."""
    content = hashlib.sha256()
    lines = 0
    inflate = zlib.decompressobj(wbits=31)
    seen = False
    try:
        while chunk := f.read(CHUNK):
            seen = True
            if raw_digest is not None:
                raw_digest.update(chunk)
            data = chunk
            while data:
                if inflate.eof:  # the next gzip member
                    inflate = zlib.decompressobj(wbits=31)
                out = inflate.decompress(data, CHUNK)
                lines += out.count(b"\n")
                content.update(out)
                data = inflate.unused_data if inflate.eof else inflate.unconsumed_tail
        while seen and not inflate.eof and (out := inflate.decompress(b"", CHUNK)):
            lines += out.count(b"\n")
            content.update(out)
    except zlib.error as exc:
        raise ValueError(f"not a valid gzip stream: {exc}") from None
    if not seen:
        raise ValueError("empty, not a gzip file")
    if not inflate.eof:
        raise ValueError("truncated gzip stream")
    return content.hexdigest(), lines


def jsonl_content(path: Path) -> tuple[str, int]:
    """(SHA-256 of the decompressed bytes, lines) of a `.jsonl.gz` shard, streaming."""
    with open_regular(path) as f:
        return gzip_content(f)


def parquet_content(path: Path, batch_rows: int = 1024) -> tuple[str, int]:
    """(SHA-256 of the records as release JSON lines, rows) of a Parquet shard, streaming."""
    import pyarrow.parquet as pq

    digest = hashlib.sha256()
    rows = 0
    with open_regular(path) as f, pq.ParquetFile(f) as pf:
        for batch in pf.iter_batches(batch_size=batch_rows):
            digest.update(b"".join(json_line(row) for row in batch.to_pylist()))
            rows += batch.num_rows
    return digest.hexdigest(), rows


def masked(rel: str, data: bytes) -> bytes:
    """The bytes of a metadata file with what the compressors decide masked."""
    if rel == CARD:
        return _DOWNLOAD_SIZE.sub(rb"\1 null", data)
    if rel == CROISSANT:
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            return data  # not JSON: compared as it is (and `verify` says so)
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
    if rel.endswith(JSONL_SUFFIX):
        return jsonl_content(path)
    if rel.endswith(PARQUET_SUFFIX):
        return parquet_content(path)
    return text_content_sha256(rel, read_regular(path, MAX_TEXT_BYTES)), None


def release_view(release: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The identity view of a release folder, computed from its files (not its
    manifest's file list): what a build of the same version must equal.

    Raises ReleaseReadError naming the file that cannot be read."""
    files = []
    for path in sorted(release.rglob("*")):
        rel = path.relative_to(release).as_posix()
        if rel == MANIFEST or path.is_dir():
            continue
        if path.is_symlink() or not path.is_file():
            raise ReleaseReadError(release, rel, "not a regular file")
        try:
            sha, rows = file_content(release, rel)
        except Exception as exc:  # gzip, ISA-L and Arrow each raise their own types
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
