"""Invariants of the normalizer, checked with generated text.

- idempotence: normalize(normalize(x)) == normalize(x), for any str;
- it never raises;
- it never loses a content sentence mixed with artifact lines.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from corpus_tool.normalize import RULES, normalize

PROFILE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines of page furniture in the variants the seeds and the benchmark show.
ARTIFACTS = [
    "# Armenia Turns West",
    "Frustration With Russia Grows in Armenia",
    "By [Moscow Times Reporter](#)",
    "By Robyn DixonFrancesca Ebel",
    "By Jane Doe and John Roe",
    "By [Anna Keller](#), Lucas Ebel and AFP",
    "Adam Morrow",
    "AFP",
    "MT",
    "September 28, 2023",
    "Sept. 28, 2023",
    "Thursday, 28 September 2023",
    "9/26/2023",
    "2023-09-26",
    "2/30/2023",
    "Updated:",
    "Updated: 9/27/2023",
    "0:00",
    "0:00 / 3:45",
    "Get the Mirror in your inbox:",
    "Get the Mirror-Spectator Weekly in your inbox:",
    "Sign up for our Morning Brief newsletter",
    "**Related article:** [In Photos: Refugees Arrive in Armenia](#)",
    "READ MORE: Putin Warns Yerevan",
    "See also:",
    "(Photo: AP)",
    "(Hayk Baghdasaryan/Photolure via Reuters)",
    "Caption of a protest in Yerevan. (Video: Reuters)",
    "Smoke rises near Stepanakert. (Greg Nash-Pool/Getty Images)",
    "Demonstrators gather. **Alexander Patrin/TASS**",
    "- Baku has won, Armenians are leaving NK",
    "- The unrecognised NKR will cease to exist",
    "- Reintegration of Karabakh Armenians. “This is fantastic!”",
    "* [Putin Warns Yerevan Over Rome Statute](https://example.com/a)",
    "PM Questions Alliance",
    "‘Geopolitical Games’",
    "Assessment of the situation by Armenian experts",
    "Original url:",
    "Original URL: <https://www.themoscowtimes.com/2023/09/28/a-82586>",
    "<https://www.themoscowtimes.com/2023/09/28/a-82586>",
    "https://example.com/x",
    "\\[x\\](#) and s\\*\\*\\*",
    "[[Azerbaijani President Ilham] Aliyev](#) spoke",
    "[remarks]",
    "Zu\u0308rich café",
    "\ufeff\u200b",
    "",
]
SEPARATORS = ["\n", "\n\n", "\r\n", "\r\n\r\n", "\n \t\n", "\n\n\n"]
DECORATIONS = ["", " ", "\t", " \t ", "\u00a0"]

WORDS = [
    "armenia", "russia", "peacekeepers", "refugees", "yerevan", "baku", "ceasefire", "corridor",
    "ministry", "border", "talks", "protest", "alliance", "region", "government", "statement",
    "capital", "offensive", "winter", "supplies",
]  # fmt: skip
OPENERS = [
    "The", "Officials", "Many", "Several", "Residents", "Analysts", "Diplomats", "Most", "Some",
    "Soldiers",
]  # fmt: skip


@st.composite
def content_sentence(draw: st.DrawFn) -> tuple[str, str]:
    """(raw, expected) — a plain sentence, sometimes with an editorial bracket or a dead link."""
    words = [draw(st.sampled_from(OPENERS))]
    words += draw(st.lists(st.sampled_from(WORDS), min_size=5, max_size=14))
    words.append(str(draw(st.integers(0, 10**6))))  # unique-ish tail
    raw = expected = " ".join(words)
    kind = draw(st.sampled_from(["plain", "bracket", "dead-link", "escaped"]))
    if kind == "bracket":
        raw = expected = raw + " [by Azerbaijan] said"
    elif kind == "dead-link":
        raw, expected = raw + " [killed](#) here", expected + " killed here"
    elif kind == "escaped":
        raw, expected = raw + " s\\*\\*\\* it", expected + " s*** it"
    return raw + ".", expected + "."


@st.composite
def document(draw: st.DrawFn, content: bool = True) -> tuple[str, list[str]]:
    """A scraped document: lines of content and furniture, joined in the ways scrapers do."""
    sentences = draw(st.lists(content_sentence(), min_size=int(content), max_size=8, unique=True))
    pieces: list[tuple[str, str | None]] = [(raw, exp) for raw, exp in sentences]
    n_artifacts = draw(st.integers(0, 12))
    for _ in range(n_artifacts):
        at = draw(st.integers(0, len(pieces)))
        pieces.insert(at, (draw(st.sampled_from(ARTIFACTS)), None))
    parts = [draw(st.sampled_from(DECORATIONS)) + line + draw(st.sampled_from(DECORATIONS))
             for line, _ in pieces]  # fmt: skip
    text = ""
    for i, part in enumerate(parts):
        text += (
            draw(st.sampled_from(SEPARATORS)) if i else draw(st.sampled_from(["", "\n\n"]))
        ) + part
    expected = [exp for _, exp in pieces if exp is not None]
    return text, expected


SOUP_TOKENS = [
    *'[]()#\\*_-:/<> \n\r\t.!?"“”aAB01\u00a0\u200b\u0301é',
    "By ",
    "0:00",
    "](#)",
    "http://",
]
MARKUP_SOUP = st.lists(st.sampled_from(SOUP_TOKENS), max_size=120).map("".join)


def _assert_idempotent(text: str) -> None:
    once = normalize(text)
    twice = normalize(once.text)
    assert twice.text == once.text, (text, once.text, twice.applied)


@PROFILE
@given(st.text())
def test_idempotent_on_any_text(text: str) -> None:
    _assert_idempotent(text)


@PROFILE
@given(MARKUP_SOUP)
@example(" #é")  # an indented hashtag line: N121's first test must read past the indent
def test_idempotent_on_markup_soup(text: str) -> None:
    _assert_idempotent(text)


@PROFILE
@given(document(content=False))
def test_idempotent_on_documents(doc: tuple[str, list[str]]) -> None:
    _assert_idempotent(doc[0])


@PROFILE
@given(document())
def test_content_sentences_survive_in_order(doc: tuple[str, list[str]]) -> None:
    text, expected = doc
    out = " ".join(normalize(text).text.split())
    pos = 0
    for sentence in expected:
        found = out.find(" ".join(sentence.split()), pos)
        assert found >= 0, (sentence, out)
        pos = found + len(sentence)


@PROFILE
@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_never_raises_even_with_surrogates(text: str) -> None:
    for rule in RULES.values():
        assert isinstance(rule.func(text), str)


# Lines of markdown blocks whose own layout N113 keeps: code fences and table rows.
BLOCK_LINES = [
    "```", "```python", "~~~", "````", "| a | b |", "|---|---|", "  | 1 | 2 |  ",
    "    indented(code)", "\tx = 1  ", "", "  ", "A plain sentence of the article.",
    "# Heading", "- item", "A line with ```inline``` code.",
]  # fmt: skip


@PROFILE
@given(st.lists(st.sampled_from(BLOCK_LINES), max_size=30))
@example(["```", "", "    indented(code)", "", "```"])
def test_layout_keeps_every_line_in_order(lines: list[str]) -> None:
    text = "\n".join(lines)
    out = RULES["N113"].func(text)
    assert RULES["N113"].func(out) == out
    assert [x.strip() for x in out.split("\n") if x.strip()] == [
        x.strip() for x in lines if x.strip()
    ]
    assert out == out.strip() and all(line == line.rstrip(" \t") for line in out.split("\n"))
    _assert_idempotent(text)


@PROFILE
@given(st.text())
def test_output_is_canonical(text: str) -> None:
    # A fenced code block keeps its indentation and blank lines: see the test above.
    assume("```" not in text and "~~~" not in text)
    out = normalize(text).text
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\n\n\n" not in out
    assert out == out.strip() and all(line == line.strip(" \t") for line in out.split("\n"))
