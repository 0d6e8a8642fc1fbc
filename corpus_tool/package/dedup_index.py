"""The release's dedup index: what deduplication knows of every document, kept in
the release so that `check --since` and `build --since` cost what a change costs.

    index/index.json        format version, document count, the configuration's
                            fingerprint (what must match to use the index)
    index/documents.parquet one row per document that joined deduplication, in
                            corpus order: id, path, line, raw (xxh3-128 of the
                            input: file + sidecar, line or row), text_sha256, url,
                            url_key, root (the row of its cluster's kept document;
                            its own row when it is kept)
    index/files.parquet     every corpus file read: path, size, xxh3-128
    index/signatures.npy    MinHash signatures, documents x num_perm uint32
    index/band_keys.npy     per LSH band, the low 32 bits of every document's band
                            key, sorted (bands x documents uint32) ...
    index/band_rows.npy     ... and the row each belongs to: a band lookup is a
                            binary search, the full 64-bit key is checked on the
                            signature it points to
    index/clusters.json     the duplicate clusters: kept id, keep rule, dropped ids
                            with kind and similarity (`pipeline.clusters`)

The `.npy` files are memory-mapped and the Parquet files read column by column:
an incremental run touches the rows its change needs. The manifest lists every
file with its bytes and checksums, and `verify` checks them; the index is
outside the release's identity (`identity.OUTSIDE_PREFIXES`): it is derived
state, and a release built before the index existed is still the same release.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

import corpus_tool
from corpus_tool.config import Config
from corpus_tool.package.files import write_text
from corpus_tool.pipeline import RunResult
from corpus_tool.sources import display_path
from corpus_tool.sources.files import list_corpus
from corpus_tool.validate.dedup import band_key

INDEX_DIR = "index"
META = f"{INDEX_DIR}/index.json"
DOCUMENTS = f"{INDEX_DIR}/documents.parquet"
FILES = f"{INDEX_DIR}/files.parquet"
SIGNATURES = f"{INDEX_DIR}/signatures.npy"
BAND_KEYS = f"{INDEX_DIR}/band_keys.npy"
BAND_ROWS = f"{INDEX_DIR}/band_rows.npy"
CLUSTERS = f"{INDEX_DIR}/clusters.json"
INDEX_FILES = (META, DOCUMENTS, FILES, SIGNATURES, BAND_KEYS, BAND_ROWS, CLUSTERS)
INDEX_VERSION = 1
CHUNK = 1 << 20
LOW32 = np.uint64(0xFFFFFFFF)


class IndexError_(Exception):
    """The release's index is missing, from other settings, or damaged: the message says
    which, and an incremental run falls back to a full one."""


def fingerprint(config: Config) -> dict[str, Any]:
    """What decides every value of the index: the tool's version and the settings
    that change a document's record, its findings' existence or its dedup keys."""
    return {
        "tool_version": corpus_tool.__version__,
        "dedup": config.dedup.model_dump(),
        "enabled": sorted(config.enabled_codes()),
        "language": config.language,
        "language_confidence": config.language_confidence,
        "max_file_bytes": config.max_file_bytes,
    }


def fingerprint_sha256(config: Config) -> str:
    text = json.dumps(fingerprint(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def file_hash(path: str) -> bytes:
    """xxh3-128 of a file's bytes (GB/s: the cheap test of an unchanged file)."""
    digest = xxhash.xxh3_128()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.digest()


@dataclass
class SourceFile:
    shown: str  # the path as findings show it
    real: str
    size: int
    digest: bytes


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
        if members is None or result.dedup is None or result.dedup.roots is None:
            return None
        n = len(members)
        ends = np.frombuffer(members._url_ends, dtype=np.uint64).astype(np.int64)
        offsets = np.concatenate(([0], ends)).astype(np.int64)
        urls = pa.LargeStringArray.from_buffers(
            n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(bytes(members._url_bytes))
        )
        paths = pa.DictionaryArray.from_arrays(
            pa.array(np.frombuffer(members._path_of, dtype=np.uint32), pa.int32()),
            pa.array(members._path_list, pa.string()),
        )
        roots = np.arange(n, dtype=np.int64)
        for dropped, kept in result.dedup.roots.items():
            roots[dropped] = kept
        sigs = members._sigs
        blocks = (
            [b[: min(sigs.BLOCK, sigs.rows - i * sigs.BLOCK)] for i, b in enumerate(sigs.blocks)]
            if sigs.rows == n
            else []
        )
        return cls(
            pa.array(members.ids, pa.string()),
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
            "line": pa.array(data.lines, pa.int64()),
            "raw": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(16), n, [None, pa.py_buffer(data.raw)]
            ),
            "text_sha256": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(32), n, [None, pa.py_buffer(data.text_sha256)]
            ),
            "url": data.urls,
            "url_key": pa.array(data.url_keys, pa.uint64()),
            "root": pa.array(data.roots, pa.int64()),
        }
    )
    _write_parquet(table, release / DOCUMENTS)
    _write_parquet(
        pa.table(
            {
                "path": pa.array([f.shown for f in files], pa.string()),
                "size": pa.array([f.size for f in files], pa.int64()),
                "xxh3_128": pa.array([f.digest for f in files], pa.binary(16)),
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


# -------------------------------------------------------------------- reading


class ReleaseIndex:
    """A release's index, opened for lookups (memory-mapped; columns read on demand)."""

    def __init__(self, release: Path, config: Config) -> None:
        self.release = Path(release)
        meta_path = self.release / META
        if not meta_path.is_file():
            raise IndexError_(
                f"release {release} has no dedup index (built by an older corpus-tool)"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            version, n = meta["index_version"], int(meta["documents"])
            recorded = meta["fingerprint_sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexError_(f"release {release}: index/index.json is damaged ({exc})") from None
        if version != INDEX_VERSION:
            raise IndexError_(f"release {release}: index version {version} is not {INDEX_VERSION}")
        if recorded != fingerprint_sha256(config):
            theirs = meta.get("fingerprint", {})
            ours = fingerprint(config)
            what = [k for k in sorted(ours) if theirs.get(k) != ours[k]] or ["settings"]
            raise IndexError_(
                f"release {release} was built with other settings ({', '.join(what)})"
            )
        self.config = config
        self.n = n
        self._check_sums()
        try:
            self.documents = pq.read_table(
                self.release / DOCUMENTS,
                columns=["id", "path", "line", "raw", "text_sha256", "url_key", "root"],
            )
            files = pq.read_table(self.release / FILES)
            self.files = {
                p: (s, d)
                for p, s, d in zip(
                    files.column("path").to_pylist(),
                    files.column("size").to_pylist(),
                    files.column("xxh3_128").to_pylist(),
                    strict=True,
                )
            }
            self.has_signatures = bool(meta.get("signatures"))
            self.signatures = (
                np.load(self.release / SIGNATURES, mmap_mode="r") if self.has_signatures else None
            )
            self.band_keys = np.load(self.release / BAND_KEYS, mmap_mode="r")
            self.band_rows = np.load(self.release / BAND_ROWS, mmap_mode="r")
            self._check_shapes()
        except IndexError_:
            raise
        except Exception as exc:  # Arrow and numpy raise their own types on a damaged file
            raise IndexError_(
                f"release {release}: the dedup index is damaged ({type(exc).__name__}: "
                f"{str(exc)[:100]}); `corpus-tool verify {release}` says more"
            ) from None

    def _check_sums(self) -> None:
        """Every index file's sha256 is the manifest's: a damaged index is never used."""
        from corpus_tool.package.files import MANIFEST, sha256_file
        from corpus_tool.package.manifest_model import read_manifest_file

        try:
            _, manifest = read_manifest_file(self.release / MANIFEST)
            listed = {f.path: f.sha256 for f in manifest.files}
            for rel in INDEX_FILES:
                if rel not in listed:
                    raise ValueError(f"manifest.json does not list {rel}")
                if sha256_file(self.release / rel) != listed[rel]:
                    raise ValueError(f"{rel} does not match its sha256 in manifest.json")
        except (OSError, ValueError) as exc:
            raise IndexError_(
                f"release {self.release}: the dedup index is damaged ({str(exc)[:120]});"
                f" `corpus-tool verify {self.release}` says more"
            ) from None

    def _check_shapes(self) -> None:
        n, cfg = self.n, self.config.dedup
        problems = []
        if self.documents.num_rows != n:
            problems.append(f"documents.parquet has {self.documents.num_rows} rows, not {n}")
        if self.signatures is not None and self.signatures.shape != (n, cfg.num_perm):
            problems.append(f"signatures.npy is {self.signatures.shape}")
        bands = cfg.bands if self.has_signatures else 0
        for name, arr in (("band_keys", self.band_keys), ("band_rows", self.band_rows)):
            if arr.shape != (bands, n) or arr.dtype != np.uint32:
                problems.append(f"{name}.npy is {arr.shape} {arr.dtype}")
        if self.band_rows.size and int(self.band_rows.max(initial=0)) >= n:
            problems.append("band_rows.npy points past the documents")
        roots = self.documents.column("root").to_numpy()
        if n and (roots.min() < 0 or roots.max() >= n):
            problems.append("documents.parquet: a root points past the documents")
        if problems:
            raise IndexError_(f"release {self.release}: the dedup index is damaged: {problems[0]}")

    def clusters(self) -> list[dict[str, Any]]:
        try:
            found = json.loads((self.release / CLUSTERS).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexError_(f"release {self.release}: index/clusters.json: {exc}") from None
        if not isinstance(found, list):
            raise IndexError_(f"release {self.release}: index/clusters.json is not a list")
        return found

    def band_rows_of(self, band: int, keys: np.ndarray) -> np.ndarray:
        """Rows whose band key has the low 32 bits of one of `keys` (a superset of the
        rows with the key itself: the caller checks the full key)."""
        low = np.unique((keys & LOW32).astype(np.uint32))
        sorted_keys = self.band_keys[band]
        start = np.searchsorted(sorted_keys, low, side="left")
        stop = np.searchsorted(sorted_keys, low, side="right")
        if not (stop > start).any():
            return np.empty(0, dtype=np.int64)
        rows = self.band_rows[band]
        return np.concatenate(
            [rows[a:b] for a, b in zip(start.tolist(), stop.tolist(), strict=True) if b > a]
        ).astype(np.int64)


def index_meta(release: Path) -> dict[str, Any] | None:
    path = Path(release) / META
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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
            f" similarity {sim}.\nkeep rule: {_KEEP_RULE}: `{kept}` comes first, so it is kept.\n"
        ), True
    cluster = next((c for c in found if c.get("kept") == doc_id), None)
    if cluster is None:
        return f"{here} is kept: it has no duplicate in {release}.\n", True
    lines = [
        f"{here} is kept: {_KEEP_RULE} of its cluster of {len(cluster['dropped']) + 1}; dropped:"
    ]
    for d in cluster["dropped"]:
        lines.append(
            f"  `{d['id']}` ({d['path']}:{d['line']}): {d['kind']}, similarity {d['similarity']}"
        )
    return "\n".join(lines) + "\n", True


_KEEP_RULE = "first in corpus order"
