"""Clusters and their findings: the last step, and the D001-D003 declarations.

`cluster` joins the pairs found in `pairs` into connected components and maps
every member but the first (in corpus order) to the first. `report` turns that
into a finding and a manifest entry per dropped member, asking a callback
(`index.DedupIndex._member`) for the `Member` record of each document it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from corpus_tool.config import DedupConfig
from corpus_tool.findings import Finding, Severity, shorten
from corpus_tool.registry import Check, Hit, declare


@dataclass(slots=True)
class Member:
    """What the report needs to know of one member of a duplicate cluster."""

    doc_id: str
    path: str
    line: int
    text_sha256: bytes
    url_key: int  # 0 without a url
    url: str  # the url shown for `url_key`: the first spelling met in corpus order
    signature: np.ndarray | None


def cluster(pairs: list[np.ndarray]) -> dict[int, int]:
    """Connected components of the pairs (document numbers in any increasing numbering
    of the corpus order): every member that is not first in its component -> the first.

    Minimum-label propagation with pointer jumping, in numpy: a million-document
    corpus has millions of pairs, which as Python objects would cost seconds and
    hundreds of megabytes. Each round gives both ends of every pair the smaller
    of their labels and then follows labels to their own labels; at the fixed
    point every member of a component carries its smallest number.
    """
    empty = np.empty(0, dtype=np.int64)
    edges = np.concatenate([np.asarray(p, dtype=np.int64).reshape(-1) for p in pairs] or [empty])
    if edges.size == 0:
        return {}
    nodes, inverse = np.unique(edges, return_inverse=True)
    a, b = inverse.reshape(-1, 2).T
    label = np.arange(nodes.size)
    while True:
        new = label.copy()
        low = np.minimum(label[a], label[b])
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:  # pointer jumping: a label's label is at most the label
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            break
        label = new
    moved = np.flatnonzero(label != np.arange(nodes.size))
    return dict(zip(nodes[moved].tolist(), nodes[label[moved]].tolist(), strict=True))


# Corpus-wide checks: `DedupIndex` is their runner (`add` each document, `resolve`
# at the end of the stream); `report` makes the findings.
EXACT_DUPLICATE = declare(
    "D001",
    "exact-duplicate",
    Severity.WARNING,
    "The normalized text equals another document's.",
    "`build` keeps the first in corpus order; delete one copy to silence this.",
)
NEAR_DUPLICATE = declare(
    "D002",
    "near-duplicate",
    Severity.WARNING,
    "The text is nearly the same as another document's.",
    "`build` keeps the first in corpus order; delete one copy or raise the threshold.",
)
DUPLICATE_URL = declare(
    "D003",
    "duplicate-url",
    Severity.WARNING,
    "Two documents have the same URL.",
    "Check whether they are the same article.",
)
_KINDS: dict[str, Check] = {"exact": EXACT_DUPLICATE, "near": NEAR_DUPLICATE, "url": DUPLICATE_URL}


def report(
    roots: dict[int, int], member: Callable[[int], Member], cfg: DedupConfig
) -> tuple[list[Finding], list[dict[str, Any]]]:
    """A finding and a manifest entry for every dropped member, in corpus order (with
    both members' locations, for the report; the manifest keeps `dropped_entries`)."""
    findings: list[Finding] = []
    dropped: list[dict[str, Any]] = []
    for i in sorted(roots):
        doc, first = member(i), member(roots[i])
        kind, similarity, message = _describe(doc, first, cfg)
        message += f" `{first.doc_id}` ({first.path}:{first.line}); the first is kept"
        hit = Hit(message, related=(first.doc_id,))
        findings.append(_KINDS[kind].finding(hit, path=doc.path, line=doc.line, doc_id=doc.doc_id))
        dropped.append(
            {
                "id": doc.doc_id,
                "duplicate_of": first.doc_id,
                "kind": kind,
                "similarity": similarity,
                "path": doc.path,
                "line": doc.line,
                "of_path": first.path,
                "of_line": first.line,
            }
        )
    return findings, dropped


def _describe(doc: Member, first: Member, cfg: DedupConfig) -> tuple[str, float, str]:
    if doc.text_sha256 == first.text_sha256:
        return "exact", 1.0, "same normalized text as"
    sim = 0.0
    if doc.signature is not None and first.signature is not None:
        sim = float((doc.signature == first.signature).mean())
    if doc.url_key and doc.url_key == first.url_key and sim < cfg.threshold:
        return "url", round(sim, 4), f"same url `{shorten(doc.url, 60)}` as"
    shingles = f"{cfg.shingle}-word shingles"
    if sim < cfg.threshold:  # joined to the cluster through another member
        return "near", round(sim, 4), f"duplicate, through other copies (Jaccard ~{sim:.2f}), of"
    return "near", round(sim, 4), f"near-duplicate (Jaccard ~{sim:.2f} over {shingles}) of"
