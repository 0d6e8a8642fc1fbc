"""Fenced code blocks: lines that are code, not prose, and keep their own layout.

A block opens with a line of three or more backticks or tildes (an info string
may follow backticks: `` ```python ``) and closes with a line of only the same
character, at least as many times. A fence that nothing closes opens no block:
it is a line of text, so that a stray fence cannot make the rest of a page code.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

_FENCE = re.compile(r"[ \t]*+(`{3,}|~{3,})")
_TABLE_ROW = re.compile(r"[ \t]*+\|")
# The same, opening a line after the first: the search starts at a line feed, so the
# regex engine jumps from one to the next (an alternative with `^` would be tried at
# every character).
_FENCE_START = re.compile(r"\n" + _FENCE.pattern)
_TABLE_START = re.compile(r"\n" + _TABLE_ROW.pattern)


def is_fence(line: str) -> bool:
    """Does `line` open with a code fence (three or more backticks or tildes)?"""
    return _FENCE.match(line) is not None


def is_table_row(line: str) -> bool:
    """`| a | b |`: a line of a markdown table."""
    return _TABLE_ROW.match(line) is not None


def may_hold_fence(text: str) -> bool:
    """Does a line of `text` open with a fence? (False for most texts after a fast
    search for each fence character.)"""
    if "`" not in text and "~" not in text:
        return False
    return _FENCE.match(text) is not None or _FENCE_START.search(text) is not None


def may_hold_table(text: str) -> bool:
    """Does a line of `text` open as a table row? (False for most texts after a fast
    search for `|`.)"""
    if "|" not in text:
        return False
    return _TABLE_ROW.match(text) is not None or _TABLE_START.search(text) is not None


def code_blocks(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The closed fenced blocks of `lines`: (first, last) line indexes, fences included.

    Linear in the lines: each fence line is read once, and an opening fence finds its
    closing fence by a bisection (a failed search costs no scan), so a page of
    thousands of fences that never close does not rescan the rest for each.
    """
    openers: list[tuple[int, str, int]] = []  # (line, fence character, fence length)
    closers: dict[str, tuple[list[int], list[int]]] = {"`": ([], []), "~": ([], [])}
    for i, line in enumerate(lines):
        fence = _FENCE.match(line)
        if fence is None:
            continue
        mark, rest = fence[1], line[fence.end() :]
        if not rest.strip(" \t\r"):  # a bare fence closes a block, or opens one
            closers[mark[0]][0].append(i)
            closers[mark[0]][1].append(len(mark))
        elif mark[0] == "`" and "`" in rest:  # inline code, not a fence
            continue
        openers.append((i, mark[0], len(mark)))
    # The longest closing fence from each position on, per character.
    longest = {
        c: list(itertools.accumulate(reversed(lengths), max))[::-1]
        for c, (_, lengths) in closers.items()
    }
    blocks: list[tuple[int, int]] = []
    after = 0  # lines before this are in a block already
    for i, c, n in openers:
        if i < after:
            continue
        where, lengths = closers[c]
        k = bisect.bisect_right(where, i)
        if k == len(where) or longest[c][k] < n:
            continue  # nothing closes it: a line of text
        while lengths[k] < n:  # the lines skipped here end up inside this block
            k += 1
        blocks.append((i, where[k]))
        after = where[k] + 1
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
