"""The central table of finding codes.

Codes are stable and never reused: a retired code stays here with
`removed=True`. Families, as in ruff: `E` input and encoding, `M` metadata and
schema, `N` normalization residue, `D` duplicates. Normalizer rules (`N1xx`)
live in `corpus_tool.normalize` and are listed beside these by `corpus-tool rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus_tool.findings import Finding, Severity

FAMILIES = {
    "E": "input and encoding",
    "M": "metadata and schema",
    "N": "normalization",
    "D": "duplicates",
}


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    slug: str
    severity: Severity
    summary: str
    hint: str
    removed: bool = False

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, Code] = {
    c.code: c
    for c in [
        # -- E: input and encoding ---------------------------------------------------
        Code(
            "E001",
            "invalid-utf8",
            _E,
            "The file is not valid UTF-8.",
            "Re-save the file as UTF-8; the finding points at the first bad byte.",
        ),
        Code(
            "E002",
            "empty-document",
            _E,
            "The document is empty or only whitespace.",
            "Delete the file or restore its text.",
        ),
        Code(
            "E003",
            "binary-file",
            _E,
            "The file holds NUL bytes: it is binary, not text.",
            "Remove the file from the corpus, or convert it to plain text.",
        ),
        Code(
            "E004",
            "byte-order-mark",
            _I,
            "The text starts with a UTF-8 byte-order mark.",
            "Nothing to do: normalization removes it.",
        ),
        Code(
            "E005",
            "crlf-line-endings",
            _I,
            "The text uses CRLF or CR line endings.",
            "Nothing to do: normalization converts them to LF.",
        ),
        Code(
            "E006",
            "file-too-large",
            _E,
            "A document (file, shard line or row) is larger than `max_file_bytes` decoded.",
            "Split the document, or raise `max_file_bytes` in [tool.corpus-tool].",
        ),
        Code(
            "E007",
            "unreadable-file",
            _E,
            "The file could not be read.",
            "Check that the file exists and is readable.",
        ),
        Code(
            "E008",
            "malformed-json",
            _E,
            "A sidecar or shard line is not valid JSON.",
            "Fix the JSON syntax at the given line and column.",
        ),
        Code(
            "E009",
            "malformed-shard",
            _E,
            "A shard file could not be decoded.",
            "Re-create the shard; check its compression and format.",
        ),
        Code(
            "E010",
            "orphan-sidecar",
            _E,
            "A sidecar has no text file beside it.",
            "Rename the sidecar to `<id>.meta.json` of an existing `<id>.txt`, or delete it.",
        ),
        Code(
            "E011",
            "unsupported-file",
            _W,
            "The file type is not a corpus format.",
            "Pass .txt, .jsonl, .jsonl.gz, .jsonl.zst or .parquet files.",
        ),
        Code(
            "E012",
            "no-documents",
            _E,
            "A corpus path yields no document at all.",
            "Point the path at .txt, .jsonl, .jsonl.gz, .jsonl.zst or .parquet files.",
        ),
        Code(
            "E013",
            "symlink-outside",
            _W,
            "A symlink leads outside the corpus paths; it is not read.",
            "Copy the data into the corpus, or add its folder to the corpus paths.",
        ),
        Code(
            "E014",
            "not-a-regular-file",
            _W,
            "A FIFO, device or socket is in the corpus; it is never opened.",
            "Remove it from the corpus folder; only regular files are read.",
        ),
        Code(
            "E015",
            "release-folder",
            _I,
            "A release folder inside the corpus paths is not read back as input.",
            "Nothing to do; keep releases outside the corpus paths to silence this.",
        ),
        # -- M: metadata and schema --------------------------------------------------
        Code(
            "M001",
            "schema-violation",
            _E,
            "Metadata does not match the sidecar schema.",
            "See schemas/sidecar.schema.json for the allowed fields and types.",
        ),
        Code(
            "M002",
            "unknown-field",
            _E,
            "Metadata has a field the schema does not define.",
            "Remove the field or fix its spelling.",
        ),
        Code(
            "M003",
            "invalid-date",
            _E,
            "A date field is not a real ISO 8601 date.",
            "Write dates as YYYY-MM-DD, e.g. 2023-09-28.",
        ),
        Code(
            "M004",
            "invalid-url",
            _E,
            "`url` is not an http(s) URL.",
            "Use the article's canonical https:// address.",
        ),
        Code(
            "M005",
            "id-mismatch",
            _E,
            "The sidecar's `id` differs from its file's stem.",
            "Make `id` equal the file name without `.meta.json`, or drop `id`.",
        ),
        Code(
            "M006",
            "missing-required",
            _E,
            "A required field (`id`, `text`, `language`) is missing.",
            "Add the field; `language` can come from `language` in [tool.corpus-tool].",
        ),
        Code(
            "M007",
            "missing-recommended",
            _W,
            "A recommended field is missing.",
            "Add it to the sidecar if it is known; leave it out rather than guess.",
        ),
        Code(
            "M008",
            "invalid-id",
            _E,
            "The document id does not match `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`.",
            "Rename the document; ids become file names and must not contain `/`.",
        ),
        Code(
            "M009",
            "duplicate-id",
            _E,
            "Two documents have the same id.",
            "Give each document a unique id.",
        ),
        Code(
            "M010",
            "metadata-conflict",
            _W,
            "The sidecar and the text disagree on a field.",
            "The sidecar wins; fix whichever is wrong.",
        ),
        Code(
            "M011",
            "invalid-language",
            _E,
            "`language` is not a BCP 47 tag.",
            "Use a tag such as `en`, `hy` or `pt-BR`.",
        ),
        # -- N: normalization residue ------------------------------------------------
        Code(
            "N201",
            "residual-markdown-link",
            _W,
            "A markdown link survives normalization.",
            "A new kind of link debris: add a normalizer rule, or fix the source text.",
        ),
        Code(
            "N202",
            "residual-prompt",
            _W,
            "A line that looks like a newsletter or promo prompt survives.",
            "A new kind of boilerplate: add a normalizer rule, or fix the source text.",
        ),
        Code(
            "N203",
            "residual-markup",
            _W,
            "HTML tags or entities survive normalization.",
            "The scraper kept markup: strip it, or add a normalizer rule.",
        ),
        Code(
            "N204",
            "mojibake",
            _W,
            "The text looks double-encoded (mojibake) or holds U+FFFD.",
            "Re-scrape or re-decode the source with the right encoding.",
        ),
        # -- D: duplicates -----------------------------------------------------------
        Code(
            "D001",
            "exact-duplicate",
            _W,
            "The normalized text equals another document's.",
            "`build` keeps the first in corpus order; delete one copy to silence this.",
        ),
        Code(
            "D002",
            "near-duplicate",
            _W,
            "The text is nearly the same as another document's.",
            "`build` keeps the first in corpus order; delete one copy or raise the threshold.",
        ),
        Code(
            "D003",
            "duplicate-url",
            _W,
            "Two documents have the same URL.",
            "Check whether they are the same article.",
        ),
    ]
}


def make(
    code: str,
    message: str,
    *,
    severity: Severity | None = None,
    **where: object,
) -> Finding:
    """A Finding stamped from the code table, so no caller can mislabel a code."""
    entry = CODES[code]
    return Finding(
        code=code,
        severity=severity or entry.severity,
        message=message,
        hint=entry.hint,
        slug=entry.slug,
        **where,  # type: ignore[arg-type]
    )


def shorten(value: object, width: int = 40) -> str:
    """Evidence for a message: the value's text, cut to about `width` characters."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"
