"""The one pipeline behind `check` and `build`:

    read -> normalize -> extract metadata -> validate -> deduplicate [-> package]

`process_document` is the per-document part (pure: an Item in, a record and
findings out): a short composition of the stages, run by an engine over
batches (`process_batch`). The `Driver` is the corpus-wide part, the same for
every engine: it keeps the findings, the ids seen and the compact dedup index,
and hands records to a sink in corpus order. Output does not depend on the
engine or the number of workers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import orjson
import xxhash

from corpus_tool.config import Config, suppressed
from corpus_tool.extract import Extracted, extract, merge_metadata, read_page
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
from corpus_tool.sources import Item
from corpus_tool.validate.dedup import DedupIndex, DedupResult, signatures
from corpus_tool.validate.language import (
    detect,
    language_mismatch,
    language_uncertain,
    reads_as,
)
from corpus_tool.validate.metadata import (
    Parsed,
    check_item,
    missing_recommended,
    missing_required,
    reused_id,
    valid_id,
)
from corpus_tool.validate.personal import check_personal
from corpus_tool.validate.residue import check_residue

Record = dict[str, Any]
RecordSink = Callable[[Record], None]
# Of one record: characters of its normalized text, source, month published (YYYY-MM),
# the codes of the rules that changed it. Computed by the worker, a few bytes a document.
Profile = tuple[int, str | None, str | None, list[str]]

_EARLY_RULES, _LATE_RULES = split_rules("N110")


# -------------------------------------------------------------------- one document


@dataclass(slots=True)
class Processed:
    path: str
    line: int
    findings: list[Finding]
    record: Record | None = None  # with the text left after normalization
    valid: bool = False  # the record is a release record (a valid id and a language)
    # Of a document without a language: the one detected ("" when the detector is unsure).
    detected: str | None = None
    profile: Profile | None = None  # what the report's corpus charts count of a record
    ignore: tuple[str, ...] = ()  # the document's own suppressions (its `ignore` field)
    raw_hash: bytes = b""  # `raw_hash` of the item: what an incremental run compares


def process_document(item: Item, config: Config) -> Processed:
    """Everything the pipeline does to one document, short of corpus-wide checks.

    A document with metadata errors still gets a record (`valid` False) when it
    has text: it takes part in deduplication under its `Parsed.name`, so one run
    shows its duplicates too; it is never handed to a sink. The codes the
    document's `ignore` names leave no finding; its record is the same.
    """
    parsed = check_item(item)  # decode, parse, check the metadata
    out = _process(item, config, parsed)
    if parsed.ignore:
        out.ignore = parsed.ignore
        out.findings = [f for f in out.findings if not suppressed(f.code, parsed.ignore)]
    return out


def _process(item: Item, config: Config, parsed: Parsed) -> Processed:
    findings = parsed.findings
    out = Processed(item.path, item.line, findings, raw_hash=raw_hash(item))
    if parsed.text is None:
        return _bounded(out)
    text, doc_id = parsed.text, parsed.doc_id
    where = At(path=item.path, line=item.line, doc_id=doc_id)
    normalized, extracted = normalize_and_extract(text, config)
    merged, conflicts = merge_metadata(parsed.meta, extracted, **where)
    findings += conflicts
    if not normalized.text.strip():
        findings += missing_required.run({"text": normalized.text}, **where)
        return _bounded(out)
    language, found = _language(normalized.text, merged["language"], config, out, where)
    merged["language"] = language
    findings += missing_required.run({"language": language}, parsed.said, **where)
    findings += found
    findings += missing_recommended.run(merged, parsed.said, **where)
    first_line = None if item.kind == "txt" else item.line
    findings += check_residue(
        normalized.text, text, path=item.path, doc_id=doc_id, first_line=first_line
    )
    enabled = config.enabled_codes()
    findings += check_personal(
        normalized.text, text, path=item.path, doc_id=doc_id, first_line=first_line, enabled=enabled
    )
    raw = item.data if item.kind == "txt" else text.encode("utf-8")
    out.record = _record(doc_id or parsed.name, normalized, merged, raw)
    out.valid = doc_id is not None and language is not None
    published = merged["published"]
    month = f"{published.year:04d}-{published.month:02d}" if published else None
    out.profile = (len(normalized.text), merged["source"], month, normalized.applied)
    return _bounded(out)


UNHASHABLE = b"\xff" * 16  # the `raw_hash` of a row that cannot be serialized


def raw_hash(item: Item) -> bytes:
    """16 bytes that change whenever the item's input does: xxh3-128 of the file's
    bytes and its sidecar's (a .txt), of the line (JSONL), or of the row as JSON
    (Parquet). A microsecond a document: what `check --since` compares."""
    data = item.data
    if not isinstance(data, bytes | bytearray):
        try:
            data = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError, RecursionError):
            return UNHASHABLE  # too deep or of no JSON type: compared as changed, always
    digest = xxhash.xxh3_128()
    digest.update(data)
    if item.sidecar is not None:
        digest.update(b"\0sidecar\0")
        digest.update(item.sidecar)
    return digest.digest()


def _language(
    text: str, declared: str | None, config: Config, out: Processed, where: At
) -> tuple[str | None, list[Finding]]:
    """The document's language, and the L findings.

    A stated language (the document's, else the corpus default) is checked against
    the detector (L001, L002), unless the text plainly reads as it (`reads_as`, the
    cheap guard). Without one, the detected language fills it under
    `language = "detect"` when the detector is sure enough; otherwise M006 stands,
    and the detected language goes to the driver for M006's hint (`out.detected`).
    """
    threshold = config.language_confidence
    language = declared or config.default_language
    enabled = config.enabled_codes()
    if language is None:
        guess = detect(text)
        if guess.confident(threshold) and guess.language is not None:
            if config.detect_language:
                return guess.language, []
            out.detected = guess.language
        else:
            out.detected = ""
        return None, []
    if ("L001" not in enabled and "L002" not in enabled) or reads_as(text, language):
        return language, []
    guess = detect(text)
    found = language_mismatch.run(language, guess, threshold, **where)
    found += language_uncertain.run(guess, threshold, **where)
    return language, found


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


def normalize_and_extract(text: str, config: Config) -> tuple[Normalized, Extracted]:
    """The normalized text, and the metadata the text states. Extraction reads the Page
    of the text just before the header rule (N110) removes what it reports: the rule
    and extraction share that one parse, so they cannot disagree."""
    enabled = config.enabled_codes()
    early = normalize(text, enabled=enabled, rules=_EARLY_RULES)
    page = Page(early.text)
    late = normalize(early.text, enabled=enabled, rules=_LATE_RULES, page=page)
    fired = {*early.applied, *late.applied}  # the late part may re-run an early rule
    normalized = Normalized(late.text, [code for code in RULES if code in fired])
    cleaned = "N101" in enabled and "N102" in enabled
    return normalized, read_page(page) if cleaned else extract(early.text)


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
    return reused_id.run(doc_id, prior, path=path, line=line, doc_id=doc_id)[0]


# -------------------------------------------------------------------- the corpus


def announce(progress: Callable[[int], None] | None, label: str) -> None:
    """Tell a progress display that a phase after reading begins (if it shows phases:
    one with a `phase(label)` method, such as the CLI's)."""
    phase = getattr(progress, "phase", None)
    if phase is not None:
        phase(label)


@dataclass
class CorpusProfile:
    """What the HTML report charts of the release records (valid ones, before
    deduplication), gathered by the driver as they stream past: no second pass."""

    lengths: array[int] = field(default_factory=lambda: array("q"))  # characters per record
    sources: Counter[str] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)  # rule code -> records it changed

    def add(self, profile: Profile) -> None:
        chars, source, month, codes = profile
        self.lengths.append(chars)
        self.sources[source or UNKNOWN] += 1
        self.months[month or UNKNOWN] += 1
        if codes:
            self.rules.update(codes)

    @property
    def records(self) -> int:
        return len(self.lengths)


UNKNOWN = "unknown"  # the key of a record without a source or date


@dataclass
class RunResult:
    report: Report
    dedup: DedupResult | None
    profile: CorpusProfile | None = None  # None where the engine does not collect one
    # Every document that joined deduplication, with its `raw_hash` (16 bytes each, in
    # order): what a release's dedup index is written from. None where the engine keeps
    # only the documents the findings name (Ray).
    members: DedupIndex | None = None
    raw_hashes: bytes = b""
    # Of `members`: dropped number -> kept number, where not `dedup.roots`'s numbering.
    index_roots: dict[int, int] | None = None


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

    def whole_roots(self) -> dict[int, int]:
        """`roots` numbered as every joined record in order (`keys`): a whole index's."""
        keys = np.frombuffer(self.keys, dtype=np.int64)
        dropped = np.fromiter(self.roots, dtype=np.int64, count=len(self.roots))
        kept = np.fromiter(self.roots.values(), dtype=np.int64, count=len(self.roots))
        a, b = np.searchsorted(keys, dropped), np.searchsorted(keys, kept)
        return dict(zip(a.tolist(), b.tolist(), strict=True))

    def resolve(self, members: DedupIndex) -> DedupResult:
        number = self.number
        result = members.settle({number[a]: number[b] for a, b in self.roots.items()})
        dropped = np.fromiter(self.roots, dtype=np.int64, count=len(self.roots))
        result.keep = ~np.isin(np.frombuffer(self.keys, dtype=np.int64), dropped)
        return result


class LanguageTally:
    """The languages detected in documents that state none, for M006's hint."""

    def __init__(self) -> None:
        self.stated = 0  # documents with a language
        self.detected: Counter[str] = Counter()  # documents without one, by detected language

    def add(self, detected: str | None) -> None:
        """One document's `Processed.detected`."""
        if detected is None:
            self.stated += 1
        else:
            self.detected[detected] += 1

    def hint(self) -> str | None:
        """When no document states a language: the majority detected, and the setting."""
        known = [(n, lang) for lang, n in self.detected.items() if lang]
        if self.stated or not known:
            return None
        count, lang = max(known)
        total = sum(self.detected.values())
        return (
            f"No document states `language`; {count} of {total} read as `{lang}`: "
            f'add `language = "{lang}"` to [tool.corpus-tool] (or `language = "detect"` '
            f"to take each document's detected language)."
        )


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
        self.profile = CorpusProfile()
        self.valid: list[bool] = []  # per record that joins deduplication: a release record?
        self.languages = LanguageTally()
        # Every document that joins deduplication, for the release's dedup index: the
        # stream's `members`, or (an engine that names only some) a second index, in a build.
        self.whole: DedupIndex | None = self.members
        if not isinstance(self.index, StreamIndex):
            self.whole = DedupIndex(job.config.dedup) if job.spill is not None else None
        self.raw_hashes = bytearray()  # per document in `whole`: its `raw_hash`
        self._collected = FindingCollector()
        # (path, line) -> the suppressions of a document that has some: they
        # apply to its corpus-wide findings (M009, D001-D003) too.
        self._ignores: dict[tuple[str, int], tuple[str, ...]] = {}

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
            self.document(
                doc.path,
                doc.line,
                doc.findings,
                record,
                doc.valid,
                sig,
                line,
                None,
                doc.profile,
                doc.ignore,
                doc.raw_hash,
            )
            if record is not None:
                self.languages.add(doc.detected)
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
        profile: Profile | None = None,
        ignore: tuple[str, ...] = (),
        raw: bytes = b"",
    ) -> None:
        """One document: its findings; and its record (whole, or INDEXED_FIELDS),
        MinHash `signature` and release line (`encoded`, with a spill) if it has one.
        `key`: the engine's number for it (default: its place among the documents).
        `profile`: what the report counts of the record (an engine may not send it);
        `ignore`: the document's own suppressions, for its corpus-wide findings;
        `raw`: its `raw_hash` (an engine may not send it)."""
        if key is None:
            key = self.report.documents
        if ignore:
            self._ignores[(path, line)] = ignore
        self.report.documents += 1
        self.collect(findings)
        if record is None:
            return
        doc_id = record["id"]
        if valid_id(doc_id):  # not a shown name: M009 even without a language
            prior = self.index.prior(key, doc_id, self.members)
            if prior is not None:
                self.collect(self._unsuppressed([duplicate_id(doc_id, path, line, prior)]))
                return
        # Documents with errors take part in deduplication; records are the valid ones.
        self.valid.append(valid)
        sha, url = record["text_sha256"], record["url"]
        if self.index.joins(key):
            self.members.add(doc_id, path, line, sha, url, signature)
        if self.whole is not None:  # every document, for the release's dedup index
            if self.whole is not self.members:
                self.whole.add(doc_id, path, line, sha, url, signature)
            self.raw_hashes += raw.ljust(16, b"\0")[:16]
        if not valid:
            return
        if profile is not None:
            self.profile.add(profile)
        if self.sink is not None:
            self.sink(record)
        elif self.spill is not None:
            self.spill.write(encoded)

    def _unsuppressed(self, findings: list[Finding]) -> list[Finding]:
        """Corpus-wide findings less those their document's `ignore` silences."""
        if not self._ignores:
            return findings
        ignores = self._ignores
        return [
            f
            for f in findings
            if not suppressed(f.code, ignores.get((f.path or "", f.line or 0), ()))
        ]

    def advance(self, documents: int) -> None:
        if self.progress is not None:
            self.progress(documents)

    def finish(self) -> RunResult:
        announce(self.progress, "resolving duplicates")
        dedup = self.index.resolve(self.members)
        self.collect(self._unsuppressed(dedup.findings))
        dedup.keep = dedup.keep[np.array(self.valid, dtype=bool)]
        report = self.report
        report.findings = self._collected.finish()
        hint = self.languages.hint()
        if hint is not None and self.config.language is None:
            for f in report.findings:
                if f.code == "M006" and f.field == "language":
                    f.hint = hint
        report.kept = int(dedup.keep.sum())
        report.dropped_duplicates = len(dedup.dropped)
        report.clusters = clusters(dedup.dropped)
        profile = self.profile if self.profile.records or not report.kept else None
        result = RunResult(report, dedup, profile, self.whole, bytes(self.raw_hashes))
        if isinstance(self.index, FoundIndex) and self.whole is not None:
            result.index_roots = self.index.whole_roots()
        return result


KEEP_RULE = "first in corpus order"  # which member of a duplicate cluster is kept


def clusters(dropped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The duplicate clusters of a run, from its dropped entries (in corpus order): each
    with the kept document, the rule that kept it, and every dropped one with the kind
    and similarity of its match with the kept one, and both locations."""
    found: dict[str, dict[str, Any]] = {}
    for d in dropped:
        entry = found.get(d["duplicate_of"])
        if entry is None:
            entry = found[d["duplicate_of"]] = {
                "kept": d["duplicate_of"],
                "path": d["of_path"],
                "line": d["of_line"],
                "keep_rule": KEEP_RULE,
                "dropped": [],
            }
        entry["dropped"].append({k: d[k] for k in ("id", "kind", "similarity", "path", "line")})
    return list(found.values())  # in the order of each cluster's first dropped member
