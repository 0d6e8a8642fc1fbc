"""Page furniture that is neither header nor body: ad markers, social prompts, copyright."""

from __future__ import annotations

import re

from corpus_tool.normalize import Change, Edit, normalizer
from corpus_tool.normalize.common import drop_if, rewrite_lines, touches_last_lines

_SOCIAL = (
    r"(?:twitter|x|facebook|instagram|telegram|linkedin|youtube|tiktok|threads|bluesky"
    r"|whatsapp)"
)
_FURNITURE = re.compile(
    r"(?i)[*_]*(?:"
    r"advertisement|sponsored(?: content)?|story continues below(?: this)? advertisement"
    rf"|(?:follow|like|join) us on {_SOCIAL}\b[^.!?]*"
    rf"|subscribe to (?:our|the) {_SOCIAL} channel\b[^.!?]*"
    r"|share this (?:article|story|post|page)(?: on [^.!?]*)?"
    r"|(?:click|tap) here to (?:read|subscribe|sign up|download|listen|watch)\b[^.!?]*"
    r")[.!:]?[*_]*"
)
_FURNITURE_FINDER = re.compile(
    r"\n[ \t*_]*(?i:advertisement|sponsored|story continues|follow us|like us|join us"
    r"|subscribe to|share this|click here|tap here)"
)
MAX_FURNITURE_WORDS = 16  # a whole short line; a paragraph that mentions one is content


def is_furniture(line: str) -> bool:
    """A whole line that is an ad marker or a social/sharing prompt."""
    return len(line.split()) <= MAX_FURNITURE_WORDS and _FURNITURE.fullmatch(line) is not None


_drop_furniture = drop_if(is_furniture)


@normalizer(
    "N114", "page-furniture", edits=Edit.LINES, sees=Edit.CHARS, local=True, drops=is_furniture
)
def page_furniture(text: str) -> str:
    """Remove whole lines of page furniture: `Advertisement`, `Follow us on Twitter`.

    Why: pages interleave ad markers and social or sharing prompts with the
    story; scraped, each becomes a line of its own. Removed, as whole short
    lines only: `Advertisement`, `Sponsored content`, `Story continues below
    advertisement`, `Follow/Like/Join us on <network> ...`, `Subscribe to our
    <network> channel ...`, `Share this article`, `Click here to read ...`.
    Kept: any sentence that merely mentions such a thing inside a paragraph.
    """
    return rewrite_lines(text, _FURNITURE_FINDER, _drop_furniture)


_COPYRIGHT = re.compile(
    r"(?i)[*_]*(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}\b))[^\n]{0,160}"
    r"|[^\n]{0,120}\ball rights reserved\b[^\n]{0,60}"
)
TAIL = 3  # non-blank lines from the end where a copyright line is furniture
TAIL_SCAN = 12  # raw lines from the end looked at (blank lines included)
_COPYRIGHT_MARKS = ("©", "opyright", "OPYRIGHT", "(c)", "(C)", "ights reserved", "IGHTS RESERVED")


def is_copyright(line: str) -> bool:
    """`© 2023 Example Media. All rights reserved.`: a whole copyright line."""
    return len(line.split()) <= 25 and _COPYRIGHT.fullmatch(line) is not None


def _touches_tail(change: Change) -> bool:
    """Does the change reach the last TAIL_SCAN lines?"""
    return touches_last_lines(change, TAIL_SCAN)


# Reads the last lines, blank ones included: any edit there (a footer removed under
# it, blank lines collapsed) can give it new work.
@normalizer("N115", "copyright-footer", edits=Edit.LINES, sees=Edit.ANY, reads=_touches_tail)
def copyright_footer(text: str) -> str:
    """Remove a copyright line at the end: `© 2023 Example Media. All rights reserved.`

    Why: the page footer's copyright notice is scraped as the last line of the
    article. Removed: a line among the last three non-blank lines that starts
    with `©`, `(c)`, `Copyright ©` or `Copyright <year>`, or says `All rights
    reserved` (25 words at most). Kept: a copyright notice anywhere else, and
    sentences about copyright (`Copyright laws were debated.`).
    """
    head, *lines = text.rsplit("\n", TAIL_SCAN)  # only the end of the document matters
    if len(lines) < TAIL_SCAN:  # the whole text is short: every line is in the tail
        head, lines = "", [head, *lines]
    tail = "\n".join(lines)
    if not any(mark in tail for mark in _COPYRIGHT_MARKS):
        return text
    seen = 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip(" \t")
        if not line:
            continue
        if is_copyright(line):
            del lines[i]
            continue
        seen += 1
        if seen >= TAIL:
            break
    out = "\n".join(lines) if not head else "\n".join([head, *lines])
    return text if out == text else out
