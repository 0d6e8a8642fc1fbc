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
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import orjson

from corpus_tool import codes
from corpus_tool.config import Config
from corpus_tool.extract import Extracted, extract
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
from corpus_tool.sources import Item
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
    # Extraction reads the text once characters and markdown are clean and just
    # before the header rule (N110) removes what it reports: both share one parse.
    early = normalize(text, enabled=config.enabled, rules=_EARLY_RULES)
    late = normalize(early.text, enabled=config.enabled, rules=_LATE_RULES)
    # The late part may re-run an early rule: each code once, in registry order.
    fired = {*early.applied, *late.applied}
    normalized = Normalized(late.text, [code for code in RULES if code in fired])
    cleaned = config.enabled("N101") and config.enabled("N102")
    merged, conflicts = merge_metadata(parsed.meta, extract(early.text, clean=not cleaned), where)
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


@dataclass(slots=True)
class BatchResult:
    docs: list[Processed]
    signatures: np.ndarray | None  # one row per document with a record, in order
    lines: list[bytes] | None = None  # with SPILL_LINES: one per valid record, in order


def process_batch(items: list[Item], config: Config, output: str = KEEP_TEXT) -> BatchResult:
    """Process a batch: the per-document work every engine runs. Unless `output` is
    KEEP_TEXT, texts stay where the batch ran: the driver gets only what corpus-wide
    checks need (and, with SPILL_LINES, the records already encoded, so writing them
    costs it a copy, not a serialization)."""
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


def duplicate_id(doc_id: str, path: str, line: int, prior: tuple[str, int]) -> Finding:
    """M009 for a later use of an id; the first use in corpus order keeps it."""
    msg = f"id `{doc_id}` is also used at {prior[0]}:{prior[1]}"
    return codes.make("M009", msg, path=path, line=line, doc_id=doc_id)


# -------------------------------------------------------------------- the corpus


@dataclass
class RunResult:
    report: Report
    dedup: DedupResult | None


@dataclass
class Job:
    """One run of the pipeline, whichever engine does the work.

    `paths`: the corpus; folders in `exclude` (the release output of a build)
    are never read. Every record goes to `sink` in corpus order, or, with
    `spill`, is written to it as a `json_line` (encoded where the batch ran).
    `progress(documents)` is called after each batch. The records passed to
    `sink` or `spill` line up one to one with `result.dedup.keep`.
    """

    paths: list[Path]
    config: Config
    sink: RecordSink | None = None
    spill: IO[bytes] | None = None
    progress: Callable[[int], None] | None = None
    cwd: Path | None = None
    exclude: Sequence[Path] = ()

    def __post_init__(self) -> None:
        if self.sink is not None and self.spill is not None:
            raise ValueError("give a sink or a spill, not both")

    @property
    def output(self) -> str:
        """What a batch sends back besides findings: see KEEP_TEXT."""
        if self.spill is not None:
            return SPILL_LINES
        return KEEP_TEXT if self.sink is not None else DROP_TEXT


class CorpusIndex(Protocol):
    """Who finds repeated ids (M009) and duplicates: the driver, as the records stream
    past (`StreamIndex`), or the engine beforehand (`FoundIndex`). Either way the
    driver's `members`, a `DedupIndex`, holds what the findings name.

    `key` is the engine's number for a document (increasing in corpus order)."""

    def prior(self, key: int, doc_id: str, members: DedupIndex) -> tuple[str, int] | None:
        """Where an earlier record used the valid id `doc_id` (M009), or None."""
        ...

    def joins(self, key: int) -> bool:
        """A record joins deduplication (it is no repeated id): add it to `members`?"""
        ...

    def resolve(self, members: DedupIndex) -> DedupResult:
        """The duplicates, once the stream ends; `keep` has a flag per joined record."""
        ...


class StreamIndex:
    """The driver learns the whole corpus as it streams past (the local engine): the
    ids seen, and every record in `members`, which clusters them at the end."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}  # id -> its record's number in `members`

    def prior(self, key: int, doc_id: str, members: DedupIndex) -> tuple[str, int] | None:
        number = self.seen.get(doc_id)
        if number is not None:
            return members.location(number)
        self.seen[doc_id] = len(members)
        return None

    def joins(self, key: int) -> bool:
        return True

    def resolve(self, members: DedupIndex) -> DedupResult:
        return members.resolve()


class FoundIndex:
    """What an engine found before the ordered pass (the Ray engine, with group-bys on
    its cluster): the repeated ids and the duplicate clusters, keyed by its document
    numbers. Only the records the findings name go into `members`."""

    def __init__(
        self, repeats: dict[int, tuple[str, int]], roots: dict[int, int], named: set[int]
    ) -> None:
        self.repeats = repeats  # key of a repeated id -> where its first use is
        self.roots = roots  # key of a dropped duplicate -> key of the one kept
        self.named = named  # keys of the records the findings name
        self.number: dict[int, int] = {}  # key -> its number in `members`
        self.keys = array("q")  # every record that joined, in order

    def prior(self, key: int, doc_id: str, members: DedupIndex) -> tuple[str, int] | None:
        return self.repeats.get(key)

    def joins(self, key: int) -> bool:
        self.keys.append(key)
        if key not in self.named:
            return False
        self.number[key] = len(self.number)
        return True

    def resolve(self, members: DedupIndex) -> DedupResult:
        number = self.number
        result = members.settle({number[a]: number[b] for a, b in self.roots.items()})
        dropped = np.fromiter(self.roots, dtype=np.int64, count=len(self.roots))
        result.keep = ~np.isin(np.frombuffer(self.keys, dtype=np.int64), dropped)
        return result


class Driver:
    """The corpus-wide bookkeeping of a run, the same whichever engine runs it.

    An engine hands it, in corpus order, every read finding (`loose`) and every
    document (`add` a batch result, or `document` one by one); `finish` gives
    the result. The driver applies the configuration to findings and bounds
    them, counts documents, finds repeated ids (M009) and duplicates through its
    `CorpusIndex` and `members`, and passes release records to the sink or spill.
    """

    def __init__(self, job: Job, index: CorpusIndex | None = None) -> None:
        self.config = job.config
        self.sink = job.sink
        self.spill = job.spill
        self.progress = job.progress
        self.index: CorpusIndex = index or StreamIndex()
        self.members = DedupIndex(job.config.dedup)
        self.report = Report()
        self.valid: list[bool] = []  # per record that joins deduplication: a release record?
        self._collected = FindingCollector()

    def collect(self, found: list[Finding]) -> None:
        self._collected.extend(self.config.apply(found))

    def loose(self, finding: Finding) -> None:
        """A finding that belongs to no document (reading, listing)."""
        self.collect([finding])

    def add(self, batch: BatchResult) -> None:
        """A batch's documents, then progress."""
        sigs, row = batch.signatures, 0
        lines = iter(batch.lines or ())
        for doc in batch.docs:
            record, sig, line = doc.record, None, b""
            if record is not None:
                if sigs is not None:
                    sig = sigs[row]
                    row += 1
                if doc.valid:
                    line = next(lines, b"")
            self.document(doc.path, doc.line, doc.findings, record, doc.valid, sig, line)
        self.advance(len(batch.docs))

    def document(
        self,
        path: str,
        line: int,
        findings: list[Finding],
        record: Record | None,
        valid: bool,
        signature: np.ndarray | None = None,
        encoded: bytes = b"",
        key: int | None = None,
    ) -> None:
        """One document: its findings; and its record (whole, or INDEXED_FIELDS),
        MinHash `signature` and release line (`encoded`, with a spill) if it has one.
        `key`: the engine's number for it (default: its place among the documents)."""
        if key is None:
            key = self.report.documents
        self.report.documents += 1
        self.collect(findings)
        if record is None:
            return
        doc_id = record["id"]
        if valid_id(doc_id):  # not a shown name: M009 even without a language
            prior = self.index.prior(key, doc_id, self.members)
            if prior is not None:
                self.collect([duplicate_id(doc_id, path, line, prior)])
                return
        # Documents with errors take part in deduplication; records are the valid ones.
        self.valid.append(valid)
        if self.index.joins(key):
            sha, url = record["text_sha256"], record["url"]
            self.members.add(doc_id, path, line, sha, url, signature)
        if not valid:
            return
        if self.sink is not None:
            self.sink(record)
        elif self.spill is not None:
            self.spill.write(encoded)

    def advance(self, documents: int) -> None:
        if self.progress is not None:
            self.progress(documents)

    def finish(self) -> RunResult:
        dedup = self.index.resolve(self.members)
        self.collect(dedup.findings)
        dedup.keep = dedup.keep[np.array(self.valid, dtype=bool)]
        report = self.report
        report.findings = self._collected.finish()
        report.kept = int(dedup.keep.sum())
        report.dropped_duplicates = len(dedup.dropped)
        return RunResult(report, dedup)
