"""Decoding: a document's bytes to text, and JSON text to values, with the
E-findings of what cannot be decoded (E001-E005, E008).

Comes before any metadata check: a sidecar or shard line is first parsed here
(`parse_json`; `KeyLocator` finds where a key is, for every later finding about it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson

from corpus_tool.findings import Finding, Severity, cap_findings, shown
from corpus_tool.models import sidecar_properties
from corpus_tool.registry import Hit, check, declare

_E, _I = Severity.ERROR, Severity.INFO
BOM = "\ufeff"


# -------------------------------------------------------------------- text


@check(
    "E001",
    "invalid-utf8",
    _E,
    hint="Re-save the file as UTF-8; the finding points at the first bad byte.",
)
def invalid_utf8(raw: bytes) -> Iterator[Hit]:
    """The file is not valid UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pos = exc.start
        line = raw.count(b"\n", 0, pos) + 1
        column = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
        bad = raw[pos : pos + 1].hex()
        yield Hit(f"invalid UTF-8 byte 0x{bad} at byte offset {pos}", line=line, column=column)


@check("E002", "empty-document", _E, hint="Delete the file or restore its text.")
def empty_document(text: str) -> Iterator[Hit]:
    """The document is empty or only whitespace."""
    if not text.strip():
        yield Hit(f"the document is {'empty' if not text else 'only whitespace'}", line=1)


@check(
    "E003",
    "binary-file",
    _E,
    hint="Remove the file from the corpus, or convert it to plain text.",
)
def binary_file(raw: bytes) -> Iterator[Hit]:
    """The file holds NUL bytes: it is binary, not text."""
    pos = raw.find(b"\x00")
    if pos >= 0:
        yield Hit(f"NUL byte at byte offset {pos}", line=raw.count(b"\n", 0, pos) + 1)


@check("E004", "byte-order-mark", _I, hint="Nothing to do: normalization removes it.")
def byte_order_mark(text: str) -> Iterator[Hit]:
    """The text starts with a UTF-8 byte-order mark."""
    if text.startswith(BOM):
        yield Hit("UTF-8 byte-order mark at the start", line=1)


@check(
    "E005",
    "crlf-line-endings",
    _I,
    hint="Nothing to do: normalization converts them to LF.",
)
def crlf_line_endings(text: str) -> Iterator[Hit]:
    """The text uses CRLF or CR line endings."""
    pos = text.find("\r")
    if pos >= 0:
        yield Hit("CR line endings", line=text.count("\n", 0, pos) + 1)


MALFORMED_JSON = declare(
    "E008",
    "malformed-json",
    _E,
    "A sidecar or shard line is not valid JSON.",
    "Fix the JSON syntax at the given line and column.",
)


def decode_text(raw: bytes, path: str, doc_id: str | None) -> tuple[str | None, list[Finding]]:
    """UTF-8 text of a raw file, or the finding that says why there is none."""
    if b"\x00" in raw:
        return None, binary_file.run(raw, path=path, doc_id=doc_id)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, invalid_utf8.run(raw, path=path, doc_id=doc_id)
    return check_text(text, path, doc_id)


def check_text(
    text: str, path: str, doc_id: str | None, line: int | None = None
) -> tuple[str | None, list[Finding]]:
    """The decoded `text`, or None when it is blank; with its E002/E004/E005 findings.

    `line` (a shard line's) replaces the line in the text that a finding names."""
    if not text.strip():
        found = empty_document.run(text, path=path, doc_id=doc_id)
        text_or_none = None
    else:
        found = []
        if text[:1] == BOM:
            found += byte_order_mark.run(text, path=path, doc_id=doc_id)
        if "\r" in text:
            found += crlf_line_endings.run(text, path=path, doc_id=doc_id)
        text_or_none = text
    if line is not None:
        for f in found:
            f.line = line
    return text_or_none, found


def lone_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate in `text` (not encodable as UTF-8), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def surrogate_message(name: str, text: str, pos: int) -> str:
    return (
        f"`{name}` holds a lone surrogate U+{ord(text[pos]):04X} at character {pos + 1} "
        "(an invalid \\u escape): not Unicode text"
    )


# -------------------------------------------------------------------- JSON text


_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
# Skips what lies between tokens in the same match (numbers, commas, literals).
_TOKENS = re.compile(rf'[^"{{}}\[\]]*(?:({_STRING})(\s*:)?|([{{}}\[\]]))')
_SPACED_COLON = re.compile(rb'"[ \t\r\n]+:')
_QUOTE, _JSON_SPACE = ord('"'), b" \t\r\n"
_COLONS_VISITED = 256  # beyond this many colons in one line, count in C instead


def _key_tokens(text: str) -> Iterator[tuple[str, int, int, int, int]]:
    """(key, object number, depth, 0-based line, 1-based column) of every object key
    of the valid JSON `text`, in order. One regex pass: linear in the text's size."""
    stack: list[int] = []  # object number of each open object; -1 for an array
    objects = 0
    line, line_start, seen = 0, 0, 0
    for m in _TOKENS.finditer(text):
        c = m.group(3)
        if c is None:
            if m.group(2) is None or not stack or stack[-1] < 0:
                continue  # a string value
            start = m.start(1)
            newlines = text.count("\n", seen, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", seen, start) + 1
            seen = start
            token = m.group(1)
            key = token[1:-1] if "\\" not in token else json.loads(token)
            yield key, stack[-1], len(stack), line, start - line_start + 1
        elif c == "{":
            stack.append(objects)
            objects += 1
        elif c == "[":
            stack.append(-1)
        elif stack:
            stack.pop()


def _count_keys(obj: Any) -> int:
    n, stack = 0, [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            n += len(value)
            stack.extend(v for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, dict | list))
    return n


def _may_repeat_keys(data: bytes, obj: Any) -> bool:
    """False when `data` cannot hold a key twice in one object.

    Every key is a string followed by optional whitespace and a colon; a string
    value adds such a pair only with an escaped quote. So when no whitespace comes
    before a colon, no more `":` than parsed keys means that no key repeats. A
    line has a few colons: they are visited with `find` (C speed between them);
    a colon-heavy line is counted with byte counts and one regex instead."""
    if not isinstance(obj, dict | list):
        return False
    keys = _count_keys(obj)
    quoted, pos = 0, data.find(b":")
    for _ in range(_COLONS_VISITED):
        if pos < 0:
            return quoted != keys
        before = data[pos - 1]
        if before == _QUOTE:
            quoted += 1
        elif before in _JSON_SPACE:
            break
        pos = data.find(b":", pos + 1)
    return data.count(b'":') + len(_SPACED_COLON.findall(data)) > keys


def duplicate_keys(text: str) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """(key, (line, column), (line, column) of its first use) of every repeated key
    of an object (0-based lines, 1-based columns), in the valid JSON `text`."""
    first: dict[int, dict[str, tuple[int, int]]] = {}
    out = []
    for key, obj, _, line, col in _key_tokens(text):
        keys = first.setdefault(obj, {})
        if key in keys:
            out.append((key, (line, col), keys[key]))
        else:
            keys[key] = (line, col)
    return out


def parse_json(
    data: bytes, path: str, line_offset: int = 0, doc_id: str | None = None
) -> tuple[Any, list[Finding]]:
    """Parse JSON bytes: (value, findings). A syntax error is E008 at its line and
    column, and the value None; a key given twice in one object is E008 too (JSON
    parsers silently keep the last), and the value is still returned."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = exc.lineno + line_offset
        hit = Hit(f"invalid JSON: {exc.msg}", line=line, column=exc.colno)
        return None, [MALFORMED_JSON.finding(hit, path=path, doc_id=doc_id)]
    if not _may_repeat_keys(data, obj):
        return obj, []
    findings = []
    for key, (line, col), (first, first_col) in duplicate_keys(data.decode("utf-8")):
        where = f"line {first + 1 + line_offset}" if first != line else f"column {first_col}"
        msg = f"key `{shown(key)}` is given twice in one object (first at {where}); "
        msg += "the last one would silently win"
        field = key if key in sidecar_properties() else None
        hit = Hit(msg, line=line + 1 + line_offset, column=col, field=field)
        findings.append(MALFORMED_JSON.finding(hit, path=path, doc_id=doc_id))
    return obj, cap_findings(findings)


class KeyLocator:
    """Maps a top-level key of a JSON object to its 1-based line and column.

    The keys are found in one pass over the text, the first time one is asked
    for: linear in the text's size, however many keys are looked up. A key given
    twice is located where it is last given (the value the parser keeps).
    """

    def __init__(self, text: bytes | None, first_line: int) -> None:
        self.raw = text or b""
        self.first_line = first_line
        self._where: dict[str, tuple[int, int]] | None = None

    def locate(self, key: str | None) -> tuple[int, int | None]:
        if key is None or not self.raw:
            return self.first_line, None
        if self._where is None:  # decoded and scanned once, on the first call
            self._where = {}
            text = self.raw.decode("utf-8", "replace")
            for name, obj, depth, line, col in _key_tokens(text):
                if depth == 1 and obj == 0:
                    self._where[name] = (line, col)
        found = self._where.get(key)
        if found is None:
            return self.first_line, None
        return self.first_line + found[0], found[1]
