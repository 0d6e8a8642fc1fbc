"""What the HTML report shows, gathered from one run (or one release) without a second pass.

A run keeps no texts. The page quotes a bounded number of them (MAX_CONTEXTS
finding lines, MAX_PAIRS duplicate pairs), so `gather` reads back just those
documents: file by file, stopping in a shard once it has the lines it wants.
Whatever cannot be read back (a file changed or gone since the run) is shown
without its quote, never as an error.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from corpus_tool.config import Config
from corpus_tool.findings import Finding, Report, Severity
from corpus_tool.pipeline import UNKNOWN, CorpusProfile, RunResult, process_document
from corpus_tool.registry import checks, load_all
from corpus_tool.render.report.diffview import Segment, side_by_side
from corpus_tool.sources import Item, read_items
from corpus_tool.validate.metadata import check_item

MAX_FINDINGS = 2000  # findings listed on the page (errors first); the rest are counted
MAX_CONTEXTS = 500  # of those, how many quote their line from the raw document
MAX_PAIRS = 6  # duplicate pairs shown side by side
MAX_CLUSTERS = 300  # duplicate clusters listed
MAX_CHANGED = 200  # ids listed per kind of change with --since
CONTEXT_CHARS = 240  # a quoted line is cut to about this many characters around its span
_EVIDENCE = re.compile(r"`([^`\n]{1,200})`")
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass
class Quote:
    """A finding's line in its raw document, the offending span marked."""

    where: str  # "line 12", or in a shard "line 724 of the shard, text line 3"
    before: list[str]
    pre: str
    span: str
    post: str
    after: list[str]


@dataclass
class Shown:
    finding: Finding
    quote: Quote | None = None


@dataclass
class Member:
    doc_id: str
    path: str
    line: int


@dataclass
class Cluster:
    kept: Member
    dropped: list[tuple[Member, str, float | None]]  # member, kind, similarity to the kept


@dataclass
class Pair:
    kind: str
    similarity: float | None
    kept: Member
    dropped: Member
    left: list[Segment] | None  # the kept text, differing spans marked; None if unread
    right: list[Segment] | None


@dataclass
class Changes:
    """What changed against an earlier release (`report --since`)."""

    release: str
    counts: dict[str, int]
    added: list[str]
    removed: list[str]
    edited: list[str]  # text or metadata changed


@dataclass
class ReportData:
    title: str
    report: Report
    strict: bool = False
    release: bool = False  # a release's page: its records passed `check`
    threshold: float = 0.7
    shingle: int = 5
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> slug, summary
    shown: list[Shown] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    cluster_count: int = 0
    pairs: list[Pair] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)  # per pair, if no tally
    tally: np.ndarray | None = None  # candidate pairs by MinHash values shared
    profile: CorpusProfile | None = None
    changes: Changes | None = None

    @property
    def counts(self) -> dict[str, int]:
        return self.report.counts()

    @property
    def exit_code(self) -> int:
        return self.report.exit_code(self.strict)

    def code_counts(self) -> list[tuple[str, str, int, str]]:
        """(code, severity, findings, summary) per code, most findings first."""
        counts: Counter[tuple[str, str]] = Counter()
        for f in self.report.findings:
            counts[(f.code, f.severity.value)] += f.suppressed or 1
        rows = [
            (code, sev, n, self.codes.get(code, ("", ""))[1]) for (code, sev), n in counts.items()
        ]
        return sorted(rows, key=lambda r: (-r[2], r[0]))

    def file_counts(self) -> list[tuple[str, int, int, int]]:
        """(path, errors, warnings, infos) per file, worst first."""
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for f in self.report.findings:
            table[f.path or "(corpus)"][f.severity.value] += f.suppressed or 1
        rows = [(p, c["error"], c["warning"], c["info"]) for p, c in table.items()]
        return sorted(rows, key=lambda r: (-r[1], -r[2], -r[3], r[0]))


def _code_table() -> dict[str, tuple[str, str]]:
    load_all()
    from corpus_tool.registry import RULES

    table = {c.code: (c.slug, c.summary) for c in checks()}
    table.update({r.code: (r.slug, r.summary) for r in RULES.values()})
    return table


def gather(
    result: RunResult,
    config: Config,
    *,
    title: str = "",
    strict: bool = False,
    changes: Changes | None = None,
) -> ReportData:
    """The page's data from a finished run: its findings, duplicates and profile, plus
    the quotes read back from the few documents it shows."""
    report = result.report
    data = ReportData(
        title=title or config.pretty_name or config.name,
        report=report,
        strict=strict,
        threshold=config.dedup.threshold,
        shingle=config.dedup.shingle,
        codes=_code_table(),
        profile=result.profile,
        changes=changes,
    )
    ordered = sorted(report.findings, key=lambda f: _RANK[f.severity])[:MAX_FINDINGS]
    data.shown = [Shown(f) for f in sorted(ordered, key=Finding.sort_key)]
    dropped = result.dedup.dropped if result.dedup is not None else []
    if result.dedup is not None:
        data.tally = result.dedup.similarities
    data.clusters, data.cluster_count = _clusters(dropped)
    data.similarities = [float(d["similarity"]) for d in dropped if d.get("similarity") is not None]
    chosen = _chosen_pairs(dropped, config.dedup.threshold)
    wanted: dict[str, set[int]] = defaultdict(set)
    quoted = [s for s in data.shown if s.finding.path and s.finding.line][:MAX_CONTEXTS]
    for s in quoted:
        wanted[str(s.finding.path)].add(int(s.finding.line or 0))
    for d in chosen:
        wanted[d["path"]].add(d["line"])
        wanted[d["of_path"]].add(d["of_line"])
    items = _read_back(wanted, config)
    for s in quoted:
        item = _item_at(items, s.finding.path or "", s.finding.line or 0)
        if item is not None:
            s.quote = _quote(s.finding, item)
    data.pairs = [_pair(d, items, config) for d in chosen]
    return data


def _clusters(dropped: list[dict[str, Any]]) -> tuple[list[Cluster], int]:
    by_kept: dict[str, Cluster] = {}
    for d in dropped:
        kept = by_kept.get(d["duplicate_of"])
        if kept is None:
            if len(by_kept) >= MAX_CLUSTERS:
                continue
            member = Member(d["duplicate_of"], d.get("of_path", ""), d.get("of_line", 0))
            kept = by_kept[d["duplicate_of"]] = Cluster(member, [])
        member = Member(d["id"], d.get("path", ""), d.get("line", 0))
        kept.dropped.append((member, d["kind"], d.get("similarity")))
    total = len({d["duplicate_of"] for d in dropped})
    return list(by_kept.values()), total


def _chosen_pairs(dropped: list[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    """The pairs shown side by side: near duplicates closest to the threshold first
    (where tuning matters), then others; only pairs whose locations are known."""
    located = [d for d in dropped if "path" in d and "of_path" in d]
    near = sorted(
        (d for d in located if d["kind"] == "near"),
        key=lambda d: (abs((d["similarity"] or 0.0) - threshold), d["path"], d["line"]),
    )
    rest = [d for d in located if d["kind"] != "near"]
    return (near + rest)[:MAX_PAIRS]


Items = dict[str, dict[int, Item]]


def _read_back(wanted: dict[str, set[int]], config: Config) -> Items:
    """The Items at the wanted (path, line)s: each file read once, up to its last
    wanted line. A file that cannot be read gives nothing (its quotes are left out)."""
    found: Items = {}
    for path, lines in sorted(wanted.items()):
        got: dict[int, Item] = {}
        last = max(lines)
        try:
            for entry in read_items([Path(path)], config.max_file_bytes, require_documents=False):
                if not isinstance(entry, Item):
                    continue
                if entry.kind == "txt" or entry.line in lines:
                    got[entry.line] = entry
                if entry.kind == "txt" or entry.line >= last:
                    break
        except (OSError, ValueError):
            pass
        found[path] = got
    return found


def _item_at(items: Items, path: str, line: int) -> Item | None:
    got = items.get(path) or {}
    item = got.get(line)
    if item is None and len(got) == 1:
        only = next(iter(got.values()))
        return only if only.kind == "txt" else None
    return item


def _evidence(message: str) -> str | None:
    m = _EVIDENCE.search(message)
    if not m:
        return None
    text = m.group(1).removesuffix("…")
    return text if text.strip() and "\\" not in text else None


def _cut(line: str, start: int, end: int) -> tuple[str, str, str]:
    """The line split around [start, end), cut to about CONTEXT_CHARS around the span."""
    room = max((CONTEXT_CHARS - (end - start)) // 2, 20)
    pre = line[max(0, start - room) : start]
    post = line[end : end + room]
    if start - room > 0:
        pre = "…" + pre
    if end + room < len(line):
        post += "…"
    return pre, line[start:end][:CONTEXT_CHARS], post


def _quote(finding: Finding, item: Item) -> Quote | None:
    parsed = check_item(item)
    text = parsed.text
    if text is None:
        if isinstance(item.data, bytes | bytearray):
            text = bytes(item.data[:4096]).decode("utf-8", "replace")
        else:
            return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    evidence = _evidence(finding.message)
    if evidence is not None and evidence == finding.field:
        evidence = None  # a field's name, not text of the document
    if item.kind == "txt":
        index = min(max((finding.line or 1) - 1, 0), len(lines) - 1)
        where = f"line {index + 1}"
    else:  # a shard's line is the whole document: find the span in its text
        index = next((i for i, ln in enumerate(lines) if evidence and evidence in ln), 0)
        where = f"line {item.line} of the shard, text line {index + 1}"
    line = lines[index] if lines else ""
    start, end = 0, 0
    if evidence and evidence in line:
        start = line.index(evidence)
        end = start + len(evidence)
    elif finding.column and 0 < finding.column <= len(line):
        start = finding.column - 1
        end = start + 1
    if end == start and (finding.field or finding.code.startswith("D")):
        return None  # about metadata or another document: no line of its own to show
    pre, span, post = _cut(line, start, end)
    before = [ln[:CONTEXT_CHARS] for ln in lines[max(0, index - 1) : index]]
    after = [ln[:CONTEXT_CHARS] for ln in lines[index + 1 : index + 2]]
    return Quote(where, before, pre, span, post, after)


def _pair(d: dict[str, Any], items: Items, config: Config) -> Pair:
    kept = Member(d["duplicate_of"], d["of_path"], d["of_line"])
    dropped = Member(d["id"], d["path"], d["line"])
    texts = [_normalized(items, m, config) for m in (kept, dropped)]
    left = right = None
    if texts[0] is not None and texts[1] is not None:
        left, right = side_by_side(texts[0], texts[1])
    return Pair(d["kind"], d.get("similarity"), kept, dropped, left, right)


def _normalized(items: Items, member: Member, config: Config) -> str | None:
    item = _item_at(items, member.path, member.line)
    if item is None:
        return None
    record = process_document(item, config).record
    return None if record is None else str(record["text"])


def release_data(
    title: str,
    manifest: dict[str, Any],
    records: Iterable[dict[str, Any]],
    config: Config,
) -> ReportData:
    """A release's page: its records profiled, its dropped duplicates from the manifest.
    A release holds no findings (its build's own page is `report.html` inside it)."""
    profile = CorpusProfile()
    for r in records:
        published = r.get("published")
        month = str(published)[:7] if published else None
        profile.add(
            (len(r.get("text") or ""), r.get("source"), month, r.get("normalization") or [])
        )
    dropped = manifest.get("dropped") or []
    report = Report(
        documents=profile.records + len(dropped),
        kept=profile.records,
        dropped_duplicates=len(dropped),
    )
    data = ReportData(
        title=title,
        report=report,
        release=True,
        threshold=config.dedup.threshold,
        shingle=config.dedup.shingle,
        codes=_code_table(),
        profile=profile,
    )
    data.clusters, data.cluster_count = _clusters(dropped)
    data.similarities = [float(d["similarity"]) for d in dropped if d.get("similarity") is not None]
    return data


__all__ = ["UNKNOWN", "ReportData", "gather", "release_data"]
