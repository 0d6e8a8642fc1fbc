"""The Page: parsed once per document, and read through the lines other rules declare."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tool import registry
from corpus_tool.config import Config
from corpus_tool.normalize import RULES
from corpus_tool.parse import header as header_module
from corpus_tool.parse import page as page_module
from corpus_tool.parse.header import Kind, parse_header
from corpus_tool.pipeline import process_document
from corpus_tool.sources import Item

ROOT = Path(__file__).resolve().parent.parent
HEAD = ["Skip me please", "", "# Armenia Turns West", "", "By Jane Doe", "", "Sept. 3, 2023"]


def test_the_parsers_import_no_rule() -> None:
    """Which lines are transparent comes from the registry, not from rule modules."""
    for path in (ROOT / "corpus_tool" / "parse").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("corpus_tool.normalize"), path.name


def test_transparent_lines_are_those_declared_before_the_page_rules() -> None:
    before = []
    for rule in RULES.values():
        if rule.on_page is not None:
            break
        before.append(rule)
    drops, blanks = registry.transparent_lines()
    assert drops == tuple(r.drops for r in before if r.drops is not None)
    assert blanks == tuple(r.blanks for r in before if r.blanks is not None)
    assert drops and blanks  # N105, N106, N108 delete lines; N107 empties credit lines


def test_a_line_a_rule_declares_it_drops_is_read_through(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_header(HEAD).title == "Skip me please"  # as a plain title, with a byline
    n108 = RULES["N108"]
    declared = dataclasses.replace(n108, drops=lambda line: line == "Skip me please")
    monkeypatch.setitem(RULES, "N108", declared)
    monkeypatch.setattr(registry, "_transparent", [])
    found = parse_header(HEAD)
    assert found.title == "Armenia Turns West"
    assert 0 not in found.kinds and found.kinds[2] is Kind.TITLE


def test_one_document_parses_its_header_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The header rule and extraction read one Page (seed 000: no related-headlines list)."""
    calls = []

    def counting(lines: list[str]) -> header_module.Header:
        calls.append(len(lines))
        return parse_header(lines)

    monkeypatch.setattr(page_module, "parse_header", counting)
    (path,) = (ROOT / "seeds").glob("000_*.txt")
    item = Item("txt", path.name, 1, path.read_bytes(), doc_id="doc")
    record = process_document(item, Config(language="en")).record
    assert record is not None and record["title"] and record["url"]
    assert len(calls) == 1


# Texts whose header parse reads past the lines a Page splits off first: header lines
# apart by runs of blank lines, logos, names and dates that keep the scan going.
_HEAD_PIECE = st.sampled_from(
    ["# Armenia Turns West", "By Jane Doe", "Sept. 3, 2023", "MT", "BBC", "Jane Doe",
     "Updated:", "- A headline of another story here",
     "The first buses arrived before dawn, officials in the town said on Tuesday evening."]
)  # fmt: skip
_HEAD_LINES_TEXT = st.lists(st.tuples(st.integers(0, 8), _HEAD_PIECE), max_size=40).map(
    lambda pieces: "\n".join("\n" * blanks + piece for blanks, piece in pieces)
)


@settings(max_examples=300, deadline=None)
@given(_HEAD_LINES_TEXT)
def test_a_page_reads_its_header_as_a_parse_of_all_its_first_lines(text: str) -> None:
    """The Page splits off its first lines in two steps; the header and its reach are
    those of one parse of the first HEAD_LINES lines."""
    head = text.split("\n", header_module.HEAD_LINES)
    expected = parse_header(head[: header_module.HEAD_LINES])
    read = header_module.HEAD_LINES if expected.read is None else expected.read
    reach = len(text) + 1 if read >= len(head) else sum(map(len, head[:read])) + read
    fresh = page_module.Page(text)
    assert fresh.header_reach == reach  # from the lines read alone, before any parse
    page = page_module.Page(text)
    assert page.header == expected
    assert page.header_reach == reach


# ---------------------------------------------------------------- bylines
BODY = [
    "The first buses arrived before dawn, officials in the town said on Tuesday evening.",
    "",
    "Families slept in the school and in the theatre, and the mayor asked for more tents.",
    "",
    "Aid agencies said the numbers would rise again before the weekend was over.",
]


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("By [A B](#)[C D](#)", ["A B", "C D"]),
        ("By [Madonna](#)", ["Madonna"]),
        ("By Reuters", ["Reuters"]),
        ("By Jane Doe | Reporter", ["Jane Doe"]),
        ("Von Hans Müller", ["Hans Müller"]),
        ("Par [Jean Dupont](#)", ["Jean Dupont"]),
        ("Автор: Иван Петров", ["Иван Петров"]),
        ("Posted by Jane Doe", ["Jane Doe"]),
        ("By Robyn DixonFrancesca Ebel", ["Robyn Dixon", "Francesca Ebel"]),
    ],
)
def test_a_byline_in_the_header_is_a_byline_line(line: str, authors: list[str]) -> None:
    found = parse_header(["# Refugees Reach Goris", "", line, "", *BODY])
    assert found.kinds == {0: Kind.TITLE, 2: Kind.BYLINE}
    assert found.authors == authors


def test_a_long_byline_after_two_content_lines_is_still_read() -> None:
    """The scan stops early on lines that can only be content; a byline of any label
    longer than a bare name is not one of them."""
    names = "Hans Müller, Anna Schmidt, Peter Meier, Julia Wagner und Thomas Becker-Hoffmann"
    lines = ["# Titel", "", BODY[0], "", BODY[2], "", f"Von {names}", "", BODY[4]]
    assert len(lines[6]) > 80
    found = parse_header(lines)
    assert found.kinds.get(6) is Kind.BYLINE
    assert found.authors[-1] == "Thomas Becker-Hoffmann"


_LABELS = ["By", "BY", "Von", "Par", "Por", "Di", "Da", "Door", "Av", "Przez", "Written by"]
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
_CAPITALIZED = _WORD.map(str.capitalize)
_SENTENCE = st.builds(
    lambda label, first, rest, end: f"{label} {first}, {' '.join(rest)}{end}",
    st.sampled_from(_LABELS),
    _CAPITALIZED,
    st.lists(_WORD, min_size=1, max_size=8),
    st.sampled_from([".", "!", "?", ""]),
)
_NAMES = st.lists(
    st.builds(lambda a, b: f"{a} {b}", _CAPITALIZED, _CAPITALIZED), min_size=1, max_size=3
)


@settings(max_examples=200, deadline=None)
@given(_SENTENCE, st.integers(min_value=0, max_value=3))
def test_a_sentence_that_starts_like_a_byline_is_never_removed(line: str, at: int) -> None:
    """`By Tuesday, the army had left`: a word and a comma then lowercase words is a
    sentence, in the header or in the body."""
    lines = ["# Refugees Reach Goris", "", *BODY]
    lines[2 + 2 * at : 2 + 2 * at] = [line, ""]
    text = "\n".join(lines) + "\n"
    assert line not in parse_header(text.split("\n")).authors
    assert line in RULES["N110"].func(text).split("\n")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_LABELS), _NAMES)
def test_a_byline_in_the_body_is_never_removed(label: str, names: list[str]) -> None:
    """Past the header zone (more than MAX_GAP content lines in a row), a line of
    byline shape is content: a quote, a list item, a credit the text talks about."""
    line = f"{label} {' and '.join(names)}"
    text = "\n".join(["# Refugees Reach Goris", "", *BODY, "", line, "", BODY[0]]) + "\n"
    assert RULES["N110"].func(text).split("\n").count(line) == 1
    found = parse_header(["# Refugees Reach Goris", "", line, "", *BODY])
    assert found.kinds.get(2) is Kind.BYLINE  # the same line in the header is a byline
