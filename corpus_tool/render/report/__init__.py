"""The HTML report: one self-contained page to look at a check or a release.

`gather` turns what a run already has (the `Report`, the dedup result with its
similarity tally, the driver's `CorpusProfile`) into `ReportData`, reading back
from the corpus only the few documents the page quotes: the lines findings point
at, and the members of the near-duplicate pairs shown side by side. The
pipeline does not run again. `render_html` is pure: `ReportData -> str`, with
Jinja2 autoescaping every corpus string and the charts rendered to static SVG
(`charts`, Vega-Lite through vl-convert, offline). A Content-Security-Policy
allows only the page's own script, so even a string that escaped escaping could
not run.
"""

from corpus_tool.render.report.data import ReportData, gather, release_data
from corpus_tool.render.report.html import render_html

__all__ = ["ReportData", "gather", "release_data", "render_html"]
