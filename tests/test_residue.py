"""The residue lint: artifact-like lines that survive normalization become warnings."""

from __future__ import annotations

from corpus_tool.validate.residue import check_residue


def hits(text: str, raw: str | None = None) -> list[tuple[str, int | None, str]]:
    found = check_residue(text, raw or text, path="a.txt", doc_id="a", first_line=None)
    return [(f.code, f.line, f.message) for f in found]


def test_prompt_lines_are_flagged_in_order_with_their_raw_line() -> None:
    text = (
        "Sign up for alerts\n"
        "A paragraph of content that runs on.\n"
        "Our weekly newsletter, free\n"
        "  ** READ MORE: the other story\n"
        "Advertisement   \n"
        "last line"
    )
    found = hits(text)
    assert [(code, line) for code, line, _ in found] == [
        ("N202", 1),
        ("N202", 3),
        ("N202", 4),
        ("N202", 5),
    ]
    assert "`Sign up for alerts`" in found[0][2]
    assert "`** READ MORE: the other story`" in found[2][2]


def test_mentions_inside_sentences_are_content() -> None:
    text = (
        "Readers who subscribe get more.\n"
        "She said they would sign up for the program and read more: books, papers and"
        " reports that were published over the last twenty years by the ministry.\n"
        "The related: matter is not a label here either because it is mid-line."
    )
    assert hits(text) == []


def test_a_long_line_starting_with_a_label_is_content() -> None:
    words = " ".join(["word"] * 20)
    assert hits(f"Subscribe {words}") == []  # over PROMPT_MAX_WORDS


def test_the_line_is_found_in_the_raw_text() -> None:
    raw = "Title\n\nBy Jane Doe\n\nBody text here.\nSee also: more\n"
    normalized = "Body text here.\nSee also: more"
    assert [(c, line) for c, line, _ in hits(normalized, raw)] == [("N202", 6)]


def test_at_most_five_hits_per_code() -> None:
    text = "\n".join(f"Click here {i}" for i in range(9))
    assert len(hits(text)) == 5


def test_markup_escaped_as_text_is_not_residue() -> None:
    """Markdown's `\\<p>` is a literal angle bracket: N118 keeps it, so N203 is quiet;
    an escaped backslash (`\\\\<p>`) leaves the tag a tag."""
    assert hits('Write \\<p class="note"> to open a note.') == []
    found = hits("A backslash: \\\\<p>then text.")
    assert [(code, line) for code, line, _ in found] == [("N203", 1)]


def test_code_blocks_are_not_residue() -> None:
    text = (
        "```html\n"
        '<div class="x"><a href="/a">[Home](https://example.com/)</a></div>\n'
        "Sign up for alerts\n"
        "```\n"
        "\n"
        "<p>A paragraph after the code.</p>\n"
        "~~~\n"
        "Read more: unclosed fences are text\n"
    )
    assert [code for code, *_ in hits(text)] == ["N202", "N203", "N203"]
    assert [line for _, line, _ in hits(text)] == [8, 6, 6]
