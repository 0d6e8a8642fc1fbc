"""`--format github`: GitHub Actions workflow commands, one per finding.

`::error file=PATH,line=N,col=M,title=CODE::message` makes a pull request show
each problem on its line. Property values and the message are escaped as
GitHub's toolkit does (`corpus_tool.escape`), so no corpus text can end a
command early or start another. Paths are as the findings carry them: relative to the
working folder, which in a workflow is the repository root.
"""

from __future__ import annotations

from corpus_tool.escape import github_data, github_property
from corpus_tool.findings import Report, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(report: Report, **_: object) -> str:
    lines = []
    for f in report.findings:
        props = []
        if f.path:
            props.append(f"file={github_property(f.path)}")
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={github_property(f'{f.code} {f.slug}'.strip())}")
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{github_data(message)}")
    counts = report.counts()
    lines.append(
        f"corpus-tool: {report.documents} documents, {counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['info']} info"
    )
    return "\n".join(lines) + "\n"
