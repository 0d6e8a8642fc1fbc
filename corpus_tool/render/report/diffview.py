"""Two texts side by side, the spans where they differ marked.

difflib compares the texts line by line first (a line's blank lines and line
endings do not count), then word by word inside the lines that changed: near
duplicates differ in a few places, so the word comparison stays small however
long the texts are. Every step is bounded, so that two hostile texts flagged as
duplicates cost a report a second or so, not minutes.
"""

from __future__ import annotations

import itertools
import re
from difflib import SequenceMatcher

Segment = tuple[str, bool]  # text, differs from the other side
MAX_UNITS = 2000  # lines compared per side; the rest is shown unmarked
MAX_TOKENS = 2000  # words and spaces compared per changed block; past it, all is marked
SAME_WORDS_CHARS = 2_000_000  # texts this long between them are first compared word for word
# What a pair of texts may spend on word comparisons, and what each step costs, in
# about nanoseconds of one core (measured on difflib's worst case: few distinct words).
WORD_BUDGET = 1_500_000_000
SPLIT_COST = 500  # a token
EXACT_COST = 5  # times n * m * min(n, m)
ROUGH_COST = 125  # times n * m
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
    """Each text as segments; a segment is marked where the other text differs. Texts
    with the same words differ in layout alone: nothing is marked."""
    if _same_words(left, right):
        return [(left, False)] if left else [], [(right, False)] if right else []
    (head_a, rest_a), (head_b, rest_b) = (
        _split(left, _UNIT, MAX_UNITS),
        _split(right, _UNIT, MAX_UNITS),
    )
    out_a, out_b = _Segments(), _Segments()
    budget = [WORD_BUDGET]
    keys_a, keys_b = [u.strip() for u in head_a], [u.strip() for u in head_b]
    matcher = SequenceMatcher(None, keys_a, keys_b)  # autojunk: a repeated line anchors nothing
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:  # lines edited in place
            for unit_a, unit_b in zip(head_a[i1:i2], head_b[j1:j2], strict=True):
                _by_words(unit_a, unit_b, out_a, out_b, budget)
        elif op == "replace":
            _by_words("".join(head_a[i1:i2]), "".join(head_b[j1:j2]), out_a, out_b, budget)
        else:
            out_a.add("".join(head_a[i1:i2]), op != "equal")
            out_b.add("".join(head_b[j1:j2]), op != "equal")
    out_a.add(rest_a, False)
    out_b.add(rest_b, False)
    return out_a.result(), out_b.result()


def _same_words(left: str, right: str) -> bool:
    """Do two texts of up to SAME_WORDS_CHARS between them hold the same words? (Longer
    ones are compared as any: whitespace is never marked, but a line break that moved
    may show a word as changed.)"""
    return len(left) + len(right) <= SAME_WORDS_CHARS and left.split() == right.split()


def _by_words(left: str, right: str, out_a: _Segments, out_b: _Segments, budget: list[int]) -> None:
    """Mark the words that differ between two changed blocks.

    difflib's time grows with the blocks' lengths, up to their product times the
    shorter one on repetitive words (its worst case). `budget` holds what a pair of
    texts may still spend, in about nanoseconds: a block is compared exactly while the
    worst case fits, then with difflib's `autojunk` (frequent words do not anchor a
    match: cruder, and linear in the product), then no more: it is marked whole."""
    matcher = None
    if budget[0] > 0:
        (head_a, rest_a), (head_b, rest_b) = (
            _split(left, _TOKEN, MAX_TOKENS),
            _split(right, _TOKEN, MAX_TOKENS),
        )
        n, m = len(head_a), len(head_b)
        budget[0] -= SPLIT_COST * (n + m)
        for cost, autojunk in ((EXACT_COST * n * m * min(n, m), False), (ROUGH_COST * n * m, True)):
            if cost <= budget[0]:
                budget[0] -= cost
                matcher = SequenceMatcher(None, head_a, head_b, autojunk=autojunk)
                break
    if matcher is None:
        out_a.add(left, True)
        out_b.add(right, True)
        return
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        out_a.add("".join(head_a[i1:i2]), op != "equal")
        out_b.add("".join(head_b[j1:j2]), op != "equal")
    out_a.add(rest_a, True)
    out_b.add(rest_b, True)


class _Segments:
    """Segments built piece by piece: pieces with the same mark are joined once, at the
    end (adding to a growing string would copy it each time)."""

    def __init__(self) -> None:
        self.done: list[Segment] = []
        self.pieces: list[str] = []
        self.marked = False

    def add(self, text: str, marked: bool) -> None:
        if not text:
            return
        if marked and not text.strip():
            marked = False  # whitespace alone is not worth a mark
        if self.pieces and marked != self.marked:
            self._flush()
        self.marked = marked
        self.pieces.append(text)

    def _flush(self) -> None:
        self.done.append(("".join(self.pieces), self.marked))
        self.pieces = []

    def result(self) -> list[Segment]:
        if self.pieces:
            self._flush()
        return self.done
