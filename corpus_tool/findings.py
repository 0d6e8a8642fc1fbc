"""Findings: every problem the pipeline reports, and the Report that holds them."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as _field
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path or "", self.line or 0, self.column or 0, self.code)


@dataclass
class Report:
    """All findings of a run, in pipeline order, plus document counts."""

    findings: list[Finding] = _field(default_factory=list)
    documents: int = 0
    kept: int = 0
    dropped_duplicates: int = 0

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity.value for f in self.findings)
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
        }


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)
