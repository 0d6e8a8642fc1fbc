"""The normalizer on the seed articles: golden texts, editorial brackets, the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_tool.normalize import RULES, normalize
from corpus_tool.registry import NORMALIZER_ORDER, Edit

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
GOLDEN = Path(__file__).resolve().parent / "golden"


def _raw(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_matches_golden(seed: Path) -> None:
    expected = (GOLDEN / seed.name).read_text(encoding="utf-8")
    assert normalize(_raw(seed)).text == expected


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_is_idempotent(seed: Path) -> None:
    once = normalize(_raw(seed)).text
    twice = normalize(once)
    assert twice.text == once
    assert twice.applied == []


EDITORIAL_BRACKETS = [
    "[Azerbaijani President Ilham] Aliyev",
    "[remarks]",
    "[Yerevan’s]",
    "[by Azerbaijan]",
    "[of Russian peacekeepers]",
    "[the United States]",
]


@pytest.mark.parametrize("bracket", EDITORIAL_BRACKETS)
def test_editorial_brackets_survive(bracket: str) -> None:
    raw = "\n".join(_raw(p) for p in SEEDS)
    normalized = "\n".join(normalize(_raw(p)).text for p in SEEDS)
    assert bracket in raw
    assert normalized.count(bracket) == raw.count(bracket)


def test_seed_artifacts_are_gone() -> None:
    text = "\n".join(normalize(_raw(p)).text for p in SEEDS)
    for residue in ("](#)", "\\*", "in your inbox", "Related article", "(Video:", "Original url",
                    "/Getty Images)", "via AP)", "**Alexander", "\n0:00", "MT\n", "By [",
                    "- Baku has won"):  # fmt: skip
        assert residue not in text, residue
    assert "\n\n\n" not in text and not re.search(r"[ \t]\n", text)


def test_seed_applied_codes() -> None:
    applied = {p.stem[:3]: normalize(_raw(p)).applied for p in SEEDS}
    assert applied["000"] == ["N103", "N104", "N106", "N110", "N112", "N113"]
    assert applied["001"] == ["N105", "N107", "N110", "N113"]
    assert applied["003"] == ["N107", "N108", "N110", "N111", "N113"]
    assert applied["004"] == ["N109", "N110", "N113"]


def test_rules_run_in_the_registry_order() -> None:
    """The order is stated once, in `registry.NORMALIZER_ORDER`: the rule table follows
    it whatever the import order, and whitespace layout (the one layout-only rule) is
    last. Codes are stable names, pinned to their slugs by the README's rule table
    (test_project): a rule added later takes the next free code."""
    assert list(RULES) == list(NORMALIZER_ORDER)
    assert len(set(NORMALIZER_ORDER)) == len(NORMALIZER_ORDER)
    assert all(re.fullmatch(r"N1\d\d", code) for code in NORMALIZER_ORDER)
    layout_only = [code for code, rule in RULES.items() if rule.edits == Edit.LAYOUT]
    assert layout_only == [NORMALIZER_ORDER[-1]]


def test_applied_codes_are_in_registry_order() -> None:
    for path in SEEDS:
        applied = normalize(_raw(path)).applied
        assert applied == sorted(applied, key=NORMALIZER_ORDER.index), path.name
        assert len(set(applied)) == len(applied), path.name


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_has_a_docstring_with_a_summary(code: str) -> None:
    rule = RULES[code]
    lines = rule.doc.splitlines()
    assert lines, f"{code} has no docstring"
    assert 10 < len(lines[0]) <= 100, f"{code}: the summary is one short line"
    assert rule.summary == lines[0]
    assert len(lines) >= 3 and lines[1] == "", f"{code}: summary, a blank line, then why"
    assert "Why:" in rule.doc, f"{code}: the body says why the rule exists"
    assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", rule.slug)


def test_enabled_selects_rules() -> None:
    raw = "Text with a [dead](#) link.\r\n"
    assert normalize(raw, enabled=lambda code: code != "N104").text == "Text with a [dead](#) link."
    only = normalize(raw, enabled=lambda code: code == "N104")
    assert only.text == "Text with a dead link.\r\n" and only.applied == ["N104"]
