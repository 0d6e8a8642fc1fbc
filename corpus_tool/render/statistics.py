"""`--statistics`: how many findings of each code, as ruff's `--statistics` prints them.

One line per code, most frequent first (ties by code): the count, the code and
its name. The counts include the findings a report does not list one by one
(`Finding.suppressed`), so they add up to the summary's.
"""

from __future__ import annotations

import json
from collections import Counter

from corpus_tool.findings import Report, Severity


def code_counts(report: Report) -> list[tuple[int, str, str, Severity]]:
    """(count, code, slug, severity) per code, most frequent first, then by code."""
    counts: Counter[str] = Counter()
    about: dict[str, tuple[str, Severity]] = {}
    for f in report.findings:
        counts[f.code] += f.suppressed or 1
        about.setdefault(f.code, (f.slug, f.severity))
    return [
        (n, code, about[code][0], about[code][1])
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def render_statistics(report: Report, fmt: str = "text") -> str:
    rows = code_counts(report)
    if fmt == "json":
        data = [
            {"code": code, "name": slug, "severity": sev.value, "count": n}
            for n, code, slug, sev in rows
        ]
        return json.dumps(data, indent=2) + "\n"
    if not rows:
        return ""
    width = max(len(f"{n:,}") for n, *_ in rows)
    return "".join(f"{n:>{width},}\t{code}\t{slug}\n" for n, code, slug, _ in rows)
