"""`check --since RELEASE`: check what changed against a release, using its dedup index.

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
are too. So the affected documents X are S and every member of a release
cluster that holds an R document or a document in a run of S's or R's keys;
the runs of all keys of X are read whole from the index (binary searches on
its sorted band keys), paired, verified and clustered, and X grows by the
clusters of any document an edge reaches, until it is closed. Findings are
reported for the clusters of X that hold a changed document or whose outcome
(which document is kept, which dropped) differs from the release, named with
the unchanged documents' paths and lines. M009 is checked against the whole
corpus's ids too: an unchanged document that now repeats an earlier id leaves
deduplication, as in a full check.

A release without an index, or built with other settings (dedup, rule
selection, language, limits, tool version), cannot be used: the caller falls
back to a full check and says why (`IndexError_`).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_tool.config import Config, ConfigError
from corpus_tool.findings import Finding, FindingCollector, Report
from corpus_tool.package.dedup_index import (
    DOCUMENTS,
    IndexError_,
    ReleaseIndex,
    SourceFile,
    file_hash,
)
from corpus_tool.pipeline import (
    DROP_TEXT,
    BatchResult,
    RunResult,
    clusters,
    duplicate_id,
    raw_hash,
)
from corpus_tool.sources import Item, display_path, read_entry
from corpus_tool.sources.files import SIDECAR_SUFFIX, list_corpus
from corpus_tool.validate.dedup import (
    DedupResult,
    Member,
    band_keys,
    cluster,
    hash_keys,
    key_pairs,
    report,
    similar,
    url_key,
)
from corpus_tool.validate.metadata import valid_id

__all__ = ["Change", "IndexError_", "check_since", "latest_release", "resolve_since"]


def latest_release(out: Path, name: str) -> Path | None:
    """The newest release of `name` in `out` (by version), or None."""
    from corpus_tool.package.version import parse_version

    found = []
    if Path(out).is_dir():
        for folder in Path(out).iterdir():
            if not folder.name.startswith(f"{name}-") or not (folder / "manifest.json").is_file():
                continue
            try:
                found.append((parse_version(folder.name[len(name) + 1 :]), folder))
            except ValueError:
                continue
    return max(found)[1] if found else None


def resolve_since(since: str | Path, config: Config, out: Path = Path("dist")) -> Path:
    """The release `since` names: a folder, or "latest" (the newest in `out`)."""
    if str(since) == "latest":
        found = latest_release(out, config.name)
        if found is None:
            raise ConfigError(f"--since latest: no release of `{config.name}` in {out}/")
        return found
    path = Path(since)
    if not (path / "manifest.json").is_file():
        raise ConfigError(f"--since {since}: not a release folder (no manifest.json)")
    return path


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
    return _Run(index, paths, config, jobs, cwd or Path.cwd(), output).run()


class _Run:
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
        self.codes = paths_col.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        self.names: list[str] = paths_col.dictionary.to_pylist()
        self.line = docs.column("line").to_numpy().astype(np.int64).copy()
        self.roots = docs.column("root").to_numpy().astype(np.int64)
        digests = docs.column("text_sha256").combine_chunks()
        self.digests = _fixed_bytes(digests, 32)
        self.hk = hash_keys(self.digests) if self.n else np.empty(0, np.uint64)
        self.uk = docs.column("url_key").to_numpy().astype(np.uint64)
        self.alive = np.zeros(self.n, dtype=bool)  # an unchanged document, in dedup
        self.present = np.zeros(self.n, dtype=bool)  # an unchanged document (M009 or not)
        self._urls: pa.ChunkedArray | None = None

    # -- 1. what changed --------------------------------------------------------------

    def detect(self) -> list[Item]:
        listing = list_corpus(self.paths, [display_path(p, self.cwd) for p in self.paths])
        for finding in listing.findings:
            self.collect([finding])
        entries = listing.entries
        self.pos = {e.shown: i for i, e in enumerate(entries)}
        old = self.index.files
        changed: set[str] = set()
        self.files = []
        for e in entries:
            try:
                size = Path(e.real).stat().st_size
                digest = file_hash(e.real)
            except OSError:
                size, digest = -1, b""
            self.files.append(SourceFile(e.shown, e.real, size, digest))
            if old.get(e.shown) != (size, digest):
                changed.add(e.shown)
        for gone in (set(old) - set(self.pos)) | set(changed):
            if gone.endswith(SIDECAR_SUFFIX):  # a sidecar's change is its document's
                changed.add(gone[: -len(SIDECAR_SUFFIX)] + ".txt")
        self.change.files = sum(e.kind != "sidecar" for e in entries)
        code_of = {name: i for i, name in enumerate(self.names)}
        same = np.array([n in self.pos and n not in changed for n in self.names], dtype=bool)
        self.code_pos = np.array([self.pos.get(n, -1) for n in self.names], dtype=np.int64)
        if self.n:
            self.present = same[self.codes]
        raw = self.index.documents.column("raw")
        sidecars = {e.path: e for e in entries if e.kind == "sidecar"}
        listed = {e.path for e in entries}
        items: list[Item] = []
        for e in entries:
            if e.kind == "sidecar":
                text = e.path[: -len(SIDECAR_SUFFIX)] + ".txt"
                if text not in listed and not Path(text).is_file():
                    from corpus_tool.sources.read import ORPHAN_SIDECAR

                    name = Path(text).name
                    self.collect(
                        [ORPHAN_SIDECAR.finding(f"no `{name}` beside this sidecar", path=e.shown)]
                    )
                continue
            if e.shown not in changed:
                continue
            self.change.reread += 1
            code = code_of.get(e.shown)
            rows = np.flatnonzero(self.codes == code) if code is not None else np.empty(0, int)
            waiting: dict[bytes, deque[int]] = defaultdict(deque)
            for row, h in zip(rows.tolist(), raw.take(pa.array(rows)).to_pylist(), strict=True):
                waiting[h].append(row)
            last = -1
            for found in read_entry(e, sidecars, self.config.max_file_bytes):
                if isinstance(found, Finding):
                    self.collect([found])
                    continue
                queue = waiting.get(raw_hash(found))
                while queue and queue[0] <= last:
                    queue.popleft()
                if queue:  # the same input as a release record, in order: unchanged
                    last = queue.popleft()
                    self.present[last] = True
                    self.line[last] = found.line
                else:
                    items.append(found)
        self.alive = self.present.copy()
        self.okey = (self.code_pos[self.codes] << 32) | self.line if self.n else self.line
        return items

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
            mask = pc.is_in(self.index.documents.column("id"), value_set=pa.array(wanted))
            rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False) & self.present)
            ids = self.index.documents.column("id").take(pa.array(rows)).to_pylist()
            for row, doc_id in zip(rows.tolist(), ids, strict=True):
                occurrences[doc_id].append((int(self.okey[row]), row))
        for j, doc_id in enumerate(self.s_ids):
            if valid_id(doc_id):
                occurrences[doc_id].append((int(self.s_okey[j]), self.n + j))
        for doc_id, uses in occurrences.items():
            if len(uses) < 2:
                continue
            uses.sort()
            first = self._where(uses[0][1])
            for _, node in uses[1:]:
                path, line = self._where(node)
                self.collect([duplicate_id(doc_id, path, line, first)])
                if node < self.n:
                    self.alive[node] = False
                else:
                    self.s_joins[node - self.n] = False

    def _where(self, node: int) -> tuple[str, int]:
        if node < self.n:
            return self.names[self.codes[node]], int(self.line[node])
        j = node - self.n
        return self.s_path[j], self.s_line[j]

    # -- 4. duplicates ----------------------------------------------------------------

    def _sigs(self, nodes: np.ndarray) -> np.ndarray:
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
        return band_keys(self._sigs(nodes), self.cfg)

    def _okeys(self, nodes: np.ndarray) -> np.ndarray:
        out = np.empty(nodes.size, dtype=np.int64)
        old = nodes < self.n
        out[old] = self.okey[nodes[old]]
        out[~old] = self.s_okey[nodes[~old] - self.n]
        return out

    def _s_nodes(self) -> np.ndarray:
        return self.n + np.flatnonzero(self.s_joins)

    def _runs(self, nodes: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Every run (complete: all documents in dedup with the key) of every key of
        `nodes`: its pairs (star and chain, near ones verified), and its members."""
        cfg = self.cfg
        edges: list[np.ndarray] = []
        members: list[np.ndarray] = [nodes]
        s_nodes = self._s_nodes()
        old_nodes, new_nodes = nodes[nodes < self.n], nodes[nodes >= self.n]
        if cfg.exact:
            keys = np.concatenate([self.hk[old_nodes], self.s_hk[new_nodes - self.n]])
            edges.append(self._pairs_of_keys(keys, self.hk, self.s_hk, s_nodes, members))
        if cfg.url:
            keys = np.concatenate([self.uk[old_nodes], self.s_uk[new_nodes - self.n]])
            keys = keys[keys != 0]
            edges.append(self._pairs_of_keys(keys, self.uk, self.s_uk, s_nodes, members))
        if cfg.near and self.index.signatures is not None and nodes.size:
            keys_of = self._bands(nodes)
            s_bands = self._bands(s_nodes) if s_nodes.size else None
            rows_per = cfg.num_perm // cfg.bands
            for b in range(cfg.bands):
                keys = np.unique(keys_of[:, b])
                rows = self.index.band_rows_of(b, keys)
                rows = rows[self.alive[rows]]
                if rows.size:
                    sigs = self._sigs(rows)[:, b * rows_per : (b + 1) * rows_per]
                    from corpus_tool.validate.dedup import band_key

                    full = band_key(sigs)
                    hit = np.isin(full, keys)
                    rows, full = rows[hit], full[hit]
                else:
                    full = np.empty(0, np.uint64)
                run_nodes, run_keys = [rows], [full]
                if s_bands is not None:
                    hit = np.isin(s_bands[:, b], keys)
                    run_nodes.append(s_nodes[hit])
                    run_keys.append(s_bands[hit, b])
                found = self._pairs(np.concatenate(run_nodes), np.concatenate(run_keys))
                if found.size:
                    left, right = self._sigs(found[:, 0]), self._sigs(found[:, 1])
                    found = found[similar(left, right, cfg.threshold)]
                edges.append(found)
                members.append(np.concatenate(run_nodes))
        return edges, np.unique(np.concatenate(members))

    def _pairs_of_keys(
        self,
        keys: np.ndarray,
        old_keys: np.ndarray,
        new_keys: np.ndarray,
        s_nodes: np.ndarray,
        members: list[np.ndarray],
    ) -> np.ndarray:
        keys = np.unique(keys)
        rows = np.flatnonzero(np.isin(old_keys, keys) & self.alive)
        news = s_nodes[np.isin(new_keys[s_nodes - self.n], keys)]
        nodes = np.concatenate([rows, news])
        members.append(nodes)
        return self._pairs(nodes, np.concatenate([old_keys[rows], new_keys[news - self.n]]))

    def _pairs(self, nodes: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """`key_pairs` over documents in corpus order, as node pairs."""
        if nodes.size < 2:
            return np.empty((0, 2), dtype=np.int64)
        order = np.argsort(self._okeys(nodes), kind="stable")
        nodes, keys = nodes[order], keys[order]
        return nodes[key_pairs(keys)]

    def _cluster_members(self, rows: np.ndarray) -> np.ndarray:
        """Every unchanged document in dedup of the release clusters of `rows`."""
        if not rows.size:
            return rows
        found = np.flatnonzero(np.isin(self.roots, np.unique(self.roots[rows])))
        return found[self.alive[found]]

    def dedup(self) -> None:
        cfg = self.cfg
        n = self.n
        gone = np.flatnonzero(~self.alive) if n else np.empty(0, np.int64)
        s_nodes = self._s_nodes()
        # The runs of the changed documents' and the gone ones' keys (gone: as they were).
        seeds = np.concatenate([s_nodes, gone]).astype(np.int64)
        was_alive, self.alive = self.alive, self.alive.copy()
        self.alive[gone] = True  # so their keys and runs are read; no edge is kept
        _, touched = self._runs(seeds)
        self.alive = was_alive
        old = touched[touched < n]
        rows = np.concatenate([old[self.alive[old]], gone])
        x = np.union1d(s_nodes, self._cluster_members(rows))
        while True:
            edges, _ = self._runs(x)
            pairs = np.concatenate([e.reshape(-1, 2) for e in edges] or [np.empty((0, 2), int)])
            # Pairs between two documents outside X are the release's own: left alone.
            pairs = pairs[np.isin(pairs[:, 0], x) | np.isin(pairs[:, 1], x)]
            ends = np.unique(pairs)
            outside = np.setdiff1d(ends, x)
            if not outside.size:
                break
            x = np.union1d(x, np.union1d(outside, self._cluster_members(outside[outside < n])))
        self.x = x
        okeys = self._okeys(x)
        node_of = dict(zip(okeys.tolist(), x.tolist(), strict=True))
        roots_ok = cluster([self._okeys(pairs.reshape(-1)).reshape(-1, 2)]) if pairs.size else {}
        self.new_root = {node_of[a]: node_of[b] for a, b in roots_ok.items()}  # dropped -> kept
        # Which clusters to report: those with a changed document or another outcome.
        comp: dict[int, list[int]] = defaultdict(list)
        for node in x.tolist():
            comp[self.new_root.get(node, node)].append(node)
        reported: dict[int, int] = {}
        for root, nodes in comp.items():
            if len(nodes) < 2:
                continue
            differs = any(nd >= n or self.roots[nd] != self.new_root.get(nd, nd) for nd in nodes)
            if differs:
                for nd in nodes:
                    if nd != root:
                        reported[int(self._okeys(np.array([nd]))[0])] = int(
                            self._okeys(np.array([root]))[0]
                        )
        self._member_of = node_of
        findings, dropped = report(reported, self._member, cfg)
        self.collect(findings)
        self.dropped = dropped
        # Counts for the summary: every document of the corpus.
        x_old = x[x < n]
        in_x = np.zeros(n, dtype=bool)
        in_x[x_old] = True
        old_dropped = self.alive & ~in_x & (self.roots != np.arange(n))
        self.dropped_total = int(old_dropped.sum()) + len(self.new_root)
        self.in_x = in_x

    def _urls_col(self) -> pa.ChunkedArray:
        if self._urls is None:
            self._urls = pq.read_table(self.index.release / DOCUMENTS, columns=["url"]).column(
                "url"
            )
        return self._urls

    def _url_of(self, node: int) -> str:
        if node >= self.n:
            url = self.s_url[node - self.n]
            return url if isinstance(url, str) else ""
        return str(self._urls_col()[node].as_py() or "")

    def _member(self, okey: int) -> Member:
        node = self._member_of[okey]
        path, line = self._where(node)
        key = int(self.uk[node] if node < self.n else self.s_uk[node - self.n])
        url = ""
        if key:  # the spelling of the first document with this url, as a full check shows
            rows = np.flatnonzero((self.uk == np.uint64(key)) & self.alive)
            news = self._s_nodes()
            news = news[self.s_uk[news - self.n] == np.uint64(key)]
            nodes = np.concatenate([rows, news])
            url = self._url_of(int(nodes[np.argmin(self._okeys(nodes))]))
        if node < self.n:
            doc_id = str(self.index.documents.column("id")[node].as_py())
            digest = self.digests[32 * node : 32 * node + 32]
        else:
            doc_id = self.s_ids[node - self.n]
            digest = self.s_digest[node - self.n]
        sig = self._sigs(np.array([node]))[0] if self.index.signatures is not None else None
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
        gone_ids = set(old_ids.take(pa.array(gone)).to_pylist()) if gone.size else set()
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


def _fixed_bytes(array: pa.Array, width: int) -> bytes:
    """The values of a fixed-size binary array, back to back."""
    if array.null_count:
        array = pc.fill_null(array, pa.scalar(b"\0" * width, pa.binary(width)))
    buf = array.buffers()[1]
    start = array.offset * width
    return bytes(buf)[start : start + len(array) * width] if buf is not None else b""


# -------------------------------------------------------------------- build --since


def build_since(
    paths: list[Path],
    config: Config,
    version: str,
    out: Path,
    release: Path,
    *,
    jobs: int | None = None,
    cwd: Path | None = None,
) -> tuple[Any, Change]:
    """`build --since`: the release of the corpus, byte-identical to a full build's
    (without `report.html`), from the changed documents and the records of the
    unchanged ones in `release`. Raises IndexError_ when its index cannot serve."""
    from corpus_tool.package import tempfiles
    from corpus_tool.package.build import refused, write_release
    from corpus_tool.pipeline import SPILL_LINES

    index = ReleaseIndex(release, config)
    run = _Run(index, paths, config, jobs, cwd or Path.cwd(), SPILL_LINES)
    done = run.run()
    if done.result.report.has_errors():
        return refused(done.result.report), done.change
    swept = tempfiles.sweep(out)
    note = f"\nremoved what interrupted builds left in {out}: {', '.join(swept)}" if swept else ""
    plan = _Plan(run)
    outcome = write_release(
        done.result.report,
        config,
        paths,
        version,
        out,
        plan.lines(),
        plan.dropped,
        index=lambda folder: plan.write_index(folder),
        note=note,
    )
    return outcome, done.change


class _Plan:
    """The new release from an incremental run: every document in dedup in corpus order,
    which are kept, their records and the index."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        n = run.n
        s_nodes = run._s_nodes()
        u_rows = np.flatnonzero(run.alive)
        nodes = np.concatenate([u_rows, s_nodes]).astype(np.int64)
        self.nodes = nodes[np.argsort(run._okeys(nodes), kind="stable")]
        number = {node: i for i, node in enumerate(self.nodes.tolist())}
        # Every cluster of X again (the check reported only the changed ones).
        x_okeys = run._okeys(run.x)
        all_roots = {
            int(run._okeys(np.array([d]))[0]): int(run._okeys(np.array([k]))[0])
            for d, k in run.new_root.items()
        }
        del x_okeys
        _, x_dropped = report(all_roots, run._member, run.cfg)
        by_id = {d["id"]: d for d in x_dropped}
        old = self._old_dropped()
        roots = np.arange(len(self.nodes), dtype=np.int64)
        dropped: list[dict[str, Any]] = []
        ids = run.index.documents.column("id")
        for i, node in enumerate(self.nodes.tolist()):
            if node >= n or run.in_x[node]:
                kept = run.new_root.get(node)
                if kept is None:
                    continue
                doc_id = run.s_ids[node - n] if node >= n else str(ids[node].as_py())
                dropped.append(by_id[doc_id])
                roots[i] = number[kept]
            elif run.roots[node] != node:
                kept = int(run.roots[node])
                doc_id = str(ids[node].as_py())
                entry = dict(old[doc_id])
                path, line = run._where(node)
                of_path, of_line = run._where(kept)
                entry.update(path=path, line=line, of_path=of_path, of_line=of_line)
                dropped.append(entry)
                roots[i] = number[kept]
        self.dropped = dropped
        self.roots = roots
        self.keep = roots == np.arange(len(self.nodes))

    def _old_dropped(self) -> dict[str, dict[str, Any]]:
        from corpus_tool.package.manifest import read_manifest

        manifest = read_manifest(self.run.index.release)
        return {d["id"]: d for d in manifest["dropped"]}

    def lines(self) -> Any:
        """The kept records as release JSON lines, in corpus order."""
        run, n = self.run, self.run.n
        old_kept = run.roots == np.arange(n)
        rank = np.cumsum(old_kept) - 1
        again = [
            node
            for node, keep in zip(self.nodes.tolist(), self.keep.tolist(), strict=True)
            if keep and node < n and not old_kept[node]
        ]
        redone = self._reprocess(again)
        wanted = [
            int(rank[node])
            for node, keep in zip(self.nodes.tolist(), self.keep.tolist(), strict=True)
            if keep and node < n and old_kept[node]
        ]
        old = _release_lines(run.index.release, wanted)
        for node, keep in zip(self.nodes.tolist(), self.keep.tolist(), strict=True):
            if not keep:
                continue
            if node >= n:
                yield run.s_lines[node - n]
            elif old_kept[node]:
                yield next(old)
            else:
                yield redone[node]

    def _reprocess(self, rows: list[int]) -> dict[int, bytes]:
        """Release lines of unchanged documents the release dropped and the corpus now
        keeps (a duplicate whose kept twin was removed): read and processed again."""
        if not rows:
            return {}
        from corpus_tool.engines.local import process_items
        from corpus_tool.pipeline import SPILL_LINES

        run = self.run
        want = {run._where(r): r for r in rows}
        listing = list_corpus(run.paths, [display_path(p, run.cwd) for p in run.paths])
        sidecars = {e.path: e for e in listing.entries if e.kind == "sidecar"}
        items = []
        for e in listing.entries:
            if e.kind != "sidecar" and any(p == e.shown for p, _ in want):
                for found in read_entry(e, sidecars, run.config.max_file_bytes):
                    if isinstance(found, Item) and (found.path, found.line) in want:
                        items.append(found)
        out: dict[int, bytes] = {}
        for batch in process_items(items, run.config, SPILL_LINES, run.jobs):
            lines = iter(batch.lines or ())
            for doc in batch.docs:
                if doc.record is not None and doc.valid:
                    out[want[(doc.path, doc.line)]] = next(lines)
        missing = [r for r in rows if r not in out]
        if missing:
            raise ValueError(f"{run._where(missing[0])}: could not be read again")
        return out

    def write_index(self, folder: Path) -> list[str]:
        from corpus_tool.package.dedup_index import IndexData, write_index

        run, n, nodes = self.run, self.run.n, self.nodes.tolist()
        docs = run.index.documents
        old = self.nodes[self.nodes < n]
        old_ids = docs.column("id").take(pa.array(old)).to_pylist()
        old_raw = _fixed_bytes(docs.column("raw").combine_chunks(), 16)
        old_urls = run._urls_col().take(pa.array(old)).to_pylist()
        ids, paths, lines, raw, digests, urls, keys = [], [], [], [], [], [], []
        taken = iter(range(len(old)))
        for node in nodes:
            path, line = run._where(node)
            paths.append(path)
            lines.append(line)
            if node < n:
                k = next(taken)
                ids.append(old_ids[k])
                raw.append(old_raw[16 * node : 16 * node + 16])
                digests.append(run.digests[32 * node : 32 * node + 32])
                urls.append(old_urls[k] or "")
                keys.append(int(run.uk[node]))
            else:
                j = node - n
                ids.append(run.s_ids[j])
                raw.append(run.s_raw[j].ljust(16, b"\0")[:16])
                digests.append(run.s_digest[j])
                url = run.s_url[j]
                urls.append(url if isinstance(url, str) else "")
                keys.append(int(run.s_uk[j]))
        names: dict[str, int] = {}
        codes = [names.setdefault(p, len(names)) for p in paths]
        block = 65_536
        sigs = (
            [run._sigs(self.nodes[i : i + block]) for i in range(0, len(nodes), block)]
            if run.index.signatures is not None
            else []
        )
        data = IndexData(
            pa.array(ids, pa.string()),
            pa.DictionaryArray.from_arrays(
                pa.array(codes, pa.int32()), pa.array(list(names), pa.string())
            ),
            np.array(lines, dtype=np.int64),
            b"".join(raw),
            b"".join(digests),
            pa.array(urls, pa.large_string()),
            np.array(keys, dtype=np.uint64),
            self.roots,
            sigs,
            clusters(self.dropped),
        )
        return write_index(folder, data, run.config, run.files)


def _release_lines(release: Path, ranks: list[int]) -> Any:
    """The release's JSONL records at `ranks` (increasing), as bytes; each shard's
    records are checked against its `content_sha256` as they are read."""
    import hashlib

    from isal import igzip

    from corpus_tool.package.manifest import read_manifest

    manifest = read_manifest(release)
    shards = sorted(
        (f for f in manifest["files"] if f["path"].startswith("jsonl/")), key=lambda f: f["path"]
    )
    wanted = iter(ranks)
    target = next(wanted, None)
    rank = 0
    for entry in shards:
        digest = hashlib.sha256()
        with igzip.open(release / entry["path"], "rb") as f:
            for line in f:
                digest.update(line)
                if rank == target:
                    yield line
                    target = next(wanted, None)
                rank += 1
        if digest.hexdigest() != entry.get("content_sha256", digest.hexdigest()):
            from corpus_tool.package.verify import Problem, ReleaseError

            raise ReleaseError(
                release, [Problem(entry["path"], "records differ from the manifest")]
            )
