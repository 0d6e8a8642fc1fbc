"""Escaping of untrusted text for each output context, in one place.

Corpus strings (titles, sources, ids, urls, license, names) reach Markdown (the
dataset card, the changelog, `diff --format markdown`), YAML (the card header),
terminals (`--format text`) and GitHub workflow commands (`--format github`).
Each context gets one function here; the renderers call nothing else, so a
string can neither add a line, a heading, a table column, raw HTML or a link,
nor smuggle a terminal escape sequence.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

# Everything `str.splitlines` treats as a line break, plus tab: one space each.
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\t"
# Control characters (C0, DEL, C1) and the bidirectional overrides that reorder
# what a reader sees ("trojan source"); shown as U+FFFD in Markdown.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAK_RE = re.compile(f"[{re.escape(_BREAKS)}]")
# Inline Markdown punctuation that can start emphasis, code, links, tables or
# strikethrough anywhere in a line. `<`, `>` and `&` become entities instead.
_INLINE = {c: "\\" + c for c in "\\`*_[]|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_INLINE_RE = re.compile("[" + re.escape("".join(_INLINE)) + "]")
# What opens a block at the start of a line: heading, list, quote, thematic break,
# setext underline, ordered list (`1.` / `1)`), indented code is handled by strip().
_BLOCK_START_RE = re.compile(r"^(?:[#+=\-]|(\d{1,9})([.)]))")
# Ids, codes and URLs that can go into a code span as they are.
_CODE_SAFE_RE = re.compile(r"[A-Za-z0-9 ._:/@+=?#%,;()\-]*")


def one_line(text: str) -> str:
    """Line breaks and tabs as spaces, control characters as U+FFFD."""
    return _CONTROL_RE.sub("\ufffd", _BREAK_RE.sub(" ", text))


def md_text(text: object) -> str:
    """Untrusted text as one line of literal Markdown text, also safe in a table cell.

    `<b>` stays `<b>` on screen but is no HTML; `# x`, `---`, `1.`, `[a](b)`,
    backticks, pipes and line breaks are all shown as written.
    """
    line = one_line(str(text)).strip()
    line = _INLINE_RE.sub(lambda m: _INLINE[m.group()], line)
    return _BLOCK_START_RE.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\" + m.group(), line
    )


def md_paragraphs(text: object) -> str:
    """Untrusted text as literal Markdown paragraphs: blank lines split it, every
    paragraph is one `md_text` line."""
    parts = re.split(
        r"(?:\r\n|[\n\r\x85\u2028\u2029])\s*(?:\r\n|[\n\r\x85\u2028\u2029])", str(text)
    )
    return "\n\n".join(p for p in (md_text(part) for part in parts) if p)


def md_code(text: object) -> str:
    """An id, code or URL as a Markdown code span when it is plainly safe there, else
    as escaped text (a code span cannot hold a backtick, a pipe or a line break)."""
    value = str(text)
    if value and _CODE_SAFE_RE.fullmatch(value) and value == value.strip():
        return f"`{value}`"
    return md_text(value)


class _OneLineDumper(yaml.SafeDumper):
    """yaml.safe_dump, with strings that hold a line break or a control character
    double-quoted (`"a\\nb"`), so every value stays on its own line."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _BREAK_RE.search(value) or _CONTROL_RE.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_OneLineDumper.add_representer(str, _represent_str)


def yaml_block(data: Any) -> str:
    """A YAML mapping, every string quoted as YAML requires and on one line: no value
    can end the `---` block or add a key."""
    text: str = yaml.dump(
        data,
        Dumper=_OneLineDumper,
        sort_keys=False,
        allow_unicode=True,
        width=float("inf"),
        default_flow_style=False,
    )
    return text.strip()


def terminal(text: object) -> str:
    """Untrusted text for a terminal: one line, control characters shown escaped
    (`\\x1b`, `\\n`) so they cannot move the cursor or fake another line."""
    return re.sub(
        f"[{re.escape(_BREAKS)}]|{_CONTROL_RE.pattern}",
        lambda m: m.group().encode("unicode_escape").decode("ascii"),
        str(text),
    )


def github_data(text: object) -> str:
    """A workflow command's message, as GitHub's toolkit escapes it (`escapeData`)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: object) -> str:
    """A workflow command's property value (`escapeProperty`): also `:` and `,`."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")
