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
import re
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from corpus_tool import codes
from corpus_tool.config import Config
from corpus_tool.extract import Extracted, extract, read_page
from corpus_tool.findings import (
    MAX_PER_FILE_CODE,
    Finding,
    FindingCollector,
    Report,
    cap_findings,
    cap_groups,
)
from corpus_tool.models import (
    ID_PATTERN,
    ID_RE,
    METADATA_FIELDS,
    RECOMMENDED_FIELDS,
    json_line,
)
from corpus_tool.normalize import RULES, Normalized, normalize, split_rules
from corpus_tool.parse.page import Page
from corpus_tool.sources import Item, read_items
from corpus_tool.validate.dedup import DedupIndex, DedupResult, canonical_url, signatures
from corpus_tool.validate.metadata import (
    KeyLocator,
    check_metadata,
    lone_surrogate,
    parse_json,
    shown,
    surrogate_message,
)
from corpus_tool.validate.residue import check_residue

Record = dict[str, Any]
RecordSink = Callable[[Record], None]

BATCH_DOCS = 64  # documents per task sent to a worker...
BATCH_BYTES = 64 << 10  # ...unless they hold less than this: then up to
BATCH_MAX = 4096  # this many, so a million tiny bad lines are not a million tasks' worth
INLINE_BELOW = 256  # corpora smaller than this run in-process: no pool start-up cost
BOM = "\ufeff"
_EARLY_RULES, _LATE_RULES = split_rules("N110")


# -------------------------------------------------------------------- one document


@dataclass(slots=True)
class Processed:
    path: str
    line: int
    findings: list[Finding]
    record: Record | None = None  # with the text left after normalization
    valid: bool = False  # the record is a release record (a valid id and a language)


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


@dataclass(slots=True)
class Parsed:
    """An item parsed and its metadata checked, before normalization."""

    doc_id: str | None  # a valid id, or None (missing or invalid: a finding says which)
    text: str | None  # None: no text to go on with (a finding says why)
    meta: dict[str, Any]  # the fields that passed every check; dates as dt.date
    findings: list[Finding]
    name: str  # what the document is called: its id, else the file stem, else path:line
    reported: set[str]  # fields with a finding already: not also "missing"
    meta_unknown: bool = False  # the sidecar could not be read: nothing is "missing"


def valid_id(doc_id: object) -> bool:
    """Is `doc_id` a document id? The whole string: no trailing line feed slips through."""
    return isinstance(doc_id, str) and ID_RE.fullmatch(doc_id) is not None


def parse_item(item: Item) -> Parsed:
    """The item's id, text and checked metadata, before normalization. Never raises."""
    findings: list[Finding] = []
    if item.kind == "txt":
        text, found = decode_text(item.data, item.path, item.doc_id)
        findings.extend(found)
        meta: dict[str, Any] = {}
        unreadable = False
        if item.sidecar is not None and item.sidecar_path is not None:
            meta, unreadable = _sidecar(item, findings)
        stem = item.doc_id or ""
        doc_id = stem if valid_id(stem) else None
        if doc_id is None:
            msg = f"id `{shown(stem)}` (the file's stem) must match `{ID_PATTERN}`"
            findings.append(codes.make("M008", msg, field="id", path=item.path, line=1))
        meta = _typed(meta, findings, {"path": item.sidecar_path, "doc_id": doc_id})
        return Parsed(doc_id, text, meta, findings, stem, _fields(findings), unreadable)
    name = f"{item.path}:{item.line}"
    where: dict[str, Any] = {"path": item.path, "line": item.line}
    if item.kind == "jsonl":
        obj, found = parse_json(item.data, item.path, line_offset=item.line - 1)
        findings.extend(found)
        if obj is None:
            for f in found:
                f.line = item.line
            return Parsed(None, None, {}, findings, name, set())
        what = "line"
    else:
        obj = item.data
        if isinstance(obj, dict):  # a Parquet date column is a date; other types are not
            obj = {k: _iso(v) if k in _DATE_FIELDS else v for k, v in obj.items()}
        what = "row"
    if not isinstance(obj, dict):
        msg = f"the {what} is a JSON {type(obj).__name__}, not an object"
        return Parsed(None, None, {}, [*findings, codes.make("E008", msg, **where)], name, set())
    raw_id = obj.get("id")
    text = obj.get("text")
    # A shard row's null is "unknown" (Parquet rows carry every column); drop it.
    meta = {k: v for k, v in obj.items() if k != "text" and v is not None}
    shown_id = raw_id if valid_id(raw_id) else None
    raw = item.data if item.kind == "jsonl" else None
    findings.extend(
        check_metadata(meta, path=item.path, doc_id=shown_id, raw=raw, first_line=item.line)
    )
    meta = _typed(_valid_fields(meta, findings), findings, {**where, "doc_id": shown_id})
    doc_id = shown_id if "id" in meta else None  # else a finding says why
    if raw_id is None:
        findings.append(codes.make("M006", "required field `id` is missing", field="id", **where))
    where["doc_id"] = doc_id
    reported = _fields(findings)
    display = doc_id or name
    if text is None:
        findings.append(
            codes.make("M006", "required field `text` is missing", field="text", **where)
        )
        return Parsed(doc_id, None, meta, findings, display, reported)
    if not isinstance(text, str):
        msg = f"`text` is a {type(text).__name__} (`{shown(text)}`), not a string"
        findings.append(codes.make("M001", msg, field="text", **where))
        return Parsed(doc_id, None, meta, findings, display, reported)
    if item.kind != "jsonl":  # JSON text cannot hold a lone surrogate: orjson rejects it
        pos = lone_surrogate(text)
        if pos is not None:
            msg = surrogate_message("text", text, pos)
            findings.append(codes.make("E001", msg, field="text", **where))
            return Parsed(doc_id, None, meta, findings, display, reported)
    checked, found = check_text(text, {"path": item.path, "doc_id": doc_id})
    for f in found:
        f.line = item.line
    findings.extend(found)
    return Parsed(doc_id, checked, meta, findings, display, reported)


def _fields(findings: list[Finding]) -> set[str]:
    return {f.field for f in findings if f.field}


def _sidecar(item: Item, findings: list[Finding]) -> tuple[dict[str, Any], bool]:
    """The sidecar's valid fields, and whether it could not be read at all."""
    assert item.sidecar is not None and item.sidecar_path is not None
    path = item.sidecar_path
    where: dict[str, Any] = {"path": path, "doc_id": item.doc_id}
    text, found = decode_text(item.sidecar, path, item.doc_id)
    if text is None:
        findings.extend(found)
        return {}, True
    data, found = parse_json(item.sidecar, path, doc_id=item.doc_id)
    findings.extend(found)
    if data is None:
        return {}, True
    if not isinstance(data, dict):
        findings.append(
            codes.make(
                "M001",
                f"a sidecar holds a JSON object, not a {type(data).__name__}",
                line=1,
                **where,
            )
        )
        return {}, True
    found = check_metadata(data, path=path, doc_id=item.doc_id, raw=item.sidecar)
    findings.extend(found)
    data = _valid_fields(data, findings)
    sid = data.get("id")
    if sid is not None and sid != item.doc_id:
        line, col = KeyLocator(item.sidecar, 1).locate("id")
        msg = f"id `{shown(sid)}` differs from the file's stem `{shown(item.doc_id)}`"
        findings.append(codes.make("M005", msg, field="id", line=line, column=col, **where))
    return data, False


def _valid_fields(meta: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """Metadata without the fields that failed the schema (so they fall back)."""
    bad = {f.field for f in findings if f.field}
    return {k: v for k, v in meta.items() if k not in bad}


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_FIELDS = ("published", "updated")
_KNOWN_FIELDS = {"id", *METADATA_FIELDS}


def _typed(meta: dict[str, Any], findings: list[Finding], where: dict[str, Any]) -> dict[str, Any]:
    """The fields as the rest of the pipeline uses them: dates as dt.date, the
    others strings or a list of strings. The schema has checked them; whatever
    still does not fit (the two would disagree) is an M001 here, never a crash."""
    out: dict[str, Any] = {}
    for name in _KNOWN_FIELDS & meta.keys():  # unknown keys: reported (M002), unused
        value = meta[name]
        if name in ("published", "updated"):
            date = _date(value)
            if date is not None:
                out[name] = date
                continue
        elif name == "authors":
            if isinstance(value, list) and all(isinstance(a, str) for a in value):
                out[name] = value
                continue
        elif isinstance(value, str):
            out[name] = value
            continue
        msg = f"`{name}`: `{shown(value)}` is not a value of the schema's type"
        findings.append(codes.make("M001", msg, field=name, **where))
    return out


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _same(field_name: str, a: Any, b: Any) -> bool:
    if field_name == "authors":
        # A byline often names only the first author: text ⊆ metadata agrees.
        given = {" ".join(x.split()).casefold() for x in a}
        return {" ".join(x.split()).casefold() for x in b} <= given
    if field_name == "url":
        return canonical_url(a) == canonical_url(b)
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return bool(a == b)


def merge_metadata(
    meta: dict[str, Any], found: Extracted, where: dict[str, Any]
) -> tuple[dict[str, Any], list[Finding]]:
    """Sidecar (or row) fields win over extracted ones; disagreements are M010.

    `meta` is as `parse_item` leaves it: checked fields only, dates as dt.date."""
    merged: dict[str, Any] = {}
    findings = []
    for name in ("title", "authors", "published", "updated", "url"):
        extracted = getattr(found, name)
        given = meta.get(name)
        if given is not None and extracted and not _same(name, given, extracted):
            msg = (
                f"{name}: metadata says `{shown(_iso(given))}`, "
                f"the text says `{shown(_iso(extracted))}`"
            )
            findings.append(codes.make("M010", msg, field=name, **where))
        merged[name] = given if given is not None else extracted
    merged["source"] = meta.get("source")
    merged["language"] = meta.get("language")
    return merged, findings


def process_document(item: Item, config: Config) -> Processed:
    """Everything the pipeline does to one document, short of corpus-wide checks.

    A document with metadata errors still gets a record (`valid` False) when it
    has text: it takes part in deduplication under its `Parsed.name`, so one run
    shows its duplicates too; it is never handed to a sink.
    """
    parsed = parse_item(item)
    findings = parsed.findings
    out = Processed(item.path, item.line, findings)
    if parsed.text is None:
        return _bounded(out)
    text, doc_id = parsed.text, parsed.doc_id
    where: dict[str, Any] = {"path": item.path, "line": item.line, "doc_id": doc_id}
    # Extraction reads the Page of the text just before the header rule (N110)
    # removes what it reports: the rule and extraction share that one parse.
    early = normalize(text, enabled=config.enabled, rules=_EARLY_RULES)
    page = Page(early.text)
    late = normalize(early.text, enabled=config.enabled, rules=_LATE_RULES, page=page)
    # The late part may re-run an early rule: each code once, in registry order.
    fired = {*early.applied, *late.applied}
    normalized = Normalized(late.text, [code for code in RULES if code in fired])
    found = read_page(page) if config.enabled("N101") and config.enabled("N102") else None
    merged, conflicts = merge_metadata(parsed.meta, found or extract(early.text), where)
    findings.extend(conflicts)
    if not normalized.text.strip():
        findings.append(
            codes.make("M006", "no text is left after normalization", field="text", **where)
        )
        return _bounded(out)
    # One defect, one finding: a field reported invalid is not also "missing".
    said = parsed.reported if not parsed.meta_unknown else set(METADATA_FIELDS)
    language = merged["language"] or config.language
    if language is None and "language" not in said:
        findings.append(
            codes.make("M006", "required field `language` is missing", field="language", **where)
        )
    for name in RECOMMENDED_FIELDS:
        if merged.get(name) in (None, "", []) and name not in said:
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
    raw = item.data if item.kind == "txt" else text.encode("utf-8")
    out.record = {
        "id": doc_id or parsed.name,
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
    out.valid = doc_id is not None and language is not None
    return _bounded(out)


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
