"""`--format json`: one JSON document a run, findings plus counts (shape in README)."""

from __future__ import annotations

import json

from corpus_tool.findings import Report


def render_json(report: Report, **_: object) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
