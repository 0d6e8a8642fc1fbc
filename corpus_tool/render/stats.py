"""`corpus-tool stats`: what the corpus holds, from one pass of the pipeline."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_tool.config import Config
from corpus_tool.engines import run
from corpus_tool.pipeline import Record


@dataclass
class CorpusStats:
    documents: int = 0
    records: int = 0
    duplicates: int = 0
    words: int = 0
    characters: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    findings: dict[str, int] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        self.records += 1
        self.words += len(record["text"].split())
        self.characters += len(record["text"])
        self.sources[record["source"] or "(unknown)"] += 1
        published = record["published"]
        self.months[published.strftime("%Y-%m") if published else UNDATED] += 1
        self.languages[record["language"]] += 1
        self.rules.update(record["normalization"])


def corpus_stats(
    paths: list[Path],
    config: Config,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> CorpusStats:
    stats = CorpusStats()
    result = run(paths, config, jobs=jobs, sink=stats.add, progress=progress)
    stats.documents = result.report.documents
    stats.duplicates = result.report.dropped_duplicates
    stats.findings = result.report.counts()
    return stats


UNDATED = "(undated)"


def _table(title: str, counts: Counter[str], limit: int | None = 20) -> list[str]:
    """Most frequent first; `limit` None: every key, in the order `counts` has them."""
    lines = [f"{title}:"]
    rows = list(counts.items())
    if limit is not None:
        rows = sorted(rows, key=lambda kv: (-kv[1], kv[0]))[:limit]
    for key, n in rows:
        lines.append(f"  {n:>9,}  {key}")
    if limit is not None and len(counts) > limit:
        lines.append(f"  ... and {len(counts) - limit:,} more")
    return lines


def months_in_order(months: Counter[str]) -> Counter[str]:
    """The months (YYYY-MM) in date order, undated records last."""
    ordered = sorted(k for k in months if k != UNDATED)
    if UNDATED in months:
        ordered.append(UNDATED)
    return Counter({k: months[k] for k in ordered})


def stats_dict(s: CorpusStats) -> dict[str, Any]:
    """The statistics as `stats --format json` prints them: counts most frequent
    first, months in date order."""

    def ranked(counts: Counter[str]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    return {
        "documents": s.documents,
        "records": s.records,
        "duplicates": s.duplicates,
        "words": s.words,
        "characters": s.characters,
        "findings": {"error": 0, "warning": 0, "info": 0, **s.findings},
        "languages": ranked(s.languages),
        "sources": ranked(s.sources),
        "months": dict(months_in_order(s.months)),
        "rules": ranked(s.rules),
    }


def render_stats_json(s: CorpusStats) -> str:
    return json.dumps(stats_dict(s), indent=2, ensure_ascii=False) + "\n"


def render_stats(s: CorpusStats) -> str:
    avg = s.words / s.records if s.records else 0
    lines = [
        f"documents:   {s.documents:,} ({s.records:,} valid records, {s.duplicates:,} duplicates)",
        f"words:       {s.words:,} (mean {avg:,.0f} per record)",
        f"characters:  {s.characters:,}",
        "findings:    {error:,} errors, {warning:,} warnings, {info:,} info".format(
            **{"error": 0, "warning": 0, "info": 0, **s.findings}
        ),
    ]
    lines += _table("languages", s.languages)
    lines += _table("sources", s.sources)
    lines += _table("months", months_in_order(s.months), limit=None)
    lines += _table("normalization rules applied (documents)", s.rules)
    return "\n".join(lines) + "\n"
