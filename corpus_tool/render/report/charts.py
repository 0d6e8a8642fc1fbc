"""The report's charts: Vega-Lite specifications rendered to static SVG by vl-convert.

vl-convert runs Vega in an embedded JavaScript engine, offline: no browser, no
network, nothing to load when the page is viewed. The data are the counts the
run gathered (binned here with numpy where they are many values); Vega-Lite
draws the marks, axes and labels, and escapes every label it writes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

WIDTH = 560
BAR = "#4c78a8"
SEVERITY_COLORS = {"error": "#c0392b", "warning": "#d68910", "info": "#2e86c1"}
MAX_BARS = 30  # categories per chart; the rest are summed as "other"


def svg(spec: dict[str, Any]) -> str:
    """One chart as an SVG element (text, no XML declaration)."""
    import vl_convert

    full = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {
            "font": "sans-serif",
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11},
        },
        "background": "white",
        **spec,
    }
    out: str = vl_convert.vegalite_to_svg(full)
    return out


def _top(counts: Counter[str] | dict[str, int], limit: int = MAX_BARS) -> list[dict[str, Any]]:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [{"key": k, "n": n} for k, n in items[:limit]]
    rest = sum(n for _, n in items[limit:])
    if rest:
        rows.append({"key": f"(other {len(items) - limit})", "n": rest})
    return rows


def bars(
    counts: Counter[str] | dict[str, int], title: str, count_title: str, ordered: bool = False
) -> str:
    """Horizontal bars, one per category: most first, or in key order (`ordered`)."""
    rows = _top(counts)
    if ordered:
        rows = sorted(rows, key=lambda r: r["key"])
    return svg(
        {
            "width": WIDTH - 200,
            "data": {"values": rows},
            "mark": {"type": "bar", "color": BAR},
            "encoding": {
                "y": {
                    "field": "key",
                    "type": "nominal",
                    "title": title,
                    "sort": None if ordered else "-x",
                    "axis": {"labelLimit": 180},
                },
                "x": {"field": "n", "type": "quantitative", "title": count_title},
                "tooltip": [{"field": "key"}, {"field": "n"}],
            },
        }
    )


def codes(rows: list[tuple[str, str, int, str]]) -> str:
    """Findings per code, coloured by severity."""
    values = [{"code": code, "severity": sev, "n": n} for code, sev, n, _ in rows[:MAX_BARS]]
    return svg(
        {
            "width": WIDTH - 200,
            "data": {"values": values},
            "mark": "bar",
            "encoding": {
                "y": {"field": "code", "type": "nominal", "sort": "-x", "title": "code"},
                "x": {"field": "n", "type": "quantitative", "title": "findings"},
                "color": {
                    "field": "severity",
                    "type": "nominal",
                    "scale": {
                        "domain": list(SEVERITY_COLORS),
                        "range": list(SEVERITY_COLORS.values()),
                    },
                },
            },
        }
    )


def months(counts: Counter[str] | dict[str, int], unknown: str) -> str:
    """Records per month published, in time order (undated ones in the caption)."""
    values = [{"month": k, "n": n} for k, n in sorted(counts.items()) if k != unknown]
    return svg(
        {
            "width": WIDTH,
            "height": 160,
            "data": {"values": values},
            "mark": {"type": "bar", "color": BAR},
            "encoding": {
                "x": {
                    "field": "month",
                    "type": "ordinal",
                    "title": "month published",
                    "axis": {"labelAngle": -60, "labelOverlap": "greedy"},
                },
                "y": {"field": "n", "type": "quantitative", "title": "records"},
            },
        }
    )


def histogram(
    edges: np.ndarray,
    counts: np.ndarray,
    title: str,
    count_title: str,
    rule: float | None = None,
    rule_label: str = "",
    log: bool = True,
) -> str:
    """Pre-binned counts as bars from each bin's start to its end, with an optional
    vertical rule (the dedup threshold)."""
    values = [
        {"start": float(edges[i]), "end": float(edges[i + 1]), "n": int(counts[i])}
        for i in range(len(counts))
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": values},
            "mark": {"type": "bar", "color": BAR, "binSpacing": 1},
            "encoding": {
                "x": {"field": "start", "type": "quantitative", "title": title, "bin": "binned"},
                "x2": {"field": "end"},
                "y": {
                    "field": "n",
                    "type": "quantitative",
                    "title": count_title,
                    "scale": {"type": "symlog" if log else "linear"},
                },
            },
        }
    ]
    if rule is not None:
        layers.append(
            {
                "data": {"values": [{"at": rule, "label": rule_label}]},
                "layer": [
                    {
                        "mark": {"type": "rule", "color": "#c0392b", "strokeWidth": 2},
                        "encoding": {"x": {"field": "at", "type": "quantitative"}},
                    },
                    {
                        "mark": {
                            "type": "text",
                            "color": "#c0392b",
                            "align": "left",
                            "dx": 4,
                            "y": 8,
                        },
                        "encoding": {
                            "x": {"field": "at", "type": "quantitative"},
                            "text": {"field": "label"},
                        },
                    },
                ],
            }
        )
    return svg({"width": WIDTH, "height": 180 if rule is not None else 160, "layer": layers})


def lengths(values: np.ndarray) -> str:
    """Characters per record in 40 bins up to the 99th percentile; the longest 1% are
    counted in the last bin (one book must not squash a chart of news)."""
    values = np.asarray(values, dtype=np.float64)
    top = max(float(np.percentile(values, 99)) if values.size else 0.0, 10.0)
    edges = np.linspace(0.0, top, 41)
    counts, _ = np.histogram(np.minimum(values, top), bins=edges)
    longest = int(values.max()) if values.size else 0
    title = f"characters of normalized text (last bin: up to {longest:,})"
    return histogram(edges, counts, title, "records", log=False)


def similarity(
    tally: np.ndarray | None, pair_similarities: list[float], threshold: float
) -> str | None:
    """Candidate pairs by estimated Jaccard similarity (MinHash values shared / all),
    in bins of 0.02, with the threshold drawn across; without a tally, the dropped
    duplicates' similarity to the document they duplicate."""
    edges = np.linspace(0.0, 1.0, 51)
    if tally is not None and tally.sum():
        perm = tally.size - 1
        jaccard = np.arange(tally.size) / perm
        counts, _ = np.histogram(jaccard, bins=edges, weights=tally)
        title = "estimated Jaccard similarity of candidate pairs"
    elif pair_similarities:
        counts, _ = np.histogram(np.asarray(pair_similarities), bins=edges)
        title = "similarity of each dropped duplicate to the one kept"
    else:
        return None
    return histogram(
        edges, counts, title, "pairs (symlog)", rule=threshold, rule_label=f"threshold {threshold}"
    )
