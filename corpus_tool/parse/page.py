"""A document's text read once: its lines, and what the header and footer parsers found.

The page rules (N109, N110, N112) and extraction read one `Page` instead of each
splitting and parsing the text again. Each part is parsed on first use and kept:
a Page is read-only and stands for one text; a rule that changes the text makes
the runner parse a new Page for the next reader.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TypeVar

from corpus_tool.parse.footer import TAIL_LINES, Footer, parse_footer
from corpus_tool.parse.header import HEAD_LINES, Header, lines_read, parse_header

T = TypeVar("T")


FIRST_LINES = 24  # lines split off first: most header parses stop within them


class Page:
    __slots__ = ("_footer", "_head", "_header", "_reach", "_split", "_tail", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._head: list[str] | None = None
        self._split = 0  # how many lines `_head` holds before the rest
        self._header: Header | None = None
        self._tail: list[str] | None = None
        self._footer: Footer | None = None
        self._reach: int | None = None

    @property
    def head(self) -> list[str]:
        """The first lines, then (if there is more) the rest of the text as one: at least
        the lines the header parse reads (all of the first HEAD_LINES if it needs them).
        Read it after `header` or `header_reach`, which may split more lines off."""
        if self._head is None:
            self._head, self._split = self.text.split("\n", FIRST_LINES), FIRST_LINES
        return self._head

    def _read(self, parse: Callable[[list[str]], T], read: Callable[[T], int | None]) -> T:
        """`parse` of the first lines: of FIRST_LINES, or of HEAD_LINES where it reads every
        one of the first FIRST_LINES and the text has more (a parse that stops within
        lines it was given reads no further, so both give the same answer)."""
        head = self.head
        answer = parse(head[: self._split])
        if read(answer) is None and self._split < HEAD_LINES and len(head) > self._split:
            head = self._head = self.text.split("\n", HEAD_LINES)
            self._split = HEAD_LINES
            answer = parse(head[:HEAD_LINES])
        return answer

    @property
    def header(self) -> Header:
        """The header parse of the first HEAD_LINES lines (indices into `head`)."""
        if self._header is None:
            self._header = self._read(parse_header, attrgetter("read"))
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
            header = self._header
            read = header.read if header is not None else self._read(lines_read, lambda read: read)
            head = self.head
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
