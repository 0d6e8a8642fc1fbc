"""The registry: checks are units, the runner stamps their findings, the table is stable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corpus_tool import registry
from corpus_tool.extract import Extracted, merge_metadata
from corpus_tool.findings import Severity
from corpus_tool.registry import Hit
from corpus_tool.render.rules import render_rules
from corpus_tool.sources.read import UNSUPPORTED_FILE
from corpus_tool.validate.residue import check_residue
from tests.conftest import ROOT


def test_rules_json_is_as_recorded() -> None:
    """Codes, slugs, severities, summaries and hints keep their text."""
    recorded = (ROOT / "tests" / "reference" / "rules.json").read_text(encoding="utf-8")
    assert render_rules("json") == recorded


def test_every_finding_code_is_declared_once_and_in_a_family() -> None:
    codes = [c.code for c in registry.checks()]
    assert len(codes) == len(set(codes))
    assert not set(codes) & set(registry.RULES)
    assert {code[0] for code in codes} <= set(registry.FAMILIES)
    assert registry.all_codes() == frozenset(codes) | frozenset(registry.RULES)


def test_the_runner_stamps_code_severity_and_location() -> None:
    @registry.check("E999", "test-only-check", Severity.WARNING, hint="A hint.")
    def probe(text: str) -> Iterator[Hit]:
        """A check for this test."""
        yield Hit(f"saw {text}", column=3, field="title")
        yield Hit("on its own line", line=7)

    try:
        found = probe.run("x", path="a.txt", line=2, doc_id="a")
        assert probe.summary == "A check for this test."
        assert [(f.code, f.slug, f.severity, f.hint) for f in found] == [
            ("E999", "test-only-check", Severity.WARNING, "A hint.")
        ] * 2
        assert [(f.path, f.line, f.column, f.doc_id, f.field) for f in found] == [
            ("a.txt", 2, 3, "a", "title"),
            ("a.txt", 7, None, "a", None),
        ]
    finally:
        del registry.CHECKS["E999"]


def test_a_code_or_slug_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError):
        registry.declare("E011", "another", Severity.ERROR, "s", "h")
    with pytest.raises(ValueError):
        registry.declare("E998", UNSUPPORTED_FILE.slug, Severity.ERROR, "s", "h")
    with pytest.raises(ValueError):
        registry.declare("X001", "no-family", Severity.ERROR, "s", "h")


@pytest.mark.parametrize(
    ("select", "ignore", "code", "enabled"),
    [
        ((), (), "N203", True),
        (("E",), (), "N203", False),
        (("N2",), ("N203",), "N203", False),
        (("N203",), ("N2",), "N203", True),
        (("N2",), ("N2",), "N203", False),  # ignore wins a tie
    ],
)
def test_selection_longest_selector_wins(
    select: tuple[str, ...], ignore: tuple[str, ...], code: str, enabled: bool
) -> None:
    assert registry.selected(code, select, ignore) is enabled


def test_m010_names_each_field_where_sidecar_and_text_disagree() -> None:
    meta = {"title": "Sidecar title", "url": "https://www.example.com/a/"}
    found = Extracted(title="Text title", url="http://example.com/a#top")
    merged, conflicts = merge_metadata(meta, found, path="a.txt", line=1, doc_id="a")
    assert merged["title"] == "Sidecar title"
    assert [(f.code, f.field, f.path) for f in conflicts] == [("M010", "title", "a.txt")]
    assert "metadata says `Sidecar title`, the text says `Text title`" in conflicts[0].message


def test_n203_markup_and_n204_mojibake_are_found_on_their_raw_lines() -> None:
    text = "Intro\nA <div class=x> tag and &nbsp; here.\nCafÃ© society"
    found = check_residue(text, text, path="a.txt", doc_id="a", first_line=None)
    assert [(f.code, f.line) for f in found] == [("N203", 2), ("N203", 2), ("N204", 3)]
    assert found[-1].message.startswith("mojibake `Ã©`")
