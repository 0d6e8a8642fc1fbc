"""The Ray Data engine: the local pipeline's stage functions on a Ray cluster.

    files ──flat_map──▶ entries ──map_batches──▶ documents  (materialized)
      read_items, one file a task     process_batch: records, findings, signatures
    documents ──groupby(id bucket)──▶ repeated ids (M009)
    documents ──groupby(key bucket)──▶ pairs: same text hash, same url, same LSH band
                                       (band pairs verified on the signatures)
    driver: cluster the pairs (validate.dedup.cluster, as the local engine)
    documents ──iter_batches──▶ the Driver, in corpus order: findings, records

Every entry of the corpus (a document or a read finding) carries `seq`, its
position in corpus order: file number << 32 | place in the file's stream. It
is also the document number the clustering uses: the smallest `seq` of a
cluster is the document first in corpus order, the one the local engine keeps.
The documents are produced in `seq` order (Ray Data's `preserve_order`), so
they reach the driver sorted without a sort, which would shuffle the whole
corpus, texts and all; the driver checks the order as it goes.

Grouping is by a hash bucket of the key, not the key itself: equal keys still
meet in one group, and each call pairs a whole bucket at once with the local
engine's vectorized `key_pairs` instead of one call per (mostly single) key.

The result is the local engine's, finding for finding and record for record:
the ordered pass feeds the one `Driver` both engines share, with the repeated
ids and the clusters found here as its `FoundIndex`. What stays on the driver:
listing the files, clustering the pairs (there are as many as duplicates),
and the ordered pass that feeds the sink or spill (the release writer writes
on the driver, shard after shard, so its bytes cannot depend on the cluster).
Corpus paths must be readable at the same path on every node.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from corpus_tool.config import Config, ConfigError, DedupConfig
from corpus_tool.engines import RAY_MISSING
from corpus_tool.engines.base import BATCH_DOCS, Engine, default_jobs
from corpus_tool.engines.local import LocalEngine
from corpus_tool.findings import Finding
from corpus_tool.pipeline import (
    INDEXED_FIELDS,
    KEEP_TEXT,
    SPILL_LINES,
    Driver,
    FoundIndex,
    Job,
    RunResult,
    process_batch,
    valid_id,
)
from corpus_tool.sources import Item, expand, read_items
from corpus_tool.validate.dedup.clusters import cluster
from corpus_tool.validate.dedup.pairs import band_keys, hash_keys, key_pairs, similar, url_key

BUCKET_ROWS = 500_000  # key rows per group at most (about 40 MB with signatures)

DOCS = pa.schema(
    [
        ("seq", pa.int64()),
        ("document", pa.bool_()),  # False: a read finding, not a document
        ("findings", pa.binary()),  # pickled list[Finding]
        ("payload", pa.binary()),  # a valid record for a sink (pickled) or spill (its line)
        ("id", pa.string()),  # null without a record; for an invalid one its shown name
        ("valid", pa.bool_()),  # a release record (errors still take part in dedup)
        ("path", pa.string()),
        ("line", pa.int64()),
        ("text_sha256", pa.string()),
        ("url", pa.string()),
        ("signature", pa.binary()),  # uint32 MinHash values; null without near dedup
        ("ignore", pa.list_(pa.string())),  # the document's own suppressions
        ("raw", pa.binary()),  # `raw_hash` of the input, for the release's dedup index
    ]
)
KEYS = pa.schema(
    [
        ("bucket", pa.int64()),
        ("kind", pa.int32()),  # EXACT, URL, or BAND + band number
        ("key", pa.uint64()),
        ("seq", pa.int64()),
        ("signature", pa.binary()),  # band rows only
    ]
)
PAIRS = pa.schema([("kind", pa.string()), ("a", pa.int64()), ("b", pa.int64())])
ID_DUPS = pa.schema([("seq", pa.int64()), ("prior_path", pa.string()), ("prior_line", pa.int64())])
EXACT, URL, BAND = 0, 1, 2


# ------------------------------------------------------------------------------ the run


class RayEngine(Engine):
    """The local engine's result from a Ray cluster: records to the sink in order.

    `address`: None starts a local Ray instance with `jobs` CPUs (and stops it
    at the end); `auto` or `ray://host:port` joins a running cluster. When Ray
    is already initialized in this process, that instance is used as it is.
    """

    def run(self, job: Job) -> RunResult:
        try:
            import ray.data
        except ImportError:
            raise ConfigError(RAY_MISSING) from None
        config = job.config
        cwd = job.cwd or Path.cwd()
        files, loose = expand(job.paths, exclude=job.exclude)
        if not files:  # nothing to distribute: only the findings about the paths
            return LocalEngine(jobs=1).run(job)
        bars = job.progress is not None
        with _ray_session(self.address, self.jobs), _data_context(ray.data.DataContext, bars):
            cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
            table = [{"file": i, "path": str(f)} for i, f in enumerate(files)]
            read = partial(_read_file, limit=config.max_file_bytes, cwd=cwd, folder=Path.cwd())
            process = partial(_process, config=config, output=job.output)
            docs = (
                ray.data.from_items(table)
                .flat_map(read)
                .map_batches(process, batch_size=BATCH_DOCS, batch_format="pyarrow")
                .materialize()
            )
            count = docs.count()
            id_dups = _duplicate_ids(docs, max(2 * cpus, count // BUCKET_ROWS))
            key_rows = count * (config.dedup.bands + 2)  # at most: text hash, url, bands
            buckets = max(2 * cpus, key_rows // BUCKET_ROWS)
            pairs = _pairs(docs, config.dedup, set(id_dups), buckets)
            linked = [p for kind, p in pairs.items() if kind != "url" or config.dedup.url]
            roots = cluster(linked)
            named = set(roots) | set(roots.values()) | set(pairs["url"].ravel().tolist())
            driver = Driver(job, FoundIndex(id_dups, roots, named))
            for finding in loose:
                driver.loose(finding)
            _feed(docs.iter_batches(batch_size=1024, batch_format="pyarrow"), driver)
            return driver.finish()


@contextmanager
def _ray_session(address: str | None, jobs: int | None) -> Iterator[None]:
    import ray

    if ray.is_initialized():
        yield
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never phone home
    quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(num_cpus=jobs or default_jobs(), include_dashboard=False, **quiet)
    try:
        yield
    finally:
        ray.shutdown()


@contextmanager
def _data_context(data_context: Any, bars: bool) -> Iterator[None]:
    """Datasets that keep their order; the sort-based shuffle; Ray Data's progress
    bars only where the CLI shows its own; on stderr only its errors."""
    context = data_context.get_current()
    saved = context.enable_progress_bars, context.execution_options.preserve_order
    context.enable_progress_bars = bars
    context.execution_options.preserve_order = True
    strategy = getattr(context, "shuffle_strategy", None)
    if strategy is not None:
        # Recent Ray defaults to a hash shuffle whose actors take seconds to start at
        # every group-by: the sort-based shuffle runs this engine's stages 3x faster.
        context.shuffle_strategy = "sort_shuffle_pull_based"
    consoles = [
        h for h in logging.getLogger("ray.data").handlers if isinstance(h, logging.StreamHandler)
    ]
    levels = [h.level for h in consoles]
    for handler in consoles:
        handler.setLevel(logging.ERROR)
    try:
        yield
    finally:
        context.enable_progress_bars, context.execution_options.preserve_order = saved
        if strategy is not None:
            context.shuffle_strategy = strategy
        for handler, level in zip(consoles, levels, strict=True):
            handler.setLevel(level)


# ------------------------------------------------------------------------------ read and map


def _read_file(
    row: dict[str, Any], *, limit: int, cwd: Path, folder: Path
) -> Iterator[dict[str, Any]]:
    """One file's entries, exactly as `read_items` streams them for the whole corpus."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: the corpus must be at the same path on every node")
    here = Path.cwd()
    os.chdir(folder)  # relative paths mean what they mean on the driver
    try:
        first = int(row["file"]) << 32
        entries = read_items([Path(row["path"])], limit, cwd=cwd, require_documents=False)
        for n, entry in enumerate(entries):
            yield {"seq": first | n, "entry": pickle.dumps(entry)}
    finally:
        os.chdir(here)


def _process(batch: pa.Table, *, config: Config, output: str) -> pa.Table:
    """`process_batch` over the items of a batch; read findings pass through."""
    entries = [pickle.loads(b) for b in batch.column("entry").to_pylist()]
    result = process_batch([e for e in entries if isinstance(e, Item)], config, output)
    docs = iter(result.docs)
    sigs = iter(result.signatures if result.signatures is not None else ())
    lines = iter(result.lines or ())
    rows: dict[str, list[Any]] = {name: [] for name in DOCS.names}
    for seq, entry in zip(batch.column("seq").to_pylist(), entries, strict=True):
        record, signature, valid, raw = None, None, False, None
        if isinstance(entry, Finding):
            found, path, line = [entry], entry.path, entry.line
            ignore: list[str] = []
        else:
            doc = next(docs)
            found, path, line, record, valid = (
                doc.findings,
                doc.path,
                doc.line,
                doc.record,
                doc.valid,
            )
            ignore = list(doc.ignore)
            raw = doc.raw_hash
            if record is not None and result.signatures is not None:
                signature = next(sigs).tobytes()
        rows["seq"].append(seq)
        rows["document"].append(isinstance(entry, Item))
        rows["findings"].append(pickle.dumps(found))
        rows["path"].append(path)
        rows["line"].append(line)
        rows["signature"].append(signature)
        rows["valid"].append(valid)
        rows["ignore"].append(ignore)
        rows["raw"].append(raw)
        for name in INDEXED_FIELDS:
            rows[name].append(None if record is None else record[name])
        payload = None
        if record is not None and valid:
            if output == KEEP_TEXT:
                payload = pickle.dumps(record)
            elif output == SPILL_LINES:
                payload = next(lines)
        rows["payload"].append(payload)
    return pa.Table.from_pydict(rows, schema=DOCS)


# ------------------------------------------------------------------------------ repeated ids


def _duplicate_ids(docs: Any, buckets: int) -> dict[int, tuple[str, int]]:
    """seq of every record whose id an earlier record has -> that record's place."""
    keyed = docs.map_batches(partial(_id_rows, buckets=buckets), batch_format="pyarrow")
    found = keyed.groupby("bucket").map_groups(_repeats, batch_format="pyarrow")
    out: dict[int, tuple[str, int]] = {}
    for batch in found.iter_batches(batch_format="pyarrow"):
        for row in batch.to_pylist():
            out[row["seq"]] = (row["prior_path"], row["prior_line"])
    return out


def _id_rows(batch: pa.Table, *, buckets: int) -> pa.Table:
    batch = batch.select(["seq", "id", "path", "line"]).filter(batch.column("id").is_valid())
    ids = batch.column("id").to_pylist()
    batch = batch.filter(pa.array([valid_id(i) for i in ids], pa.bool_()))  # not shown names
    bucket = [xxhash.xxh64_intdigest(i.encode()) % buckets for i in batch.column("id").to_pylist()]
    return batch.append_column("bucket", pa.array(bucket, pa.int64()))


def _repeats(group: pa.Table) -> pa.Table:
    first: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[Any]] = {name: [] for name in ID_DUPS.names}
    for row in group.sort_by("seq").to_pylist():
        prior = first.setdefault(row["id"], row)
        if prior is not row:
            rows["seq"].append(row["seq"])
            rows["prior_path"].append(prior["path"])
            rows["prior_line"].append(prior["line"])
    return pa.Table.from_pydict(rows, schema=ID_DUPS)


# ------------------------------------------------------------------------------ dedup pairs


def _pairs(docs: Any, cfg: DedupConfig, id_dups: set[int], buckets: int) -> dict[str, np.ndarray]:
    """Pairs of seqs by kind (exact, near, url), from one shuffle of all the keys."""
    keys = partial(_key_rows, cfg=cfg, skip=id_dups, buckets=buckets)
    keyed = docs.map_batches(keys, batch_format="pyarrow")
    found = keyed.groupby("bucket").map_groups(
        partial(_bucket_pairs, cfg=cfg), batch_format="pyarrow"
    )
    chunks: dict[str, list[np.ndarray]] = {"exact": [], "near": [], "url": []}
    for batch in found.iter_batches(batch_format="pyarrow"):
        for kind, chunk in chunks.items():
            rows = batch.filter(pc.equal(batch.column("kind"), kind))
            chunk.append(np.stack([rows.column("a").to_numpy(), rows.column("b").to_numpy()], 1))
    none = np.empty((0, 2), dtype=np.int64)
    return {kind: np.concatenate([none, *chunk]) for kind, chunk in chunks.items()}


def _key_rows(batch: pa.Table, *, cfg: DedupConfig, skip: set[int], buckets: int) -> pa.Table:
    """The dedup keys of the records that take part (not a repeated id): the text
    hash, the canonical url, and each LSH band (with the signature, to verify)."""
    seqs = batch.column("seq").to_numpy()
    take = batch.column("id").is_valid().to_numpy(zero_copy_only=False)
    take &= ~np.isin(seqs, np.fromiter(skip, dtype=np.int64, count=len(skip)))
    batch = batch.filter(pa.array(take))
    seqs = batch.column("seq").to_numpy()
    parts: list[tuple[int, np.ndarray, np.ndarray, list[bytes | None] | None]] = []
    if cfg.exact:
        digests = [bytes.fromhex(h) for h in batch.column("text_sha256").to_pylist()]
        parts.append((EXACT, hash_keys(digests), seqs, None))
    urls = np.array([url_key(u) for u in batch.column("url").to_pylist()], dtype=np.uint64)
    parts.append((URL, urls[urls != 0], seqs[urls != 0], None))  # always: the url shown
    if cfg.near and len(batch):
        raw = batch.column("signature").to_pylist()
        sigs = np.frombuffer(b"".join(raw), dtype=np.uint32).reshape(len(raw), cfg.num_perm)
        for band, keys in enumerate(band_keys(sigs, cfg).T):
            parts.append((BAND + band, keys, seqs, raw))
    tables = [
        pa.table(
            {
                "bucket": pa.array((keys % np.uint64(buckets)).astype(np.int64)),
                "kind": pa.array(np.full(len(keys), kind, dtype=np.int32)),
                "key": pa.array(keys, pa.uint64()),
                "seq": pa.array(rows, pa.int64()),
                "signature": pa.array(sig or [None] * len(keys), pa.binary()),
            },
            schema=KEYS,
        )
        for kind, keys, rows, sig in parts
    ]
    return pa.concat_tables([KEYS.empty_table(), *tables])


def _bucket_pairs(group: pa.Table, *, cfg: DedupConfig) -> pa.Table:
    """The local engine's pairs for every key of a bucket: `key_pairs` per kind in
    corpus order (star plus chain), band pairs kept if `similar` says so."""
    group = group.sort_by([("kind", "ascending"), ("seq", "ascending")])
    kinds = group.column("kind").to_numpy()
    out = [PAIRS.empty_table()]
    for kind in np.unique(kinds):
        rows = group.filter(pa.array(kinds == kind))
        seqs = rows.column("seq").to_numpy()
        pairs = key_pairs(rows.column("key").to_numpy())
        name = {EXACT: "exact", URL: "url"}.get(int(kind), "near")
        if name == "near" and len(pairs):
            raw = rows.column("signature").to_pylist()
            sigs = np.frombuffer(b"".join(raw), dtype=np.uint32).reshape(len(raw), -1)
            pairs = pairs[similar(sigs[pairs[:, 0]], sigs[pairs[:, 1]], cfg.threshold)]
        a, b = seqs[pairs[:, 0]], seqs[pairs[:, 1]]
        out.append(pa.table({"kind": [name] * len(a), "a": a, "b": b}, schema=PAIRS))
    return pa.concat_tables(out)


# ------------------------------------------------------------------------------ the driver


def _feed(ordered: Any, driver: Driver) -> None:
    """The documents and read findings, in corpus order, to the driver."""
    whole = driver.sink is not None  # a valid record's payload is the record itself
    last = -1
    for batch in ordered:
        rows = batch.to_pylist()
        for row in rows:
            seq = row["seq"]
            if seq <= last:
                raise RuntimeError("Ray Data returned the corpus out of order")
            last = seq
            found = pickle.loads(row["findings"])
            if not row["document"]:
                driver.collect(found)
                continue
            record, payload, sig = None, row["payload"], row["signature"]
            if row["id"] is not None:
                if whole and payload is not None:
                    record = pickle.loads(payload)
                else:
                    record = {name: row[name] for name in INDEXED_FIELDS}
            signature = None if sig is None else np.frombuffer(sig, dtype=np.uint32)
            encoded = payload if payload is not None and not whole else b""
            driver.document(
                row["path"],
                row["line"],
                found,
                record,
                row["valid"],
                signature,
                encoded,
                seq,
                ignore=tuple(row["ignore"] or ()),
                raw=row["raw"] or b"",
            )
        driver.advance(sum(row["document"] for row in rows))
