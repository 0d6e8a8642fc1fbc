"""Markdown residue: backslash escapes and dead links."""

from __future__ import annotations

import re

from corpus_tool.normalize import Edit, normalizer
from corpus_tool.normalize.common import keep_nfc
from corpus_tool.normalize.encoding import opens_markup

# ASCII punctuation that CommonMark lets a backslash escape, minus the backslash
# itself (a run of backslashes is consumed whole, see below).
_ESCAPABLE = re.escape("!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~")
# The lookbehind starts a match only at the first backslash of a run, so a
# megabyte of backslashes is scanned once, not once per position.
_ESCAPE = re.compile(r"(?<!\\)\\++(?=[" + _ESCAPABLE + "])")


# Both read inside a line: a line's new text (a credit cut out of it) can hold a
# new escape or link; removing other lines cannot.
# N104 trusted: it runs after N103 removed every backslash before punctuation, and
# unwrapping a link cannot put one back in front of any.
@normalizer(
    "N103", "escaped-markdown", edits=Edit.CHARS, sees=Edit.CHARS, local=True, trusts=("N104",)
)
def escaped_markdown(text: str) -> str:
    """Unescape backslash-escaped markdown punctuation: `s\\*\\*\\*` -> `s***`.

    Why: the scraper escaped characters that were literal text on the page
    (`s\\*\\*\\*`, `\\[x\\](#)`). The whole run of backslashes in front of a
    punctuation character goes at once, so `\\\\*` -> `*` and a second pass
    finds nothing left. Kept: runs before letters and digits (`C:\\Users`), and
    the backslash in front of markup (`\\<title>`, `\\<!DOCTYPE html>`): a page
    that shows HTML as text keeps it escaped, since unescaped it would read as
    a leftover tag for N118 to remove. Runs before N104 so that `\\[x\\](#)` is
    unwrapped in the same pass.
    """
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_unescape, text)


def _unescape(m: re.Match[str]) -> str:
    """Nothing, but for a backslash that escapes markup (`\\<title>`): the page showed
    it as text, and unescaped it would read as a leftover tag, which N118 removes."""
    end = m.end()
    if m.string[end] == "<" and len(m[0]) % 2 and opens_markup(m.string, end):
        return m[0]
    return ""


# A link whose target goes nowhere: `#`, `#anchor`, empty, or `javascript:...`.
# Link text may hold one level of balanced brackets (`[[Ilham] Aliyev](#)`).
# Possessive repeats: a failed match never backtracks, so `[[[[...` stays linear.
_DEAD_LINK = re.compile(
    r"\[((?:[^\[\]\n]|\[[^\[\]\n]*+\])*+)\]"
    r"\(\s*+(?:#[^()\s]*|javascript:[^()\s]*(?:\([^()\s]*\))?[^()\s]*)?\s*\)",
    re.IGNORECASE,
)


@normalizer("N104", "dead-link", edits=Edit.CHARS, sees=Edit.CHARS, local=True)
def dead_link(text: str) -> str:
    """Unwrap markdown links whose target goes nowhere: `[killed](#)` -> `killed`.

    Why: the scraper kept the anchor text but lost the link; the brackets are
    noise. Dead targets are `#`, `#anchor`, an empty `()` and `javascript:`.
    Kept: links with a real target (`[x](https://...)`, a lint warns about
    them) and editorial brackets with no link (`[remarks]`,
    `[Azerbaijani President Ilham] Aliyev`), including one nested inside a
    dead link's text. Nested dead links are unwrapped until none is left.
    """
    if "](" not in text:
        return text
    joints: list[bool] = []  # a non-ASCII character meets new neighbours: may compose

    def unwrap(m: re.Match[str]) -> str:
        inner = m[1]
        if not inner[:1].isascii() or not m.string[m.end() : m.end() + 1].isascii():
            joints.append(True)
        return inner

    out = text
    for _ in range(32):  # each pass peels one nesting level; real text needs one
        new = _DEAD_LINK.sub(unwrap, out)
        if new == out:
            break
        out = new
        if "](" not in out:
            break
    return keep_nfc(out) if joints else out
