"""Metadata checks: a sidecar or shard row against `schemas/sidecar.schema.json`.

The schema is generated from `corpus_tool.models.Sidecar`, the same model the
committed file is exported from. Each jsonschema error becomes one Finding
whose line is that of the offending key in the JSON text.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson
from pydantic import ValidationError

from corpus_tool import codes
from corpus_tool.findings import Finding
from corpus_tool.models import Sidecar, json_schema


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(json_schema(Sidecar), format_checker=FormatChecker())


def _conforms(data: dict[str, Any]) -> str | None:
    """None when `data` conforms; else pydantic's first complaint.

    The fast path: the pydantic model in strict JSON mode accepts exactly what its
    exported schema does, in a few microseconds. Only failures pay for jsonschema,
    which locates every error.
    """
    try:
        Sidecar.model_validate_json(orjson.dumps(data), strict=True)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "/".join(str(p) for p in err["loc"]) or "(root)"
        return f"`{where}`: {err['msg']}"
    except (TypeError, orjson.JSONEncodeError) as exc:
        return str(exc)
    return None


def parse_json(data: bytes, path: str, line_offset: int = 0) -> tuple[Any, Finding | None]:
    """Parse JSON bytes; a syntax error becomes E008 at its line and column."""
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        line = exc.lineno + line_offset if line_offset else exc.lineno
        return None, codes.make(
            "E008",
            f"invalid JSON: {exc.msg}",
            path=path,
            line=line,
            column=exc.colno,
        )


class KeyLocator:
    """Maps a top-level key of a JSON object to its 1-based line and column."""

    def __init__(self, text: bytes | None, first_line: int) -> None:
        self.text = text.decode("utf-8", "replace") if text else ""
        self.first_line = first_line

    def locate(self, key: str | None) -> tuple[int, int | None]:
        if key is None or not self.text:
            return self.first_line, None
        m = re.search(r'"' + re.escape(orjson.dumps(key).decode()[1:-1]) + r'"\s*:', self.text)
        if not m:
            return self.first_line, None
        before = self.text[: m.start()]
        line = before.count("\n")
        column = m.start() - (before.rfind("\n") + 1) + 1
        return self.first_line + line, column


def _field_of(error: Any) -> str | None:
    path = list(error.absolute_path)
    return str(path[0]) if path else None


def _finding_for(error: Any, where: dict[str, Any], locator: KeyLocator) -> list[Finding]:
    field = _field_of(error)
    value = error.instance
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extras = sorted(k for k in error.instance if k not in allowed)
        out = []
        for key in extras:
            line, col = locator.locate(key)
            out.append(
                codes.make(
                    "M002",
                    f"unknown field `{codes.shorten(key)}`",
                    field=key,
                    line=line,
                    column=col,
                    **where,
                )
            )
        return out
    line, col = locator.locate(field)
    shown = codes.shorten(value)
    if field in ("published", "updated") and error.validator == "format":
        code, msg = "M003", f"{field} `{shown}` is not a date (YYYY-MM-DD)"
    elif field == "url" and error.validator == "pattern":
        code, msg = "M004", f"url `{shown}` is not an http(s) URL"
    elif field == "language" and error.validator == "pattern":
        code, msg = "M011", f"language `{shown}` is not a BCP 47 tag"
    elif field == "id" and error.validator == "pattern":
        code, msg = "M008", f"id `{shown}` is not a valid document id"
    else:
        where_text = "/".join(str(p) for p in error.absolute_path) or "(root)"
        code, msg = "M001", f"`{where_text}`: {codes.shorten(error.message, 80)}"
    return [codes.make(code, msg, field=field, line=line, column=col, **where)]


def check_metadata(
    data: dict[str, Any],
    *,
    path: str,
    doc_id: str | None,
    raw: bytes | None,
    first_line: int = 1,
) -> list[Finding]:
    """Findings for `data` against the sidecar schema (empty when it conforms)."""
    complaint = _conforms(data)
    if complaint is None:
        return []
    locator = KeyLocator(raw, first_line)
    where: dict[str, Any] = {"path": path, "doc_id": doc_id}
    findings: list[Finding] = []
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        findings.extend(_finding_for(error, where, locator))
    if not findings:  # the two validators disagree: never let that pass silently
        line, _ = locator.locate(None)
        findings.append(codes.make("M001", codes.shorten(complaint, 80), line=line, **where))
    return findings
