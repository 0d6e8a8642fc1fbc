"""Renderers: pure `Report -> str` functions, one per `--format`."""

from __future__ import annotations

from collections.abc import Callable

from corpus_tool.findings import Report
from corpus_tool.render.github import render_github
from corpus_tool.render.json import render_json
from corpus_tool.render.sarif import render_sarif
from corpus_tool.render.text import render_text

RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
}

__all__ = ["RENDERERS", "Report"]
