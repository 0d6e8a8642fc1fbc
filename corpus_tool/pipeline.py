"""The one pipeline behind `check` and `build`:

    read -> normalize -> extract metadata -> validate -> deduplicate [-> package]

`process_document` is the per-document part (pure: an Item in, a record and
findings out); it runs in worker processes over batches. The main process
reads, keeps the corpus-wide state (ids seen, the compact dedup index) and
hands records to a sink in corpus order. Output does not depend on the number
of workers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from corpus_tool.config import Config
from corpus_tool.extract import extract, merge_metadata, read_page
from corpus_tool.findings import (
    MAX_PER_FILE_CODE,
    Finding,
    FindingCollector,
    Report,
    cap_findings,
    cap_groups,
)
from corpus_tool.models import DOCUMENT_FIELDS, json_line
from corpus_tool.normalize import RULES, Normalized, normalize, split_rules
from corpus_tool.parse.page import Page
from corpus_tool.registry import At
from corpus_tool.sources import Item, read_items
from corpus_tool.validate.dedup import DedupIndex, DedupResult, signatures
from corpus_tool.validate.metadata import (
    check_item,
    missing_recommended,
    missing_required,
    reused_id,
    valid_id,
)
from corpus_tool.validate.residue import check_residue

Record = dict[str, Any]
RecordSink = Callable[[Record], None]

BATCH_DOCS = 64  # documents per task sent to a worker...
BATCH_BYTES = 64 << 10  # ...unless they hold less than this: then up to
BATCH_MAX = 4096  # this many, so a million tiny bad lines are not a million tasks' worth
INLINE_BELOW = 256  # corpora smaller than this run in-process: no pool start-up cost
_EARLY_RULES, _LATE_RULES = split_rules("N110")


# -------------------------------------------------------------------- one document


@dataclass(slots=True)
class Processed:
    path: str
    line: int
    findings: list[Finding]
    record: Record | None = None  # with the text left after normalization
    valid: bool = False  # the record is a release record (a valid id and a language)


def process_document(item: Item, config: Config) -> Processed:
    """Everything the pipeline does to one document, short of corpus-wide checks.

    A document with metadata errors still gets a record (`valid` False) when it
    has text: it takes part in deduplication under its `Parsed.name`, so one run
    shows its duplicates too; it is never handed to a sink.
    """
    parsed = check_item(item)  # decode, parse, check the metadata
    findings = parsed.findings
    out = Processed(item.path, item.line, findings)
    if parsed.text is None:
        return _bounded(out)
    text, doc_id = parsed.text, parsed.doc_id
    where = At(path=item.path, line=item.line, doc_id=doc_id)
    # -- normalize and extract ------------------------------------------------------
    # Extraction reads the Page of the text just before the header rule (N110)
    # removes what it reports: the rule and extraction share that one parse.
    early = normalize(text, enabled=config.enabled, rules=_EARLY_RULES)
    page = Page(early.text)
    late = normalize(early.text, enabled=config.enabled, rules=_LATE_RULES, page=page)
    fired = {*early.applied, *late.applied}  # the late part may re-run an early rule
    normalized = Normalized(late.text, [code for code in RULES if code in fired])
    cleaned = config.enabled("N101") and config.enabled("N102")
    extracted = read_page(page) if cleaned else extract(early.text)
    # -------------------------------------------------------------------------------
    merged, conflicts = merge_metadata(parsed.meta, extracted, **where)
    findings += conflicts
    if not normalized.text.strip():
        findings += missing_required.run({"text": normalized.text}, **where)
        return _bounded(out)
    language = merged["language"] = merged["language"] or config.language
    findings += missing_required.run({"language": language}, parsed.said, **where)
    findings += missing_recommended.run(merged, parsed.said, **where)
    first_line = None if item.kind == "txt" else item.line
    findings += check_residue(
        normalized.text, text, path=item.path, doc_id=doc_id, first_line=first_line
    )
    raw = item.data if item.kind == "txt" else text.encode("utf-8")
    out.record = _record(doc_id or parsed.name, normalized, merged, raw)
    out.valid = doc_id is not None and language is not None
    return _bounded(out)


def _record(doc_id: str, normalized: Normalized, merged: dict[str, Any], raw: bytes) -> Record:
    """A `models.Document` as a plain dict, its keys in the model's order."""
    values = {
        **merged,
        "id": doc_id,
        "text": normalized.text,
        "title": merged["title"] or None,
        "authors": list(merged["authors"] or []),
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "text_sha256": hashlib.sha256(normalized.text.encode("utf-8")).hexdigest(),
        "normalization": normalized.applied,
    }
    return {name: values[name] for name in DOCUMENT_FIELDS}


def _bounded(out: Processed) -> Processed:
    """At most MAX_PER_FILE_CODE findings per code leave a document (plus a note)."""
    if len(out.findings) > MAX_PER_FILE_CODE:
        out.findings = cap_findings(out.findings)
    return out


# -------------------------------------------------------------------- batches and workers


def decode_record(line: bytes) -> Record:
    record: Record = orjson.loads(line)
    for name in ("published", "updated"):
        if record[name] is not None:
            record[name] = dt.date.fromisoformat(record[name])
    return record


# What a batch sends back besides findings, hashes and signatures:
KEEP_TEXT = "records"  # whole records (a sink in this process wants them)
DROP_TEXT = "none"  # of each record only INDEXED_FIELDS (check: no texts)
SPILL_LINES = "lines"  # each record encoded by the worker as its release JSON line
INDEXED_FIELDS = ("id", "text_sha256", "url")  # what the corpus-wide checks read
_WORKER_CONFIG: Config | None = None
_WORKER_OUTPUT = KEEP_TEXT


def _init_worker(config: Config, output: str) -> None:
    """A worker ignores Ctrl-C: the terminal sends SIGINT to the whole process group,
    and the main process alone handles it (it stops the pool and exits 130)."""
    global _WORKER_CONFIG, _WORKER_OUTPUT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_CONFIG = config
    _WORKER_OUTPUT = output


@dataclass(slots=True)
class BatchResult:
    docs: list[Processed]
    signatures: np.ndarray | None
    lines: list[bytes] | None = None  # with SPILL_LINES: one per valid record, in order


def process_batch(
    items: list[Item], config: Config | None = None, output: str | None = None
) -> BatchResult:
    """Process a batch. Unless `output` is KEEP_TEXT, texts stay in the worker: the
    main process gets only what corpus-wide checks need (and, with SPILL_LINES, the
    records already encoded, so writing them costs it a copy, not a serialization)."""
    config = config or _WORKER_CONFIG
    output = output or _WORKER_OUTPUT
    assert config is not None
    docs = [process_document(item, config) for item in items]
    # At most MAX_PER_FILE_CODE findings of each (file, code) leave a batch, the rest
    # as counting notes: a batch of a million bad lines sends back a few hundred.
    cap_groups([d.findings for d in docs])
    records = [d.record for d in docs if d.record is not None]
    sigs = signatures([r["text"] for r in records], config.dedup) if config.dedup.near else None
    lines = None
    if output == SPILL_LINES:
        lines = [json_line(d.record) for d in docs if d.record is not None and d.valid]
    if output != KEEP_TEXT:
        for doc in docs:
            if doc.record is not None:
                doc.record = {name: doc.record[name] for name in INDEXED_FIELDS}
    return BatchResult(docs, sigs, lines)


def _batches(
    stream: Iterable[Item | Finding], loose: Callable[[Finding], None]
) -> Iterator[list[Item]]:
    batch: list[Item] = []
    size = 0
    for entry in stream:
        if isinstance(entry, Finding):
            loose(entry)
            continue
        batch.append(entry)
        size += _size(entry)
        if len(batch) >= BATCH_MAX or (len(batch) >= BATCH_DOCS and size >= BATCH_BYTES):
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _size(item: Item) -> int:
    """About how many bytes an item carries (a Parquet row: its text's length)."""
    if isinstance(item.data, bytes | bytearray):
        return len(item.data)
    text = item.data.get("text") if isinstance(item.data, dict) else None
    return len(text) if isinstance(text, str) else BATCH_BYTES // BATCH_DOCS


def duplicate_id(doc_id: str, path: str, line: int, prior: tuple[str, int]) -> Finding:
    """M009 for a later use of an id; the first use in corpus order keeps it."""
    return reused_id.run(doc_id, prior, path=path, line=line, doc_id=doc_id)[0]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# -------------------------------------------------------------------- the corpus


@dataclass
class RunResult:
    report: Report
    dedup: DedupResult | None


def run(
    paths: list[Path],
    config: Config,
    *,
    jobs: int | None = None,
    sink: RecordSink | None = None,
    spill: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    cwd: Path | None = None,
    exclude: Sequence[Path] = (),
) -> RunResult:
    """Check the corpus at `paths`; hand every record to `sink` in corpus order.

    Folders in `exclude` (the release output of a build) are never read.

    Or, with `spill`, write every record to it as a `json_line` (the
    workers encode them). `progress(documents)` is called after each batch. The
    records passed to `sink` or `spill` line up one to one with `result.dedup.keep`.
    """
    if sink is not None and spill is not None:
        raise ValueError("give a sink or a spill, not both")
    output = SPILL_LINES if spill is not None else KEEP_TEXT if sink is not None else DROP_TEXT
    jobs = jobs or default_jobs()
    collected = FindingCollector()

    def collect(found: list[Finding]) -> None:
        collected.extend(config.apply(found))

    stream = read_items(paths, config.max_file_bytes, cwd=cwd, exclude=exclude)
    first = _peek(stream, INLINE_BELOW)
    batches = _batches(first, lambda f: collect([f]))
    index = DedupIndex(config.dedup)
    valid: list[bool] = []  # per document of the index: a release record?
    seen_ids: dict[str, int] = {}  # id -> its document's number in the dedup index
    report = Report()

    small = len(first.head) < INLINE_BELOW
    results: Iterator[BatchResult]
    pool = None
    if jobs <= 1 or small:
        results = (process_batch(b, config, output) for b in batches)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(config, output))
        results = pool.imap(process_batch, batches, chunksize=1)
    try:
        for batch in results:
            sig_row = 0
            lines = iter(batch.lines or ())
            for doc in batch.docs:
                report.documents += 1
                collect(doc.findings)
                record = doc.record
                if record is None:
                    continue
                sig = None
                if batch.signatures is not None:
                    sig = batch.signatures[sig_row]
                    sig_row += 1
                line = next(lines, b"") if doc.valid else b""
                if valid_id(record["id"]):  # not a shown name: M009 even without a language
                    prior = seen_ids.get(record["id"])
                    if prior is not None:
                        used = index.location(prior)
                        collect([duplicate_id(record["id"], doc.path, doc.line, used)])
                        continue
                    seen_ids[record["id"]] = len(index)
                valid.append(doc.valid)
                index.add(
                    record["id"], doc.path, doc.line, record["text_sha256"], record["url"], sig
                )
                if not doc.valid:
                    continue
                if sink is not None:
                    sink(record)
                elif spill is not None:
                    spill.write(line)
            if progress is not None:
                progress(len(batch.docs))
    finally:
        if pool is not None:
            pool.terminate()
    dedup = index.resolve()
    collect(dedup.findings)
    # Documents with errors took part in deduplication; records are the valid ones.
    dedup.keep = dedup.keep[np.array(valid, dtype=bool)]
    report.findings = collected.finish()
    report.kept = int(dedup.keep.sum())
    report.dropped_duplicates = len(dedup.dropped)
    return RunResult(report, dedup)


class _peek:
    """An iterator that has already read its first `n` entries (to size the run)."""

    def __init__(self, stream: Iterator[Item | Finding], n: int) -> None:
        self.head: list[Item | Finding] = []
        for entry in stream:
            self.head.append(entry)
            if len(self.head) >= n:
                break
        self.rest = stream

    def __iter__(self) -> Iterator[Item | Finding]:
        yield from self.head
        yield from self.rest
