"""`build --since RELEASE`: a release from the changed documents and the records of
the unchanged ones in a previous release, byte-identical to a full build's
(`report.html` aside): the incremental check (`engines.since`) gives every
document's keep decision, the previous release's JSONL gives the records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from corpus_tool.config import Config, ConfigError
from corpus_tool.engines.since import (
    Change,
    ReleaseIndex,
    SinceRun,
    arrow_indices,
    arrow_ints,
    arrow_strings,
    fixed_bytes,
)
from corpus_tool.package.diff import latest_release
from corpus_tool.package.files import MANIFEST
from corpus_tool.pipeline import clusters
from corpus_tool.sources import Item, display_path, read_entry
from corpus_tool.sources.files import list_corpus
from corpus_tool.validate.dedup import report


def resolve_since(since: str | Path, config: Config, out: Path = Path("dist")) -> Path:
    """The release `since` names: a folder, or "latest" (the newest in `out`)."""
    if str(since) == "latest":
        found = latest_release(out, config.name)
        if found is None:
            raise ConfigError(f"--since latest: no release of `{config.name}` in {out}/")
        return found
    path = Path(since)
    if not (path / MANIFEST).is_file():
        raise ConfigError(f"--since {since}: not a release folder (no manifest.json)")
    return path


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
    run = SinceRun(index, paths, config, jobs, cwd or Path.cwd(), SPILL_LINES)
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

    def __init__(self, run: SinceRun) -> None:
        self.run = run
        n = run.n
        s_nodes = run.s_nodes()
        u_rows = np.flatnonzero(run.alive)
        nodes = np.concatenate([u_rows, s_nodes]).astype(np.int64)
        self.nodes = nodes[np.argsort(run.okeys(nodes), kind="stable")]
        okeys = run.okeys(self.nodes)  # increasing
        roots = np.arange(len(self.nodes), dtype=np.int64)
        ids = run.index.documents.column("id")
        entries: list[tuple[int, dict[str, Any]]] = []
        # The clusters of X again (the check reported only those a change touched).
        x_roots = {
            int(run.okeys(np.array([d]))[0]): int(run.okeys(np.array([k]))[0])
            for d, k in run.new_root.items()
        }
        _, x_dropped = report(x_roots, run.member, run.cfg)
        for okey, entry in zip(sorted(x_roots), x_dropped, strict=True):
            i = int(np.searchsorted(okeys, okey))
            roots[i] = int(np.searchsorted(okeys, x_roots[okey]))
            entries.append((i, entry))
        # The release's own clusters elsewhere: the same kept and dropped documents.
        nodes = self.nodes
        old = nodes < n
        old_nodes = nodes[old]
        moved = (~run.in_x[old_nodes]) & (run.roots[old_nodes] != old_nodes)
        where = np.flatnonzero(old)[moved]
        kept_rows = run.roots[nodes[where]]
        roots[where] = np.searchsorted(okeys, run.okey[kept_rows])
        previous = self._old_dropped()
        dropped_ids = ids.take(arrow_indices(nodes[where])).to_pylist() if where.size else []
        for i, row, kept, doc_id in zip(
            where.tolist(), nodes[where].tolist(), kept_rows.tolist(), dropped_ids, strict=True
        ):
            entry = dict(previous[doc_id])
            path, line = run.where(row)
            of_path, of_line = run.where(kept)
            entry.update(path=path, line=line, of_path=of_path, of_line=of_line)
            entries.append((i, entry))
        entries.sort(key=lambda e: e[0])
        self.dropped = [entry for _, entry in entries]
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
        want = {run.where(r): r for r in rows}
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
            raise ValueError(f"{run.where(missing[0])}: could not be read again")
        return out

    def write_index(self, folder: Path) -> list[str]:
        from corpus_tool.package.dedup_index import IndexData, write_index

        run, n, nodes = self.run, self.run.n, self.nodes.tolist()
        docs = run.index.documents
        old = self.nodes[self.nodes < n]
        old_ids = docs.column("id").take(arrow_indices(old)).to_pylist()
        old_raw = fixed_bytes(docs.column("raw").combine_chunks(), 16)
        old_urls = run.urls().take(arrow_indices(old)).to_pylist()
        ids, paths, lines, raw, digests, urls, keys = [], [], [], [], [], [], []
        taken = iter(range(len(old)))
        for node in nodes:
            path, line = run.where(node)
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
            [run.sigs(self.nodes[i : i + block]) for i in range(0, len(nodes), block)]
            if run.index.signatures is not None
            else []
        )
        data = IndexData(
            arrow_strings(ids),
            pa.DictionaryArray.from_arrays(
                arrow_ints(codes, pa.int32()), arrow_strings(list(names))
            ),
            np.array(lines, dtype=np.int64),
            b"".join(raw),
            b"".join(digests),
            arrow_strings(urls, large=True),
            np.array(keys, dtype=np.uint64),
            self.roots,
            sigs,
            clusters(self.dropped),
        )
        return write_index(folder, data, run.config, run.files)


def _release_lines(release: Path, ranks: list[int]) -> Any:
    """The release's records at `ranks` (increasing), as release JSON lines, read from
    its shards of the streamed format; each shard's lines are checked against its
    `content_sha256` as they are read (a damaged release: ReleaseError)."""
    import hashlib

    from corpus_tool.package.formats import streamed
    from corpus_tool.package.manifest import read_manifest
    from corpus_tool.package.manifest_model import open_regular
    from corpus_tool.package.verify import Problem, ReleaseError

    fmt = streamed()
    manifest = read_manifest(release)
    shards = sorted(
        (f for f in manifest["files"] if fmt.in_folder(f["path"])), key=lambda f: f["path"]
    )
    wanted = iter(ranks)
    target = next(wanted, None)
    rank = 0
    for entry in shards:
        digest = hashlib.sha256()
        try:
            with open_regular(release / entry["path"]) as f:
                for line in fmt.lines(f):
                    digest.update(line)
                    if rank == target:
                        yield line
                        target = next(wanted, None)
                    rank += 1
        except (OSError, EOFError, ValueError) as exc:
            problem = Problem(entry["path"], f"cannot be read: {str(exc)[:80]}")
            raise ReleaseError(release, [problem]) from None
        if digest.hexdigest() != entry.get("content_sha256"):
            problem = Problem(
                entry["path"], "its records differ from the manifest's content_sha256"
            )
            raise ReleaseError(release, [problem])
    if target is not None:
        raise ReleaseError(
            release, [Problem(MANIFEST, f"holds fewer records than its index ({rank})")]
        )
