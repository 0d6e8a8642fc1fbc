"""Layout: one paragraph per line, one blank line between paragraphs."""

from __future__ import annotations

from corpus_tool.normalize import Edit, normalizer


# Layout last: re-run after any other edit (a removed line leaves blank lines behind).
# Other rules skip blank lines and strip line ends, so layout gives them no work.
@normalizer("N113", "whitespace", edits=Edit.LAYOUT, sees=Edit.CHARS | Edit.LINES)
def whitespace(text: str) -> str:
    """Strip spaces and tabs at line ends; paragraphs separated by exactly one blank line.

    Why: scraped text has trailing spaces and tabs, runs of blank lines,
    leading and trailing blank lines, and some documents separate paragraphs
    with a single newline (seed 004). Every non-blank line becomes a
    paragraph. Kept: spaces and tabs inside a line. Runs last: the rules
    before it only remove text, and this one leaves nothing for them to match.
    """
    out = "\n\n".join(s for s in (line.strip(" \t") for line in text.split("\n")) if s)
    return text if out == text else out
