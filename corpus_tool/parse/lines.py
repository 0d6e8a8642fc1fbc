"""Small line helpers shared by the parsers and the normalizer rules; never raise for any `str`."""

from __future__ import annotations

import re

# Characters that close a sentence or a quotation, stripped before looking at
# the last "real" character of a line (`...said.”` ends with a period).
CLOSERS = "\"'”’»)]*_"
SENTENCE_END = ".!?…"
QUOTES = '"“”«»„'

MAX_META_LEN = 200  # metadata lines (bylines, header items) are short; longer lines are content
MAX_NAME_LEN = 80  # bare names, dates, logos and `Updated:` lines are shorter

# `[text](target)` with any target: for reading names and titles out of markup.
MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")


def strip_closers(line: str) -> str:
    """`He said “no.”` -> `He said “no.`: the line without trailing quotes and brackets."""
    return line.rstrip(CLOSERS + " \t")


def last_char(line: str) -> str:
    """The last character that is not a closing quote or bracket, or ``""``."""
    core = strip_closers(line)
    return core[-1] if core else ""


def unlink(line: str) -> str:
    """`By [Jane Doe](#)` -> `By Jane Doe`: markdown links reduced to their text."""
    return MD_LINK.sub(r"\1", line) if "](" in line else line


def escaped(text: str, at: int) -> bool:
    """Is the character at `at` escaped, as markdown writes a literal `<` (`\\<p>`)? An
    odd number of backslashes in front of it escapes it; an even one, themselves."""
    n = 0
    while n < at and text[at - n - 1] == "\\":
        n += 1
    return n % 2 == 1
