"""Metadata extraction: title, authors, dates and URL from a document's parsed Page.

Extraction reads the very `Page` the N110 and N112 rules read (header and
footer parsed once, `corpus_tool.parse`), so a line is either removed from the
text and reported here, or kept as content and not reported: the two cannot
disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from corpus_tool.findings import Finding, Severity, shown
from corpus_tool.models import METADATA_FIELDS, canonical_url, iso
from corpus_tool.normalize.chars import line_endings, unicode_cleanup
from corpus_tool.normalize.markdown import dead_link, escaped_markdown
from corpus_tool.parse.page import Page
from corpus_tool.registry import Hit, check


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


# -------------------------------------------------------------------- the sidecar merge

EXTRACTED_FIELDS = tuple(f.name for f in fields(Extracted))


def _same(field_name: str, a: Any, b: Any) -> bool:
    if field_name == "authors":
        # A byline often names only the first author: text ⊆ metadata agrees.
        given = {" ".join(x.split()).casefold() for x in a}
        return {" ".join(x.split()).casefold() for x in b} <= given
    if field_name == "url":
        return canonical_url(a) == canonical_url(b)
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return bool(a == b)


@check(
    "M010", "metadata-conflict", Severity.WARNING, hint="The sidecar wins; fix whichever is wrong."
)
def metadata_conflict(meta: Mapping[str, Any], found: Extracted) -> Iterator[Hit]:
    """The sidecar and the text disagree on a field."""
    for name in EXTRACTED_FIELDS:
        extracted = getattr(found, name)
        given = meta.get(name)
        if given is not None and extracted and not _same(name, given, extracted):
            msg = (
                f"{name}: metadata says `{shown(iso(given))}`, "
                f"the text says `{shown(iso(extracted))}`"
            )
            yield Hit(msg, field=name)


def merge_metadata(
    meta: Mapping[str, Any],
    found: Extracted,
    *,
    path: str | None,
    line: int | None,
    doc_id: str | None,
) -> tuple[dict[str, Any], list[Finding]]:
    """The record's metadata fields: the sidecar's (or row's) win over extracted
    ones; disagreements are M010. `meta` holds checked fields only, dates as dt.date."""
    merged = {name: meta.get(name) for name in METADATA_FIELDS}
    for name in EXTRACTED_FIELDS:
        if merged[name] is None:
            merged[name] = getattr(found, name)
    conflicts = metadata_conflict.run(meta, found, path=path, line=line, doc_id=doc_id)
    return merged, conflicts
