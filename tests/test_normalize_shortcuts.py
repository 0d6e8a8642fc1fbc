"""The normalizer's shortcuts give the answer of the plain computation they replace.

A rule may skip work where a cheaper test proves it has none; these tests hold each
shortcut to the plain definition, on generated text and, where the shortcut rests on
facts about Unicode, on every character it names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from corpus_tool.normalize import RULES, Change, _common, _end_of_text, _span, _take_span, structure
from corpus_tool.normalize.chars import (
    _SUSPECT,
    NFC_SAFE,
    _clean_chars,
    unicode_cleanup,
    unusual_chars,
)
from corpus_tool.normalize.common import rewrite_lines
from corpus_tool.normalize.page import _HEAD_CHARS, _has_bullet_run

PROFILE = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with what N101 looks at: odd spaces, invisible and control characters,
# combining marks, and the punctuation of ordinary pages.
_PIECES = st.sampled_from(
    [
        "a", "e", "Z", " ", "\n", "\t", "\r", "’", "“", "”", "—", "–", "…", "é", "ß",
        "\u00a0", "\u2009", "\u200b", "\u00ad", "\ufeff", "\x00", "\x7f", "\x85", "\u0301",
        "\u0308", "\u0316", "\u0326", "\u3000", "\u1100", "\u1161", "\u0958", "\u212b",
        "\ud800", "Я", "中",
    ]
)  # fmt: skip
_TEXTS = st.one_of(st.text(), st.lists(_PIECES, max_size=40).map("".join))


def _unicode_cleanup_plain(text: str) -> str:
    """N101 as it reads without shortcuts."""
    if _SUSPECT.search(text) is not None:
        text = _clean_chars(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


@PROFILE
@given(_TEXTS)
def test_unicode_cleanup_is_its_plain_definition(text: str) -> None:
    assert unicode_cleanup(text) == _unicode_cleanup_plain(text)


@PROFILE
@given(_TEXTS)
def test_unusual_chars_are_the_text_without_plain_ascii(text: str) -> None:
    plain = {"\t", "\n", *map(chr, range(0x20, 0x7F))}
    assert unusual_chars(text) == "".join(c for c in text if c not in plain)


def test_nfc_safe_characters_never_make_a_text_other_than_nfc() -> None:
    seconds = set()  # every character that is the second of a canonical pair
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    ranges = [(NFC_SAFE[i], NFC_SAFE[i + 2]) for i in range(0, len(NFC_SAFE), 3)]
    assert all(NFC_SAFE[i + 1] == "-" for i in range(0, len(NFC_SAFE), 3))
    for lo, hi in ranges:
        for cp in range(ord(lo), ord(hi) + 1):
            c = chr(cp)
            assert unicodedata.combining(c) == 0, hex(cp)
            assert unicodedata.normalize("NFC", c) == c, hex(cp)
            assert c not in seconds, hex(cp)


_LINES = st.sampled_from(
    [
        "- Baku has won, Armenians are leaving NK",
        "* The unrecognised NKR will cease to exist",
        "• Reintegration of Karabakh Armenians",
        "  - An indented item of a list",
        "# Armenia Turns West",
        "By Jane Doe and John Roe",
        "September 28, 2023",
        "",
        "Yerevan has been shaken by protests this week.",
        "Original url:",
    ]
)  # fmt: skip


@PROFILE
@given(st.lists(_LINES, max_size=30), st.lists(st.booleans(), max_size=30))
def test_related_headlines_has_no_work_where_lines_go_from_a_text_without_a_run(
    lines: list[str], keep: list[bool]
) -> None:
    """N109 is not woken by a removal of lines from a text its guard read whole and
    found without three bullet lines (`_touches_list`): it would find nothing."""
    old = "\n".join(lines)
    if len(old) > _HEAD_CHARS or _has_bullet_run(old):
        return
    new = "\n".join(line for i, line in enumerate(lines) if i >= len(keep) or keep[i])
    assert RULES["N109"].func(new) == new


# ------------------------------------------------ the span an editor reports


def _plain_common(a: str, b: str, way: int) -> int:
    """The common prefix (`way` 1) or suffix (-1) of `a` and `b`, by its definition."""
    pairs = zip(a, b, strict=False) if way > 0 else zip(a[::-1], b[::-1], strict=False)
    return next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))


# Texts that share long runs, so a search goes past its first steps of 64 characters.
_SHARED = st.text(alphabet="ab \né中", max_size=300)
_ENDS = st.text(alphabet="abc\n", max_size=4)


@PROFILE
@given(_SHARED, _ENDS, _ENDS, _SHARED, st.sampled_from([1, -1]), st.floats(0, 1))
def test_common_from_a_known_length_is_the_plain_search(
    shared: str, a_end: str, b_end: str, other: str, way: int, where: float
) -> None:
    """`_common(a, b, way, start)` gives the full answer for any `start` up to it."""
    a, b = (shared + a_end, shared + b_end) if way > 0 else (a_end + shared, b_end + shared)
    a, b = (a + other, b) if way > 0 else (other + a, b)
    answer = _plain_common(a, b, way)
    assert _common(a, b, way) == answer
    assert _common(a, b, way, int(answer * where)) == answer


@PROFILE
@given(
    st.text(alphabet="a \t\n", max_size=20),
    st.integers(0, 150),
    st.sampled_from([" ", "\n", "\t", " \n", "\n\n\t"]),
    st.integers(0, 150),
    _ENDS,
    st.floats(0, 1),
)
def test_end_of_text_is_the_length_of_the_stripped_prefix(
    head: str, letters: int, blank: str, blanks: int, tail: str, where: float
) -> None:
    """Over runs of text and of blank space longer than the windows it reads."""
    text = head + "a" * letters + blank * blanks + tail
    end = int(len(text) * where)
    assert _end_of_text(text, end) == len(text[:end].rstrip(" \t\n"))


_SPAN_LINES = st.sampled_from(
    ["", " ", "\t", "x", "y", "xy", "x x", "a x b", "y and x", "plain words", "yy", "\u00e9x"]
)
# (finder, fix) pairs of `rewrite_lines`: removals, rewrites, a line emptied or grown.
_STEPS = st.sampled_from(
    [
        (re.compile("x"), lambda line: None),
        (re.compile("x"), lambda line: line.replace("x", "")),
        (re.compile(r"\ny"), lambda line: None if line == "y" else line[1:]),
        (re.compile("y"), lambda line: ""),
        (re.compile(r"\n"), lambda line: None if not line.strip() else line),
        (re.compile(r"a\b"), lambda line: line + " more"),
        (re.compile(r"\n[ \t]"), lambda line: line.strip()),
    ]
)


def _assert_bounds_hold(old: str, new: str, bounds: tuple[int, int]) -> None:
    """`bounds` are at most the common prefix and suffix, and the runner's answers from
    them are its answers without them."""
    assert bounds[0] <= _plain_common(old, new, 1)
    assert bounds[1] <= _plain_common(old, new, -1)
    told, plain = Change(old, new, bounds=bounds), Change(old, new)
    assert (told.prefix, told.suffix, told.lines) == (plain.prefix, plain.suffix, plain.lines)


@PROFILE
@given(st.lists(_SPAN_LINES, max_size=30), st.lists(_STEPS, min_size=1, max_size=3))
def test_a_rewrite_reports_bounds_that_hold_and_change_no_answer(
    lines: list[str], steps: list[tuple[re.Pattern[str], Callable[[str], str | None]]]
) -> None:
    """The span `rewrite_lines` reports, over one call or several in a row (a rule that
    edits in steps), bounds the common prefix and suffix from below, and the runner's
    answers from it are the answers without it."""
    old = "\n".join(lines)
    _take_span(old, old)  # an empty slot, as the runner leaves it
    new = old
    for finder, fix in steps:
        new = rewrite_lines(new, finder, fix)
    if new is not old:  # the report covers the whole edit, from the first text to the last
        last = _span[0]
        assert last is not None and last[0] is old and last[1] is new
    bounds = _take_span(old, new)
    if new is old:
        assert bounds == (0, 0)
        return
    _assert_bounds_hold(old, new, bounds)


def test_a_span_is_taken_only_for_the_very_texts_it_was_reported_for() -> None:
    old = "a\nx\nb"
    new = rewrite_lines(old, re.compile("x"), lambda line: None)
    assert new == "a\nb"
    assert _take_span("".join(["a\nx", "\nb"]), new) == (0, 0)  # equal, not the same
    new = rewrite_lines(old, re.compile("x"), lambda line: None)
    assert _take_span(old, new) == (1, 1)
    assert _take_span(old, new) == (0, 0)  # taken: the slot is empty


_FOOTER_LINES = st.sampled_from(
    [
        "Original url:",
        "<https://example.com/a>",
        "Original URL: https://example.com/b",
        "Source: https://example.org/c",
        "",
        "  ",
        "The article goes on here.",
    ]
)


@PROFILE
@given(st.lists(_LINES, max_size=20), st.lists(_FOOTER_LINES, max_size=6))
def test_the_footer_rule_reports_bounds_that_hold(body: list[str], tail: list[str]) -> None:
    """N112 reports that it keeps the text before the footer: a bound that holds."""
    old = "\n".join(body + tail)
    _take_span(old, old)
    new = RULES["N112"].func(old)  # parses its own Page, as the runner would
    bounds = _take_span(old, new)
    if new is old:
        assert bounds == (0, 0)
        return
    _assert_bounds_hold(old, new, bounds)


class _Everything(frozenset[str]):
    """A first test's set of first words that meets every set and holds every word."""

    def isdisjoint(self, other: object) -> bool:
        return False

    def __contains__(self, word: object) -> bool:
        return True


def _without_first_tests(code: str, text: str) -> str:
    """The rule's answer with its first test passing every text."""
    real = (
        structure.short_lines,
        structure._any_short,
        structure._any_label,
        structure._may_hold_trailer,
    )

    def everything(text: str) -> structure.Short:
        scan = real[0](text)
        firsts = _Everything(scan.firsts | {"1", "1/2", "a-b", "a_b"})
        return structure.Short(scan.joined, firsts, firsts, 10**6, True)

    structure.short_lines = everything  # type: ignore[assignment]
    structure._any_short = lambda *args: True
    structure._any_label = lambda *args: True
    structure._may_hold_trailer = lambda *args: True
    try:
        return RULES[code].func(text)
    finally:
        (
            structure.short_lines,
            structure._any_short,
            structure._any_label,
            structure._may_hold_trailer,
        ) = real


# Lines for the trailer rule's first test: what trailer lines open with, in any case and
# under any mark, prose sentences that stop its scan, and the `Original url:` footer.
_TRAILER_OPENERS = st.sampled_from(
    [
        "originally published at", "first published in", "first appeared on",
        "this story was first posted by", "more information:", "journal information:",
        "provided by", "Jane Doe is a Writer/Editor at", "Jane Doe is a staff reporter for",
        "Jane Doe is an analyst at", "this work is licensed under", "all rights reserved",
        "about example corp", "the views expressed in comments reflect", "citation:",
        "retrieved 3 May 2021 from", "contact the author", "powered by", "コメントは見解",
        "Example is a trade mark of", "the opinions expressed", "republished from",
        "send corrections to", "the city council", "more from", "first, the council",
    ]
)  # fmt: skip
_CASES = st.sampled_from([str, str.capitalize, str.upper, str.title])
_LEAD_MARKS = st.sampled_from(["", "", "*", "**", "_", "# ", "### ", "- ", "1. ", "[", "> "])
_TRAILER_LINE = st.builds(
    lambda lead, case, opener, rest, end: lead + case(opener) + rest + end,
    _LEAD_MARKS,
    _CASES,
    _TRAILER_OPENERS,
    st.sampled_from(["", " Example News", " the Example Institute, in 2021", " us"]),
    st.sampled_from(["", ".", ":", "*", "**", ".*", "](#)"]),
)
_SENTENCE = st.sampled_from(
    [
        "The city council voted on Tuesday to close the old bridge for repairs.",
        "Engineers found cracks in two of the supports during an inspection last month.",
        "“We had no choice,” the mayor said of the repairs, which will take six months.",
        "Traffic will move to the river crossing downtown while the work goes on",
        "The council voted.",
        "Work starts in May, the mayor said.",
    ]
)
_TRAILER_TEXT = st.lists(
    st.one_of(
        _TRAILER_LINE,
        _SENTENCE,
        st.just(""),
        st.just("Original url:"),
        st.just("<https://example.org/a>"),
    ),
    max_size=16,
).map("\n".join)


@PROFILE
@given(_TRAILER_TEXT)
@example("The council met.\nIt voted.\n# about example corp\nExample Corp builds bridges.")
@example("The council met.\nIt voted.\n**ÜBER EXAMPLE CORP**\nExample Corp builds bridges.")
@example("Jane Doe is an analyst at the Example Institute.")
@example("Jane Doe is the analyst-in-residence at Example.")
@example("1. Jane Doe is a Writer/Editor at the Example Center.")
@example("Provided by Example University\nThe council voted.\nWork starts in May, the mayor said.")
def test_the_trailer_rules_first_test_never_skips_work(text: str) -> None:
    """N122 with its first test gives what it gives without it."""
    assert RULES["N122"].func(text) == _without_first_tests("N122", text)


# Lines for the first tests of N119-N121 and N123, which read a text's short lines:
# labels, controls and prompts, linked to nowhere or to a long address (a link counts by
# its text, as the rules read it), gallery items, and the prose around them.
_OPENING_LINES = st.sampled_from(
    [
        "Share on Facebook", "Print", "1 of 5", "Log In", "Loading comments...", "#tag #news",
        "- col-md-6", "Related", "Read more:", "More from Politics", "You might also like",
        "Most read", "Tags: [a](#), [b](#)", "Comments", "12 Comments", "Leave a Reply",
        "Join the discussion", "jdoe • 2 weeks ago", "Reply", "jdoe wrote:",
        "Download our app", "Get our newsletter delivered to your inbox",
        "Follow us on Twitter", "Have a tip? Send us a message", "Support our journalism",
        "[Headline of another story](#)", "[x](#)[y](#)[z](#)", "2 of 3 The crowd at the quay",
    ]
)  # fmt: skip
_TARGETS = st.sampled_from(["", "(#)", "(https://www.example.com/" + "a/" * 40 + "?utm=x)"])
_SHORT_LINE = st.builds(
    lambda lead, text, target, tail: lead + (f"[{text}]{target}" if target else text) + tail,
    st.sampled_from(["", "**", "*", "### ", "- ", "[", "> "]),
    _OPENING_LINES,
    _TARGETS,
    st.sampled_from(["", ".", " and more words here " * 3, " caption" * 20]),
)
_SHORT_LINES_TEXT = st.lists(
    st.one_of(_SHORT_LINE, _SENTENCE, _SENTENCE, st.just("")), max_size=20
).map("\n".join)


@PROFILE
@given(st.sampled_from(["N119", "N120", "N121", "N123"]), _SHORT_LINES_TEXT)
@example("N121", "[Share on Facebook](https://www.example.com/" + "a/" * 40 + ")")
@example("N120", "1 of 3 " + "caption " * 20 + "\n2 of 3 x\n3 of 3 y")
def test_the_short_line_first_tests_never_skip_work(code: str, text: str) -> None:
    """N119-N121 and N123 with their first tests give what they give without them.
    N123's reads lines of up to SHORT_LINE characters, as its docstring says: a longer
    call is its known gap, left out here."""
    if code == "N123":
        lines = text.split("\n")
        assume(all(len(x) <= structure.SHORT_LINE or structure._short_as_read(x) for x in lines))
    assert RULES[code].func(text) == _without_first_tests(code, text)


# Lines that open, or nearly open, with a call: marks, punctuation, odd spaces and links
# without words before the first word, in any case, and what can follow it.
_CALL_LINE = st.builds(
    lambda leads, case, word, after, rest: "".join(leads) + case(word) + after + rest,
    st.lists(
        st.sampled_from(
            ["", " ", "\t", "\u00a0", "*", "_", "#", "[", "]", "(", ")", ".", "…", "•", "[](#)",
             "[](https://example.com/a)", "[*](x)", "](", "x"]
        ),
        max_size=4,
    ),
    _CASES,
    st.sampled_from([*sorted(structure._PROMPT_STARTS), "getaway", "nowhere", "x"]),
    st.sampled_from(["", " ", ".", "!", "’s", "'", "]", "](#)", "**", "_", "-", "\u00a0", "x"]),
    st.sampled_from(["", " our app", " the newsletter in your inbox" * 12]),
)  # fmt: skip


# A call whose first word a link cuts: `first_word` reads the links' text run together.
_CUT_CALL = st.builds(
    lambda lead, word, at, cut, rest: lead + word[:at] + cut + word[at:] + rest,
    st.sampled_from(["", "[", "- [", "**["]),
    st.sampled_from(sorted(structure._PROMPT_STARTS)).map(str.capitalize),
    st.integers(0, 8),
    st.sampled_from(["](#)", "](#)[", "[](u)", "[", "](https://example.com/a)"]),
    st.sampled_from(["", " our app", "](#) our app"]),
)


@PROFILE
@given(st.one_of(_CALL_LINE, _CUT_CALL, st.text().map(lambda t: t.replace("\n", " "))))
@example("[](https://example.com/a) Get our app")
@example("\u00a0Follow us on Twitter")
@example("[Down](#)[load](#) our app")
@example("Down[load](#) our app")
def test_the_prompt_finder_finds_every_line_that_opens_with_a_call(line: str) -> None:
    """N123 visits only the lines its finder finds: every line it could remove is one."""
    if len(line) <= structure.MAX_PROMPT_CHARS and structure._prompt_candidate(line.strip(" \t")):
        assert structure._PROMPT_FINDER.search("\n" + line) is not None
