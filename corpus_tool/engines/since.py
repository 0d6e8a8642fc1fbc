"""Incremental runs: `check --since RELEASE` checks what changed against a release,
using the dedup index the release carries (written by `package.dedup_index`).

The index, in the release's `index/` folder:

    index.json        format version, document count, the configuration's
                      fingerprint (what must match to use the index), and the
                      xxh3-128 of each other index file
    documents.parquet one row per document that joined deduplication, in corpus
                      order: id, path, line, raw (xxh3-128 of the input: file and
                      sidecar, line or row), text_sha256, url, url_key, root (the
                      row of its cluster's kept document; its own when kept)
    files.parquet     every corpus file read: path, size, xxh3-128
    signatures.npy    MinHash signatures, documents x num_perm uint32
    band_keys.npy     per LSH band, the low 32 bits of every document's band key,
                      sorted (bands x documents uint32) ...
    band_rows.npy     ... and the row each belongs to: a band lookup is a binary
                      search; the full 64-bit key is checked on the signature
    clusters.json     the duplicate clusters: kept id, keep rule, dropped ids with
                      kind, similarity and locations (`pipeline.clusters`)

The `.npy` files are memory-mapped and the Parquet files read column by column.
The manifest lists every file with its checksums (`verify` checks them); an
incremental run checks index.json against the manifest and the other files
against index.json, so a damaged index is never used.

Change detection is cheap first: a corpus file whose path, size and xxh3-128 are
the release's is unchanged, and so is every document it held. A changed shard
is read again, and each of its records is compared by the hash of its raw
bytes with the release's records of that file (in order): only documents whose
input differs are processed (normalized, checked, hashed).

Deduplication then gives what a full check would, exactly. Let S be the new and
edited documents and R the release's documents that are gone (removed, the old
side of an edit, or now a repeated id). The duplicate graph of a full check is
made of runs of equal keys (text hash, url, each LSH band), each paired as a star
and a chain in corpus order (`pairs.key_pairs`), near ones verified. A run whose
keys no document of S or R has is the same run as in the release, so its pairs
are too. The runs of S's and R's keys are read whole from the index (binary
searches on its sorted band keys) and paired twice, with the release's members
and with today's: the edges the change loses and gains. A release cluster with
an R document or a lost edge inside may split: X is S and those clusters, and
the edges of X's documents are found again from all their keys. Any other
release cluster keeps all its edges, so it is still connected: one that a
gained edge or an edge of X reaches joins whole. Findings are reported for the
clusters of X that hold a changed document or whose outcome (which document is
kept, which dropped) differs from the release, named with the unchanged
documents' paths and lines. M009 is checked against the whole
corpus's ids too: an unchanged document that now repeats an earlier id leaves
deduplication, as in a full check.

A release without an index, or built with other settings (dedup, rule
selection, language, limits, tool version), cannot be used: the caller falls
back to a full check and says why (`IndexError_`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
import multiprocessing
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

import corpus_tool
from corpus_tool.config import Config
from corpus_tool.engines.base import default_jobs
from corpus_tool.findings import Finding, FindingCollector, Report
from corpus_tool.pipeline import (
    DROP_TEXT,
    UNHASHABLE,
    BatchResult,
    RunResult,
    clusters,
    duplicate_id,
    raw_hash,
)
from corpus_tool.sources import Item, display_path, read_entry
from corpus_tool.sources.files import SIDECAR_SUFFIX, list_corpus
from corpus_tool.sources.read import ORPHAN_SIDECAR
from corpus_tool.validate.dedup import (
    DedupResult,
    Member,
    band_key,
    band_keys,
    cluster,
    hash_keys,
    key_pairs,
    report,
    similar,
    url_key,
)
from corpus_tool.validate.metadata import valid_id

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


def _listed_sha256(release: Path) -> dict[str, str]:
    """path -> sha256 of the files a release's manifest lists (ValueError if unreadable)."""
    data = orjson.loads((release / "manifest.json").read_bytes())
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise ValueError("manifest.json has no file list")
    return {
        f["path"]: f["sha256"]
        for f in files
        if isinstance(f, dict)
        and isinstance(f.get("path"), str)
        and isinstance(f.get("sha256"), str)
    }


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
        self._check_sums(meta)
        try:
            self.documents = pq.ParquetFile(self.release / DOCUMENTS).read(
                columns=["id", "path", "line", "raw", "text_sha256", "url_key", "root"],
            )
            files = pq.ParquetFile(self.release / FILES).read()
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

    def _check_sums(self, meta: dict[str, Any]) -> None:
        """index.json's sha256 is the manifest's, and every other index file's xxh3-128 is
        the one index.json records (as fast as reading it): a damaged index is never used."""
        try:
            listed = _listed_sha256(self.release)
            if hashlib.sha256((self.release / META).read_bytes()).hexdigest() != listed.get(META):
                raise ValueError(f"{META} does not match its sha256 in manifest.json")
            recorded = meta.get("xxh3_128")
            for rel in INDEX_FILES[1:]:
                if rel not in listed:
                    raise ValueError(f"manifest.json does not list {rel}")
                if (
                    not isinstance(recorded, dict)
                    or recorded.get(rel) != file_hash(str(self.release / rel)).hex()
                ):
                    raise ValueError(f"{rel} does not match its xxh3_128 in {META}")
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
        roots = _numpy(self.documents.column("root"))
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
        return np.asarray(self.band_rows[band][_ranges(start, stop)], dtype=np.int64)


def _codes(pairs: np.ndarray, nodes: int) -> np.ndarray:
    """Node pairs as one sorted, distinct int64 each (the smaller node first)."""
    return np.unique(pairs.min(axis=1) * nodes + pairs.max(axis=1))


def _pairs_of(codes: np.ndarray, nodes: int) -> np.ndarray:
    return np.stack([codes // nodes, codes % nodes], axis=1)


def _ranges(start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """The positions of the ranges [start, stop) one after another, in order."""
    lengths = stop - start
    offsets = np.repeat(start - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(int(lengths.sum()), dtype=np.int64) + offsets


def index_meta(release: Path) -> dict[str, Any] | None:
    path = Path(release) / META
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class Change:
    """What differs from the release."""

    release: Path
    files: int = 0  # corpus files now
    reread: int = 0  # files read again (new or changed)
    added: int = 0  # documents with an id the release does not have
    edited: int = 0  # documents whose input changed, same id
    removed: int = 0  # the release's documents that are gone
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"since {self.release}: {self.added:,} added, {self.edited:,} edited,"
            f" {self.removed:,} removed, {self.unchanged:,} unchanged"
            f" ({self.reread:,} of {self.files:,} files read again)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "release": str(self.release),
            "added": self.added,
            "edited": self.edited,
            "removed": self.removed,
            "unchanged": self.unchanged,
        }


Run = tuple[np.ndarray, np.ndarray, bool]  # a run's members, their keys, near or not


@dataclass
class Incremental:
    """The state of one incremental run (see the module doc)."""

    result: RunResult
    change: Change
    files: list[SourceFile] = field(default_factory=list)


def check_since(
    paths: list[Path],
    config: Config,
    release: Path,
    *,
    jobs: int | None = None,
    cwd: Path | None = None,
    output: str = DROP_TEXT,
) -> Incremental:
    """Check the corpus against `release` (see the module doc). Raises IndexError_ when
    the release's index cannot be used: the caller runs a full check instead."""
    index = ReleaseIndex(release, config)
    return SinceRun(index, paths, config, jobs, cwd or Path.cwd(), output).run()


class SinceRun:
    """One incremental run: `detect` what changed, `process` it, `repeated_ids`,
    `dedup` (see the module doc); `run` does them all. `build --since` reads its state."""

    def __init__(
        self,
        index: ReleaseIndex,
        paths: list[Path],
        config: Config,
        jobs: int | None,
        cwd: Path,
        output: str,
    ) -> None:
        self.index, self.paths, self.config, self.jobs, self.cwd = index, paths, config, jobs, cwd
        self.output = output
        self.cfg = config.dedup
        self.collector = FindingCollector()
        self.change = Change(index.release)
        docs = index.documents
        self.n = docs.num_rows
        paths_col = docs.column("path").combine_chunks()
        if not pa.types.is_dictionary(paths_col.type):
            paths_col = paths_col.dictionary_encode()
        self.codes = _numpy(paths_col.indices).astype(np.int64)
        self.names: list[str] = paths_col.dictionary.to_pylist()
        self.line = _numpy(docs.column("line")).astype(np.int64)
        self.roots = _numpy(docs.column("root")).astype(np.int64)
        digests = docs.column("text_sha256").combine_chunks()
        self.digests = fixed_bytes(digests, 32)
        self.hk = hash_keys(self.digests) if self.n else np.empty(0, np.uint64)
        self.uk = _numpy(docs.column("url_key")).astype(np.uint64)
        self.alive = np.zeros(self.n, dtype=bool)  # an unchanged document, in dedup
        self.present = np.zeros(self.n, dtype=bool)  # an unchanged document (M009 or not)
        self._urls: pa.ChunkedArray | None = None

    # -- 1. what changed --------------------------------------------------------------

    def detect(self) -> list[Item]:
        """Which documents to process: every one of a new or changed file whose input is
        not a release record of that file (matched in order). Each file is read once:
        hashed, and if it changed, split into documents right away."""
        listing = list_corpus(self.paths, [display_path(p, self.cwd) for p in self.paths])
        for finding in listing.findings:
            self.collect([finding])
        entries = listing.entries
        self.pos = {e.shown: i for i, e in enumerate(entries)}
        old = self.index.files
        changed = {
            gone[: -len(SIDECAR_SUFFIX)] + ".txt"  # a sidecar's change is its document's
            for gone in set(old) - set(self.pos)
            if gone.endswith(SIDECAR_SUFFIX)
        }
        self.change.files = sum(e.kind != "sidecar" for e in entries)
        raw = digest_pairs(self.index.documents.column("raw").combine_chunks())
        records = _Records(self.names, self.codes, raw, old)
        sidecars = {e.path: e for e in entries if e.kind == "sidecar"}
        listed = {e.path for e in entries}
        limit = self.config.max_file_bytes
        scans = self._scan_shards(entries, records, limit)
        self.files = []
        items: list[Item] = []
        later = []  # .txt documents: read once every sidecar is known
        for k, e in enumerate(entries):
            scan = scans[k] if scans else _scan(e, records, limit, split=e.kind == "shard")
            self.files.append(SourceFile(e.shown, e.real, scan.size, scan.digest))
            if scan.changed:
                changed.add(e.shown)
                if e.kind == "sidecar":
                    changed.add(e.shown[: -len(SIDECAR_SUFFIX)] + ".txt")
                elif e.kind == "shard":
                    if scan.items is None:  # not a plain shard, or a line over the limit
                        read = _ReadItems(read_entry(e, {}, limit), self.collect)
                        scan = records.match(e.shown, read, scan)
                    self._keep(scan)
                    items += scan.items or []
            if e.kind == "sidecar":
                text = e.path[: -len(SIDECAR_SUFFIX)] + ".txt"
                if text not in listed and not Path(text).is_file():
                    name = Path(text).name
                    msg = f"no `{name}` beside this sidecar"
                    self.collect([ORPHAN_SIDECAR.finding(msg, path=e.shown)])
            elif e.kind != "shard":
                later.append(e)
        for e in later:
            if e.shown in changed:
                read = _ReadItems(read_entry(e, sidecars, limit), self.collect)
                scan = records.match(e.shown, read, _Scan(-1, b"", True))
                self._keep(scan)
                items += scan.items or []
        self.change.reread = sum(e.kind != "sidecar" and e.shown in changed for e in entries)
        same = np.array([n in self.pos and n not in changed for n in self.names], dtype=bool)
        self.code_pos = np.array([self.pos.get(n, -1) for n in self.names], dtype=np.int64)
        if self.n:
            self.present |= same[self.codes]
        self.alive = self.present.copy()
        self.okey = (self.code_pos[self.codes] << 32) | self.line if self.n else self.line
        return items

    def _keep(self, scan: _Scan) -> None:
        """The release records a changed file still holds: present, at their new lines."""
        if scan.rows is not None and scan.lines is not None:
            self.present[scan.rows] = True
            self.line[scan.rows] = scan.lines

    def _scan_shards(self, entries: list[Any], records: _Records, limit: int) -> list[_Scan] | None:
        """Every file hashed, and every changed plain JSONL shard split and matched, on
        `jobs` forked workers (None: fewer than two shards or workers, or no fork)."""
        shards = sum(e.kind == "shard" for e in entries)
        jobs = min(self.jobs or default_jobs(), shards)
        if jobs < 2 or not hasattr(os, "fork"):
            return None
        global _SCANNING
        _SCANNING = (entries, records, limit)
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                return pool.map(_scan_entry, range(len(entries)), chunksize=1)
        finally:
            _SCANNING = None

    def collect(self, found: list[Finding]) -> None:
        self.collector.extend(self.config.apply(found))

    # -- 2. the changed documents -----------------------------------------------------

    def process(self, items: list[Item]) -> None:
        from corpus_tool.engines.local import process_items

        results: list[BatchResult] = process_items(items, self.config, self.output, self.jobs)
        self.s_ids: list[str] = []
        self.s_path: list[str] = []
        self.s_line: list[int] = []
        self.s_digest: list[bytes] = []
        self.s_url: list[str | None] = []
        self.s_valid: list[bool] = []
        self.s_lines: list[bytes] = []
        self.s_raw: list[bytes] = []
        sigs = []
        self.documents = int(self.present.sum())
        for batch in results:
            row = 0
            lines = iter(batch.lines or ())
            for doc in batch.docs:
                self.documents += 1
                self.collect(doc.findings)
                record = doc.record
                if record is None:
                    continue
                if batch.signatures is not None:
                    sigs.append(batch.signatures[row])
                    row += 1
                self.s_ids.append(record["id"])
                self.s_path.append(doc.path)
                self.s_line.append(doc.line)
                self.s_digest.append(bytes.fromhex(record["text_sha256"]))
                self.s_url.append(record["url"])
                self.s_valid.append(doc.valid)
                self.s_lines.append(next(lines, b"") if doc.valid else b"")
                self.s_raw.append(doc.raw_hash)
        m = self.m = len(self.s_ids)
        width = self.cfg.num_perm
        self.s_sig = np.array(sigs, dtype=np.uint32).reshape(len(sigs), width)
        self.s_joins = np.ones(m, dtype=bool)
        self.s_okey = np.array(
            [(self.pos[p] << 32) | ln for p, ln in zip(self.s_path, self.s_line, strict=True)],
            dtype=np.int64,
        )
        self.s_hk = hash_keys(self.s_digest) if m else np.empty(0, np.uint64)
        self.s_uk = np.array([url_key(u) for u in self.s_url], dtype=np.uint64)

    # -- 3. repeated ids (M009) -------------------------------------------------------

    def repeated_ids(self) -> None:
        wanted = sorted({i for i in self.s_ids if valid_id(i)})
        occurrences: dict[str, list[tuple[int, int]]] = defaultdict(list)  # id -> (okey, node)
        if wanted and self.n:
            mask = pc.is_in(self.index.documents.column("id"), value_set=arrow_strings(wanted))
            found = _numpy(pc.indices_nonzero(mask)).astype(np.int64)
            rows = found[self.present[found]]
            ids = self.index.documents.column("id").take(arrow_indices(rows)).to_pylist()
            for row, doc_id in zip(rows.tolist(), ids, strict=True):
                occurrences[doc_id].append((int(self.okey[row]), row))
        for j, doc_id in enumerate(self.s_ids):
            if valid_id(doc_id):
                occurrences[doc_id].append((int(self.s_okey[j]), self.n + j))
        for doc_id, uses in occurrences.items():
            if len(uses) < 2:
                continue
            uses.sort()
            first = self.where(uses[0][1])
            for _, node in uses[1:]:
                path, line = self.where(node)
                self.collect([duplicate_id(doc_id, path, line, first)])
                if node < self.n:
                    self.alive[node] = False
                else:
                    self.s_joins[node - self.n] = False

    def where(self, node: int) -> tuple[str, int]:
        if node < self.n:
            return self.names[self.codes[node]], int(self.line[node])
        j = node - self.n
        return self.s_path[j], self.s_line[j]

    # -- 4. duplicates ----------------------------------------------------------------

    def sigs(self, nodes: np.ndarray) -> np.ndarray:
        out = np.empty((nodes.size, self.cfg.num_perm), dtype=np.uint32)
        old = nodes < self.n
        if old.any():
            assert self.index.signatures is not None
            rows = nodes[old]
            order = np.argsort(rows)
            taken = np.asarray(self.index.signatures[rows[order]])
            out[np.flatnonzero(old)[order]] = taken
        if (~old).any():
            out[~old] = self.s_sig[nodes[~old] - self.n]
        return out

    def _bands(self, nodes: np.ndarray) -> np.ndarray:
        return band_keys(self.sigs(nodes), self.cfg)

    def okeys(self, nodes: np.ndarray) -> np.ndarray:
        out = np.empty(nodes.size, dtype=np.int64)
        old = nodes < self.n
        out[old] = self.okey[nodes[old]]
        out[~old] = self.s_okey[nodes[~old] - self.n]
        return out

    def s_nodes(self) -> np.ndarray:
        return self.n + np.flatnonzero(self.s_joins)

    def _key_runs(self, nodes: np.ndarray) -> list[Run]:
        """Every run of every key of `nodes`, complete (all documents in dedup with the
        key: the release's `alive` ones and the new ones that join), as (members, keys,
        near?), one per key kind and LSH band."""
        cfg = self.cfg
        runs: list[Run] = []
        s_nodes = self.s_nodes()
        old_nodes, new_nodes = nodes[nodes < self.n], nodes[nodes >= self.n] - self.n
        kinds = [(self.hk, self.s_hk, False)] if cfg.exact else []
        kinds += [(self.uk, self.s_uk, True)] if cfg.url else []  # url key 0: no url
        for old_keys, new_keys, zero_is_none in kinds:
            keys = np.unique(np.concatenate([old_keys[old_nodes], new_keys[new_nodes]]))
            if zero_is_none:
                keys = keys[keys != 0]
            rows = np.flatnonzero(np.isin(old_keys, keys) & self.alive)
            news = s_nodes[np.isin(new_keys[s_nodes - self.n], keys)]
            run_keys = np.concatenate([old_keys[rows], new_keys[news - self.n]])
            runs.append((np.concatenate([rows, news]), run_keys, False))
        if cfg.near and self.index.signatures is not None and nodes.size:
            keys_of = self._bands(nodes)
            s_bands = self._bands(s_nodes) if s_nodes.size else None
            rows_per = cfg.num_perm // cfg.bands
            for b in range(cfg.bands):
                keys = np.unique(keys_of[:, b])
                rows = self.index.band_rows_of(b, keys)
                rows = rows[self.alive[rows]]
                if rows.size:
                    full = band_key(self.sigs(rows)[:, b * rows_per : (b + 1) * rows_per])
                    hit = np.isin(full, keys)
                    rows, full = rows[hit], full[hit]
                else:
                    full = np.empty(0, np.uint64)
                if s_bands is not None:
                    hit = np.isin(s_bands[:, b], keys)
                    rows, full = (
                        np.concatenate([rows, s_nodes[hit]]),
                        np.concatenate([full, s_bands[hit, b]]),
                    )
                runs.append((rows, full, True))
        return runs

    def _edges(self, runs: list[Run], keep: np.ndarray) -> np.ndarray:
        """The duplicate graph's edges from `runs` with only the members `keep` marks
        (indexed by node): each run paired as a star and a chain, near pairs verified."""
        found = [np.empty((0, 2), dtype=np.int64)]
        for members, keys, near in runs:
            inside = keep[members]
            pairs = self._pairs(members[inside], keys[inside])
            if near and pairs.size:
                pairs = pairs[self._similar(pairs)]
            found.append(pairs)
        return np.concatenate(found)

    def _similar(self, pairs: np.ndarray) -> np.ndarray:
        left, right = self.sigs(pairs[:, 0]), self.sigs(pairs[:, 1])
        return similar(left, right, self.cfg.threshold)

    def _pairs(self, nodes: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """`key_pairs` over documents in corpus order, as node pairs."""
        if nodes.size < 2:
            return np.empty((0, 2), dtype=np.int64)
        order = np.argsort(self.okeys(nodes), kind="stable")
        nodes, keys = nodes[order], keys[order]
        return nodes[key_pairs(keys)]

    def _cluster_members(self, rows: np.ndarray) -> np.ndarray:
        """Every unchanged document in dedup of the release clusters of `rows`."""
        if not rows.size:
            return rows
        found = np.flatnonzero(np.isin(self.roots, np.unique(self.roots[rows])))
        return found[self.alive[found]]

    def dedup(self) -> None:
        """The clusters a full check would find, from the runs the change touches (see
        the module doc): the release's edges those runs lose and gain say which release
        clusters may split (their graph is built again) and which merge (whole)."""
        n = self.n
        nodes = n + self.m
        gone = np.flatnonzero(~self.alive) if n else np.empty(0, np.int64)
        s_nodes = self.s_nodes()
        # 1. The runs of the changed and gone documents' keys, with the release's members
        # (every row) and with today's: the edges the change removes and adds.
        was_alive, self.alive = self.alive, np.ones(n, dtype=bool)
        runs = self._key_runs(np.concatenate([s_nodes, gone]).astype(np.int64))
        self.alive = was_alive
        then = np.zeros(nodes, dtype=bool)
        then[:n] = True
        now = np.zeros(nodes, dtype=bool)
        now[:n] = was_alive
        now[s_nodes] = True
        before = _codes(self._edges(runs, then), nodes)
        after = _codes(self._edges(runs, now), nodes)
        lost = _pairs_of(np.setdiff1d(before, after), nodes)
        gained = _pairs_of(np.setdiff1d(after, before), nodes)
        # 2. X: the changed documents and the release clusters that may split (a gone
        # member, or a lost edge inside): their graph is built again from all their keys.
        split = np.concatenate([gone, lost.reshape(-1)]).astype(np.int64)
        x = np.union1d(s_nodes, self._cluster_members(split))
        edges = self._edges(self._key_runs(x), now)
        # An edge between two documents outside X is the release's own, or gained.
        edges = np.concatenate([edges[np.isin(edges, x).any(axis=1)], gained])
        # 3. A release cluster an edge reaches from outside X is whole still: it joins
        # as it is (each member to its kept one).
        outside = np.setdiff1d(np.unique(edges), x)
        whole = self._cluster_members(outside)
        edges = np.concatenate([edges, np.stack([whole, self.roots[whole]], axis=1)])
        x = np.union1d(x, whole)
        self.x = x
        okeys = self.okeys(x)
        node_of = dict(zip(okeys.tolist(), x.tolist(), strict=True))
        roots_ok = cluster([self.okeys(edges.reshape(-1)).reshape(-1, 2)]) if edges.size else {}
        self.new_root = {node_of[a]: node_of[b] for a, b in roots_ok.items()}  # dropped -> kept
        # Which clusters to report: those with a changed document or another outcome.
        comp: dict[int, list[int]] = defaultdict(list)
        for node in x.tolist():
            comp[self.new_root.get(node, node)].append(node)
        reported: dict[int, int] = {}
        for root, members in comp.items():
            if len(members) < 2:
                continue
            if any(nd >= n or self.roots[nd] != self.new_root.get(nd, nd) for nd in members):
                root_okey = int(self.okeys(np.array([root]))[0])
                for nd in members:
                    if nd != root:
                        reported[int(self.okeys(np.array([nd]))[0])] = root_okey
        self._member_of = node_of
        findings, dropped = report(reported, self.member, self.cfg)
        self.collect(findings)
        self.dropped = dropped
        # Counts for the summary: every document of the corpus.
        in_x = np.zeros(n, dtype=bool)
        in_x[x[x < n]] = True
        old_dropped = self.alive & ~in_x & (self.roots != np.arange(n))
        self.dropped_total = int(old_dropped.sum()) + len(self.new_root)
        self.in_x = in_x

    def urls(self) -> pa.ChunkedArray:
        if self._urls is None:
            docs = pq.ParquetFile(self.index.release / DOCUMENTS)
            self._urls = docs.read(columns=["url"]).column("url")
        return self._urls

    def _url_of(self, node: int) -> str:
        if node >= self.n:
            url = self.s_url[node - self.n]
            return url if isinstance(url, str) else ""
        return str(self.urls()[node].as_py() or "")

    @functools.cached_property
    def _by_url_key(self) -> tuple[np.ndarray, np.ndarray]:
        """The release's rows in url key order, and their keys."""
        order = np.argsort(self.uk, kind="stable")
        return order, self.uk[order]

    def _with_url_key(self, key: int) -> np.ndarray:
        """The unchanged documents in dedup with this url key (a binary search)."""
        order, keys = self._by_url_key
        at = np.uint64(key)
        lo, hi = (np.searchsorted(keys, at, side) for side in ("left", "right"))
        rows = order[lo:hi]
        return rows[self.alive[rows]]

    def member(self, okey: int) -> Member:
        node = self._member_of[okey]
        path, line = self.where(node)
        key = int(self.uk[node] if node < self.n else self.s_uk[node - self.n])
        url = ""
        if key:  # the spelling of the first document with this url, as a full check shows
            rows = self._with_url_key(key)
            news = self.s_nodes()
            news = news[self.s_uk[news - self.n] == np.uint64(key)]
            nodes = np.concatenate([rows, news])
            url = self._url_of(int(nodes[np.argmin(self.okeys(nodes))]))
        if node < self.n:
            doc_id = str(self.index.documents.column("id")[node].as_py())
            digest = self.digests[32 * node : 32 * node + 32]
        else:
            doc_id = self.s_ids[node - self.n]
            digest = self.s_digest[node - self.n]
        sig = self.sigs(np.array([node]))[0] if self.index.signatures is not None else None
        return Member(doc_id, path, line, digest, key, url, sig)

    # -- the run ----------------------------------------------------------------------

    def run(self) -> Incremental:
        items = self.detect()
        self.process(items)
        self.repeated_ids()
        self.dedup()
        change = self.change
        old_ids = self.index.documents.column("id")
        gone = np.flatnonzero(~self.present) if self.n else np.empty(0, np.int64)
        gone_ids = set(old_ids.take(arrow_indices(gone)).to_pylist()) if gone.size else set()
        change.edited = sum(1 for i in set(self.s_ids) if i in gone_ids)
        change.added = len(self.s_ids) - sum(1 for i in self.s_ids if i in gone_ids)
        change.removed = len(gone_ids - set(self.s_ids))
        change.unchanged = int(self.present.sum())
        report_ = Report(findings=self.collector.finish(), documents=self.documents)
        s_kept = sum(
            1
            for j in range(self.m)
            if self.s_joins[j] and self.s_valid[j] and (self.n + j) not in self.new_root
        )
        u_kept = int(self.alive.sum()) - (self.dropped_total - self._s_dropped())
        report_.kept = u_kept + s_kept
        report_.dropped_duplicates = self.dropped_total
        report_.clusters = clusters(self.dropped)
        dedup = DedupResult([], self.dropped, np.empty(0, dtype=bool))
        return Incremental(RunResult(report_, dedup), change, self.files)

    def _s_dropped(self) -> int:
        return sum(1 for node in self.new_root if node >= self.n)


@dataclass
class _Scan:
    """One corpus file as found: its size and xxh3-128, whether it differs from the
    release's, and for a changed shard the release rows it still holds (at `lines`)
    and the documents to process (None: not split yet)."""

    size: int
    digest: bytes
    changed: bool
    rows: np.ndarray | None = None
    lines: np.ndarray | None = None
    items: list[Item] | None = None


class _Records:
    """The release's records per file, for matching a changed file's documents."""

    def __init__(
        self,
        names: list[str],
        codes: np.ndarray,
        raw: np.ndarray,
        files: dict[str, tuple[int, bytes]],
    ) -> None:
        self.code_of = {name: i for i, name in enumerate(names)}
        self.by_code = np.argsort(codes, kind="stable")
        self.bounds = np.searchsorted(codes[self.by_code], np.arange(len(names) + 1))
        self.raw, self.files = raw, files

    def match(self, shown: str, docs: _Documents, scan: _Scan) -> _Scan:
        """`scan` with the release records of the file that are still there, unchanged
        and in order (a line moved by an insertion keeps its record, at its new line),
        and the documents that are not (to process)."""
        code = self.code_of.get(shown)
        by_code = self.by_code
        rows = (
            by_code[self.bounds[code] : self.bounds[code + 1]] if code is not None else by_code[:0]
        )
        new = np.frombuffer(b"".join(docs.digests), dtype=np.uint64).reshape(-1, 2)
        taken = match_in_order(self.raw[rows], new)
        matched = taken >= 0
        scan.rows = rows[taken[matched]]
        scan.lines = np.asarray(docs.lines, dtype=np.int64)[matched]
        scan.items = [docs.item(k) for k in np.flatnonzero(~matched).tolist()]
        return scan


def _scan(entry: Any, records: _Records, limit: int, split: bool) -> _Scan:
    """Hash one corpus file; if it is a changed plain JSONL shard and `split`, split
    it and match its documents (read once: memory-mapped)."""
    data = _plain_bytes(entry.real)
    try:
        size = len(data) if data else Path(entry.real).stat().st_size
        digest = xxhash.xxh3_128_digest(data) if data else file_hash(entry.real)
    except OSError:
        size, digest = -1, b""
    scan = _Scan(size, digest, records.files.get(entry.shown) != (size, digest))
    if scan.changed and split and data:
        docs = _PlainShard.split(data, entry.shown, limit)
        if docs is not None:
            return records.match(entry.shown, docs, scan)
    return scan


_SCANNING: tuple[list[Any], _Records, int] | None = None  # what forked workers scan


def _scan_entry(k: int) -> _Scan:
    assert _SCANNING is not None
    entries, records, limit = _SCANNING
    return _scan(entries[k], records, limit, split=entries[k].kind == "shard")


FAST_BYTES = 1 << 30  # plain JSONL shards up to this size are mapped and split in one piece


class _Documents:
    """The documents of one changed file: their `raw_hash`es and lines, and each as an
    Item on demand (most are unchanged and never become one)."""

    digests: list[bytes]
    lines: list[int]

    def item(self, k: int) -> Item:
        raise NotImplementedError


class _ReadItems(_Documents):
    """Documents as `read_entry` reads them (its findings go to `collect`)."""

    def __init__(self, stream: Any, collect: Any) -> None:
        self.items: list[Item] = []
        for found in stream:
            if isinstance(found, Finding):
                collect([found])
            else:
                self.items.append(found)
        self.digests = [raw_hash(i) for i in self.items]
        self.lines = [i.line for i in self.items]

    def item(self, k: int) -> Item:
        return self.items[k]


class _PlainShard(_Documents):
    """The documents of a plain JSONL shard's bytes, numbered as `read_shard` numbers
    them, split and hashed here with no Python object per unchanged line."""

    def __init__(
        self,
        data: Any,
        shown: str,
        starts: list[int],
        ends: list[int],
        digests: list[bytes],
        lines: list[int],
    ) -> None:
        self.data, self.shown = data, shown
        self.starts, self.ends, self.digests, self.lines = starts, ends, digests, lines

    @classmethod
    def split(cls, data: Any, shown: str, limit: int) -> _PlainShard | None:
        """None when a line is over `limit` (then `read_shard` reads it and says so).
        One pass finds each line (memchr) and hashes it: several times faster than
        numpy's search for newlines, which compares every byte into a mask as large.
        Lines are numbered as read; blank ones are then left out."""
        starts, ends, digests = [], [], []
        view, digest, find, size = memoryview(data), xxhash.xxh3_128_digest, data.find, len(data)
        at = 0
        while at < size:
            end = find(b"\n", at) + 1 or size
            starts.append(at)
            ends.append(end)
            digests.append(digest(view[at:end]))
            at = end
        begin, stop = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
        if starts and int((stop - begin).max()) > limit:
            return None
        first = np.frombuffer(data, dtype=np.uint8)[begin] if starts else begin
        blank = {
            k
            for k in np.flatnonzero(_BLANK_BYTES[first]).tolist()
            if not data[starts[k] : ends[k]].strip()
        }
        kept = [k for k in range(len(starts)) if k not in blank] if blank else range(len(starts))
        if blank:
            starts, ends = [starts[k] for k in kept], [ends[k] for k in kept]
            digests = [digests[k] for k in kept]
        return cls(data, shown, starts, ends, digests, [k + 1 for k in kept])

    def item(self, k: int) -> Item:
        return Item("jsonl", self.shown, self.lines[k], self.data[self.starts[k] : self.ends[k]])


def match_in_order(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """For each of `new`'s digests (rows of two uint64), the position in `old` of the
    release record it is, or -1. Records match in order: the first unused old record
    with the same digest after the last match (so an insertion or a removal shifts the
    rest, and a moved record is new). Never matches `UNHASHABLE`."""
    out = np.full(len(new), -1, dtype=np.int64)
    if not len(old) or not len(new):
        return out
    if np.unique(old[:, 0]).size < len(old) or np.unique(new[:, 0]).size < len(new):
        return _match_repeated(old, new, out)
    order = np.argsort(old[:, 0])
    at = np.minimum(np.searchsorted(old[order, 0], new[:, 0]), len(old) - 1)
    candidate = order[at]
    same = (old[candidate] == new).all(axis=1) & (new != _UNHASHABLE_PAIR).any(axis=1)
    # With no repeated digest, a record matches when its old position is past every
    # earlier candidate's: the last match is always the highest position seen so far.
    seen = np.maximum.accumulate(np.where(same, candidate, -1))
    before = np.concatenate(([-1], seen[:-1]))
    matched = same & (candidate > before)
    out[matched] = candidate[matched]
    return out


def _match_repeated(old: np.ndarray, new: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`match_in_order` when a digest repeats (the same record twice in a file)."""
    waiting: dict[tuple[int, int], list[int]] = {}
    for j, key in enumerate(map(tuple, old.tolist())):
        waiting.setdefault(key, []).append(j)
    taken: dict[tuple[int, int], int] = {}  # how many of each digest are used or passed
    last = -1
    unhashable = tuple(_UNHASHABLE_PAIR.tolist())
    for k, key in enumerate(map(tuple, new.tolist())):
        candidates = waiting.get(key) if key != unhashable else None
        if candidates is None:
            continue
        j = taken.get(key, 0)
        while j < len(candidates) and candidates[j] <= last:
            j += 1
        taken[key] = j + 1
        if j < len(candidates):
            last = out[k] = candidates[j]
    return out


def digest_pairs(array: pa.Array) -> np.ndarray:
    """A column of 16-byte digests as rows of two uint64."""
    return np.frombuffer(fixed_bytes(array, 16), dtype=np.uint64).reshape(-1, 2)


_UNHASHABLE_PAIR = np.frombuffer(UNHASHABLE, dtype=np.uint64)

_BLANK_BYTES = np.zeros(256, dtype=bool)
_BLANK_BYTES[list(b" \t\r\n\x0b\x0c")] = True


def _plain_bytes(path: str) -> Any:
    """The bytes of a plain JSONL shard to split here, memory-mapped (no copy); b""
    for any other file, an empty one or one that cannot be opened."""
    if not path.endswith(".jsonl"):
        return b""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if not 0 < size <= FAST_BYTES:
                return b""
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return b""  # `read_shard` says why


def arrow_indices(rows: np.ndarray) -> pa.Array:
    """Row numbers as an Arrow array (see `arrow_ints`)."""
    return arrow_ints(rows, pa.int64())


def arrow_ints(values: Any, kind: pa.DataType) -> pa.Array:
    """Integers as an Arrow array of `kind`, from their buffer: converting Python or
    numpy values with `pa.array` imports pandas, half a second of a run."""
    data = np.ascontiguousarray(values, dtype=_NUMPY[kind])
    return pa.Array.from_buffers(kind, data.size, [None, pa.py_buffer(data)])


def arrow_strings(values: list[str], large: bool = False) -> pa.Array:
    """Strings as an Arrow array, from buffers (see `arrow_ints`)."""
    encoded = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64 if large else np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    kind = pa.LargeStringArray if large else pa.StringArray
    return kind.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))


def arrow_fixed(data: bytes, width: int) -> pa.Array:
    """Values of `width` bytes back to back, as a fixed-size binary Arrow array."""
    n = len(data) // width
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(data)])


_NUMPY = {
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.uint32(): np.uint32,
    pa.uint64(): np.uint64,
}


def _numpy(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An integer column without nulls as a numpy array (a writable copy), from its
    buffer: Arrow's `to_numpy` imports pandas, half a second of a run."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    dtype = np.dtype(_NUMPY[arr.type])
    if arr.null_count:
        raise ValueError(f"a {arr.type} column with nulls")
    data = arr.buffers()[1]
    if data is None:
        return np.empty(0, dtype=dtype)
    return np.frombuffer(
        data, dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize
    ).copy()


def fixed_bytes(array: pa.Array, width: int) -> bytes:
    """The values of a fixed-size binary array, back to back."""
    if array.null_count:
        array = pc.fill_null(array, pa.scalar(b"\0" * width, pa.binary(width)))
    buf = array.buffers()[1]
    start = array.offset * width
    return bytes(buf)[start : start + len(array) * width] if buf is not None else b""
