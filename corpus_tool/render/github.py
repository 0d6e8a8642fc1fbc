"""`--format github`: GitHub Actions workflow commands, errors first.

`::error file=PATH,line=N,col=M,title=CODE::message` makes a pull request show
a problem on its line. GitHub shows at most ten annotations of each type
(error, warning, notice) per step and drops the rest, so the errors come
first and at most `ANNOTATIONS` of each type are annotations. The findings
left out are listed as plain lines in the step's log (`corpus-tool:
path:line:col: severity CODE message`), and one more notice says how many
were left out and where the full report is. The last line is the summary.

Property values and the message are escaped as GitHub's toolkit does
(`corpus_tool.escape`), so no corpus text can end a command early or start
another; a plain line starts with `corpus-tool: ` and shows control
characters and line breaks escaped, so it cannot start a command either.
Paths are as the findings carry them: relative to the working folder, which
in a workflow is the repository root.
"""

from __future__ import annotations

from corpus_tool.escape import github_data, github_property, terminal
from corpus_tool.findings import Finding, Report, Severity

ANNOTATIONS = 10  # GitHub's limit per annotation type and step
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
DEFAULT_WHERE = "every finding is listed in this step's log"


def command(f: Finding) -> str:
    """One finding as a workflow command."""
    props = []
    if f.path:
        props.append(f"file={github_property(f.path)}")
    if f.line:
        props.append(f"line={f.line}")
    if f.column:
        props.append(f"col={f.column}")
    props.append(f"title={github_property(f'{f.code} {f.slug}'.strip())}")
    message = f.message + (f" (hint: {f.hint})" if f.hint else "")
    return f"::{_LEVEL[f.severity]} {','.join(props)}::{github_data(message)}"


def log_line(f: Finding) -> str:
    """One finding as a plain line of the log (no annotation)."""
    where = ":".join(str(p) for p in (f.path or "(corpus)", f.line, f.column) if p)
    return terminal(f"corpus-tool: {where}: {f.severity.value} {f.code} {f.message}")


def render_github(
    report: Report, *, limit: int = ANNOTATIONS, where: str = DEFAULT_WHERE, **_: object
) -> str:
    """The annotations (errors, then warnings, then notices, at most `limit` each),
    the findings left out as log lines, a notice that counts them and says `where`
    the full report is, and the summary line."""
    by_level: dict[Severity, list[Finding]] = {s: [] for s in _ORDER}
    for f in report.findings:
        by_level[f.severity].append(f)
    over = any(len(group) > limit for group in by_level.values())
    lines: list[str] = []
    rest: list[Finding] = []
    for severity in _ORDER:
        group = by_level[severity]
        # The closing notice is a notice too: it keeps a place among the ten.
        room = limit - 1 if over and severity is Severity.INFO else limit
        lines += [command(f) for f in group[:room]]
        rest += group[room:]
    if rest:
        lines += [log_line(f) for f in rest]
        left = sum(f.suppressed or 1 for f in rest)
        noun = "finding was" if left == 1 else "findings were"
        message = (
            f"{left:,} more {noun} not annotated (GitHub shows {limit} of each type"
            f" per step): {where}"
        )
        lines.append(f"::notice title=corpus-tool::{github_data(message)}")
    counts = report.counts()
    lines.append(
        f"corpus-tool: {report.documents:,} documents, {counts['error']:,} errors, "
        f"{counts['warning']:,} warnings, {counts['info']:,} info"
    )
    return "\n".join(lines) + "\n"
