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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from corpus_tool import codes
from corpus_tool.config import Config
from corpus_tool.extract import Extracted, extract
from corpus_tool.findings import Finding, Report, sort_findings
from corpus_tool.models import ID_PATTERN, ID_RE, RECOMMENDED_FIELDS, json_line
from corpus_tool.normalize import Normalized, normalize, split_rules
from corpus_tool.sources import Item, read_items
from corpus_tool.validate.dedup import DedupIndex, DedupResult, canonical_url, signatures
from corpus_tool.validate.metadata import KeyLocator, check_metadata, parse_json
from corpus_tool.validate.residue import check_residue

Record = dict[str, Any]
RecordSink = Callable[[Record], None]

BATCH_DOCS = 64  # documents per task sent to a worker
INLINE_BELOW = 256  # corpora smaller than this run in-process: no pool start-up cost
BOM = "\ufeff"
_EARLY_RULES, _LATE_RULES = split_rules("N110")


# -------------------------------------------------------------------- one document


@dataclass(slots=True)
class Processed:
    path: str
    line: int
    findings: list[Finding]
    record: Record | None = None


def decode_text(raw: bytes, path: str, doc_id: str | None) -> tuple[str | None, list[Finding]]:
    """UTF-8 text of a raw file, or the finding that says why there is none."""
    where: dict[str, Any] = {"path": path, "doc_id": doc_id}
    if b"\x00" in raw:
        pos = raw.index(b"\x00")
        line = raw.count(b"\n", 0, pos) + 1
        return None, [codes.make("E003", f"NUL byte at byte offset {pos}", line=line, **where)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pos = exc.start
        line = raw.count(b"\n", 0, pos) + 1
        column = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
        bad = raw[pos : pos + 1].hex()
        msg = f"invalid UTF-8 byte 0x{bad} at byte offset {pos}"
        return None, [codes.make("E001", msg, line=line, column=column, **where)]
    return check_text(text, where)


def check_text(text: str, where: dict[str, Any]) -> tuple[str | None, list[Finding]]:
    findings = []
    if not text.strip():
        what = "empty" if not text else "only whitespace"
        return None, [codes.make("E002", f"the document is {what}", line=1, **where)]
    if text.startswith(BOM):
        findings.append(codes.make("E004", "UTF-8 byte-order mark at the start", line=1, **where))
    if "\r" in text:
        pos = text.index("\r")
        line = text.count("\n", 0, pos) + 1
        findings.append(codes.make("E005", "CR line endings", line=line, **where))
    return text, findings


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def parse_item(item: Item) -> tuple[str | None, str | None, dict[str, Any], list[Finding]]:
    """(doc id, text, metadata, findings) of an item, before normalization."""
    findings: list[Finding] = []
    if item.kind == "txt":
        text, found = decode_text(item.data, item.path, item.doc_id)
        findings.extend(found)
        meta: dict[str, Any] = {}
        if item.sidecar is not None and item.sidecar_path is not None:
            meta = _sidecar(item, findings)
        return item.doc_id, text, meta, findings
    if item.kind == "jsonl":
        obj, error = parse_json(item.data, item.path, line_offset=item.line - 1)
        if error is not None:
            error.line = item.line
            return None, None, {}, [error]
    else:
        obj = {k: _iso(v) for k, v in item.data.items()}
    where: dict[str, Any] = {"path": item.path, "line": item.line}
    if not isinstance(obj, dict):
        kind = type(obj).__name__
        return (
            None,
            None,
            {},
            [codes.make("E008", f"the line is a JSON {kind}, not an object", **where)],
        )
    doc_id = obj.get("id")
    text = obj.get("text")
    # A shard row's null is "unknown" (Parquet rows carry every column); drop it.
    meta = {k: v for k, v in obj.items() if k != "text" and v is not None}
    raw = item.data if item.kind == "jsonl" else None
    shown_id = doc_id if isinstance(doc_id, str) else None
    findings.extend(
        check_metadata(meta, path=item.path, doc_id=shown_id, raw=raw, first_line=item.line)
    )
    meta = _valid_fields(meta, findings)
    if "id" not in meta:  # missing, or failed the schema (a finding says which)
        shown_id = None
    if doc_id is None:
        findings.append(codes.make("M006", "required field `id` is missing", field="id", **where))
    if text is None:
        findings.append(
            codes.make(
                "M006", "required field `text` is missing", field="text", doc_id=shown_id, **where
            )
        )
        return shown_id, None, meta, findings
    if not isinstance(text, str):
        msg = f"`text` is a {type(text).__name__}, not a string"
        findings.append(codes.make("M001", msg, field="text", doc_id=shown_id, **where))
        return shown_id, None, meta, findings
    checked, found = check_text(text, {"path": item.path, "doc_id": shown_id})
    for f in found:
        f.line = item.line
    findings.extend(found)
    return shown_id, checked, meta, findings


def _sidecar(item: Item, findings: list[Finding]) -> dict[str, Any]:
    assert item.sidecar is not None and item.sidecar_path is not None
    path = item.sidecar_path
    where: dict[str, Any] = {"path": path, "doc_id": item.doc_id}
    text, found = decode_text(item.sidecar, path, item.doc_id)
    if text is None:
        findings.extend(found)
        return {}
    data, error = parse_json(item.sidecar, path)
    if error is not None:
        error.doc_id = item.doc_id
        findings.append(error)
        return {}
    if not isinstance(data, dict):
        findings.append(
            codes.make(
                "M001",
                f"a sidecar holds a JSON object, not a {type(data).__name__}",
                line=1,
                **where,
            )
        )
        return {}
    found = check_metadata(data, path=path, doc_id=item.doc_id, raw=item.sidecar)
    findings.extend(found)
    data = _valid_fields(data, found)
    sid = data.get("id")
    if sid is not None and sid != item.doc_id:
        line, col = KeyLocator(item.sidecar, 1).locate("id")
        msg = f"id `{codes.shorten(sid)}` differs from the file's stem `{item.doc_id}`"
        findings.append(codes.make("M005", msg, field="id", line=line, column=col, **where))
    return data


def _valid_fields(meta: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """Metadata without the fields that failed the schema (so they fall back)."""
    bad = {f.field for f in findings if f.field}
    return {k: v for k, v in meta.items() if k not in bad}


def _same(field_name: str, a: Any, b: Any) -> bool:
    if field_name == "authors":
        # A byline often names only the first author: text ⊆ metadata agrees.
        given = {" ".join(x.split()).casefold() for x in a}
        return {" ".join(x.split()).casefold() for x in b} <= given
    if field_name == "url":
        return canonical_url(str(a)) == canonical_url(str(b))
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return bool(a == b)


def merge_metadata(
    meta: dict[str, Any], found: Extracted, where: dict[str, Any]
) -> tuple[dict[str, Any], list[Finding]]:
    """Sidecar (or row) fields win over extracted ones; disagreements are M010."""
    merged: dict[str, Any] = {}
    findings = []
    for name in ("title", "authors", "published", "updated", "url"):
        extracted = getattr(found, name)
        given = meta.get(name)
        if name in ("published", "updated") and isinstance(given, str):
            given = dt.date.fromisoformat(given)
        if given is not None and extracted and not _same(name, given, extracted):
            msg = (
                f"{name}: metadata says `{codes.shorten(_iso(given))}`, "
                f"the text says `{codes.shorten(_iso(extracted))}`"
            )
            findings.append(codes.make("M010", msg, field=name, **where))
        merged[name] = given if given is not None else extracted
    merged["source"] = meta.get("source")
    merged["language"] = meta.get("language")
    return merged, findings


def process_document(item: Item, config: Config) -> Processed:
    """Everything the pipeline does to one document, short of corpus-wide checks."""
    doc_id, text, meta, findings = parse_item(item)
    out = Processed(item.path, item.line, findings)
    if text is None:
        return out
    where: dict[str, Any] = {"path": item.path, "line": item.line, "doc_id": doc_id}
    if doc_id is not None and not ID_RE.match(doc_id):
        msg = f"id `{codes.shorten(doc_id)}` must match `{ID_PATTERN}`"
        findings.append(codes.make("M008", msg, field="id", **where))
        doc_id = None
    # Extraction reads the text once characters and markdown are clean and just
    # before the header rule (N110) removes what it reports: both share one parse.
    early = normalize(text, enabled=config.enabled, rules=_EARLY_RULES)
    late = normalize(early.text, enabled=config.enabled, rules=_LATE_RULES)
    normalized = Normalized(late.text, early.applied + late.applied)
    cleaned = config.enabled("N101") and config.enabled("N102")
    merged, conflicts = merge_metadata(meta, extract(early.text, clean=not cleaned), where)
    findings.extend(conflicts)
    if not normalized.text.strip():
        findings.append(
            codes.make("M006", "no text is left after normalization", field="text", **where)
        )
        return out
    language = merged["language"] or config.language
    if language is None:
        findings.append(
            codes.make("M006", "required field `language` is missing", field="language", **where)
        )
    for name in RECOMMENDED_FIELDS:
        if merged.get(name) in (None, "", []):
            findings.append(
                codes.make("M007", f"recommended field `{name}` is missing", field=name, **where)
            )
    findings.extend(
        check_residue(
            normalized.text,
            text,
            path=item.path,
            doc_id=doc_id,
            first_line=None if item.kind == "txt" else item.line,
        )
    )
    if doc_id is None or language is None:
        return out
    raw = item.data if item.kind == "txt" else text.encode("utf-8")
    out.record = {
        "id": doc_id,
        "text": normalized.text,
        "title": merged["title"] or None,
        "authors": list(merged["authors"] or []),
        "published": merged["published"],
        "updated": merged["updated"],
        "source": merged["source"],
        "url": merged["url"],
        "language": language,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "text_sha256": hashlib.sha256(normalized.text.encode("utf-8")).hexdigest(),
        "normalization": normalized.applied,
    }
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
    lines: list[bytes] | None = None  # with SPILL_LINES: one per record, in order


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
    records = [d.record for d in docs if d.record is not None]
    sigs = signatures([r["text"] for r in records], config.dedup) if config.dedup.near else None
    lines = [json_line(r) for r in records] if output == SPILL_LINES else None
    if output != KEEP_TEXT:
        for doc in docs:
            if doc.record is not None:
                doc.record = {name: doc.record[name] for name in INDEXED_FIELDS}
    return BatchResult(docs, sigs, lines)


def _batches(stream: Iterable[Item | Finding], loose: list[Finding]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for entry in stream:
        if isinstance(entry, Finding):
            loose.append(entry)
            continue
        batch.append(entry)
        if len(batch) >= BATCH_DOCS:
            yield batch
            batch = []
    if batch:
        yield batch


def duplicate_id(doc_id: str, path: str, line: int, prior: tuple[str, int]) -> Finding:
    """M009 for a later use of an id; the first use in corpus order keeps it."""
    msg = f"id `{doc_id}` is also used at {prior[0]}:{prior[1]}"
    return codes.make("M009", msg, path=path, line=line, doc_id=doc_id)


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
) -> RunResult:
    """Check the corpus at `paths`; hand every record to `sink` in corpus order.

    Or, with `spill`, write every record to it as a `json_line` (the
    workers encode them). `progress(documents)` is called after each batch. The
    records passed to `sink` or `spill` line up one to one with `result.dedup.keep`.
    """
    if sink is not None and spill is not None:
        raise ValueError("give a sink or a spill, not both")
    output = SPILL_LINES if spill is not None else KEEP_TEXT if sink is not None else DROP_TEXT
    jobs = jobs or default_jobs()
    loose: list[Finding] = []
    findings: list[Finding] = []
    stream = read_items(paths, config.max_file_bytes, cwd=cwd)
    first = _peek(stream, INLINE_BELOW)
    batches = _batches(first, loose)
    index = DedupIndex(config.dedup)
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
                findings.extend(doc.findings)
                record = doc.record
                if record is None:
                    continue
                sig = None
                if batch.signatures is not None:
                    sig = batch.signatures[sig_row]
                    sig_row += 1
                line = next(lines, b"")
                prior = seen_ids.get(record["id"])
                if prior is not None:
                    used = index.location(prior)
                    findings.append(duplicate_id(record["id"], doc.path, doc.line, used))
                    continue
                seen_ids[record["id"]] = len(index)
                index.add(
                    record["id"], doc.path, doc.line, record["text_sha256"], record["url"], sig
                )
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
    findings.extend(dedup.findings)
    report.findings = sort_findings(config.apply(loose + findings))
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
