"""A document's text read once: its lines, and what the header and footer parsers found.

The page rules (N109, N110, N112) and extraction read one `Page` instead of each
splitting and parsing the text again. Each part is parsed on first use and kept:
a Page is read-only and stands for one text; a rule that changes the text makes
the runner parse a new Page for the next reader.
"""

from __future__ import annotations

from corpus_tool.parse.footer import TAIL_LINES, Footer, parse_footer
from corpus_tool.parse.header import HEAD_LINES, Header, lines_read, parse_header


class Page:
    __slots__ = ("_footer", "_head", "_header", "_reach", "_tail", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._head: list[str] | None = None
        self._header: Header | None = None
        self._tail: list[str] | None = None
        self._footer: Footer | None = None
        self._reach: int | None = None

    @property
    def head(self) -> list[str]:
        """The first HEAD_LINES lines, then (if there is more) the rest of the text as one."""
        if self._head is None:
            self._head = self.text.split("\n", HEAD_LINES)
        return self._head

    @property
    def header(self) -> Header:
        """The header parse of the first HEAD_LINES lines (indices into `head`)."""
        if self._header is None:
            self._header = parse_header(self.head[:HEAD_LINES])
        return self._header

    @property
    def header_parsed(self) -> bool:
        return self._header is not None

    @property
    def header_reach(self) -> int:
        """How many characters at the start of the text the header parse depends on:
        an edit that leaves them as they are cannot change the header. Past the end
        (`len(text) + 1`) when it depends on the whole text. Does not parse the header."""
        if self._reach is None:
            head = self.head
            read = self._header.read if self._header is not None else lines_read(head[:HEAD_LINES])
            k = HEAD_LINES if read is None else read
            # the offset of line k, or past the end if there is no line k
            self._reach = len(self.text) + 1 if k >= len(head) else sum(map(len, head[:k])) + k
        return self._reach

    @property
    def tail(self) -> list[str]:
        """The last TAIL_LINES lines, after (if there is more) the rest of the text as one."""
        if self._tail is None:
            self._tail = self.text.rsplit("\n", TAIL_LINES)
        return self._tail

    @property
    def footer(self) -> Footer:
        """The footer parse of the last TAIL_LINES lines (`start` indexes `tail_lines`)."""
        if self._footer is None:
            self._footer = parse_footer(self.tail_lines)
        return self._footer

    @property
    def tail_lines(self) -> list[str]:
        tail = self.tail
        return tail[1:] if len(tail) > TAIL_LINES else tail
