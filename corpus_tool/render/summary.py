"""The Markdown summary of a run for `$GITHUB_STEP_SUMMARY` (the job's summary page).

`step_summary` is a pure `Report -> str`: the verdict and counts, the findings
per code, the files with the most findings, the duplicates found and, when
the run compared the corpus with a release (`check --since`), what changed
(`Changes`). `append_step_summary` appends it to the file the variable names,
when it is set. Corpus text (paths, ids, messages) is escaped as literal
Markdown (`corpus_tool.escape`), so a document cannot format the page.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus_tool.escape import md_code, md_text
from corpus_tool.findings import Report
from corpus_tool.render.statistics import code_counts

DUPLICATE_CODES = ("D001", "D002", "D003")
TOP_FILES = 10  # files listed under "most findings"
TOP_DUPLICATES = 20  # duplicates listed
TOP_CHANGED = 20  # ids listed per kind of change


@dataclass
class Changes:
    """What changed against a release (`--since`): ids added, edited and removed."""

    since: str  # the release compared with, as the user named it
    added: Sequence[str] = field(default_factory=list)
    edited: Sequence[str] = field(default_factory=list)
    removed: Sequence[str] = field(default_factory=list)
    # (added, edited, removed) where only the numbers are known (`check --since`)
    counts: tuple[int, int, int] | None = None

    def numbers(self) -> tuple[int, int, int]:
        return self.counts or (len(self.added), len(self.edited), len(self.removed))


def _ids(ids: Sequence[str], limit: int = TOP_CHANGED) -> str:
    shown = ", ".join(md_code(i) for i in ids[:limit])
    more = len(ids) - limit
    return shown + (f" and {more:,} more" if more > 0 else "")


def step_summary(
    report: Report,
    *,
    command: str = "check",
    exit_code: int | None = None,
    changes: Changes | None = None,
) -> str:
    """The Markdown summary of a run (see the module's docstring)."""
    counts = report.counts()
    code = report.exit_code() if exit_code is None else exit_code
    verdict = "passed" if code == 0 else "failed"
    lines = [
        f"### corpus-tool {command}: {verdict}",
        "",
        f"{report.documents:,} documents: {counts['error']:,} errors, "
        f"{counts['warning']:,} warnings, {counts['info']:,} info; "
        f"{report.dropped_duplicates:,} duplicates would be dropped (exit code {code}).",
        "",
    ]
    if changes is not None:
        lines += [
            f"#### Changes since {md_code(changes.since)}",
            "",
            "{:,} added, {:,} edited, {:,} removed.".format(*changes.numbers()),
            "",
        ]
        for label, ids in (
            ("Added", changes.added),
            ("Edited", changes.edited),
            ("Removed", changes.removed),
        ):
            if ids:
                lines.append(f"- {label}: {_ids(ids)}")
        lines.append("")
    rows = code_counts(report)
    if rows:
        lines += ["#### Findings by code", "", "| count | code | name | severity |"]
        lines.append("|---:|---|---|---|")
        lines += [f"| {n:,} | `{c}` | {md_text(slug)} | {sev.value} |" for n, c, slug, sev in rows]
        lines.append("")
    per_file: Counter[str] = Counter()
    for f in report.findings:
        per_file[f.path or "(corpus)"] += f.suppressed or 1
    if per_file:
        top = sorted(per_file.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FILES]
        lines += ["#### Files with the most findings", "", "| findings | file |", "|---:|---|"]
        lines += [f"| {n:,} | {md_code(path)} |" for path, n in top]
        if len(per_file) > TOP_FILES:
            lines += ["", f"and {len(per_file) - TOP_FILES:,} more files with findings."]
        lines.append("")
    dups = [f for f in report.findings if f.code in DUPLICATE_CODES]
    title = "New duplicates" if changes is not None else "Duplicates"
    lines += [f"#### {title}", ""]
    if not dups:
        lines += ["None.", ""]
    else:
        lines += ["| document | duplicates | kind | where |", "|---|---|---|---|"]
        for f in dups[:TOP_DUPLICATES]:
            where = f"{f.path}:{f.line}" if f.path and f.line else f.path or ""
            of = ", ".join(md_code(r) for r in f.related) or md_text(f.message)
            lines.append(f"| {md_code(f.doc_id or '')} | {of} | {f.slug} | {md_code(where)} |")
        total = sum(f.suppressed or 1 for f in dups)
        if total > TOP_DUPLICATES:
            lines += ["", f"and {total - TOP_DUPLICATES:,} more."]
        lines.append("")
    return "\n".join(lines) + "\n"


def append_step_summary(
    report: Report,
    *,
    command: str = "check",
    exit_code: int | None = None,
    changes: Changes | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Path | None:
    """Append `step_summary` to `$GITHUB_STEP_SUMMARY` when it is set; the file, or None."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    text = step_summary(report, command=command, exit_code=exit_code, changes=changes)
    path = Path(target)
    with path.open("a", encoding="utf-8") as out:
        out.write(text)
    return path
