"""The fidelity harness's labeller and scorer on a tiny synthetic page (no pages, no
trafilatura needed): content kept, boilerplate removed, a lost line reported, stable
hashes, committed labels read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.fidelity.core import (
    BOILERPLATE,
    CONTENT,
    FOOTER,
    HEADER,
    UNSURE,
    Article,
    Figures,
    Label,
    Line,
    dump_labels,
    label_document,
    line_hash,
    load_labels,
    loose,
    lost_lines,
    score_document,
    strict,
)

ARTICLE = [
    "Storm closes the harbour",
    "The harbour of Port Ellen was closed on Monday after a storm damaged the pier.",
    "Fishermen said the damage would take weeks to repair.",
    "“We have never seen waves like this,” said the harbour master.",
    "Repairs start next week.",
]

DOC = [
    Line("# Storm closes the harbour", "header"),
    Line("", "header"),
    Line("By [Ann Reporter](#)", "header"),
    Line("The harbour of Port Ellen was closed on [Monday](#) after a storm damaged the pier."),
    Line("Fishermen said the damage would take weeks to repair."),
    Line("“We have never seen waves like this,” said the harbour master."),
    Line("Repairs start next week."),
    Line("Sign up for our daily newsletter and never miss a story from us again"),
    Line("Related"),
    Line("[Ferry timetable changes for the winter](#)"),
    Line("[Council approves new budget](#)"),
    Line("3 Comments"),
    Line("Great reporting, thanks so much for keeping us informed", "comments"),
    Line("", "footer"),
    Line("Original url:", "footer"),
    Line("<https://news.example.org/storm/>", "footer"),
]


def _labels(doc: list[Line] = DOC, **kw: object) -> list[Label | None]:
    return label_document("storm", doc, Article(ARTICLE), "Ann Reporter", **kw)  # type: ignore[arg-type]


def test_loose_form_unwraps_links_and_folds_case_and_marks() -> None:
    assert loose("## The [Harbour](#) is **closed**!") == "the harbour is closed"
    assert loose("- [a](#), <br>b") == "a b"
    assert strict("**Q&A:** [it’s](#)  here") == "Q&A: it’s here"


def test_labels_content_boilerplate_header_footer() -> None:
    labels = _labels()
    got = [(lab.label, lab.cls) if lab else None for lab in labels]
    assert got[0] == (HEADER, "")
    assert got[1] is None  # blank
    assert got[2] == (HEADER, "")
    assert got[3:7] == [(CONTENT, "")] * 4
    assert got[7] == (BOILERPLATE, "prompt")
    assert got[8] == (BOILERPLATE, "link-list")  # the heading opens the list
    assert got[9:11] == [(BOILERPLATE, "link-list")] * 2
    assert got[11] == (BOILERPLATE, "comments")
    assert got[12] == (BOILERPLATE, "comments")
    assert got[14:] == [(FOOTER, "")] * 2


def test_half_shared_line_is_unsure_and_not_scored() -> None:
    doc = [Line("The harbour of Port Ellen was closed, the council and the ferry operator said")]
    (lab,) = _labels(doc)
    assert lab is not None and lab.label == UNSURE
    scored = score_document("storm", doc, [lab], "")
    assert scored.verdicts == []


def test_score_keeps_content_removes_boilerplate_and_reports_a_lost_line() -> None:
    labels = _labels()
    # A normalizer that drops the header, the footer, the prompt and the comments,
    # keeps the link list, and loses the quote.
    output = "\n\n".join(
        [
            "The harbour of Port Ellen was closed on Monday after a storm damaged the pier.",
            "Fishermen said the damage would take weeks to repair.",
            "Repairs start next week.",
            "Related",
            "Ferry timetable changes for the winter",
            "Council approves new budget",
        ]
    )
    scored = score_document("storm", DOC, labels, output)
    figures = Figures()
    figures.add(scored)
    result = figures.as_dict()
    assert result["content_kept"] == {"hit": 3, "total": 4, "pct": 75.0}
    assert result["boilerplate_removed"] == {"hit": 3, "total": 6, "pct": 50.0}
    assert result["header_footer_removed"] == {"hit": 4, "total": 4, "pct": 100.0}
    by_class = result["boilerplate_removed_by_class"]
    assert isinstance(by_class, dict)
    assert by_class["comments"]["hit"] == 2 and by_class["link-list"]["hit"] == 0
    assert lost_lines(scored, DOC) == [("LOST", "storm", 6, DOC[5].text)]


def test_a_partly_edited_long_line_survives_a_removed_one_does_not() -> None:
    labels = _labels()
    edited = "The harbour of Port Ellen was closed on Monday after a storm damaged it."
    scored = score_document("storm", DOC, labels, edited)
    kept = {i for i, _lab, survived, _r in scored.verdicts if survived}
    assert 3 in kept and 4 not in kept


def test_encoding_line_counts_as_repaired_only_when_equal_to_the_clean_line() -> None:
    clean = "“We have never seen waves like this,” said the harbour master."
    bad = clean.encode("utf-8").decode("cp1252", errors="replace")
    doc = [Line(bad, "body", clean)]
    labels: list[Label | None] = [Label(CONTENT)]
    for output, repaired in ((clean, True), (bad, False), ("", False)):
        (verdict,) = score_document("storm~enc", doc, labels, output).verdicts
        assert verdict[3] is repaired
    figures = Figures()
    figures.add(score_document("storm~enc", doc, labels, clean), encoding_variant=True)
    assert figures.encoding.hit == 1 and figures.content.total == 0


def test_hash_is_stable_and_ignores_markup_and_case() -> None:
    # sha1 of "storm\nrepairs start next week", 12 hex
    assert line_hash("storm", "Repairs start next week.") == "e3cad17c518a"
    assert line_hash("storm", "**Repairs** start [next week](#)") == line_hash(
        "storm", "repairs start next week."
    )
    assert line_hash("other", "Repairs start next week.") != line_hash(
        "storm", "Repairs start next week."
    )


def test_overrides_and_committed_labels_round_trip() -> None:
    key = line_hash("storm", DOC[7].text)
    labels = _labels(overrides={key: Label(BOILERPLATE, "other")})
    assert labels[7] == Label(BOILERPLATE, "other")
    pairs = zip(DOC, labels, strict=True)
    rows = [("storm", line_hash("storm", x.text), lab) for x, lab in pairs if lab]
    text = dump_labels(rows)
    assert "Repairs" not in text and "harbour" not in text  # hashes only, never the text
    back = load_labels(text)
    assert back[("storm", key)] == Label(BOILERPLATE, "other")
    with pytest.raises(ValueError):
        load_labels("storm\tabc\tNOPE\t\n")


def test_committed_labels_file_parses() -> None:
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "fidelity" / "labels.tsv"
    labels = load_labels(path.read_text(encoding="utf-8"))
    assert len(labels) > 1000
    assert {lab.label for lab in labels.values()} >= {CONTENT, BOILERPLATE}
