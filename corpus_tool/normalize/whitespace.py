"""Layout: one paragraph per line, one blank line between paragraphs."""

from __future__ import annotations

import re

from corpus_tool.normalize import Edit, normalizer

# A line break with the blank lines and the indentation after it: a pattern that
# starts with a line feed, so the regex engine jumps from one to the next.
_BREAK = re.compile(r"\n[ \t\n]*+")


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
    if text.count("\n") * 16 < len(text):
        # Lines of text: a split and a join of the stripped non-blank lines cost less
        # than a regex substitution at every line break.
        out = "\n\n".join(filter(None, [line.strip(" \t") for line in text.split("\n")]))
        return text if out == text else out
    # Mostly line breaks: long runs of them cost the regex one substitution each.
    out = text.strip(" \t\n")
    if " \n" in out or "\t\n" in out:  # spaces or tabs at line ends: rare after scraping
        out = "\n".join([line.rstrip(" \t") for line in out.split("\n")])
    out = _BREAK.sub("\n\n", out)
    return text if out == text else out
