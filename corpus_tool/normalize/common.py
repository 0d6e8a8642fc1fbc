"""Small helpers shared by the normalizer rules (line helpers the parsers share too are in
`corpus_tool.parse.lines`). They never raise for any `str`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar, cast

from corpus_tool.normalize import Change, Edit, note_span

T = TypeVar("T")


def last_answer(func: Callable[[str], T]) -> Callable[[str], T]:
    """`func` that remembers its last text (the very object) and answer: rules that run
    one after the other ask about the same text, and the runner asks again about a text
    it has just changed."""
    last: list[tuple[str | None, Any]] = [(None, None)]

    @functools.wraps(func)
    def remembered(text: str) -> T:
        seen, answer = last[0]
        if seen is not text:
            answer = func(text)
            last[0] = (text, answer)
        return cast(T, answer)

    return remembered


@last_answer
def utf8(text: str) -> bytes:
    """`text` in UTF-8, lone surrogates passed through (`surrogatepass`): N116 and then
    N101 read the bytes of the same text, and the encoder looks at every character."""
    return text.encode("utf-8", "surrogatepass")


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
    the end of its line). Returns `text` itself when nothing changed. Reports the
    span it rewrote (`note_span`): the text before the line break above the first
    line it changed, and after the one below the last, is the same in both.
    """
    if finder.search(text) is None:  # the common case, without copying the text
        nl = text.find("\n")
        if finder.search("\n" + (text if nl < 0 else text[:nl])) is None:
            return text
    t = "\n" + text
    pieces: list[str] = []
    pos = 0
    done = 0
    first = 0  # where the first changed line starts (in `t`)
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
        if not pieces:
            first = start
        if new is None:
            pieces.append(t[pos : start - 1])
        else:
            pieces.append(t[pos:start])
            pieces.append(new)
        pos = end
    if not pieces:
        return text
    pieces.append(t[pos:])
    out = "".join(pieces)[1:]
    # In `text` the first changed line starts at first - 1 and the last one ends at
    # pos - 1; a removal takes the line break before its line (the first line's: the
    # one after it). So `text[: first - 2]` and `text[pos:]` are in `out` as they were.
    note_span(text, out, max(first - 2, 0), max(len(t) - pos - 1, 0))
    return out


def touches_last_lines(change: Change, n: int) -> bool:
    """Does `change` reach the last `n` lines of the text, blank ones included?

    A layout edit (one blank line between paragraphs) leaves in the last `n`
    lines only non-blank lines that were among them already, unless fewer than
    half of them were non-blank: only then can it bring new lines into reach.
    """
    old = change.old
    if change.edits == Edit.LAYOUT:
        tail = old.rsplit("\n", n)[-n:]
        return sum(1 for line in tail if line.strip(" \t")) < n // 2
    return old.count("\n", len(old) - change.suffix) < n


def drop_if(is_artifact: Callable[[str], bool]) -> Callable[[str], str | None]:
    """A `rewrite_lines` fix that deletes the lines whose stripped text is an artifact."""

    def fix(line: str) -> str | None:
        return None if is_artifact(line.strip(" \t")) else line

    return fix
