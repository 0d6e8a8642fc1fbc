"""The normalizer's shortcuts give the answer of the plain computation they replace.

A rule may skip work where a cheaper test proves it has none; these tests hold each
shortcut to the plain definition, on generated text and, where the shortcut rests on
facts about Unicode, on every character it names.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_tool.normalize import RULES
from corpus_tool.normalize.chars import (
    _SUSPECT,
    NFC_SAFE,
    _clean_chars,
    unicode_cleanup,
    unusual_chars,
)
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
