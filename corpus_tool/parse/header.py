"""The header parser shared by N109/N110 and metadata extraction.

A scraped article starts with a few lines of page metadata mixed with content:

    # Title                      <- TITLE (or a plain first line, see below)
    Deck sentence.               <- content (kept)
    Title                        <- TITLE_REPEAT
    Caption. (Photo credit)      <- content (kept)
    By [Jane Doe](#)             <- BYLINE (`Von`, `Par`, `Author:`...: see `names`)
    Jane Doe                     <- NAME (bare, directly above a date or under the title)
    September 28, 2023           <- DATE
    Updated: 9/27/2023           <- UPDATED (one line, or `Updated:` then a date line)
    MT                           <- LOGO (1-5 capitals)

`parse_header` classifies the first lines; the N110 rule removes what it calls
metadata and `corpus_tool.extract` reads title, authors and dates from the
same result, so the two never disagree.

Where the header ends: scanning stops after more than `MAX_GAP` content lines
in a row; lines after that are body even if they look like a date. Lines other
rules remove anyway are transparent: the lines the rules before the page rules
declare they delete or empty (`drops`, `blanks` in `corpus_tool.registry`:
newsletter prompts, promo lines, timestamps, credit-only lines), a
related-headlines list and a line repeating the previous one: they neither
end the header nor count as content, so the result is the same whether or not
those rules ran first.

The title is a `# ` heading with only bylines and dates before it, or a plain
first line that looks like one (at most 30 words, not ending with `.`, `,`,
`;` or `:`) and is backed by evidence: another metadata line in the header
(byline, bare name above a date, date, updated, logo), a standfirst
sentence directly on the next line with no blank line between (seed 004),
possibly after a bare name line glued the same way, or the article's own
`# ` heading of it as the next line (the page's title over the article's
heading, perhaps with the site's name after a separator: `Title | Site`). The
standfirst evidence cannot fire on normalized text, where every line is followed
by a blank line: once the title is gone, a section heading that now opens the text
is not mistaken for a new title. A plain title with none of these (a title line, a
blank line, the body) is kept as text: nothing tells it from a heading.

Idempotence: the reading is repeated on the lines it leaves, each time as the
next run would see them (blank-separated: N110 sets them apart), until it
removes nothing more. On real pages the second reading finds nothing; on odd
ones (two titles, a repeated line that becomes the title once the first is
gone) it removes now what a second run would remove later.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from corpus_tool.parse.blocks import is_fence, is_table_row
from corpus_tool.parse.dates import UPDATED_LABEL, parse_date_line
from corpus_tool.parse.lines import MAX_META_LEN, MAX_NAME_LEN, SENTENCE_END, last_char, unlink
from corpus_tool.parse.names import HEADS as _BYLINE_HEADS
from corpus_tool.parse.names import bare_names, is_bare_name, parse_byline
from corpus_tool.registry import LinePredicate, transparent_lines

MAX_GAP = 2  # content lines in a row allowed inside the header (003: deck, caption)
MAX_ITEMS = 30  # non-blank lines examined at most
HEAD_LINES = 80  # raw lines handed to the parser at most (blank lines included)
MAX_ARTIFACT_LEN = 300  # prompts, promo lines, credit-only lines, timestamps are shorter
MAX_TITLE_WORDS = 30
MIN_RELATED_RUN = 3  # bullet headlines in a row that make a related-headlines list
MIN_HEADLINE_WORDS = 4  # shorter bullets are list items, not headlines
MAX_HEADLINE_WORDS = 20
MIN_STANDFIRST_WORDS = 5
MAX_ROUNDS = 8  # readings of the header: a page settles in one or two; stacked titles need more


class Kind(enum.Enum):
    TITLE = "title"
    TITLE_REPEAT = "title-repeat"
    BYLINE = "byline"
    NAME = "name"
    DATE = "date"
    UPDATED = "updated"
    LOGO = "logo"
    RELATED = "related"  # a line of a related-headlines list (N109)
    SKIP = "skip"  # removed by another rule; transparent here
    CONTENT = "content"


# `Kind.X` is a slow lookup on Python 3.11 (a descriptor call, ~0.2 µs): the parser
# reads its kinds from these module constants.
_TITLE = Kind.TITLE
_TITLE_REPEAT = Kind.TITLE_REPEAT
_BYLINE = Kind.BYLINE
_NAME = Kind.NAME
_DATE = Kind.DATE
_UPDATED = Kind.UPDATED
_LOGO = Kind.LOGO
_RELATED = Kind.RELATED
_SKIP = Kind.SKIP
_CONTENT = Kind.CONTENT


# Tuples, not sets: membership by identity, without Enum's Python-level __hash__.
_CONTEXTUAL = (_TITLE, _TITLE_REPEAT, _NAME, _LOGO)  # depend on neighbours
METADATA = (_TITLE, _TITLE_REPEAT, _BYLINE, _NAME, _DATE, _UPDATED, _LOGO)


@dataclass(slots=True)
class Header:
    """What `parse_header` found: a kind per classified line index, and the values."""

    kinds: dict[int, Kind] = field(default_factory=dict)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    updated: dt.date | None = None
    read: int | None = None  # lines read before the scan stopped (None: all it was given)

    def lines_of(self, *kinds: Kind) -> set[int]:
        return {i for i, k in self.kinds.items() if k in kinds}

    @property
    def metadata_lines(self) -> set[int]:
        return {i for i, k in self.kinds.items() if k in METADATA}


# ---------------------------------------------------------------- titles and lists
# Level 1 only: `## x` is a section. The closing `#`s are stripped in code
# (`_md_title`): a lazy title before them would rescan the line at every step.
_MD_TITLE = re.compile(r"#[ \t]+(?P<title>.*)")
_LOGO_LINE = re.compile(r"[A-Z]{1,5}")
_BULLET = re.compile(r"[-*•][ \t]+(?P<item>\S.*)")


def clean_title(title: str) -> str:
    return unlink(title).strip(" \t*_")


_CURLY_QUOTES = "’‘“”"
_FOLD_QUOTES = str.maketrans(_CURLY_QUOTES, "''\"\"")


def _title_key(line: str) -> str:
    """A title line's or heading's words as titles are compared: heading marks, links,
    emphasis and the curly or straight form of quotes aside."""
    return _fold_quotes(clean_title(line.lstrip("# ")))


def _fold_quotes(text: str) -> str:
    if text.isascii() or not any(q in text for q in _CURLY_QUOTES):
        return text
    return text.translate(_FOLD_QUOTES)


def is_title_like(line: str) -> bool:
    """At most 30 words, not a list item, a code fence or a table row, not ending like a
    sentence or a label."""
    if len(line) > 250 or is_fence(line) or is_table_row(line) or _BULLET.fullmatch(line):
        return False
    if not any(c.isalpha() for c in line):
        return False
    return len(line.split()) <= MAX_TITLE_WORDS and last_char(line) not in ".,;:"


def is_headline_item(line: str) -> bool:
    """`- Baku has won, Armenians are leaving NK: ...`: a bullet holding a headline."""
    m = _BULLET.fullmatch(line)
    if m is None or len(line) > MAX_META_LEN:
        return False
    item = unlink(m["item"])
    words = len(item.split())
    first = item.lstrip("\"“‘'")[:1]
    return (
        MIN_HEADLINE_WORDS <= words <= MAX_HEADLINE_WORDS
        and last_char(item) != "."
        and (first.isupper() or first.isdigit())
    )


# ---------------------------------------------------------------- the parser
@dataclass(slots=True)
class _Item:
    index: int  # line index in the input
    text: str  # stripped line
    glued: bool  # no blank line between this line and the previous kept line
    kind: Kind = _CONTENT
    dup_of: _Item | None = None  # the previous line repeated (N111 keeps one)
    names: list[str] = field(default_factory=list)
    date: dt.date | None = None
    bare_updated: bool = False
    under_title: bool = False  # a bare name right under a title, pending its evidence
    removed: bool = False  # metadata inside the header zone: the N110 rule removes it


_NOT_PLAIN_START = "-*•#"  # list items and headings


def _plain_content(line: str, first: str | None) -> bool:
    """True if `line` can only be content: cheap test that lets the scan stop early."""
    return (
        len(line) > MAX_NAME_LEN
        and line != first
        and line[0] not in _NOT_PLAIN_START
        and line[:3].lower() not in _BYLINE_HEADS  # `is_byline_head`, inlined
    )


_BLANKED, _DROPPED, _UNKNOWN = "blanked", "dropped", "unknown"


def _artifact(
    line: str, drops: tuple[LinePredicate, ...], blanks: tuple[LinePredicate, ...]
) -> str | None:
    """_BLANKED or _DROPPED if a rule before the page rules empties or deletes `line`
    (at most MAX_ARTIFACT_LEN long: longer lines are none of those)."""
    for is_artifact in blanks:  # plain loops: no generator per line
        if is_artifact(line):
            return _BLANKED
    for is_artifact in drops:
        if is_artifact(line):
            return _DROPPED
    return None


# `_artifact` per line, for the current transparent predicates: a site repeats its
# header lines across documents, and the runner parses a new Page of a document after
# each edit. Emptied when full or when the predicates change.
_memo: dict[str, str | None] = {}
_memo_for: list[object] = [None]
MAX_MEMO = 50_000


def _items(lines: Sequence[str]) -> tuple[list[_Item], int | None]:
    """The first non-blank lines, with repeats and other rules' artifacts marked,
    and how many of `lines` were read if the scan stopped early (None: all).

    Stops after MAX_GAP + 1 lines in a row that can only be content: the scan
    in `_zone` would stop there anyway, and the rest of the text is not read.
    """
    predicates = transparent_lines()
    memo = _memo
    if _memo_for[0] is not predicates or len(memo) > MAX_MEMO:
        memo.clear()
        _memo_for[0] = predicates
    drops, blanks = predicates
    items: list[_Item] = []
    append = items.append
    prev: _Item | None = None
    prev_text: str | None = None
    first: str | None = None
    glued = False
    plain = 0
    for i, raw in enumerate(lines[:HEAD_LINES]):
        s = raw.strip(" \t\r")  # a CR of a CRLF ending is no part of the line
        if not s:
            glued = False
            continue
        if s == prev_text:
            append(_Item(i, s, glued, _SKIP, dup_of=prev))
            glued = True
            if len(items) >= MAX_ITEMS:
                return items, i + 1
            continue
        if len(s) > MAX_ARTIFACT_LEN:
            artifact = None
        elif (artifact := memo.get(s, _UNKNOWN)) is _UNKNOWN:
            artifact = memo[s] = _artifact(s, drops, blanks)
        if artifact is _BLANKED:
            append(_Item(i, s, False, _SKIP))  # its rule empties it: counts as blank
            glued = False
            continue
        if artifact is _DROPPED:
            append(_Item(i, s, glued, _SKIP))  # dropped by its rule
        else:
            prev, prev_text = _Item(i, s, glued), s
            append(prev)
            if first is None:
                first = s
            elif _plain_content(s, first):
                plain += 1
                if plain > MAX_GAP:
                    return items, i + 1
            else:
                plain = 0
        glued = True
        if len(items) >= MAX_ITEMS:
            return items, i + 1
    return items, None


def lines_read(lines: Sequence[str]) -> int | None:
    """How many of `lines` a header parse reads before it stops (None: all of them).

    The scan goes from the first line on and stops on what it has read: the
    header of any text that starts with those lines depends on them only.
    """
    _, stop = _items(lines)
    return stop


# What `Updated`, `Last updated`, `Modified` labels start with (their pattern
# ignores case; no other character folds to these letters), and bylines by their
# first three characters (`names.HEADS`), so most lines skip their regexes.
_UPDATED_START = "uUlLmM"


def _classify(item: _Item) -> None:
    """Self-evident kinds: bylines, dates, `Updated:`."""
    s = item.text
    n = len(s)
    if n > MAX_META_LEN:
        return
    if s[:3].lower() in _BYLINE_HEADS:  # `is_byline_head`, inlined: most lines stop here
        names = parse_byline(s)
        if names:
            item.kind, item.names = _BYLINE, names
            return
    date = parse_date_line(s) if n <= MAX_NAME_LEN else None  # longer lines are no dates
    if date is not None:
        _, label, item.date = date
        updated = label is not None and UPDATED_LABEL.fullmatch(label) is not None
        item.kind = _UPDATED if updated else _DATE
    elif s[0] in _UPDATED_START and UPDATED_LABEL.fullmatch(s):
        item.kind, item.bare_updated = _UPDATED, True


def _maybe_metadata(it: _Item, title_key: str | None) -> bool:
    """Could N110 remove this line? Then a list must not end at it: after the
    header rule the bullets around it are neighbours, and N109 must have seen
    them as one list already."""
    return (
        it.kind in (_BYLINE, _DATE, _UPDATED)
        or it.bare_updated
        or is_bare_name(it.text)
        or _LOGO_LINE.fullmatch(it.text) is not None
        or _MD_TITLE.fullmatch(it.text) is not None
        or (title_key is not None and _title_key(it.text) == title_key)
    )


def _mark_related(items: list[_Item]) -> None:
    """Mark runs of 3+ bullet headlines that no line ending with `:` introduces.

    Lines other rules remove, and lines the header rule may remove, neither
    end a run nor introduce it.
    """
    if sum(1 for it in items if it.text[:1] in "-*•") < MIN_RELATED_RUN:
        return
    first = next((it for it in items if it.kind is not _SKIP), None)
    title_key = _title_key(first.text) if first is not None else None
    # A line ending with `:` introduces what follows, even where it could be a title
    # (the first line, once the title above it is gone).
    see_through = [
        it.kind is _SKIP
        or (
            it.kind is not _RELATED and not it.text.endswith(":") and _maybe_metadata(it, title_key)
        )
        for it in items
    ]
    i, n = 0, len(items)
    while i < n:
        if items[i].kind is not _CONTENT or not is_headline_item(items[i].text):
            i += 1
            continue
        run, j = [i], i + 1
        while j < n and (
            (items[j].kind is _CONTENT and is_headline_item(items[j].text)) or see_through[j]
        ):
            if items[j].kind is _CONTENT and is_headline_item(items[j].text):
                run.append(j)
            j += 1
        intro = next((items[k] for k in range(i - 1, -1, -1) if not see_through[k]), None)
        introduced = intro is not None and intro.kind is _CONTENT and intro.text.endswith(":")
        if len(run) >= MIN_RELATED_RUN and not introduced:
            for k in run:
                items[k].kind = _RELATED
        i = j


def _heading_text(line: str) -> str:
    """The text of a level-1 `# ` heading without its closing `#`s ("" if no heading)."""
    m = _MD_TITLE.fullmatch(line)
    return m["title"].rstrip(" \t#") if m is not None else ""


def _title_of(solid: list[_Item]) -> tuple[int, str | None, bool]:
    """(position, text, strong) of the title candidate among the header lines.

    A `# Title` heading is the title when only bylines, dates and logo lines
    (`BBC`, `MT`) come before it (strong); a plain line only when nothing but
    logo lines comes before it (to be confirmed).
    """
    h = 0
    for head in solid:
        if head.kind is _CONTENT and not _LOGO_LINE.fullmatch(head.text):
            break
        h += 1
    else:
        return -1, None, False
    title = _heading_text(head.text)
    if title:
        head.kind = _TITLE
        return h, clean_title(title), True
    # the content lines before `h` are logo lines (see the loop above)
    only_logos_before = all(it.kind is _CONTENT for it in solid[:h])
    if only_logos_before and is_title_like(head.text):
        head.kind = _TITLE
        return h, clean_title(head.text), False
    return h, None, False


def _mark_contextual(solid: list[_Item], title: str | None, h: int) -> None:
    """Repeated titles, bare names above a date (or under the title at `h`), logos."""
    longest = max(MAX_NAME_LEN, len(title) + 8 if title is not None else 0)
    title_key = _fold_quotes(title) if title is not None else None
    last = len(solid) - 1
    for pos, it in enumerate(solid):
        if it.kind is not _CONTENT or len(it.text) > longest:
            continue
        above_date = pos < last and solid[pos + 1].kind in (_DATE, _UPDATED)
        if title_key is not None and _title_key(it.text) == title_key:
            it.kind = _TITLE_REPEAT
        elif (above_date or (pos == h + 1 and title is not None)) and is_bare_name(it.text):
            it.kind, it.names = _NAME, bare_names(it.text)
            it.under_title = not above_date
        elif _LOGO_LINE.fullmatch(it.text):
            it.kind = _LOGO


def _zone(solid: list[_Item]) -> tuple[list[_Item], int]:
    """The header lines, and the index of the first body line that ended the scan."""
    zone: list[_Item] = []
    gap = 0
    for it in solid:
        if it.kind is _CONTENT:
            gap += 1
            if gap > MAX_GAP:
                return zone, it.index
        else:
            gap = 0
        zone.append(it)
    return zone, HEAD_LINES


def _standfirst(item: _Item | None) -> bool:
    """A sentence glued to the line above it (no blank line between)."""
    return (
        item is not None
        and item.glued
        and item.kind is _CONTENT
        and last_char(item.text) in SENTENCE_END
        and len(item.text.split()) >= MIN_STANDFIRST_WORDS
    )


def _confirm_title(solid: list[_Item], zone: list[_Item], title: str) -> bool:
    """A plain first line is a title only with evidence (see the module doc)."""
    if any(
        it.kind in (_BYLINE, _DATE, _UPDATED, _LOGO) or (it.kind is _NAME and not it.under_title)
        for it in zone
    ):
        return True
    second = solid[1] if len(solid) > 1 else None
    third = solid[2] if len(solid) > 2 else None
    if second is not None and _heading_of(title, second.text):
        return True  # the page's title, then the article's own heading of it
    kicker = second is not None and _HEADING.fullmatch(second.text) is not None
    if kicker and third is not None and _heading_of(title, third.text):
        return True  # the same, with a kicker heading (`### Sister Act`) between
    if second is not None and second.under_title:  # title, name, standfirst: all glued
        return second.glued and _standfirst(third)
    return _standfirst(second)


_SITE_SEPARATORS = "-|–—:·»/"


_HEADING = re.compile(r"#{1,6}[ \t]+\S.*")


def _heading_of(title: str, line: str) -> bool:
    """Is `line` a heading (`# `, `## `, ...) of `title` (cleaned): the same words, or
    the words before a site's name (`Title - Site`, `Title | Site`)?"""
    if _HEADING.fullmatch(line) is None:
        return False
    heading = _title_key(line.rstrip(" \t#"))
    title = _fold_quotes(title)
    if not heading or not title.startswith(heading):
        return False
    rest = title[len(heading) :].lstrip()
    return not rest or rest[0] in _SITE_SEPARATORS


def _round(solid: list[_Item]) -> tuple[str | None, list[_Item], int]:
    """One reading of the header lines: (title, removed metadata lines, stop index)."""
    h, title, strong = _title_of(solid)
    _mark_contextual(solid, title, h)
    zone, stop = _zone(solid)
    if title is not None and not strong and not _confirm_title(solid, zone, title):
        title = None
        for it in solid:
            if it.kind is _TITLE or it.kind is _TITLE_REPEAT or it.under_title:
                it.kind, it.names, it.under_title = _CONTENT, [], False
        zone, stop = _zone(solid)
    return title, [it for it in zone if it.kind in METADATA], stop


def _settled(solid: list[_Item]) -> bool:
    """True if a new reading of `solid` would find nothing: its first MAX_GAP + 1
    lines stay content (no title, repeat, logo, or name above a date among them),
    so the header zone ends before them. A cheap test that spares most documents
    the second reading; False only means "read again"."""
    head = solid[: MAX_GAP + 1]
    for it in head:
        if it.kind is not _CONTENT or _LOGO_LINE.fullmatch(it.text):
            return False
    if head and (_MD_TITLE.fullmatch(head[0].text) or is_title_like(head[0].text)):
        return False  # the title: without one, nothing is a repeat or a name under it
    if len(solid) > MAX_GAP + 1 and solid[MAX_GAP + 1].kind in (_DATE, _UPDATED):
        return not is_bare_name(solid[MAX_GAP].text)  # a name above a date
    return True


def parse_header(lines: Sequence[str]) -> Header:
    """Classify the header lines of a document given as its lines (see the module doc).

    The reading is repeated on what is left until it removes nothing more,
    each time as the next run would see it (every line separated by a blank
    line), so that normalizing twice removes nothing the first run kept.

    A document's header is parsed once, by its `Page`, and shared by the
    page rules and extraction: treat the result as read-only.
    """
    items, read = _items(lines)
    solid = [it for it in items if it.kind is not _SKIP]
    for it in solid:
        _classify(it)
    for a, b in itertools.pairwise(solid):
        if a.bare_updated and b.kind is _DATE:
            b.kind = _UPDATED  # `Updated:` alone: the next line holds the date
    _mark_related(items)
    solid = [it for it in solid if it.kind is not _RELATED]
    title, removed, stop = _round(solid)
    for it in removed:
        it.removed = True
    for _ in range(MAX_ROUNDS - 1):
        if not removed:
            break
        solid = [it for it in solid if not it.removed]
        for it in solid:
            it.glued = False
            if it.kind in _CONTEXTUAL:
                it.kind, it.names, it.under_title = _CONTENT, [], False
        if _settled(solid):
            break
        more_title, removed, _ = _round(solid)
        title = title or more_title
        for it in removed:
            it.removed = True
    return _collect(items, stop, title, read)


def _collect(items: list[_Item], stop: int, title: str | None, read: int | None) -> Header:
    header = Header(title=title or None, read=read)
    for it in items:
        origin = it.dup_of if it.dup_of is not None else it
        if origin.kind is _RELATED and it.index < stop:
            header.kinds[it.index] = _RELATED
        elif origin.removed:
            header.kinds[it.index] = origin.kind
            if it.dup_of is not None:
                continue
            if it.names:
                header.authors.extend(n for n in it.names if n not in header.authors)
            if it.kind is _DATE and header.published is None:
                header.published = it.date
            elif it.kind is _UPDATED and header.updated is None:
                header.updated = it.date
    return header
