"""Write a release's dedup index (its layout: `engines.since`), and `dedup explain`.

`build` writes it from the run's `DedupIndex` (`IndexData.of_run`); `build
--since` from its plan (`package.since`). The manifest lists every file with
its bytes and checksums and `verify` checks them; the index is outside the
release's identity (`identity.OUTSIDE_PREFIXES`): it is derived state, and a
release built before the index existed is still the same release.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpus_tool.config import Config
from corpus_tool.engines.since import (
    BAND_KEYS,
    BAND_ROWS,
    CLUSTERS,
    DOCUMENTS,
    FILES,
    INDEX_DIR,
    INDEX_FILES,
    INDEX_VERSION,
    LOW32,
    META,
    SIGNATURES,
    IndexError_,
    SourceFile,
    arrow_fixed,
    arrow_ints,
    arrow_strings,
    file_hash,
    fingerprint,
    fingerprint_sha256,
    index_meta,
)
from corpus_tool.package.files import write_text
from corpus_tool.pipeline import KEEP_RULE, RunResult
from corpus_tool.sources import display_path
from corpus_tool.sources.files import list_corpus
from corpus_tool.validate.dedup import band_key

__all__ = [
    "INDEX_DIR",
    "INDEX_FILES",
    "IndexData",
    "check",
    "explain",
    "index_meta",
    "source_files",
    "write_index",
]


def source_files(paths: list[Path], cwd: Path | None = None) -> list[SourceFile]:
    """Every corpus file a run reads (documents, sidecars, shards), in listing order."""
    cwd = cwd or Path.cwd()
    listing = list_corpus(paths, [display_path(p, cwd) for p in paths])
    found = []
    for entry in listing.entries:
        try:
            found.append(SourceFile(entry.shown, entry.real, Path(entry.real).stat().st_size, b""))
        except OSError:
            continue
    for f in found:
        try:
            f.digest = file_hash(f.real)
        except OSError:
            f.digest = b"\0" * 16
    return found


@dataclass
class IndexData:
    """The columns of an index, in corpus order (see the module doc)."""

    ids: pa.Array
    paths: pa.Array
    lines: np.ndarray  # int64
    raw: bytes  # 16 bytes a document
    text_sha256: bytes  # 32 bytes a document
    urls: pa.Array
    url_keys: np.ndarray  # uint64
    roots: np.ndarray  # int64
    signatures: Iterable[np.ndarray]  # blocks of rows, in order
    clusters: list[dict[str, Any]]

    @classmethod
    def of_run(cls, result: RunResult) -> IndexData | None:
        """The index of a whole run (None where the engine kept no whole index)."""
        members = result.members
        found = result.index_roots if result.index_roots is not None else None
        if found is None and result.dedup is not None:
            found = result.dedup.roots
        if members is None or found is None:
            return None
        n = len(members)
        ends = np.frombuffer(members._url_ends, dtype=np.uint64).astype(np.int64)
        offsets = np.concatenate(([0], ends)).astype(np.int64)
        urls = pa.LargeStringArray.from_buffers(
            n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(bytes(members._url_bytes))
        )
        paths = pa.DictionaryArray.from_arrays(
            arrow_ints(np.frombuffer(members._path_of, dtype=np.uint32), pa.int32()),
            arrow_strings(members._path_list),
        )
        roots = np.arange(n, dtype=np.int64)
        for dropped, kept in found.items():
            roots[dropped] = kept
        sigs = members._sigs
        blocks = (
            [b[: min(sigs.BLOCK, sigs.rows - i * sigs.BLOCK)] for i, b in enumerate(sigs.blocks)]
            if sigs.rows == n
            else []
        )
        return cls(
            arrow_strings(members.ids),
            paths,
            np.frombuffer(members._lines, dtype=np.int64),
            result.raw_hashes,
            bytes(members._hashes),
            urls,
            np.frombuffer(members._urls, dtype=np.uint64),
            roots,
            blocks,
            result.report.clusters,
        )


def write_index(
    release: Path, data: IndexData, config: Config, files: list[SourceFile]
) -> list[str]:
    """Write the index into the (temporary) release folder; its files' paths."""
    folder = release / INDEX_DIR
    folder.mkdir()
    n = len(data.lines)
    table = pa.table(
        {
            "id": data.ids,
            "path": data.paths,
            "line": arrow_ints(data.lines, pa.int64()),
            "raw": arrow_fixed(data.raw, 16),
            "text_sha256": arrow_fixed(data.text_sha256, 32),
            "url": data.urls,
            "url_key": arrow_ints(data.url_keys, pa.uint64()),
            "root": arrow_ints(data.roots, pa.int64()),
        }
    )
    _write_parquet(table, release / DOCUMENTS)
    _write_parquet(
        pa.table(
            {
                "path": arrow_strings([f.shown for f in files]),
                "size": arrow_ints([f.size for f in files], pa.int64()),
                "xxh3_128": arrow_fixed(b"".join(f.digest.ljust(16, b"\0") for f in files), 16),
            }
        ),
        release / FILES,
    )
    num_perm = config.dedup.num_perm
    rows = _write_npy_blocks(release / SIGNATURES, data.signatures, num_perm)
    if rows not in (0, n):
        raise ValueError(f"index: {rows} signatures for {n} documents")
    sigs = np.load(release / SIGNATURES, mmap_mode="r") if rows else None
    _write_bands(release, sigs, config, n)
    write_text(release / CLUSTERS, json.dumps(data.clusters, indent=1, ensure_ascii=False) + "\n")
    meta = {
        "index_version": INDEX_VERSION,
        "documents": n,
        "signatures": rows > 0,
        "fingerprint_sha256": fingerprint_sha256(config),
        "fingerprint": fingerprint(config),
        # What an incremental run checks the other files by (this file is checked by
        # its sha256 in the manifest): a fast hash, so a damaged index is never used.
        "xxh3_128": {rel: file_hash(str(release / rel)).hex() for rel in INDEX_FILES[1:]},
    }
    write_text(release / META, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return list(INDEX_FILES)


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=1 << 20,
        write_statistics=False,
        store_schema=False,
    )


def _write_npy_blocks(path: Path, blocks: Iterable[np.ndarray], width: int) -> int:
    """A (rows, width) uint32 .npy written block by block: never one copy of it all."""
    blocks = [np.ascontiguousarray(b, dtype=np.uint32) for b in blocks]
    rows = sum(b.shape[0] for b in blocks)
    with path.open("wb") as f:
        header = {"descr": "<u4", "fortran_order": False, "shape": (rows, width if rows else 0)}
        np.lib.format.write_array_header_1_0(f, header)
        for b in blocks:
            f.write(b.tobytes())
    return rows


def _write_bands(release: Path, sigs: np.ndarray | None, config: Config, n: int) -> None:
    bands = config.dedup.bands if sigs is not None else 0
    keys = np.empty((bands, n), dtype=np.uint32)
    rows = np.empty((bands, n), dtype=np.uint32)
    per = config.dedup.num_perm // max(config.dedup.bands, 1)
    for b in range(bands):
        assert sigs is not None
        low = (band_key(sigs[:, b * per : (b + 1) * per]) & LOW32).astype(np.uint32)
        order = np.argsort(low, kind="stable")
        keys[b] = low[order]
        rows[b] = order
    np.save(release / BAND_KEYS, keys)
    np.save(release / BAND_ROWS, rows)


def check(release: Path, documents: int) -> list[tuple[str, str]]:
    """(file, problem) of the index of `release` whose manifest counts `documents`
    (records and dropped): its parts must agree with each other and with that."""
    try:
        return _check_parts(Path(release), documents)
    except Exception as exc:  # numpy and Arrow raise their own types on a damaged file
        return [(INDEX_DIR, f"the dedup index cannot be read: {exc}")]


def _check_parts(release: Path, documents: int) -> list[tuple[str, str]]:
    meta = index_meta(release)
    if meta is None or not isinstance(meta.get("documents"), int):
        return [(META, "not an index description (JSON with `documents`)")]
    n = meta["documents"]
    problems = []
    if n != documents:
        made = f"the manifest's records and dropped make {documents}"
        problems.append((META, f"{n} documents, {made}"))
    rows = pq.ParquetFile(release / DOCUMENTS).metadata.num_rows
    if rows != n:
        problems.append((DOCUMENTS, f"{rows} rows, index.json says {n}"))
    sigs = np.load(release / SIGNATURES, mmap_mode="r")
    if sigs.dtype != np.uint32 or (meta.get("signatures") and sigs.shape[0] != n):
        problems.append((SIGNATURES, f"shape {sigs.shape} {sigs.dtype}, not {n} rows"))
    keys = np.load(release / BAND_KEYS, mmap_mode="r")
    band_rows = np.load(release / BAND_ROWS, mmap_mode="r")
    if keys.shape != band_rows.shape or (keys.size and keys.shape[1] != n):
        problems.append((BAND_ROWS, f"shape {band_rows.shape}, keys {keys.shape}"))
    elif keys.size and (keys[:, 1:] < keys[:, :-1]).any():
        problems.append((BAND_KEYS, "a band's keys are not sorted"))
    return problems


def explain(release: Path, doc_id: str) -> tuple[str, bool]:
    """Why the release kept or dropped the document `doc_id`, and with what; and
    whether the release has it. Raises IndexError_ when the release has no index."""
    release = Path(release)
    if not (release / META).is_file():
        raise IndexError_(
            f"release {release} has no dedup index (built by an older corpus-tool):"
            " rebuild it, or see its manifest's `dropped`"
        )
    try:
        table = pq.read_table(release / DOCUMENTS, columns=["id", "path", "line", "root"])
        found = json.loads((release / CLUSTERS).read_text(encoding="utf-8"))
    except Exception as exc:  # Arrow raises its own types on a damaged file
        raise IndexError_(f"release {release}: the dedup index is damaged ({exc})") from None
    import pyarrow.compute as pc

    rows = pc.indices_nonzero(pc.equal(table.column("id"), doc_id)).to_pylist()
    if not rows:
        return f"`{doc_id}` is not in {release} (neither kept nor dropped)\n", False
    row = rows[0]

    def where(r: int) -> str:
        return f"{table.column('path')[r].as_py()}:{table.column('line')[r].as_py()}"

    root = table.column("root")[row].as_py()
    here = f"`{doc_id}` ({where(row)})"
    if root != row:
        kept = table.column("id")[root].as_py()
        entry: dict[str, Any] = next(
            (
                d
                for c in found
                if c.get("kept") == kept
                for d in c.get("dropped", [])
                if d.get("id") == doc_id
            ),
            {},
        )
        kind, sim = entry.get("kind", "?"), entry.get("similarity")
        what = {
            "exact": "an exact duplicate",
            "near": "a near duplicate",
            "url": "a same-url duplicate",
        }
        return (
            f"{here} was dropped: {what.get(kind, kind)} of `{kept}` ({where(root)}),"
            f" similarity {sim}.\nkeep rule: {KEEP_RULE}: `{kept}` comes first, so it is kept.\n"
        ), True
    cluster = next((c for c in found if c.get("kept") == doc_id), None)
    if cluster is None:
        return f"{here} is kept: it has no duplicate in {release}.\n", True
    lines = [
        f"{here} is kept: {KEEP_RULE} of its cluster of {len(cluster['dropped']) + 1}; dropped:"
    ]
    for d in cluster["dropped"]:
        lines.append(
            f"  `{d['id']}` ({d['path']}:{d['line']}): {d['kind']}, similarity {d['similarity']}"
        )
    return "\n".join(lines) + "\n", True
