"""Metadata extraction: title, authors, dates and URL from a document's raw text.

Extraction reads the header and footer with the same parsers the N110 and
N112 rules use (`corpus_tool.normalize.header`, `corpus_tool.normalize.footer`),
so a line is either removed from the text and reported here, or kept as
content and not reported: the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from corpus_tool.normalize.chars import line_endings, unicode_cleanup
from corpus_tool.normalize.footer import TAIL_LINES, parse_footer
from corpus_tool.normalize.header import HEAD_LINES, parse_header
from corpus_tool.normalize.markdown import dead_link, escaped_markdown


@dataclass(slots=True)
class Extracted:
    """What the text itself says about the document; None / [] where it says nothing."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    updated: dt.date | None = None
    url: str | None = None


def _clean(part: str) -> str:
    return line_endings(unicode_cleanup(part))


def _as_is(part: str) -> str:
    return part


def extract(text: str, *, clean: bool = True) -> Extracted:
    """Read title, authors, published/updated dates and URL from raw decoded text.

    `clean=False` says the text has been through the unicode and line-ending
    rules (N101, N102) already, as in the pipeline. Never raises: a date that
    names no real day (`2/30/2023`) gives None.
    """
    # Only the first and last lines matter: clean those, not the whole text.
    tidy = _clean if clean else _as_is
    head = tidy("\n".join(text.split("\n", HEAD_LINES)[:HEAD_LINES])).split("\n")[:HEAD_LINES]
    header = parse_header(head)
    tail = tidy("\n".join(text.rsplit("\n", TAIL_LINES)[-TAIL_LINES:])).split("\n")
    footer = parse_footer(tail[-TAIL_LINES:])
    title = header.title
    if title is not None:
        title = dead_link(escaped_markdown(title)).strip() or None
    return Extracted(
        title=title,
        authors=list(header.authors),
        published=header.published,
        updated=header.updated,
        url=footer.url,
    )
