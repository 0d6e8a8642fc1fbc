"""`--format text`: findings grouped by file, then a summary line.

Colour is added by the caller only when stdout is a terminal (`color=True`).
Corpus text (paths, messages, ids) is shown with its control characters escaped,
so it cannot move the cursor, recolour the output or fake another finding.
"""

from __future__ import annotations

from itertools import groupby

from corpus_tool.escape import terminal
from corpus_tool.findings import Report, Severity

_STYLE = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_text(report: Report, color: bool = False, **_: object) -> str:
    out: list[str] = []
    for path, group in groupby(report.findings, key=lambda f: f.path or "(corpus)"):
        out.append(_paint(terminal(path), "1", color))
        hinted: set[str] = set()
        for f in group:
            where = f"{f.line or '-'}:{f.column}" if f.column else f"{f.line or '-'}"
            sev = _paint(f.severity.value, _STYLE[f.severity], color)
            ident = f" [{terminal(f.doc_id)}]" if f.doc_id and f.doc_id not in path else ""
            out.append(f"  {where:>7}  {sev:<7} {f.code} {terminal(f.message)}{ident}")
            if f.hint and f.severity is not Severity.INFO and f.code not in hinted:
                hinted.add(f.code)
                out.append(f"           {'':7} hint: {terminal(f.hint)}")
        out.append("")
    counts = report.counts()
    summary = (
        f"{report.documents:,} documents checked: {counts['error']:,} errors, "
        f"{counts['warning']:,} warnings, {counts['info']:,} info"
    )
    if report.dropped_duplicates:
        summary += f"; {report.dropped_duplicates:,} duplicates would be dropped"
    color_code = "31" if counts["error"] else ("33" if counts["warning"] else "32")
    out.append(_paint(summary, color_code, color))
    return "\n".join(out) + "\n"
