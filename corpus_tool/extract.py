"""Metadata extraction: title, authors, dates and URL from a document's parsed Page.

Extraction reads the very `Page` the N110 and N112 rules read (header and
footer parsed once, `corpus_tool.parse`), so a line is either removed from the
text and reported here, or kept as content and not reported: the two cannot
disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from corpus_tool.normalize.chars import line_endings, unicode_cleanup
from corpus_tool.normalize.markdown import dead_link, escaped_markdown
from corpus_tool.parse.page import Page


@dataclass(slots=True)
class Extracted:
    """What the text itself says about the document; None / [] where it says nothing."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    updated: dt.date | None = None
    url: str | None = None


def read_page(page: Page) -> Extracted:
    """Title, authors, published/updated dates and URL that `page`'s parsers found.

    The page's text must be through the unicode and line-ending rules (N101,
    N102), as in the pipeline. Never raises: a date that names no real day
    (`2/30/2023`) gives None.
    """
    header = page.header
    title = header.title
    if title is not None:
        title = dead_link(escaped_markdown(title)).strip() or None
    return Extracted(
        title=title,
        authors=list(header.authors),
        published=header.published,
        updated=header.updated,
        url=page.footer.url,
    )


def extract(text: str) -> Extracted:
    """`read_page` for a raw decoded text: its characters and line endings cleaned first."""
    return read_page(Page(line_endings(unicode_cleanup(text))))
