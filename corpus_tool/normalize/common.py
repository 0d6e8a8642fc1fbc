"""Small helpers shared by the normalizer rules, the header/footer parsers and extraction.

They work on single lines or on whole texts and never raise for any `str`.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate

# Characters that close a sentence or a quotation, stripped before looking at
# the last "real" character of a line (`...said.”` ends with a period).
CLOSERS = "\"'”’»)]*_"
SENTENCE_END = ".!?…"
QUOTES = '"“”«»„'

# `[text](target)` with any target: for reading names and titles out of markup.
MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")


def strip_closers(line: str) -> str:
    """`He said “no.”` -> `He said “no.`: the line without trailing quotes and brackets."""
    return line.rstrip(CLOSERS + " \t")


def last_char(line: str) -> str:
    """The last character that is not a closing quote or bracket, or ``""``."""
    core = strip_closers(line)
    return core[-1] if core else ""


def is_sentence(line: str, min_words: int = 5) -> bool:
    """A line of at least `min_words` words ending with `.`, `!`, `?` or `…`."""
    return last_char(line) in SENTENCE_END and len(line.split()) >= min_words


def unlink(line: str) -> str:
    """`By [Jane Doe](#)` -> `By Jane Doe`: markdown links reduced to their text."""
    return MD_LINK.sub(r"\1", line) if "](" in line else line


def keep_nfc(text: str) -> str:
    """Re-compose `text` where removing markup joined a base letter and a combining mark."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def rewrite_lines(text: str, finder: re.Pattern[str], fix: Callable[[str], str | None]) -> str:
    """Apply `fix` to each line in which `finder` matches; `fix` returning None deletes the line.

    Only candidate lines are visited, so a rule costs one regex scan on a
    document without artifacts. `finder` sees the text with a line feed in
    front, so a pattern starting with `\\n` also finds the first line; a
    match belongs to the line holding its last character (a final `\\n` is
    the end of its line). Returns `text` itself when nothing changed.
    """
    if finder.search(text) is None:  # the common case, without copying the text
        nl = text.find("\n")
        if finder.search("\n" + (text if nl < 0 else text[:nl])) is None:
            return text
    t = "\n" + text
    pieces: list[str] = []
    pos = 0
    done = 0
    for m in finder.finditer(t):
        p = max(m.end() - 1, m.start())
        if p < done:
            continue
        start = t.rfind("\n", 0, p) + 1
        end = t.find("\n", p)
        end = len(t) if end < 0 else end
        done = end + 1
        line = t[start:end]
        new = fix(line)
        if new == line:
            continue
        if new is None:
            pieces.append(t[pos : start - 1])
        else:
            pieces.append(t[pos:start])
            pieces.append(new)
        pos = end
    if not pieces:
        return text
    pieces.append(t[pos:])
    return "".join(pieces)[1:]


_last_tail: list[object] = [None, 0, None]  # (text, n, result) of the last call


def split_tail(text: str, n: int) -> tuple[str | None, list[str]]:
    """`text` as (head, lines): its last lines, from the `n`-th last non-blank one on
    (blank lines among them included), and the text before them (None: there is none).

    Counting non-blank lines, not lines, makes the tail the same whatever the
    layout: collapsing blank lines moves nothing into it or out of it. The
    footer and copyright rules and extraction ask about the same text in a
    row: the last answer is kept (the caller must not change its lines).
    """
    if _last_tail[0] is text and _last_tail[1] == n:
        return _last_tail[2]  # type: ignore[return-value]
    result = _split_tail(text, n)
    _last_tail[:] = [text, n, result]
    return result


_strip_blanks = operator.methodcaller("strip", " \t")


def _split_tail(text: str, n: int) -> tuple[str | None, list[str]]:
    k = 2 * n  # lines split off the end: enough for most texts, multiplied while short
    while True:
        parts = text.rsplit("\n", k)
        whole = len(parts) <= k
        lines = parts if whole else parts[1:]
        # Which lines are non-blank, counted from the end, all in C.
        counts = list(accumulate(map(bool, map(_strip_blanks, reversed(lines)))))
        if counts and counts[-1] >= n:
            i = len(lines) - 1 - bisect_left(counts, n)
            if whole and i == 0:
                return None, lines
            tail = lines[i:]
            return text[: len(text) - sum(map(len, tail)) - len(tail)], tail
        if whole:  # the whole text has fewer than n non-blank lines
            return None, lines
        k *= 4


def drop_if(is_artifact: Callable[[str], bool]) -> Callable[[str], str | None]:
    """A `rewrite_lines` fix that deletes the lines whose stripped text is an artifact."""

    def fix(line: str) -> str | None:
        return None if is_artifact(line.strip(" \t")) else line

    return fix
