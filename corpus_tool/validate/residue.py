"""Residue lint: artifact-like text that survives normalization.

Each check is a cheap substring guard, then a regex over the normalized
text. A hit is a warning, so new kinds of scraping debris get noticed and
turned into normalizer rules. Lines point into the raw file: the evidence is
looked up there (normalization keeps content, so it is usually found).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from corpus_tool import codes
from corpus_tool.findings import Finding

Hit = tuple[str, str, str]  # code, message, evidence to locate in the raw text

MARKDOWN_LINK = re.compile(r"\[[^\[\]\n]{1,300}\]\((?:https?://|www\.|/)[^()\s]{0,500}\)")
# Searched in "\n" + text: the literal line feed in front lets the regex engine
# jump from line start to line start (a `^` in multiline mode is tried at every
# character, three times slower), so a document costs about one attempt per line.
PROMPT_LINE = re.compile(
    r"(?m)\n(?P<line>[*_ ]*(?i:sign up\b|subscribe\b|get (?:the|our)\b[^\n]{0,60}\binbox\b"
    r"|related(?: articles?| stories| coverage)?\s*:"
    r"|read more\s*:|see also\s*:|also read\s*:|original (?:url|link)\s*:"
    r"|advertisement\s*$|share this (?:article|story)|click here\b)[^\n]{0,80})(?=\n|\Z)"
)
NEWSLETTER_LINE = re.compile(r"(?im)^[^\n]{0,60}\bnewsletters?\b[^\n]{0,60}$")
PROMPT_MAX_WORDS = 14  # a prompt is a short line; a paragraph that mentions one is content
HTML_MARKUP = re.compile(
    r"</?(?:p|div|span|br|a|img|script|style|iframe|strong|em|figure|figcaption|ul|li)\b[^<>\n]{0,200}>"
    r"|&(?:amp|nbsp|quot|lt|gt|apos|mdash|ndash|rsquo|lsquo|rdquo|ldquo|#\d{2,6}|#x[0-9a-fA-F]{2,5});"
)
MOJIBAKE = re.compile(r"\ufffd|â€[™œ\x9d“”˜¦]|Ã[©¨ª«¡¢£¤§¯¶¼½¾]")


def _markdown_links(text: str) -> Iterator[Hit]:
    if "](" not in text:
        return
    for m in MARKDOWN_LINK.finditer(text):
        yield "N201", f"markdown link `{codes.shorten(m.group())}`", m.group()


def _prompts(text: str) -> Iterator[Hit]:
    # (where the line starts, the line); a PROMPT_LINE match starts at the line
    # feed in front, which is the line's own start in `text`.
    found = [(m.start(), m["line"]) for m in PROMPT_LINE.finditer("\n" + text)]
    if "ewsletter" in text or "EWSLETTER" in text:
        found += [(m.start(), m.group()) for m in NEWSLETTER_LINE.finditer(text)]
    for _, match in sorted(found, key=lambda hit: hit[0]):
        line = match.strip()
        if len(line.split()) <= PROMPT_MAX_WORDS:
            yield "N202", f"line looks like boilerplate: `{codes.shorten(line)}`", line


def _markup(text: str) -> Iterator[Hit]:
    if "<" not in text and "&" not in text:
        return
    for m in HTML_MARKUP.finditer(text):
        yield "N203", f"markup `{codes.shorten(m.group())}`", m.group()


def _mojibake(text: str) -> Iterator[Hit]:
    if "\ufffd" not in text and "â" not in text and "Ã" not in text:
        return
    m = MOJIBAKE.search(text)
    if m:
        yield (
            "N204",
            f"mojibake `{codes.shorten(m.group())}` (text decoded with the wrong charset?)",
            m.group(),
        )


CHECKS: list[Callable[[str], Iterator[Hit]]] = [_markdown_links, _prompts, _markup, _mojibake]
MAX_HITS_PER_CODE = 5  # a document full of links gets five findings, not five hundred


def line_of(raw: str, evidence: str) -> int | None:
    pos = raw.find(evidence)
    return raw.count("\n", 0, pos) + 1 if pos >= 0 else None


def check_residue(
    text: str, raw: str, *, path: str, doc_id: str | None, first_line: int | None
) -> list[Finding]:
    """Residue findings for one document's normalized `text`.

    `first_line` is the line of the document in its file (shard rows are one
    line: every hit is on it); `None` means look the evidence up in `raw`.
    """
    findings: list[Finding] = []
    for check in CHECKS:
        for n, (code, message, evidence) in enumerate(check(text)):
            if n >= MAX_HITS_PER_CODE:
                break
            line = first_line if first_line is not None else line_of(raw, evidence)
            findings.append(codes.make(code, message, path=path, line=line, doc_id=doc_id))
    return findings
