"""The Page: parsed once per document, and read through the lines other rules declare."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

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
