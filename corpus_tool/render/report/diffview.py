"""Two texts side by side, the spans where they differ marked.

difflib compares the texts line by line first (a line's blank lines and line
endings do not count), then word by word inside the lines that changed: near
duplicates differ in a few places, so the word comparison stays small however
long the texts are.
"""

from __future__ import annotations

import itertools
import re
from difflib import SequenceMatcher

Segment = tuple[str, bool]  # text, differs from the other side
MAX_UNITS = 2000  # lines compared per side; the rest is shown unmarked
MAX_TOKENS = 2000  # words and spaces compared per changed block; past it, all is marked
_UNIT = re.compile(r"[^\n]+\s*|\s+")  # a line with the blank lines after it
_TOKEN = re.compile(r"\s+|\S+")


def _split(text: str, piece: re.Pattern[str], limit: int) -> tuple[list[str], str]:
    """The first `limit` pieces of `text`, and the rest of it (not split: a long text
    costs no more than its first pieces)."""
    head: list[str] = []
    end = 0
    for m in itertools.islice(piece.finditer(text), limit):
        head.append(m.group())
        end = m.end()
    return head, text[end:]


def side_by_side(left: str, right: str) -> tuple[list[Segment], list[Segment]]:
    """Each text as segments; a segment is marked where the other text differs."""
    (head_a, rest_a), (head_b, rest_b) = (
        _split(left, _UNIT, MAX_UNITS),
        _split(right, _UNIT, MAX_UNITS),
    )
    out_a: list[Segment] = []
    out_b: list[Segment] = []
    keys_a, keys_b = [u.strip() for u in head_a], [u.strip() for u in head_b]
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        block_a, block_b = "".join(head_a[i1:i2]), "".join(head_b[j1:j2])
        if op == "replace" and i2 - i1 == j2 - j1:  # lines edited in place
            for unit_a, unit_b in zip(head_a[i1:i2], head_b[j1:j2], strict=True):
                _by_words(unit_a, unit_b, out_a, out_b)
        elif op == "replace":
            _by_words(block_a, block_b, out_a, out_b)
        else:
            _append(out_a, block_a, op != "equal")
            _append(out_b, block_b, op != "equal")
    _append(out_a, rest_a, False)
    _append(out_b, rest_b, False)
    return out_a, out_b


def _by_words(left: str, right: str, out_a: list[Segment], out_b: list[Segment]) -> None:
    (head_a, rest_a), (head_b, rest_b) = (
        _split(left, _TOKEN, MAX_TOKENS),
        _split(right, _TOKEN, MAX_TOKENS),
    )
    matcher = SequenceMatcher(None, head_a, head_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(out_a, "".join(head_a[i1:i2]), op != "equal")
        _append(out_b, "".join(head_b[j1:j2]), op != "equal")
    _append(out_a, rest_a, True)
    _append(out_b, rest_b, True)


def _append(out: list[Segment], text: str, marked: bool) -> None:
    if not text:
        return
    if marked and not text.strip():
        marked = False  # whitespace alone is not worth a mark
    if out and out[-1][1] == marked:
        out[-1] = (out[-1][0] + text, marked)
    else:
        out.append((text, marked))
