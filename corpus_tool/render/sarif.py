"""`--format sarif`: a SARIF 2.1.0 log, for GitHub code scanning and other viewers.

One run of one tool (`corpus-tool`). `tool.driver.rules` describes every code
the report uses (id, name, short and full description, help, default level);
each finding is a result that points at its rule (`ruleId`, `ruleIndex`) with
a level mapped from its severity (error -> error, warning -> warning, info ->
note) and, where it has a file, a `physicalLocation`: the path as the findings
carry it (relative to the working folder, which in a workflow is the
repository root) as a relative `uri` under `%SRCROOT%`, and the line and
column as a `region`. A finding that stands for unlisted ones says how many in
its message and its `properties.suppressedCount`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from corpus_tool import __version__
from corpus_tool.findings import Finding, Report, Severity
from corpus_tool.registry import CHECKS, FIX_HINT, RULES, load_all

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(code: str, sample: Finding) -> dict[str, Any]:
    """The reportingDescriptor of `code`: from the registry, else from a finding."""
    load_all()
    check = CHECKS.get(code)
    rule = RULES.get(code)
    if check is not None:
        slug, summary, hint = check.slug, check.summary, check.hint
        level = LEVEL[check.severity]
    elif rule is not None:
        slug, summary, hint, level = rule.slug, rule.summary, FIX_HINT, "note"
    else:
        slug, summary, hint = sample.slug or code, sample.message, sample.hint or ""
        level = LEVEL[sample.severity]
    descriptor: dict[str, Any] = {
        "id": code,
        "name": slug,
        "shortDescription": {"text": summary or slug},
        "fullDescription": {"text": summary or slug},
        "help": {
            "text": f"{summary} {hint}".strip(),
            "markdown": f"**{code} {slug}**: {summary}\n\n{hint}\n\n"
            f"`corpus-tool rule {code}` explains it with an example.",
        },
        "defaultConfiguration": {"level": level},
    }
    return descriptor


def _uri(path: str) -> str:
    """A relative URI reference of a finding's path (spaces and `%` escaped)."""
    return quote(path.replace("\\", "/"), safe="/._-~+@:,")


def _result(f: Finding, index: int) -> dict[str, Any]:
    message = f.message + (f" (hint: {f.hint})" if f.hint else "")
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": message},
    }
    if f.path:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"}
        }
        if f.line:
            region: dict[str, Any] = {"startLine": f.line}
            if f.column:
                region["startColumn"] = f.column
            physical["region"] = region
        location: dict[str, Any] = {"physicalLocation": physical}
        if f.doc_id:
            location["logicalLocations"] = [{"name": f.doc_id, "kind": "document"}]
        result["locations"] = [location]
    properties: dict[str, Any] = {}
    if f.field:
        properties["field"] = f.field
    if f.related:
        properties["related"] = list(f.related)
    if f.suppressed:
        properties["suppressedCount"] = f.suppressed
    if properties:
        result["properties"] = properties
    return result


def sarif_log(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a dict ready for `json.dumps`)."""
    index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    for f in sorted(report.findings, key=lambda f: f.code):
        if f.code not in index:
            index[f.code] = len(rules)
            rules.append(_rule(f.code, f))
    results = [_result(f, index[f.code]) for f in report.findings]
    counts = report.counts()
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "corpus-tool",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    "%SRCROOT%": {"description": {"text": "The working folder of the run."}}
                },
                "results": results,
                "properties": {
                    "documents": report.documents,
                    "kept": report.kept,
                    "droppedDuplicates": report.dropped_duplicates,
                    **counts,
                },
            }
        ],
    }


def render_sarif(report: Report, **_: object) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
