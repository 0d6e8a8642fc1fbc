"""The footer parser shared by N112 and metadata extraction.

Scrapers append the page address after the article: `Original url:` and then
`<https://...>` on the same line or a later one (blank lines between).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TAIL_LINES = 12  # raw lines from the end examined at most

_LABEL = (
    r"(?:[*_]{0,2})(?:(?:original|source|canonical|article|story)\s+(?:url|link|uri)"
    r"|original(?:ly)?\s+published\s+(?:at|on)|source|url|link|permalink"
    r"|read\s+(?:the\s+)?original(?:\s+article)?(?:\s+(?:at|here))?)(?:[*_]{0,2})"
)
_URL = r"(?:<(?P<u1>https?://[^\s<>]+)>|(?P<u2>https?://\S+))"
_LABEL_ONLY = re.compile(_LABEL + r"\s*:[*_]{0,2}", re.IGNORECASE)
# Possessive: the spaces before and after `:` are never split two ways (quadratic).
_LABEL_URL = re.compile(_LABEL + r"\s*+:?[*_]{0,2}\s*+" + _URL, re.IGNORECASE)
_URL_ONLY = re.compile(_URL)
_HINTS = ("http", "url", "link", "source", "original")


@dataclass(slots=True)
class Footer:
    start: int  # index of the first footer line; len(lines) when there is none
    url: str | None = None


def _url(m: re.Match[str]) -> str:
    return m["u1"] or m["u2"]


def might_have_footer(text: str) -> bool:
    """Cheap guard: does the end of `text` mention a URL or a footer label at all?"""
    tail = text[-600:].lower()
    return any(h in tail for h in _HINTS)


def parse_footer(lines: list[str]) -> Footer:
    """Find the trailing `label + URL` block(s); the URL nearest the end wins.

    A URL line counts only with a label, on its line or on the previous
    non-blank line; a label alone at the very end (its URL lost) counts too.
    """
    end = len(lines)
    url: str | None = None
    floor = max(0, len(lines) - TAIL_LINES)
    while True:
        i = end - 1
        while i >= floor and not lines[i].strip():
            i -= 1
        if i < floor:
            return Footer(end, url)
        last = lines[i].strip()
        if len(last) > 2000:
            return Footer(end, url)
        if m := _LABEL_URL.fullmatch(last):
            url = url or _url(m)
            end = i
            continue
        if _LABEL_ONLY.fullmatch(last):
            end = i
            continue
        m = _URL_ONLY.fullmatch(last)
        if m is None:
            return Footer(end, url)
        j = i - 1
        while j >= floor and not lines[j].strip():
            j -= 1
        if j < floor or not _LABEL_ONLY.fullmatch(lines[j].strip()):
            return Footer(end, url)
        url = url or _url(m)
        end = j
