"""Metadata checks: a sidecar or shard row against `schemas/sidecar.schema.json`.

The schema is generated from `corpus_tool.models.Sidecar`, the same model the
committed file is exported from. Each field that breaks the schema gives one
Finding (its first problem) whose line is that of the offending key in the
JSON text; each unknown key gives one too.

Before the schema sees a value, `_shape` turns what no JSON schema can judge
into findings: values nested deeper than the schema allows (it is flat: a
value is a string or a list of strings; jsonschema would recurse to a
RecursionError), numbers that are not numbers (NaN, infinity: JSON has no
such thing and they would serialize to null), lone surrogates (not Unicode
text) and types a Parquet row can hold that JSON has not (bytes, decimals,
timestamps, maps, ...).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import reprlib
from collections.abc import Iterator
from typing import Any

import orjson
from pydantic import ValidationError

from corpus_tool import codes
from corpus_tool.findings import MAX_PER_FILE_CODE, Finding, cap_findings, suppressed_note
from corpus_tool.models import Sidecar, json_schema

SCALARS = (str, bool, int, float)
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]} | {9: "\\t", 10: "\\n", 13: "\\r"}


_REPR = reprlib.Repr()  # Python 3.11's takes no arguments
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 60, 60, 4, 4


def shown(value: Any, width: int = 40) -> str:
    """Evidence for a message, with control characters and lone surrogates escaped.

    Any value: a container is shown a few levels deep at most (no recursion limit)."""
    text = value if isinstance(value, str) else _REPR.repr(value)
    text = codes.shorten(text.translate(_CONTROL), width)
    return text if text.isascii() else lone_surrogate_safe(text)


def lone_surrogate_safe(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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


def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema (ECMA-262) `pattern` as a Python regex with the same anchors.

    In ECMA-262 (and in pydantic-core's Rust regex) `$` matches only at the end
    of the text; Python's `$` also matches before a final line feed, so stock
    jsonschema lets `"abc\\n"` through `^[a-z]+$`. Every `$` outside a character
    class becomes `\\Z`.
    """
    out, in_class, i = [], False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append("\\Z" if c == "$" and not in_class else c)
        i += 1
    return re.compile("".join(out))


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return _ecma_pattern(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema import ValidationError as SchemaError

    if isinstance(instance, str) and not _compiled(pattern).search(instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator, FormatChecker, validators

    ecma = validators.extend(Draft202012Validator, {"pattern": _pattern})
    return ecma(json_schema(Sidecar), format_checker=FormatChecker())


def validator() -> Any:
    """The jsonschema validator of the sidecar schema, with ECMA-262 `pattern` anchors."""
    return _validator()


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
        return None, [
            codes.make(
                "E008",
                f"invalid JSON: {exc.msg}",
                path=path,
                line=line,
                column=exc.colno,
                doc_id=doc_id,
            )
        ]
    if not _may_repeat_keys(data, obj):
        return obj, []
    findings = []
    for key, (line, col), (first, first_col) in duplicate_keys(data.decode("utf-8")):
        where = f"line {first + 1 + line_offset}" if first != line else f"column {first_col}"
        msg = f"key `{shown(key)}` is given twice in one object (first at {where}); "
        msg += "the last one would silently win"
        findings.append(
            codes.make(
                "E008",
                msg,
                path=path,
                line=line + 1 + line_offset,
                column=col,
                doc_id=doc_id,
                field=key if key in _properties() else None,
            )
        )
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


# -------------------------------------------------------------------- values


@functools.cache
def _properties() -> dict[str, Any]:
    return dict(json_schema(Sidecar)["properties"])


def _kind(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, bytes | bytearray | memoryview):
        return "binary value"
    if isinstance(value, tuple):
        return "map entry or tuple"
    return type(value).__name__


def _value_problem(name: str, value: Any) -> tuple[str, str] | None:
    """(code, message) when `value` is nothing a JSON schema can judge, else None.

    The schema is flat, so a container inside a container is too deep whatever
    it holds; the walk stops there (no recursion, however deep the value)."""
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        pos = lone_surrogate(value)
        return None if pos is None else ("E001", surrogate_message(name, value, pos))
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return "M001", f"`{name}` is {shown(value)}, not a value JSON can hold"
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        for i, item in enumerate(items):
            kind = type(item)
            if kind is str:
                if item.isascii():
                    continue
            elif item is None or kind is int or kind is bool:
                continue
            if isinstance(item, list | dict | tuple):
                what = "lists or objects" if not isinstance(item, tuple) else "map entries"
                return (
                    "M001",
                    f"`{name}` holds nested {what}: a metadata value is a string "
                    "or a list of strings",
                )
            problem = _value_problem(f"{name}/{i}" if isinstance(value, list) else name, item)
            if problem is not None:
                return problem
        return None
    return (
        "M001",
        f"`{name}` is a {_kind(value)} (`{shown(value)}`), not a string or a list of strings",
    )


def check_value(name: str, value: Any) -> tuple[str, str] | None:
    """Public form of the value check, for fields the schema does not cover (`text`)."""
    return _value_problem(name, value)


def _conforms(data: dict[str, Any]) -> Exception | str | None:
    """None when `data` conforms; else pydantic's complaint (see `_complaint`).

    The fast path: the pydantic model in strict JSON mode accepts exactly what its
    exported schema does, in a few microseconds. Only failures pay for jsonschema,
    which locates every error.
    """
    if not data.keys() <= _properties().keys():
        return "unknown fields"  # every one is reported below; pydantic's list would be long
    try:
        Sidecar.model_validate_json(orjson.dumps(data), strict=True)
    except (ValidationError, TypeError, orjson.JSONEncodeError) as exc:
        return exc
    return None


def _complaint(exc: Exception | str) -> str:
    """Pydantic's first complaint. Only formatted when needed: a list of a million
    bad items makes a million errors, and formatting them all costs seconds."""
    if isinstance(exc, ValidationError):
        err = exc.errors(include_url=False, include_context=False, include_input=False)[0]
        where = "/".join(str(p) for p in err["loc"]) or "(root)"
        return f"`{where}`: {err['msg']}"
    return str(exc)


def _finding_for(error: Any, field: str, where: dict[str, Any], locator: KeyLocator) -> Finding:
    line, col = locator.locate(field)
    value = error.instance
    if field in ("published", "updated") and error.validator == "format":
        code, msg = "M003", f"{field} `{shown(value)}` is not a date (YYYY-MM-DD)"
    elif field == "url" and error.validator == "pattern":
        code, msg = "M004", f"url `{shown(value)}` is not an http(s) URL"
    elif field == "language" and error.validator == "pattern":
        code, msg = "M011", f"language `{shown(value)}` is not a BCP 47 tag"
    elif field == "id" and error.validator == "pattern":
        code, msg = "M008", f"id `{shown(value)}` is not a valid document id"
    else:
        where_text = "/".join(str(p) for p in error.absolute_path) or "(root)"
        code, msg = "M001", f"`{where_text}`: {shown(error.message, 80)}"
    return codes.make(code, msg, field=field, line=line, column=col, **where)


def check_metadata(
    data: dict[str, Any],
    *,
    path: str,
    doc_id: str | None,
    raw: bytes | None,
    first_line: int = 1,
) -> list[Finding]:
    """Findings for `data` against the sidecar schema (empty when it conforms).

    At most one finding per field (its first problem), one per unknown key (at
    most `findings.MAX_PER_FILE_CODE`, then a note that counts the rest). Never
    raises, whatever the values (any depth, any Python type a Parquet row holds).
    """
    props = _properties()
    locator = KeyLocator(raw, first_line)
    where: dict[str, Any] = {"path": path, "doc_id": doc_id}
    findings: list[Finding] = []
    checked: dict[str, Any] = {}
    for key, value in data.items():
        if key not in props:
            checked[key] = None  # an unknown key: M002 below, whatever its value
            continue
        if type(value) is str and value.isascii():  # the common case, at once
            checked[key] = value
            continue
        problem = _value_problem(key, value)
        if problem is None:
            checked[key] = value
            continue
        line, col = locator.locate(key)
        findings.append(
            codes.make(problem[0], problem[1], field=key, line=line, column=col, **where)
        )
    complaint = _conforms(checked)
    if complaint is None:
        return findings
    unknown = sorted(k for k in checked if k not in props)
    for key in unknown[:MAX_PER_FILE_CODE]:
        line, col = locator.locate(key)
        msg = f"unknown field `{shown(key)}`"
        findings.append(codes.make("M002", msg, field=key, line=line, column=col, **where))
    if len(unknown) > MAX_PER_FILE_CODE:  # a row of a million columns stays cheap
        findings.append(suppressed_note(findings[-1], len(unknown) - MAX_PER_FILE_CODE, "document"))
    schema = validator()
    for key in sorted(k for k in checked if k in props):
        error = next(iter(schema.descend(checked[key], props[key], path=key)), None)
        if error is not None:
            findings.append(_finding_for(error, key, where, locator))
    if not findings:  # the two validators disagree: never let that pass silently
        line, _ = locator.locate(None)
        findings.append(codes.make("M001", shown(_complaint(complaint), 80), line=line, **where))
    return cap_findings(findings)
