"""The header parser shared by N109/N110 and metadata extraction.

A scraped article starts with a few lines of page metadata mixed with content:

    # Title                      <- TITLE (or a plain first line, see below)
    Deck sentence.               <- content (kept)
    Title                        <- TITLE_REPEAT
    Caption. (Photo credit)      <- content (kept)
    By [Jane Doe](#)             <- BYLINE
    Jane Doe                     <- NAME (bare, directly above a date or under the title)
    September 28, 2023           <- DATE
    Updated: 9/27/2023           <- UPDATED (one line, or `Updated:` then a date line)
    MT                           <- LOGO (1-5 capitals)

`parse_header` classifies the first lines; the N110 rule removes what it calls
metadata and `corpus_tool.extract` reads title, authors and dates from the
same result, so the two never disagree.

Where the header ends: scanning stops after more than `MAX_GAP` content lines
in a row; lines after that are body even if they look like a date. Lines other
rules remove anyway (newsletter prompts, promo lines, timestamps, credit-only
lines, a related-headlines list, a line repeating the previous one) are
transparent: they neither end the header nor count as content, so the result
is the same whether or not those rules ran first.

The title is a `# ` heading with only bylines and dates before it, or a plain
first line that looks like one (at most 30 words, not ending with `.`, `,`,
`;` or `:`) and is backed by evidence: another metadata line in the header
(byline, bare name above a date, date, updated, logo), or a standfirst
sentence directly on the next line with no blank line between (seed 004),
possibly after a bare name line glued the same way. The second kind of
evidence cannot fire on normalized text, where every line is followed by a
blank line: once the title is gone, a section heading that now opens the text
is not mistaken for a new title. A plain title with neither (a title line, a
blank line, the body) is kept as text: nothing tells it from a heading.

Idempotence: the reading is repeated on the lines it leaves, each time as the
next run would see them (blank-separated), until it removes nothing more. On
real pages the second reading finds nothing; on odd ones (two titles, a
repeated line that becomes the title once the first is gone) it removes now
what a second run would remove later.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from corpus_tool.normalize.boilerplate import (
    is_credit_line,
    is_newsletter_prompt,
    is_promo_line,
    is_timestamp,
)
from corpus_tool.normalize.common import SENTENCE_END, last_char, unlink

MAX_GAP = 2  # content lines in a row allowed inside the header (003: deck, caption)
MAX_ITEMS = 30  # non-blank lines examined at most
HEAD_LINES = 80  # raw lines handed to the parser at most (blank lines included)
MAX_META_LEN = 200  # metadata lines are short; longer lines are content
MAX_NAME_LEN = 80  # bare names, dates, logos and `Updated:` lines are shorter
MAX_ARTIFACT_LEN = 300  # prompts, promo lines, credit-only lines, timestamps are shorter
MAX_TITLE_WORDS = 30
MIN_RELATED_RUN = 3  # bullet headlines in a row that make a related-headlines list
MIN_HEADLINE_WORDS = 4  # shorter bullets are list items, not headlines
MAX_HEADLINE_WORDS = 20
MIN_STANDFIRST_WORDS = 5
MAX_ROUNDS = 4  # readings of the header; a second one rarely finds anything


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


# Tuples, not sets: membership by identity, without Enum's Python-level __hash__.
_CONTEXTUAL = (Kind.TITLE, Kind.TITLE_REPEAT, Kind.NAME, Kind.LOGO)  # depend on neighbours
METADATA = (
    Kind.TITLE, Kind.TITLE_REPEAT, Kind.BYLINE, Kind.NAME, Kind.DATE, Kind.UPDATED, Kind.LOGO
)  # fmt: skip


@dataclass(slots=True)
class Header:
    """What `parse_header` found: a kind per classified line index, and the values."""

    kinds: dict[int, Kind] = field(default_factory=dict)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    updated: dt.date | None = None

    def lines_of(self, *kinds: Kind) -> set[int]:
        return {i for i, k in self.kinds.items() if k in kinds}

    @property
    def metadata_lines(self) -> set[int]:
        return {i for i, k in self.kinds.items() if k in METADATA}


# ---------------------------------------------------------------- dates
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,?"
)
_TIME = r"\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?"
_DATE_CORE = (
    rf"(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH}),?\s+(?P<year2>\d{{4}})"
    r"|(?P<n1>\d{1,2})/(?P<n2>\d{1,2})/(?P<ny>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{4}))"
)
_DATE_LINE = re.compile(
    r"(?:(?P<label>published|posted|updated|last\s+updated|modified|date)(?:\s+on)?\s*:?\s*)?"
    rf"(?:{_TIME}\s*[,|·–—-]?\s*)?(?:{_WEEKDAY}\s+)?{_DATE_CORE}"
    rf"(?:\s*(?:,|at|\||·|–|—|-)?\s*{_TIME})?",
    re.IGNORECASE,
)
_UPDATED_LABEL = re.compile(r"(?:updated|last\s+updated|modified)(?:\s+on)?\s*:?", re.IGNORECASE)


_DIGIT = re.compile(r"\d")


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date_line(line: str) -> tuple[bool, str | None, dt.date | None] | None:
    """`Sept. 28, 2023` -> (True, label, date); None if the line is not a date line.

    The date is None when the line has the shape of a date but names no real
    day (`2/30/2023`). `9/26/2023` is month/day/year (US) unless the first
    number cannot be a month (`26/9/2023`); `12.10.2023` is day.month.year.
    """
    if len(line) > MAX_NAME_LEN or _DIGIT.search(line) is None:
        return None
    m = _DATE_LINE.fullmatch(line)
    if m is None:
        return None
    label = m["label"].lower() if m["label"] else None
    if m["mon"]:
        value = _safe_date(int(m["year"]), _MONTHS[m["mon"].rstrip(".").lower()], int(m["day"]))
    elif m["mon2"]:
        value = _safe_date(int(m["year2"]), _MONTHS[m["mon2"].rstrip(".").lower()], int(m["day2"]))
    elif m["ny"]:
        a, b = int(m["n1"]), int(m["n2"])
        month, day = (b, a) if a > 12 >= b else (a, b)
        value = _safe_date(int(m["ny"]), month, day)
    elif m["dy"]:
        value = _safe_date(int(m["dy"]), int(m["dm"]), int(m["dd"]))
    else:
        value = _safe_date(int(m["iy"]), int(m["im"]), int(m["id"]))
    return True, label, value


# ---------------------------------------------------------------- names
_BYLINE = re.compile(r"(?:by|written\s+by|words\s+by)\s+(?P<names>\S.*)", re.IGNORECASE)
_NAME_SEP = re.compile(r"\s*(?:,\s*and\s+|,|\s+and\s+|&|\||;)\s*")
_PARTICLES = frozenset({
    "de", "da", "del", "der", "den", "di", "du", "dos", "la", "le", "van", "von", "al", "bin",
    "ibn", "ben", "y",
})  # fmt: skip
_NAME_CHARS = frozenset("'’.-")
AGENCIES = frozenset({
    "AFP", "AP", "Reuters", "TASS", "Interfax", "Xinhua", "UPI", "DPA", "EFE", "ANSA",
    "Bloomberg", "RIA", "Sputnik", "Anadolu", "Associated Press", "Agence France-Presse",
    "Staff", "Staff Reporter", "Staff Writer",
})  # fmt: skip
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


# ---------------------------------------------------------------- titles and lists
# Level 1 only: `## x` is a section. The closing `#`s are stripped in code
# (`_md_title`): a lazy title before them would rescan the line at every step.
_MD_TITLE = re.compile(r"#[ \t]+(?P<title>.*)")
_LOGO = re.compile(r"[A-Z]{1,5}")
_BULLET = re.compile(r"[-*•][ \t]+(?P<item>\S.*)")


def clean_title(title: str) -> str:
    return unlink(title).strip(" \t*_")


def is_title_like(line: str) -> bool:
    """At most 30 words, not a list item, not ending like a sentence or a label."""
    if len(line) > 250 or _BULLET.fullmatch(line) or not any(c.isalpha() for c in line):
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
    kind: Kind = Kind.CONTENT
    dup_of: _Item | None = None  # the previous line repeated (N111 keeps one)
    names: list[str] = field(default_factory=list)
    date: dt.date | None = None
    bare_updated: bool = False
    under_title: bool = False  # a bare name right under a title, pending its evidence
    removed: bool = False  # metadata inside the header zone: the N110 rule removes it


def _plain_content(line: str, first: str | None) -> bool:
    """True if `line` can only be content: cheap test that lets the scan stop early."""
    return (
        len(line) > MAX_NAME_LEN
        and line != first
        and line[:1] not in "-*•#"
        and line[:3].lower() not in ("by ", "wri", "wor")
    )


def _items(lines: Sequence[str]) -> tuple[list[_Item], int | None]:
    """The first non-blank lines, with repeats and other rules' artifacts marked,
    and how many of `lines` were read if the scan stopped early (None: all).

    Stops after MAX_GAP + 1 lines in a row that can only be content: the scan
    in `_zone` would stop there anyway, and the rest of the text is not read.
    """
    items: list[_Item] = []
    prev: _Item | None = None
    first: str | None = None
    glued = False
    plain = 0
    for i, raw in enumerate(lines[:HEAD_LINES]):
        s = raw.strip(" \t")
        if not s:
            glued = False
            continue
        if prev is not None and s == prev.text:
            items.append(_Item(i, s, glued, Kind.SKIP, dup_of=prev))
        elif len(s) <= MAX_ARTIFACT_LEN and is_credit_line(s):
            items.append(_Item(i, s, False, Kind.SKIP))  # N107 empties it: counts as blank
            glued = False
            continue
        elif len(s) <= MAX_ARTIFACT_LEN and (
            is_timestamp(s) or is_newsletter_prompt(s) or is_promo_line(s)
        ):
            items.append(_Item(i, s, glued, Kind.SKIP))  # dropped by its rule
        else:
            prev = _Item(i, s, glued)
            items.append(prev)
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


def stops_within(lines: Sequence[str]) -> bool:
    """Does a header parse of any text starting with `lines` stop reading within them?

    Then the header of such a text depends on these lines only, whatever follows.
    """
    _, stop = _items(lines)
    return stop is not None


def _classify(item: _Item) -> None:
    """Self-evident kinds: bylines, dates, `Updated:`."""
    s = item.text
    if len(s) > MAX_META_LEN:
        return
    names = parse_byline(s)
    if names:
        item.kind, item.names = Kind.BYLINE, names
        return
    date = parse_date_line(s)
    if date is not None:
        _, label, item.date = date
        updated = label is not None and _UPDATED_LABEL.fullmatch(label) is not None
        item.kind = Kind.UPDATED if updated else Kind.DATE
    elif _UPDATED_LABEL.fullmatch(s):
        item.kind, item.bare_updated = Kind.UPDATED, True


def _maybe_metadata(it: _Item, title_key: str | None) -> bool:
    """Could N110 remove this line? Then a list must not end at it: after the
    header rule the bullets around it are neighbours, and N109 must have seen
    them as one list already."""
    return (
        it.kind in (Kind.BYLINE, Kind.DATE, Kind.UPDATED)
        or it.bare_updated
        or is_bare_name(it.text)
        or _LOGO.fullmatch(it.text) is not None
        or _MD_TITLE.fullmatch(it.text) is not None
        or (title_key is not None and clean_title(it.text.lstrip("# ")) == title_key)
    )


def _mark_related(items: list[_Item]) -> None:
    """Mark runs of 3+ bullet headlines that no line ending with `:` introduces.

    Lines other rules remove, and lines the header rule may remove, neither
    end a run nor introduce it.
    """
    if sum(1 for it in items if it.text[:1] in "-*•") < MIN_RELATED_RUN:
        return
    first = next((it for it in items if it.kind is not Kind.SKIP), None)
    title_key = clean_title(first.text.lstrip("# ")) if first is not None else None
    see_through = [
        it.kind is Kind.SKIP or (it.kind is not Kind.RELATED and _maybe_metadata(it, title_key))
        for it in items
    ]
    i, n = 0, len(items)
    while i < n:
        if items[i].kind is not Kind.CONTENT or not is_headline_item(items[i].text):
            i += 1
            continue
        run, j = [i], i + 1
        while j < n and (
            (items[j].kind is Kind.CONTENT and is_headline_item(items[j].text)) or see_through[j]
        ):
            if items[j].kind is Kind.CONTENT and is_headline_item(items[j].text):
                run.append(j)
            j += 1
        intro = next((items[k] for k in range(i - 1, -1, -1) if not see_through[k]), None)
        introduced = intro is not None and intro.kind is Kind.CONTENT and intro.text.endswith(":")
        if len(run) >= MIN_RELATED_RUN and not introduced:
            for k in run:
                items[k].kind = Kind.RELATED
        i = j


def _title_of(solid: list[_Item]) -> tuple[int, str | None, bool]:
    """(position, text, strong) of the title candidate among the header lines.

    A `# Title` heading is the title when only bylines, dates and logo lines
    (`BBC`, `MT`) come before it (strong); a plain line only when nothing but
    logo lines comes before it (to be confirmed).
    """
    h = next(
        (
            k
            for k, it in enumerate(solid)
            if it.kind is Kind.CONTENT and not _LOGO.fullmatch(it.text)
        ),
        -1,
    )
    if h < 0:
        return h, None, False
    head = solid[h]
    m = _MD_TITLE.fullmatch(head.text)
    title = m["title"].rstrip(" \t#") if m is not None else ""
    if title:
        head.kind = Kind.TITLE
        return h, clean_title(title), True
    only_logos_before = all(
        it.kind is Kind.CONTENT and _LOGO.fullmatch(it.text) for it in solid[:h]
    )
    if only_logos_before and is_title_like(head.text):
        head.kind = Kind.TITLE
        return h, clean_title(head.text), False
    return h, None, False


def _mark_contextual(solid: list[_Item], title: str | None, h: int) -> None:
    """Repeated titles, bare names above a date (or under the title at `h`), logos."""
    longest = max(MAX_NAME_LEN, len(title) + 8 if title is not None else 0)
    for pos, it in enumerate(solid):
        if it.kind is not Kind.CONTENT or len(it.text) > longest:
            continue
        nxt = solid[pos + 1] if pos + 1 < len(solid) else None
        above_date = nxt is not None and nxt.kind in (Kind.DATE, Kind.UPDATED)
        if title is not None and clean_title(it.text.lstrip("# ")) == title:
            it.kind = Kind.TITLE_REPEAT
        elif (above_date or (pos == h + 1 and title is not None)) and is_bare_name(it.text):
            it.kind, it.names = Kind.NAME, [unlink(it.text).strip(" *_")]
            it.under_title = not above_date
        elif _LOGO.fullmatch(it.text):
            it.kind = Kind.LOGO


def _zone(solid: list[_Item]) -> tuple[list[_Item], int]:
    """The header lines, and the index of the first body line that ended the scan."""
    zone: list[_Item] = []
    gap = 0
    for it in solid:
        if it.kind is Kind.CONTENT:
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
        and item.kind is Kind.CONTENT
        and last_char(item.text) in SENTENCE_END
        and len(item.text.split()) >= MIN_STANDFIRST_WORDS
    )


def _confirm_title(solid: list[_Item], zone: list[_Item]) -> bool:
    """A plain first line is a title only with evidence (see the module doc)."""
    if any(
        it.kind in (Kind.BYLINE, Kind.DATE, Kind.UPDATED, Kind.LOGO)
        or (it.kind is Kind.NAME and not it.under_title)
        for it in zone
    ):
        return True
    second = solid[1] if len(solid) > 1 else None
    third = solid[2] if len(solid) > 2 else None
    if second is not None and second.under_title:  # title, name, standfirst: all glued
        return second.glued and _standfirst(third)
    return _standfirst(second)


def _round(solid: list[_Item]) -> tuple[str | None, list[_Item], int]:
    """One reading of the header lines: (title, removed metadata lines, stop index)."""
    h, title, strong = _title_of(solid)
    _mark_contextual(solid, title, h)
    zone, stop = _zone(solid)
    if title is not None and not strong and not _confirm_title(solid, zone):
        title = None
        for it in solid:
            if it.kind is Kind.TITLE or it.kind is Kind.TITLE_REPEAT or it.under_title:
                it.kind, it.names, it.under_title = Kind.CONTENT, [], False
        zone, stop = _zone(solid)
    return title, [it for it in zone if it.kind in METADATA], stop


def parse_header(lines: Sequence[str]) -> Header:
    """Classify the header lines of a document given as its lines (see the module doc).

    The reading is repeated on what is left until it removes nothing more,
    each time as the next run would see it (every line separated by a blank
    line), so that normalizing twice removes nothing the first run kept.

    The result is shared between callers that pass the same lines (extraction
    and the N110 rule read the same header): treat it as read-only.
    """
    return _parse_header(tuple(lines))


@functools.lru_cache(maxsize=16)
def _parse_header(lines: tuple[str, ...]) -> Header:
    items, _ = _items(lines)
    solid = [it for it in items if it.kind is not Kind.SKIP]
    for it in solid:
        _classify(it)
    for a, b in itertools.pairwise(solid):
        if a.bare_updated and b.kind is Kind.DATE:
            b.kind = Kind.UPDATED  # `Updated:` alone: the next line holds the date
    _mark_related(items)
    solid = [it for it in solid if it.kind is not Kind.RELATED]
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
                it.kind, it.names, it.under_title = Kind.CONTENT, [], False
        more_title, removed, _ = _round(solid)
        title = title or more_title
        for it in removed:
            it.removed = True
    return _collect(items, stop, title)


def _collect(items: list[_Item], stop: int, title: str | None) -> Header:
    header = Header(title=title or None)
    for it in items:
        origin = it.dup_of if it.dup_of is not None else it
        if origin.kind is Kind.RELATED and it.index < stop:
            header.kinds[it.index] = Kind.RELATED
        elif origin.removed:
            header.kinds[it.index] = origin.kind
            if it.dup_of is not None:
                continue
            header.authors.extend(n for n in it.names if n not in header.authors)
            if it.kind is Kind.DATE and header.published is None:
                header.published = it.date
            elif it.kind is Kind.UPDATED and header.updated is None:
                header.updated = it.date
    return header
