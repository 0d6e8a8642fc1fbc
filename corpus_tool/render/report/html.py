"""`ReportData -> str`: the page, from a Jinja2 template with autoescaping on.

Every corpus string reaches the page through a template variable, so Jinja2
escapes it (`<script>`, `</div>`, quotes); `{{ }}` inside a value is text, never
template syntax. The charts are SVG from vl-convert, which escapes its labels.
CSS and the one script are inline; the Content-Security-Policy names the
script by its SHA-256, so no other script can run in the page.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from importlib import resources
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

import corpus_tool
from corpus_tool.pipeline import UNKNOWN
from corpus_tool.render.report import charts
from corpus_tool.render.report.data import MAX_CLUSTERS, MAX_FINDINGS, ReportData

_ENV = Environment(
    loader=PackageLoader("corpus_tool.render.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _asset(name: str) -> str:
    return (resources.files("corpus_tool.render.report") / "templates" / name).read_text("utf-8")


def _csp_hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _charts(data: ReportData) -> dict[str, Markup]:
    """The charts the data can fill, as trusted SVG markup (vl-convert escaped it)."""
    out: dict[str, str | None] = {}
    rows = data.code_counts()
    if rows:
        out["codes"] = charts.codes(rows)
    out["similarity"] = charts.similarity(data.tally, data.similarities, data.threshold)
    p = data.profile
    if p is not None and p.records:
        out["sources"] = charts.bars(p.sources, "source", "records")
        if any(k != UNKNOWN for k in p.months):
            out["months"] = charts.months(p.months, UNKNOWN)
        out["lengths"] = charts.lengths(np.frombuffer(p.lengths, dtype=np.int64))
        if p.rules:
            out["rules"] = charts.bars(p.rules, "rule", "records changed", ordered=True)
    shown: dict[str, Markup] = defaultdict(Markup)  # a chart without data is empty
    shown.update({k: Markup(v) for k, v in out.items() if v})
    return shown


def render_html(data: ReportData) -> str:
    script = _asset("report.js")
    style = _asset("report.css")
    template = _ENV.get_template("report.html.j2")
    context: dict[str, Any] = {
        "d": data,
        "counts": data.counts,
        "charts": _charts(data),
        "script": Markup(script),
        "style": Markup(style),
        "script_hash": _csp_hash(script),
        "tool_version": corpus_tool.__version__,
        "max_findings": MAX_FINDINGS,
        "max_clusters": MAX_CLUSTERS,
        "unknown": UNKNOWN,
    }
    return template.render(context)
