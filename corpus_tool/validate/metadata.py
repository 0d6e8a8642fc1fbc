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
import math
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from corpus_tool.findings import (
    MAX_PER_FILE_CODE,
    Finding,
    Severity,
    cap_findings,
    shown,
    suppressed_note,
)
from corpus_tool.models import (
    ID_PATTERN,
    ID_RE,
    METADATA_FIELDS,
    RECOMMENDED_FIELDS,
    Sidecar,
    iso,
    json_schema,
    sidecar_properties,
)
from corpus_tool.registry import Check, Hit, all_codes, check, declare
from corpus_tool.sources import Item
from corpus_tool.sources.decode import (
    MALFORMED_JSON,
    KeyLocator,
    check_text,
    decode_text,
    invalid_utf8,
    lone_surrogate,
    parse_json,
    surrogate_message,
)

_E, _W = Severity.ERROR, Severity.WARNING

# -------------------------------------------------------------------- the codes

SCHEMA_VIOLATION = declare(
    "M001",
    "schema-violation",
    _E,
    "Metadata does not match the sidecar schema.",
    "See schemas/sidecar.schema.json for the allowed fields and types.",
)
UNKNOWN_FIELD = declare(
    "M002",
    "unknown-field",
    _E,
    "Metadata has a field the schema does not define.",
    "Remove the field or fix its spelling.",
)
INVALID_DATE = declare(
    "M003",
    "invalid-date",
    _E,
    "A date field is not a real ISO 8601 date.",
    "Write dates as YYYY-MM-DD, e.g. 2023-09-28.",
)
INVALID_URL = declare(
    "M004",
    "invalid-url",
    _E,
    "`url` is not an http(s) URL.",
    "Use the article's canonical https:// address.",
)
INVALID_ID = declare(
    "M008",
    "invalid-id",
    _E,
    "The document id does not match `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`.",
    "Rename the document; ids become file names and must not contain `/`.",
)
INVALID_LANGUAGE = declare(
    "M011",
    "invalid-language",
    _E,
    "`language` is not a BCP 47 tag.",
    "Use a tag such as `en`, `hy` or `pt-BR`.",
)


@check(
    "M005",
    "id-mismatch",
    _E,
    hint="Make `id` equal the file name without `.meta.json`, or drop `id`.",
)
def id_mismatch(sidecar: Mapping[str, Any], stem: str | None, raw: bytes) -> Iterator[Hit]:
    """The sidecar's `id` differs from its file's stem."""
    sid = sidecar.get("id")
    if sid is not None and sid != stem:
        line, col = KeyLocator(raw, 1).locate("id")
        msg = f"id `{shown(sid)}` differs from the file's stem `{shown(stem)}`"
        yield Hit(msg, line=line, column=col, field="id")


@check(
    "M006",
    "missing-required",
    _E,
    hint="Add the field; `language` can come from `language` in [tool.corpus-tool].",
)
def missing_required(values: Mapping[str, Any], said: Collection[str] = ()) -> Iterator[Hit]:
    """A required field (`id`, `text`, `language`) is missing."""
    for name, value in values.items():
        if name in said:  # one defect, one finding: an invalid field is not also missing
            continue
        if value is None:
            yield Hit(f"required field `{name}` is missing", field=name)
        elif name == "text" and not value.strip():
            yield Hit("no text is left after normalization", field="text")


@check(
    "M007",
    "missing-recommended",
    _W,
    hint="Add it to the sidecar if it is known; leave it out rather than guess.",
)
def missing_recommended(values: Mapping[str, Any], said: Collection[str] = ()) -> Iterator[Hit]:
    """A recommended field is missing."""
    for name in RECOMMENDED_FIELDS:
        if values.get(name) in (None, "", []) and name not in said:
            yield Hit(f"recommended field `{name}` is missing", field=name)


@check("M009", "duplicate-id", _E, hint="Give each document a unique id.")
def reused_id(doc_id: str, prior: tuple[str, int]) -> Iterator[Hit]:
    """Two documents have the same id."""
    yield Hit(f"id `{doc_id}` is also used at {prior[0]}:{prior[1]}")


# -------------------------------------------------------------------- JSON schema


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


# -------------------------------------------------------------------- values


def _kind(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, bytes | bytearray | memoryview):
        return "binary value"
    if isinstance(value, tuple):
        return "map entry or tuple"
    return type(value).__name__


def _value_problem(name: str, value: Any) -> tuple[Check, str] | None:
    """(code, message) when `value` is nothing a JSON schema can judge, else None.

    The schema is flat, so a container inside a container is too deep whatever
    it holds; the walk stops there (no recursion, however deep the value)."""
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        pos = lone_surrogate(value)
        return None if pos is None else (invalid_utf8, surrogate_message(name, value, pos))
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return SCHEMA_VIOLATION, f"`{name}` is {shown(value)}, not a value JSON can hold"
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
                    SCHEMA_VIOLATION,
                    f"`{name}` holds nested {what}: a metadata value is a string "
                    "or a list of strings",
                )
            problem = _value_problem(f"{name}/{i}" if isinstance(value, list) else name, item)
            if problem is not None:
                return problem
        return None
    return (
        SCHEMA_VIOLATION,
        f"`{name}` is a {_kind(value)} (`{shown(value)}`), not a string or a list of strings",
    )


def _conforms(data: dict[str, Any]) -> Exception | str | None:
    """None when `data` conforms; else pydantic's complaint (see `_complaint`).

    The fast path: the pydantic model in strict JSON mode accepts exactly what its
    exported schema does, in a few microseconds. Only failures pay for jsonschema,
    which locates every error.
    """
    if not data.keys() <= sidecar_properties().keys():
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


def _schema_hit(error: Any, field: str, locator: KeyLocator) -> tuple[Check, Hit]:
    line, col = locator.locate(field)
    value = error.instance
    if field in ("published", "updated") and error.validator == "format":
        code, msg = INVALID_DATE, f"{field} `{shown(value)}` is not a date (YYYY-MM-DD)"
    elif field == "url" and error.validator == "pattern":
        code, msg = INVALID_URL, f"url `{shown(value)}` is not an http(s) URL"
    elif field == "language" and error.validator == "pattern":
        code, msg = INVALID_LANGUAGE, f"language `{shown(value)}` is not a BCP 47 tag"
    elif field == "id" and error.validator == "pattern":
        code, msg = INVALID_ID, f"id `{shown(value)}` is not a valid document id"
    else:
        where_text = "/".join(str(p) for p in error.absolute_path) or "(root)"
        code, msg = SCHEMA_VIOLATION, f"`{where_text}`: {shown(error.message, 80)}"
    return code, Hit(msg, line=line, column=col, field=field)


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
    props = sidecar_properties()
    locator = KeyLocator(raw, first_line)
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
        hit = Hit(problem[1], line=line, column=col, field=key)
        findings.append(problem[0].finding(hit, path=path, doc_id=doc_id))
    complaint = _conforms(checked)
    if complaint is None:
        return findings
    unknown = sorted(k for k in checked if k not in props)
    for key in unknown[:MAX_PER_FILE_CODE]:
        line, col = locator.locate(key)
        hit = Hit(f"unknown field `{shown(key)}`", line=line, column=col, field=key)
        findings.append(UNKNOWN_FIELD.finding(hit, path=path, doc_id=doc_id))
    if len(unknown) > MAX_PER_FILE_CODE:  # a row of a million columns stays cheap
        findings.append(suppressed_note(findings[-1], len(unknown) - MAX_PER_FILE_CODE, "document"))
    schema = validator()
    for key in sorted(k for k in checked if k in props):
        error = next(iter(schema.descend(checked[key], props[key], path=key)), None)
        if error is not None:
            code, hit = _schema_hit(error, key, locator)
            findings.append(code.finding(hit, path=path, doc_id=doc_id))
    if not findings:  # the two validators disagree: never let that pass silently
        line, _ = locator.locate(None)
        message = shown(_complaint(complaint), 80)
        findings.append(SCHEMA_VIOLATION.finding(message, path=path, line=line, doc_id=doc_id))
    return cap_findings(findings)


# -------------------------------------------------------------------- one item


@dataclass(slots=True)
class Parsed:
    """An item decoded and its metadata checked, before normalization."""

    doc_id: str | None  # a valid id, or None (missing or invalid: a finding says which)
    text: str | None  # None: no text to go on with (a finding says why)
    meta: dict[str, Any]  # the fields that passed every check; dates as dt.date
    findings: list[Finding]
    name: str  # what the document is called: its id, else the file stem, else path:line
    reported: set[str]  # fields with a finding already: not also "missing"
    meta_unknown: bool = False  # the sidecar could not be read: nothing is "missing"
    ignore: tuple[str, ...] = ()  # codes or prefixes the document's `ignore` silences

    @property
    def said(self) -> Collection[str]:
        """The fields a "missing" finding must not name (see `missing_required`)."""
        return self.reported if not self.meta_unknown else METADATA_FIELDS


def valid_id(doc_id: object) -> bool:
    """Is `doc_id` a document id? The whole string: no trailing line feed slips through."""
    return isinstance(doc_id, str) and ID_RE.fullmatch(doc_id) is not None


def check_item(item: Item) -> Parsed:
    """The item's id, text and checked metadata, before normalization. Never raises."""
    if item.kind == "txt":
        return _check_txt(item)
    findings: list[Finding] = []
    name = f"{item.path}:{item.line}"
    path, line = item.path, item.line
    if item.kind == "jsonl":
        obj, found = parse_json(item.data, path, line_offset=line - 1)
        findings.extend(found)
        if obj is None:
            for f in found:
                f.line = line
            return Parsed(None, None, {}, findings, name, set())
        what = "line"
    else:
        obj = item.data
        if isinstance(obj, dict):  # a Parquet date column is a date; other types are not
            obj = {k: iso(v) if k in _DATE_FIELDS else v for k, v in obj.items()}
        what = "row"
    if not isinstance(obj, dict):
        msg = f"the {what} is a JSON {type(obj).__name__}, not an object"
        return Parsed(
            None,
            None,
            {},
            [*findings, MALFORMED_JSON.finding(msg, path=path, line=line)],
            name,
            set(),
        )
    raw_id = obj.get("id")
    text = obj.get("text")
    # A shard row's null is "unknown" (Parquet rows carry every column); drop it.
    meta = {k: v for k, v in obj.items() if k != "text" and v is not None}
    shown_id = raw_id if valid_id(raw_id) else None
    raw = item.data if item.kind == "jsonl" else None
    findings.extend(check_metadata(meta, path=path, doc_id=shown_id, raw=raw, first_line=line))
    meta = _valid_fields(meta, findings)
    ignore = _ignores(meta, findings, path, line, shown_id)
    meta = _typed(meta, findings, path, line, shown_id)
    doc_id = shown_id if "id" in meta else None  # else a finding says why
    findings += missing_required.run({"id": raw_id}, path=path, line=line)
    reported = _fields(findings)
    display = doc_id or name
    if text is None:
        findings += missing_required.run({"text": None}, path=path, line=line, doc_id=doc_id)
        return Parsed(doc_id, None, meta, findings, display, reported, ignore=ignore)
    if not isinstance(text, str):
        hit = Hit(
            f"`text` is a {type(text).__name__} (`{shown(text)}`), not a string", field="text"
        )
        findings.append(SCHEMA_VIOLATION.finding(hit, path=path, line=line, doc_id=doc_id))
        return Parsed(doc_id, None, meta, findings, display, reported, ignore=ignore)
    if item.kind != "jsonl":  # JSON text cannot hold a lone surrogate: orjson rejects it
        pos = lone_surrogate(text)
        if pos is not None:
            hit = Hit(surrogate_message("text", text, pos), field="text")
            findings.append(invalid_utf8.finding(hit, path=path, line=line, doc_id=doc_id))
            return Parsed(doc_id, None, meta, findings, display, reported, ignore=ignore)
    checked, found = check_text(text, path, doc_id, line=line)
    findings.extend(found)
    return Parsed(doc_id, checked, meta, findings, display, reported, ignore=ignore)


def _check_txt(item: Item) -> Parsed:
    findings: list[Finding] = []
    text, found = decode_text(item.data, item.path, item.doc_id)
    findings.extend(found)
    meta: dict[str, Any] = {}
    unreadable = False
    if item.sidecar is not None and item.sidecar_path is not None:
        meta, unreadable = _sidecar(item, findings)
    stem = item.doc_id or ""
    doc_id = stem if valid_id(stem) else None
    if doc_id is None:
        msg = f"id `{shown(stem)}` (the file's stem) must match `{ID_PATTERN}`"
        findings.append(INVALID_ID.finding(Hit(msg, field="id"), path=item.path, line=1))
    ignore = _ignores(meta, findings, item.sidecar_path, 1, doc_id)
    meta = _typed(meta, findings, item.sidecar_path, None, doc_id)
    return Parsed(doc_id, text, meta, findings, stem, _fields(findings), unreadable, ignore)


def _ignores(
    meta: dict[str, Any],
    findings: list[Finding],
    path: str | None,
    line: int | None,
    doc_id: str | None,
) -> tuple[str, ...]:
    """The document's `ignore` list (its suppressions), the codes no code begins
    with reported as M001. The schema has checked its shape."""
    value = meta.get("ignore")
    if not value or not isinstance(value, list):
        return ()
    known = all_codes()
    kept = []
    for sel in value:
        if isinstance(sel, str) and any(code.startswith(sel) for code in known):
            kept.append(sel)
            continue
        hit = Hit(f"`ignore`: unknown rule code or prefix `{shown(sel)}`", field="ignore")
        findings.append(SCHEMA_VIOLATION.finding(hit, path=path, line=line, doc_id=doc_id))
    return tuple(kept)


def _fields(findings: list[Finding]) -> set[str]:
    return {f.field for f in findings if f.field}


def _sidecar(item: Item, findings: list[Finding]) -> tuple[dict[str, Any], bool]:
    """The sidecar's valid fields, and whether it could not be read at all."""
    assert item.sidecar is not None and item.sidecar_path is not None
    path, stem = item.sidecar_path, item.doc_id
    text, found = decode_text(item.sidecar, path, stem)
    if text is None:
        findings.extend(found)
        return {}, True
    data, found = parse_json(item.sidecar, path, doc_id=stem)
    findings.extend(found)
    if data is None:
        return {}, True
    if not isinstance(data, dict):
        msg = f"a sidecar holds a JSON object, not a {type(data).__name__}"
        findings.append(SCHEMA_VIOLATION.finding(msg, path=path, line=1, doc_id=stem))
        return {}, True
    findings.extend(check_metadata(data, path=path, doc_id=stem, raw=item.sidecar))
    data = _valid_fields(data, findings)
    findings += id_mismatch.run(data, stem, item.sidecar, path=path, doc_id=stem)
    return data, False


def _valid_fields(meta: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """Metadata without the fields that failed the schema (so they fall back)."""
    bad = _fields(findings)
    return {k: v for k, v in meta.items() if k not in bad}


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_FIELDS = ("published", "updated")
_KNOWN_FIELDS = {"id", *METADATA_FIELDS}


def _typed(
    meta: dict[str, Any],
    findings: list[Finding],
    path: str | None,
    line: int | None,
    doc_id: str | None,
) -> dict[str, Any]:
    """The fields as the rest of the pipeline uses them: dates as dt.date, the
    others strings or a list of strings. The schema has checked them; whatever
    still does not fit (the two would disagree) is an M001 here, never a crash."""
    out: dict[str, Any] = {}
    for name in _KNOWN_FIELDS & meta.keys():  # unknown keys: reported (M002), unused
        value = meta[name]
        if name in _DATE_FIELDS:
            date = _date(value)
            if date is not None:
                out[name] = date
                continue
        elif name == "authors":
            if isinstance(value, list) and all(isinstance(a, str) for a in value):
                out[name] = value
                continue
        elif isinstance(value, str):
            out[name] = value
            continue
        hit = Hit(f"`{name}`: `{shown(value)}` is not a value of the schema's type", field=name)
        findings.append(SCHEMA_VIOLATION.finding(hit, path=path, line=line, doc_id=doc_id))
    return out


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
