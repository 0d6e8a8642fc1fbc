"""Codes that no other test named: each input is built, `check --format json` runs on it,
and the finding must carry exactly this code, path and line. A last test keeps it so:
every code in the table is named by some test."""

from __future__ import annotations

import re
from pathlib import Path

from corpus_tool.registry import checks
from tests.conftest import Corpus, article, check, where

TESTS = Path(__file__).resolve().parent


def test_e007_broken_symlink(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    (corpus.dir / "gone.txt").symlink_to(corpus.dir / "missing.txt")
    code, findings, summary = check()
    assert code == 1
    assert where(findings, "E007") == [("E007", "corpus/gone.txt", None)]
    (f,) = [f for f in findings if f["code"] == "E007"]
    assert f["severity"] == "error" and "broken symlink" in f["message"]
    assert summary["documents"] == 1


def test_e011_file_of_another_type(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("sub/table.csv", "id,text\n1,hello\n")
    code, findings, summary = check()
    assert code == 0  # a warning: the corpus itself is fine
    assert where(findings, "E011") == [("E011", "corpus/sub/table.csv", None)]
    (f,) = [f for f in findings if f["code"] == "E011"]
    assert f["severity"] == "warning" and "`table.csv`" in f["message"]
    assert summary["documents"] == 1


def test_m010_sidecar_disagrees_with_the_text(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1, title="What the Text Says"))
    corpus.sidecar("a", {"title": "What the Sidecar Says", "source": "Example"})
    code, findings, _ = check()
    assert code == 0
    assert where(findings, "M010") == [("M010", "corpus/a.txt", 1)]  # the text's header
    (f,) = [f for f in findings if f["code"] == "M010"]
    assert (f["severity"], f["field"], f["doc_id"]) == ("warning", "title", "a")
    assert f["message"] == (
        "title: metadata says `What the Sidecar Says`, the text says `What the Text Says`"
    )


def test_m010_not_raised_when_they_agree_up_to_case_and_spacing(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1, title="What the Text Says"))
    corpus.sidecar("a", {"title": "what the  text says", "source": "Example"})
    _, findings, _ = check()
    assert where(findings, "M010") == []


def _with_line(n: int, line: str) -> str:
    """article(1) with `line` as a paragraph of its own, on line `n` of the file."""
    lines = article(1).split("\n")
    return "\n".join([*lines[: n - 1], line, "", *lines[n - 1 :]])


def test_n203_markup_survives_normalization(corpus: Corpus) -> None:
    # N118 removes whole tags (`</span>`); a tag whose quote is broken is no tag to it
    text = _with_line(9, 'The council met <span class="x>today</span> at noon.')
    assert text.split("\n")[8].startswith("The council met <span")
    corpus.write("a.txt", text)
    code, findings, _ = check()
    assert code == 0
    assert where(findings, "N203") == [("N203", "corpus/a.txt", 9)]
    assert [f["message"] for f in findings if f["code"] == "N203"] == [
        'markup `<span class="x>`',
    ]


def test_n204_mojibake(corpus: Corpus) -> None:
    # N116 repairs `cafÃ©`; a replacement character cannot be read back
    text = _with_line(7, "The caf\ufffd on the square reopened.")
    corpus.write("a.txt", text)
    code, findings, _ = check()
    assert code == 0
    assert where(findings, "N204") == [("N204", "corpus/a.txt", 7)]
    (f,) = [f for f in findings if f["code"] == "N204"]
    assert f["severity"] == "warning" and f["message"].startswith("mojibake `")


def test_every_code_is_named_by_a_test() -> None:
    """A new code comes with a test that names it (as these five now have)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py"))
    unnamed = [
        c.code for c in checks() if not c.removed and not re.search(rf"\b{c.code}\b", source)
    ]
    assert unnamed == []
