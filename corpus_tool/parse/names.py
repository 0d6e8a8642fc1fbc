"""Names of people and agencies: bylines (`By A, B and C`), bare name lines, glued names."""

from __future__ import annotations

import re

from corpus_tool.parse.agencies import BYLINE as AGENCIES
from corpus_tool.parse.lines import MAX_META_LEN, MAX_NAME_LEN, unlink

_BYLINE = re.compile(r"(?:by|written\s+by|words\s+by)\s+(?P<names>\S.*)", re.IGNORECASE)
_NAME_SEP = re.compile(r"\s*(?:,\s*and\s+|,|\s+and\s+|&|\||;)\s*")
_PARTICLES = frozenset({
    "de", "da", "del", "der", "den", "di", "du", "dos", "la", "le", "van", "von", "al", "bin",
    "ibn", "ben", "y",
})  # fmt: skip
_NAME_CHARS = frozenset("'’.-")
_WORD_THEN_CAPITAL = re.compile(r"(\S+)\s+(\S)")


def _is_name(part: str, max_tokens: int) -> bool:
    """`Robyn Dixon`, `Anna McDonald`, `Moscow Times Reporter`, `AFP`: a person or agency."""
    if part in AGENCIES:
        return True
    tokens = part.split()
    if not 1 <= len(tokens) <= max_tokens:
        return False
    for i, tok in enumerate(tokens):
        if not all(c.isalpha() or c in _NAME_CHARS for c in tok):
            return False
        if not tok[0].isupper() and not (0 < i < len(tokens) - 1 and tok.lower() in _PARTICLES):
            return False
    return True


def _capitalized_pair_at(names: str, i: int) -> bool:
    """Does `names[i:]` start with a Capitalized word followed by another capitalized one?"""
    m = _WORD_THEN_CAPITAL.match(names, i)
    if m is None or not m[2].isupper():
        return False
    word = m[1]
    return word[0].isupper() and all(c.islower() or c in "'’-" for c in word[1:])


def split_glued(names: str) -> list[str]:
    """`Robyn DixonFrancesca Ebel` -> two names; `Anna McDonald` stays one.

    A new name starts where a lowercase letter is directly followed by a
    Capitalized word (one capital, then lowercase) and another capitalized
    word: `...nFrancesca Ebel`, but not `...cDonald` (no word after it) nor
    `...cDonaldJohn` (not Capitalized).
    """
    out, start = [], 0
    for i in range(1, len(names)):
        if names[i].isupper() and names[i - 1].islower() and _capitalized_pair_at(names, i):
            out.append(names[start:i].strip())
            start = i
    out.append(names[start:].strip())
    return [n for n in out if n]


def parse_byline(line: str) -> list[str] | None:
    """`By [A](#), B and C` -> [A, B, C]; None if the line is not a byline."""
    if len(line) > MAX_META_LEN:
        return None
    m = _BYLINE.fullmatch(line)
    if m is None:
        return None
    names: list[str] = []
    for part in _NAME_SEP.split(unlink(m["names"]).strip(" *_")):
        part = part.strip(" *_")
        if not part:
            continue
        if not _is_name(part, 6):
            return None
        names.extend(split_glued(part))
    return names or None


def is_bare_name(line: str) -> bool:
    """`Adam Morrow`: 2-4 capitalized words (or a known agency) alone on a line."""
    if len(line) > MAX_NAME_LEN:
        return False
    line = unlink(line).strip(" *_")
    return line in AGENCIES or (len(line.split()) >= 2 and _is_name(line, 4))
