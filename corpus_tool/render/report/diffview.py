"""Two texts side by side, the spans where they differ marked (word by word, difflib)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

Segment = tuple[str, bool]  # text, differs from the other side
MAX_TOKENS = 6000  # words and spaces compared per side; the rest is shown unmarked
_TOKEN = re.compile(r"\s+|[^\s]+")


def side_by_side(left: str, right: str) -> tuple[list[Segment], list[Segment]]:
    """Each text as segments; a segment is marked where the other text differs."""
    a, b = _TOKEN.findall(left), _TOKEN.findall(right)
    head_a, head_b = a[:MAX_TOKENS], b[:MAX_TOKENS]
    out_a: list[Segment] = []
    out_b: list[Segment] = []
    matcher = SequenceMatcher(None, head_a, head_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        same = op == "equal"
        _append(out_a, "".join(head_a[i1:i2]), not same)
        _append(out_b, "".join(head_b[j1:j2]), not same)
    _append(out_a, "".join(a[MAX_TOKENS:]), False)
    _append(out_b, "".join(b[MAX_TOKENS:]), False)
    return out_a, out_b


def _append(out: list[Segment], text: str, marked: bool) -> None:
    if not text:
        return
    if marked and not text.strip():
        marked = False  # whitespace alone is not worth a mark
    if out and out[-1][1] == marked:
        out[-1] = (out[-1][0] + text, marked)
    else:
        out.append((text, marked))
