"""Fenced code blocks: lines that are code, not prose, and keep their own layout.

A block opens with a line of three or more backticks or tildes (an info string
may follow backticks: `` ```python ``) and closes with a line of only the same
character, at least as many times. A fence that nothing closes opens no block:
it is a line of text, so that a stray fence cannot make the rest of a page code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_FENCE = re.compile(r"[ \t]*+(`{3,}|~{3,})")
# A fence opening a line: the search starts at a line feed, so the regex engine
# jumps from one to the next; the first line is matched apart (an alternative with
# `^` would be tried at every character).
_FENCE_START = re.compile(r"\n[ \t]*+(?:```|~~~)")


def may_hold_fence(text: str) -> bool:
    """Does a line of `text` open with a fence? (False for most texts after a fast
    search for each fence character.)"""
    if "`" not in text and "~" not in text:
        return False
    return _FENCE.match(text) is not None or _FENCE_START.search(text) is not None


def fence_end(lines: Sequence[str], start: int, line: str) -> int | None:
    """If `line` opens a code fence, the index of the line at or after `start` that
    closes it; None if it opens none or nothing closes it."""
    opening = _FENCE.match(line)
    if opening is None:
        return None
    fence = opening[1]
    if fence[0] == "`" and "`" in line[opening.end() :]:  # not a fence: inline code
        return None
    for j in range(start, len(lines)):
        closing = _FENCE.fullmatch(lines[j].rstrip(" \t\r"))
        if closing is not None and closing[1][0] == fence[0] and len(closing[1]) >= len(fence):
            return j
    return None


def code_blocks(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The closed fenced blocks of `lines`: (first, last) line indexes, fences included."""
    blocks: list[tuple[int, int]] = []
    i, n = 0, len(lines)
    while i < n:
        end = fence_end(lines, i + 1, lines[i].strip(" \t\r"))
        if end is None:
            i += 1
            continue
        blocks.append((i, end))
        i = end + 1
    return blocks


def laid_out(lines: Sequence[str]) -> str:
    """A block's lines as the layout rule (N113) leaves them: the fences stripped, the
    code's line ends stripped, no blank line just inside a fence."""
    code = "\n".join([line.rstrip(" \t") for line in lines[1:-1]]).strip("\n")
    return "\n".join(filter(None, (lines[0].strip(" \t"), code, lines[-1].strip(" \t"))))


def without_code(text: str) -> str:
    """`text` with each fenced code block an empty line: the prose, for checks that
    look for debris the normalizer leaves in code on purpose."""
    if not may_hold_fence(text):
        return text
    lines = text.split("\n")
    for first, last in reversed(code_blocks(lines)):
        lines[first : last + 1] = [""]
    return "\n".join(lines)
