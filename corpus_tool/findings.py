"""Findings: every problem the pipeline reports, and the Report that holds them."""

from __future__ import annotations

import enum
import reprlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as _field
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(slots=True)
class Finding:
    """One problem, located as precisely as the input allows.

    `path` is as the user gave it (relative where they gave a relative path);
    `line` and `column` are 1-based, `None` where the problem has no line.
    """

    code: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    doc_id: str | None = None
    field: str | None = None
    related: list[str] = _field(default_factory=list)
    hint: str | None = None
    slug: str = ""
    # Nonzero on the one finding that stands for this many more findings of its code
    # in its file, left out of the listing (see FindingCollector); it counts as them.
    suppressed: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    def sort_key(self) -> tuple[Any, ...]:
        # A note for unlisted findings comes after its file's listed ones.
        return (self.path or "", self.suppressed > 0, self.line or 0, self.column or 0, self.code)


@dataclass
class Report:
    """All findings of a run, in pipeline order, plus document counts."""

    findings: list[Finding] = _field(default_factory=list)
    documents: int = 0
    kept: int = 0
    dropped_duplicates: int = 0
    # Duplicate clusters: kept id and location, keep rule, dropped members (`pipeline.clusters`)
    clusters: list[dict[str, Any]] = _field(default_factory=list)
    since: dict[str, Any] | None = None  # with `check --since`: what changed against the release

    def counts(self) -> dict[str, int]:
        """Findings per severity, the unlisted ones (`Finding.suppressed`) included."""
        c: Counter[str] = Counter()
        for f in self.findings:
            c[f.severity.value] += f.suppressed or 1
        return {s.value: c.get(s.value, 0) for s in Severity}

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def exit_code(self, strict: bool = False) -> int:
        """0 clean, 1 when an error (or, with `strict`, a warning) was found."""
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return 1 if any(f.severity in failing for f in self.findings) else 0

    def flatten(self, *keys: str) -> list[tuple[Any, ...]]:
        """Findings as tuples of the named attributes, for terse test assertions."""
        keys = keys or ("code", "path", "line")
        return [tuple(getattr(f, k) for k in keys) for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "summary": {
                "documents": self.documents,
                "kept": self.kept,
                "dropped_duplicates": self.dropped_duplicates,
                **self.counts(),
            },
            "findings": [f.to_dict() for f in self.findings],
            "clusters": self.clusters,
            **({"since": self.since} if self.since is not None else {}),
        }


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]} | {9: "\\t", 10: "\\n", 13: "\\r"}
_REPR = reprlib.Repr()  # Python 3.11's takes no arguments
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 60, 60, 4, 4


def shorten(value: object, width: int = 40) -> str:
    """Evidence for a message: the value's text, cut to about `width` characters."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def shown(value: Any, width: int = 40) -> str:
    """Evidence for a message, with control characters and lone surrogates escaped.

    Any value: a container is shown a few levels deep at most (no recursion limit)."""
    text = value if isinstance(value, str) else _REPR.repr(value)
    text = shorten(text.translate(_CONTROL), width)
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


MAX_PER_FILE_CODE = 100  # findings listed per (file, code); the rest are only counted


def suppressed_note(template: Finding, count: int, where: str = "file") -> Finding:
    """The one finding that stands for `count` unlisted findings like `template`."""
    return Finding(
        code=template.code,
        severity=template.severity,
        message=f"{count:,} more {template.code} findings in this {where} were not listed",
        path=template.path,
        doc_id=template.doc_id if where == "document" else None,
        hint=template.hint,
        slug=template.slug,
        suppressed=count,
    )


def cap_findings(findings: list[Finding], limit: int = MAX_PER_FILE_CODE) -> list[Finding]:
    """At most `limit` findings per (file, code) of one document, plus one note per
    code that had more: a document with a million problems of one kind stays small."""
    cap_groups([findings], limit, where="document")
    return findings


def cap_groups(
    groups: Sequence[list[Finding]], limit: int = MAX_PER_FILE_CODE, where: str = "file"
) -> None:
    """Cap, in place, the findings of `groups` (e.g. the documents of a batch) at
    `limit` per (file, code) across them all. The rest are counted on one note per
    (file, code), appended to the group of its first unlisted finding; a finding
    that already stands for others (`suppressed`) adds its count to the note."""
    listed: Counter[tuple[str | None, str]] = Counter()
    notes: dict[tuple[str | None, str], tuple[list[Finding], Finding, int]] = {}
    for group in groups:
        kept = []
        for f in group:
            key = (f.path, f.code)
            if not f.suppressed and listed[key] < limit:
                listed[key] += 1
                kept.append(f)
                continue
            owner, template, count = notes.get(key, (group, f, 0))
            notes[key] = (owner, template, count + (f.suppressed or 1))
        group[:] = kept
    for owner, template, count in notes.values():
        owner.append(suppressed_note(template, count, where))


def _printable(text: str) -> str:
    """`text`, with lone surrogates (from undecodable file names or hostile rows)
    spelled as escapes, so every renderer can encode it as UTF-8."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class FindingCollector:
    """Gathers a run's findings as they stream in, in bounded memory.

    Keeps the first `limit` findings of each (file, code) and counts the rest;
    `finish` adds one note per (file, code) that had more ("N more ... were not
    listed"), whose `suppressed` keeps `Report.counts()` and the exit code exact.
    A finding that already stands for others (`suppressed`) adds its count.
    """

    def __init__(self, limit: int = MAX_PER_FILE_CODE) -> None:
        self.limit = limit
        self.findings: list[Finding] = []
        self._listed: Counter[tuple[str | None, str]] = Counter()
        self._unlisted: dict[tuple[str | None, str], tuple[Finding, int]] = {}

    def add(self, f: Finding) -> None:
        key = (f.path, f.code)
        if not f.suppressed and self._listed[key] < self.limit:
            self._listed[key] += 1
            f.message = _printable(f.message)
            for name in ("path", "doc_id", "field"):
                value = getattr(f, name)
                if value is not None:
                    setattr(f, name, _printable(value))
            f.related = [_printable(r) for r in f.related]
            self.findings.append(f)
            return
        template, count = self._unlisted.get(key, (f, 0))
        self._unlisted[key] = (template, count + (f.suppressed or 1))

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def finish(self) -> list[Finding]:
        """The listed findings plus the notes, sorted."""
        notes = []
        for template, count in self._unlisted.values():
            note = suppressed_note(template, count)
            if note.path is not None:
                note.path = _printable(note.path)
            notes.append(note)
        return sort_findings(self.findings + notes)
