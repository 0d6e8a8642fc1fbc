"""Layout: one paragraph per line, one blank line between paragraphs."""

from __future__ import annotations

import re

from corpus_tool.normalize import Edit, normalizer
from corpus_tool.parse.blocks import (
    code_blocks,
    is_table_row,
    laid_out,
    may_hold_fence,
    may_hold_table,
)

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
    paragraph. Kept: spaces and tabs inside a line; a fenced code block as it
    is (its indentation and blank lines are the code's), and a table's rows
    together, so that neither falls apart into paragraphs. Runs last: the rules
    before it only remove text, and this one leaves nothing for them to match.
    """
    if may_hold_fence(text) or may_hold_table(text):  # blocks that keep their lines
        out = "\n\n".join(_paragraphs(text.split("\n")))
    elif text.count("\n") * 16 < len(text):
        # Lines of text: a split and a join of the stripped non-blank lines cost less
        # than a regex substitution at every line break.
        out = "\n\n".join(filter(None, [line.strip(" \t") for line in text.split("\n")]))
    else:
        # Mostly line breaks: long runs of them cost the regex one substitution each.
        out = text.strip(" \t\n")
        if " \n" in out or "\t\n" in out:  # spaces or tabs at line ends: rare after scraping
            out = "\n".join([line.rstrip(" \t") for line in out.split("\n")])
        out = _BREAK.sub("\n\n", out)
    return text if out == text else out


def _paragraphs(lines: list[str]) -> list[str]:
    """The paragraphs of `lines`: each non-blank line stripped, except that a fenced
    code block keeps its lines (see `laid_out`) and a table's rows stay together."""
    ends = dict(code_blocks(lines))
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        end = ends.get(i)
        if end is not None:
            out.append(laid_out(lines[i : end + 1]))
            i = end + 1
            continue
        if is_table_row(lines[i]):  # a table: its rows, up to the first line that is not one
            first = i
            while i < n and is_table_row(lines[i]):
                i += 1
            out.append("\n".join([row.strip(" \t") for row in lines[first:i]]))
            continue
        line = lines[i].strip(" \t")
        i += 1
        if line:
            out.append(line)
    return out
