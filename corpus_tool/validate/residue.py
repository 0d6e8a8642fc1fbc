"""Residue lint: artifact-like text that survives normalization.

Each check is a cheap substring guard, then a regex over the normalized
text. A hit is a warning, so new kinds of scraping debris get noticed and
turned into normalizer rules. Lines point into the raw file: the evidence is
looked up there (normalization keeps content, so it is usually found).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from corpus_tool.findings import Finding, Severity, shorten
from corpus_tool.parse.blocks import without_code
from corpus_tool.parse.lines import escaped
from corpus_tool.registry import Check, Hit, check

_W = Severity.WARNING

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
    r"</?(?:p|div|span|br|a|img|script|style|iframe|strong|em|figure|figcaption|ul|li)"
    r"(?=[\s/>])[^<>\n]{0,200}>"  # a tag name ends the name: `<a@x.org>` is an address
    r"|&(?:amp|nbsp|quot|lt|gt|apos|mdash|ndash|rsquo|lsquo|rdquo|ldquo|#\d{2,6}|#x[0-9a-fA-F]{2,5});"
)
MOJIBAKE = re.compile(r"\ufffd|â€[™œ\x9d“”˜¦]|Ã[©¨ª«¡¢£¤§¯¶¼½¾]")


@check(
    "N201",
    "residual-markdown-link",
    _W,
    hint="A new kind of link debris: add a normalizer rule, or fix the source text.",
)
def markdown_links(text: str) -> Iterator[Hit]:
    """A markdown link survives normalization."""
    if "](" not in text:
        return
    for m in MARKDOWN_LINK.finditer(text):
        yield Hit(f"markdown link `{shorten(m.group())}`", evidence=m.group())


@check(
    "N202",
    "residual-prompt",
    _W,
    hint="A new kind of boilerplate: add a normalizer rule, or fix the source text.",
)
def prompts(text: str) -> Iterator[Hit]:
    """A line that looks like a newsletter or promo prompt survives."""
    # (where the line starts, the line); a PROMPT_LINE match starts at the line
    # feed in front, which is the line's own start in `text`.
    found = [(m.start(), m["line"]) for m in PROMPT_LINE.finditer("\n" + text)]
    if "ewsletter" in text or "EWSLETTER" in text:
        found += [(m.start(), m.group()) for m in NEWSLETTER_LINE.finditer(text)]
    for _, match in sorted(found, key=lambda hit: hit[0]):
        line = match.strip()
        if len(line.split()) <= PROMPT_MAX_WORDS:
            yield Hit(f"line looks like boilerplate: `{shorten(line)}`", evidence=line)


@check(
    "N203",
    "residual-markup",
    _W,
    hint="The scraper kept markup: strip it, or add a normalizer rule.",
)
def markup(text: str) -> Iterator[Hit]:
    """HTML tags or entities survive normalization."""
    if "<" not in text and "&" not in text:
        return
    for m in HTML_MARKUP.finditer(text):
        if m[0][0] == "<" and escaped(text, m.start()):
            continue  # `\<p>`: markdown's literal, markup shown as text (N118 keeps it)
        yield Hit(f"markup `{shorten(m.group())}`", evidence=m.group())


@check(
    "N204",
    "mojibake",
    _W,
    hint="Re-scrape or re-decode the source with the right encoding.",
)
def mojibake(text: str) -> Iterator[Hit]:
    """The text looks double-encoded (mojibake) or holds U+FFFD."""
    if "\ufffd" not in text and "â" not in text and "Ã" not in text:
        return
    m = MOJIBAKE.search(text)
    if m:
        message = f"mojibake `{shorten(m.group())}` (text decoded with the wrong charset?)"
        yield Hit(message, evidence=m.group())


CHECKS: tuple[Check, ...] = (markdown_links, prompts, markup, mojibake)  # in report order
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
    text = without_code(text)  # code keeps its `<div>` and `[x](#)`: they are the code's
    for residue in CHECKS:
        for n, hit in enumerate(residue(text)):
            if n >= MAX_HITS_PER_CODE:
                break
            line = first_line if first_line is not None else line_of(raw, hit.evidence or "")
            findings.append(residue.finding(hit, path=path, line=line, doc_id=doc_id))
    return findings
