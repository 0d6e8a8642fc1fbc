"""Page structure: related-headlines lists, header metadata, repeated lines, the footer."""

from __future__ import annotations

import itertools
import re

from corpus_tool.normalize import Change, Edit, normalizer, note_span, page_normalizer
from corpus_tool.normalize.common import last_answer, touches_last_lines
from corpus_tool.parse.blocks import is_table_row
from corpus_tool.parse.footer import TAIL_LINES, might_have_footer
from corpus_tool.parse.header import HEAD_LINES, MIN_RELATED_RUN, Kind
from corpus_tool.parse.page import Page

# Guard: a list needs three bullet lines near the top; most documents have none.
_HEAD_CHARS = 6000
_BULLET_LINE = re.compile(r"\n[ \t]*[-*•][ \t]")


@last_answer  # asked again about the same text when an edit of it may wake N109
def _has_bullet_run(text: str) -> bool:
    bullets = _BULLET_LINE.finditer("\n" + text[:_HEAD_CHARS])
    return sum(1 for _ in itertools.islice(bullets, MIN_RELATED_RUN)) >= MIN_RELATED_RUN


def _drop_header_lines(page: Page, *kinds: Kind, apart: bool = False) -> str:
    """Remove the header lines of the given kinds (all metadata when none given).

    `apart`: also set the lines the parse read apart with blank lines, as its later
    readings saw them (see `corpus_tool.parse.header`): a line glued to a sentence
    under it is a title's evidence, and once the title above it is gone the next
    run would read it so, where the readings of this run did not.
    """
    text = page.text
    header = page.header
    drop = header.lines_of(*kinds) if kinds else header.metadata_lines
    if not drop:
        return text
    lines = page.head
    k = max(drop) + 1  # rebuild only the lines up to the last one dropped
    if apart:
        read = HEAD_LINES if header.read is None else header.read
        k = max(k, min(read, HEAD_LINES, len(lines)))
    kept = [line for i, line in enumerate(lines[:k]) if i not in drop]
    if apart:
        kept = _set_apart(kept)
    if k >= len(lines):
        return "\n".join(kept)
    rest = text[sum(map(len, lines[:k])) + k :]
    return "\n".join([*kept, rest])


def _set_apart(lines: list[str]) -> list[str]:
    """`lines` with a blank line between any two non-blank lines next to each other."""
    out: list[str] = []
    filled = False  # is the last line of `out` non-blank?
    for line in lines:
        blank = not line.strip(" \t\r")
        if filled and not blank:
            out.append("")
        out.append(line)
        filled = not blank
    return out


def _touches_header(change: Change) -> bool:
    """Does the change reach the lines the header parse reads (N109, N110)?"""
    old, page = change.old, change.page
    if page is None or not page.header_parsed:  # then only the lines before the edit are read
        if old.count("\n", 0, change.prefix) >= HEAD_LINES:
            return False
        page = page or Page(old)
    reach = page.header_reach
    return reach > len(old) or not change.new.startswith(old[:reach])


def _touches_list(change: Change) -> bool:
    """Can the change give N109 work? Not where whole lines went (and blank lines came
    or went) from a text short enough for its guard to read whole, with fewer than
    three bullet lines: the lines left are lines of it, so they hold fewer still.
    Else: does it reach the lines the header parse reads?"""
    old = change.old
    if (
        change.edits & ~Edit.LAYOUT == Edit.LINES
        and len(old) <= _HEAD_CHARS
        and not _has_bullet_run(old)
    ):
        return False
    return _touches_header(change)


def _touches_footer(change: Change) -> bool:
    """Does the change reach the last TAIL_LINES lines (N112)?"""
    return touches_last_lines(change, TAIL_LINES)


# The header and footer rules read a window of lines: an edit there (a prompt
# above the header, a copyright line under the footer) can give them new work.
_PAGE = Edit.CHARS | Edit.LINES


# N109 reads the header with N110's parse, which reads through the lines N110 removes;
# yet N110's edit can still give it new work: with the title gone, a label such as
# `Original url:` becomes the first line, and the header reads differently.
@page_normalizer(
    "N109",
    "related-headlines",
    edits=Edit.LINES,
    sees=_PAGE,
    reads=_touches_list,
)
def related_headlines(page: Page) -> str:
    """Remove a list of links to other articles near the top: `- Baku has won, ...`.

    Why: seed 004 opens with a block of bullet lines, each the headline of
    another article, without any label. Such a block goes only under strict
    conditions: 3+ bullet lines in a row (`-`, `*`, `•`; blank lines and lines
    the header rule may remove, such as a date, do not break the row), each
    headline-like (4-20 words, starting with a capital, a digit or a quote, not
    ending with a period), starting inside the header zone (the lines before
    more than two content lines in a row; see `corpus_tool.parse.header`),
    and not introduced by a line ending with `:`. Kept: bulleted lists of
    sentences, short items, lists introduced by `...:` and any list further
    down the body.
    """
    if not _has_bullet_run(page.text):
        return page.text
    return _drop_header_lines(page, Kind.RELATED)


@page_normalizer(
    "N110", "header-metadata", edits=Edit.LINES | Edit.LAYOUT, sees=_PAGE, reads=_touches_header
)
def header_metadata(page: Page) -> str:
    """Remove the header lines that are page metadata: title, byline, date, `Updated:`, logo.

    Why: the title, authors and dates belong in the record's fields (extraction
    reads them from the same parse), not in the body. Removed, within the
    header zone only: the title (`# Title`, or a plain first line backed by
    other metadata, by a standfirst glued under it or by its own `# ` heading
    under it), a repeated title, bylines
    (`By [Name](#)`, `By NameName`, `By A and B`, `By A, B and C`), a bare name
    directly above a date or under the title, dates (`September 28, 2023`,
    `Sept. 28, 2023`, `28 September 2023`, `9/26/2023`, `2023-09-26`, weekday
    optional), `Updated:` with its date (one or two lines), a logo (`MT`).
    Kept: deck/standfirst lines and photo captions, which are content, and
    anything after the header zone, even if it looks like a date. The lines
    it leaves at the top are set apart by blank lines, as the layout rule
    (N113) sets every line: a run of N110 alone then reads them as this one
    did.
    """
    return _drop_header_lines(page, apart=True)


# A removal or a rewrite can only make equal neighbours where it happened.
@normalizer("N111", "duplicate-line", edits=Edit.LINES, sees=_PAGE, local=True)
def duplicate_line(text: str) -> str:
    """Keep one of consecutive identical lines: a caption repeated under itself.

    Why: scrapers pick up an image caption twice (figure and figcaption).
    Lines are compared without surrounding spaces; blank lines between the
    copies do not matter. Kept: a repeated line with other text between, and
    a table's repeated row (`| 1 | 7 | 2 |` twice is data). Runs after N110 so
    that copies that metadata lines used to separate are merged too.
    """
    lines = text.split("\n")
    keys = [line.strip(" \t") for line in lines]
    nonblank = [k for k in keys if k]
    if len(set(nonblank)) == len(nonblank):
        return text
    out: list[str] = []
    prev = None
    for line, key in zip(lines, keys, strict=True):
        if key:
            if key == prev and not is_table_row(key):
                continue
            prev = key
        out.append(line)
    return "\n".join(out)


# It counts blank lines among its last lines: collapsing them (layout) can bring a
# label into reach, so it sees layout edits too.
@page_normalizer("N112", "footer-url", edits=Edit.LINES, sees=Edit.ANY, reads=_touches_footer)
def footer_url(page: Page) -> str:
    """Remove the trailing `Original url:` + `<https://...>` block; its URL is the record's `url`.

    Why: the scraper appended the page address after the article; extraction
    moves it into metadata. Labels: `Original url:`, `Original URL:`, `Source
    URL:`, `Original link:`, `Source:`, `Originally published at`; the URL
    bare or in `<...>`, on the label's line or a later one. Only at the very
    end of the text; repeated blocks go together. Kept: a URL without a label
    and any URL inside the body.
    """
    text = page.text
    if not might_have_footer(text):
        return text
    footer = page.footer
    parts = page.tail
    offset = 1 if len(parts) > TAIL_LINES else 0
    if footer.start == len(parts) - offset:
        return text
    out = "\n".join(parts[: offset + footer.start])
    note_span(text, out, len(out), 0)  # the text before the footer stays as it is
    return out
