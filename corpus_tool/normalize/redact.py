"""Redaction: personal data and secrets replaced by typed placeholders (off by default)."""

from __future__ import annotations

from corpus_tool.normalize.personal import find_all
from corpus_tool.registry import Edit, normalizer


@normalizer("N126", "pii-redaction", edits=Edit.CHARS, sees=Edit.CHARS, default=False)
def pii_redaction(text: str) -> str:
    """Replace personal data and secrets (what P001-P006 find) with `<EMAIL>`, `<PHONE>`, ...

    Why: a release that must not carry personal data can still keep the sentence
    around it. Off by default (it changes content): turn it on with
    `extend_select = ["N126"]`. A redacted text gives no P finding; the record's
    `normalization` lists N126 where it changed the text.
    """
    spans = find_all(text)
    if not spans:
        return text
    out, last = [], 0
    for span in spans:
        out += [text[last : span.start], span.kind.value]
        last = span.end
    out.append(text[last:])
    return "".join(out)
