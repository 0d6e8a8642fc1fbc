"""Encoding repair: mojibake, HTML entities and leftover HTML tags.

These rules run first, before the character rules. Mojibake has to be repaired
while all of its characters are there: N101 drops the C1 control in `â€\\x9d`
(the mojibake of `”`) and turns the no-break space of `Â\\xa0` into a space,
after which the bytes can no longer be read back. An entity or a tag hides what
the later rules read (`&nbsp;` is a space to N101, `<p>` between two
paragraphs is a line break to the page rules), so both go before those rules
see the text.

They judge each line alone, yet are not declared `local`: to ask a local rule about
another rule's edit, the runner first finds the changed lines, which costs more than
running these rules' guards on the whole text again (they run before every rule that
edits characters, so each such edit asks them).

What these rules put into a text is already what N101 and N102 make of it
(`_settle`): those two run before every other rule and are never asked again,
so a repair made late, when another rule's edit gives one of these rules new
work, must leave nothing for them. Each rule is a cheap guard first: a text
without the shapes it repairs costs one scan and is returned as it was.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Callable
from html.entities import html5
from typing import Any

from corpus_tool.normalize import Edit, normalizer
from corpus_tool.normalize.chars import line_endings, unicode_cleanup
from corpus_tool.normalize.common import keep_nfc, rewrite_lines, utf8
from corpus_tool.parse.blocks import code_blocks, may_hold_fence
from corpus_tool.parse.lines import escaped

MAX_PASSES = 32  # adversarial nesting (`&amp;` inside `&amp;`, `<<b>p>`) peeled per run


def _settle(text: str) -> str:
    """`text` as N101 and N102 leave it: odd spaces, invisible characters, line breaks."""
    return line_endings(unicode_cleanup(text))


# ---------------------------------------------------------------- N116 mojibake
# A UTF-8 sequence read as Windows-1252 or Latin-1: a lead byte (U+00C2-U+00F4) and as
# many continuation bytes (0x80-0xBF) as it announces, which Windows-1252 shows as
# `€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ` for 0x80-0x9F (its five holes stay C1 controls) and
# Latin-1 as U+0080-U+00BF. `Ã©`, `â€™`, `Â\xa0`, `Ã¢â‚¬â„¢` all hold one; clean text
# rarely does (`é–` is a three-byte lead with one continuation: no), and ftfy judges
# each line the guard finds.
_C = "[\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]"
_MOJIBAKE = re.compile(f"[\xc2-\xdf]{_C}|[\xe0-\xef]{_C}{{2}}|[\xf0-\xf4]{_C}{{3}}")
# The lines to look at: a lead byte and one continuation byte. A scan for this is
# eight times faster than for `_MOJIBAKE`, whose alternation the regex engine tries
# at every character; `_MOJIBAKE` then judges each word of the lines found.
_SUSPECT = re.compile(f"[\xc2-\xf4]{_C}")
# The same pair in the text's UTF-8 bytes: there it starts with the byte 0xC3, which
# the regex engine finds as fast as `bytes.find`; a char class (`_SUSPECT`) costs a
# test at every character. Most texts hold no such byte at all.
_SUSPECT_UTF8 = re.compile(
    b"\xc3[\x82-\xb4](?:"
    + b"|".join(
        re.escape(c.encode())
        for c in sorted({*map(chr, range(0x80, 0xC0)), *"€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"})
    )
    + b")"
)


@functools.cache
def _ftfy() -> tuple[Callable[[str, Any], str], Any]:
    """ftfy's repair and its settings, imported on the first suspect text: a tenth of a
    second that a run with no mojibake (a small incremental check) does not pay."""
    import ftfy

    config = ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_encoding=True,
        restore_byte_a0=False,  # `â€ ` may be `”` cut short, not `†`: a space stays a space
        replace_lossy_sequences=False,
        decode_inconsistent_utf8=True,
        fix_c1_controls=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )
    return ftfy.fix_encoding, config


# Portuguese capitals end in Ã (`IRMÃ`, `MAÇÃ`), and a closing quote, dash, ellipsis or
# no-break space may follow: `IRMÃ”` is text, though as mojibake it would read `IRMÔ`.
# Never repaired (the cost: an uppercase `AVÔ` broken as `AVÃ”` stays broken).
_PORTUGUESE = re.compile("(?<=[A-ZÀ-ÖØ-Þ])Ã[”’…–—»›\xa0]")
MAX_PIECE = 4096  # chars handed to ftfy at once: a megabyte word is repaired in pieces
_PIECE_END = re.compile(r"[\x00-\x7f]")  # a mojibake sequence holds no ASCII character


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_WORDS = re.compile(r"([ \t]+)")


def _fixed(piece: str) -> str | None:
    """ftfy's repair of `piece`, if it is one: None where ftfy changes nothing, or would
    trade text for U+FFFD, leave as many suspect pairs, or change an ASCII character
    (mojibake is made of non-ASCII characters only: a space eaten as a lost no-break
    space, `â€ ` -> `†`, is a guess, not a repair), or read a Portuguese capital Ã
    before a closing quote as mojibake."""
    fix_encoding, config = _ftfy()
    fixed = fix_encoding(piece, config)
    if fixed == piece or fixed.count("\ufffd") > piece.count("\ufffd"):
        return None
    if len(_MOJIBAKE.findall(fixed)) >= len(_MOJIBAKE.findall(piece)):
        return None
    if _NON_ASCII.sub("", fixed) != _NON_ASCII.sub("", piece):
        return None
    if "Ã" in piece and len(_PORTUGUESE.findall(fixed)) != len(_PORTUGUESE.findall(piece)):
        return None
    return fixed


@functools.lru_cache(maxsize=4096)
def _fixed_word(word: str) -> str:
    """The word repaired where ftfy can, else as it was (the same broken words recur:
    `donâ€™t`, `â€œ`). A word longer than MAX_PIECE goes in pieces cut before an ASCII
    character, which no mojibake sequence holds."""
    if len(word) <= MAX_PIECE:
        return _fixed(word) or word
    pieces, start = [], 0
    while start < len(word):
        cut = _PIECE_END.search(word, start + MAX_PIECE)
        end = len(word) if cut is None else cut.start() + 1
        piece = word[start:end]
        pieces.append(_fixed(piece) or piece if _MOJIBAKE.search(piece) else piece)
        start = end
    return "".join(pieces)


def _repair_line(line: str) -> str:
    """Each word (a run without space or tab, which no mojibake sequence holds) that
    the guard finds goes to ftfy alone: a long paragraph with one broken apostrophe
    costs one short call, and a repair ftfy refuses for one word leaves the others."""
    out = line
    for _ in range(4):  # the settled text is judged again: ftfy's verdict must hold
        words = _WORDS.split(out)
        for i in range(0, len(words), 2):
            if _MOJIBAKE.search(words[i]) is not None:
                words[i] = _fixed_word(words[i])
        new = "".join(words)
        if new == out:
            break
        out = _settle(new)
    return out


@normalizer("N116", "mojibake", edits=Edit.ANY, sees=Edit.CHARS)
def mojibake(text: str) -> str:
    """Repair double-encoded text (mojibake) with ftfy: `donâ€™t` -> `don’t`, `cafÃ©` -> `café`.

    Why: a page stored as UTF-8 and read as Windows-1252 or Latin-1 (or twice)
    shows each accented letter, curly quote or dash as two or three Latin
    characters; search, deduplication and every reader see noise. A cheap
    guard finds the lines holding a UTF-8 lead byte followed by a continuation
    byte as those charsets show them (`Ã©`, `â€`); on those lines, each word
    holding a whole sequence goes to ftfy's encoding repair alone
    (`fix_encoding`: no unescaping, quote uncurling, width, ligature or
    normalization changes). A repair is kept only where it leaves fewer
    suspect sequences, no new U+FFFD and every ASCII character in place. The
    repaired line replaces the broken one. Kept: clean text, curly quotes and
    dashes, Russian, Greek, Armenian and CJK text, Portuguese capitals
    (`NÃO`, `IRMÃ”`), and what ftfy cannot read back: `â€` cut short stays
    `â€`, never a guessed `†`. Runs first: N101 would drop the C1 control of
    `â€\\x9d` and the no-break space of `Â\\xa0`, and the bytes could no
    longer be recovered.
    """
    if text.isascii():
        return text
    if _SUSPECT_UTF8.search(utf8(text)) is None:
        return text
    return rewrite_lines(text, _SUSPECT, _repair_line)


# ---------------------------------------------------------------- N117 html-entities
_ENTITY_BODY = r"#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31}"
# An entity with its semicolon, after any number of escaped ampersands in front of
# it (`&amp;amp;lt;`): the whole chain decodes at once, so a run is linear.
_AMP = r"(?:amp|AMP|#0*38|#[xX]0*26);"
_ENTITY = re.compile(rf"&((?:{_AMP})*)({_ENTITY_BODY});")


def _value(body: str) -> str | None:
    """What `&body;` stands for, as N101 and N102 would leave it; None if it is no entity."""
    if body[0] == "#":
        num = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if num == 0 or 0xD800 <= num <= 0xDFFF or num > 0x10FFFF:
            return None  # a reference to nothing: kept, for N203 to flag
        value = html.unescape(f"&{body};")  # 0x80-0x9F as Windows-1252, as browsers do
    else:
        found = html5.get(body + ";")
        if found is None:
            return None
        value = found
    return _settle(value)


def _decode(m: re.Match[str]) -> str:
    value = _value(m[2])
    if value is not None:
        return value
    return f"&{m[2]};" if m[1] else m[0]  # `&amp;foo;` -> `&foo;`


@normalizer("N117", "html-entities", edits=Edit.ANY, sees=Edit.CHARS)
def html_entities(text: str) -> str:
    """Decode HTML entities: `&amp;` -> `&`, `&#8217;` -> `’`, `&eacute;` -> `é`, `&nbsp;` -> space.

    Why: a scraper that reads the page source, or a feed escaped twice, leaves
    entities in the text, which then neither reads nor matches as words. Only
    complete entities with their semicolon are decoded (HTML5 names, decimal
    and hex references): `AT&T`, `Q&A`, `&c` and `&copy 2023` stay. Decoded
    fully in one run: `&amp;lt;` -> `<`, as the writer meant it, so a second
    run finds nothing left. `&nbsp;` and other odd spaces become a space,
    zero-width ones go, `&#13;` is a line break (what N101 and N102 would make
    of them); references to 0, to surrogates or past U+10FFFF are kept.
    An escaped tag (`&lt;p&gt;`) decodes to a tag, which N118 then removes.
    """
    if "&" not in text:
        return text
    out = text
    for _ in range(MAX_PASSES):  # a decoded `#`, `;` or letter can complete another
        new = _ENTITY.sub(_decode, out)
        if new == out:
            break
        out = new
        if "&" not in out:
            break
    return text if out is text else keep_nfc(out)


# ---------------------------------------------------------------- N118 html-tags
# HTML element names (the living standard's, and the obsolete ones scrapers still
# meet). Only these make a tag: `<EMAIL>`, `<https://...>`, `<name@x.org>`, `x<y>z`
# and `List<String>` are text.
ELEMENTS = frozenset((
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base",
    "basefont", "bdi", "bdo", "big", "blink", "blockquote", "body", "br", "button", "canvas",
    "caption", "center", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del",
    "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed", "fieldset",
    "figcaption", "figure", "font", "footer", "form", "frame", "frameset", "h1", "h2", "h3",
    "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i", "iframe", "img", "input",
    "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark", "marquee", "menu",
    "meta", "meter", "nav", "nobr", "noframes", "noscript", "object", "ol", "optgroup",
    "option", "output", "p", "param", "picture", "pre", "progress", "rp", "rt", "ruby", "samp",
    "script", "search", "section", "select", "small", "source", "span", "strike", "strong",
    "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea",
    "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul", "var", "video",
    "wbr", "o:p",
))  # fmt: skip
# Not `s` or `q`: `<s>` and `</s>` are sentence markers in language data.
# A bare start tag (`<x>`, no attribute) is a tag only for the elements that carry
# text formatting or layout; `<input>`, `<source>`, `<title>`, `<code>`, `<time>` bare
# read as placeholders (`cp <source> <target>`). With attributes, as an end tag or
# self-closed, any element name is a tag.
BARE = frozenset((
    "a", "b", "big", "blockquote", "body", "br", "center", "dd", "div", "dl", "dt", "em",
    "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "head",
    "header", "hr", "html", "i", "iframe", "img", "li", "nav", "nobr", "noscript", "o:p", "ol",
    "p", "pre", "script", "section", "article", "aside", "small", "span", "strike", "strong",
    "style", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u",
    "ul", "wbr",
))  # fmt: skip
# Old markup shouts: `<P>`, `<BR>`; a capitalised bare name is a tag only among these
# (`<ADDRESS>`, `<NAME>`, `<EMAIL>` are placeholders).
BARE_UPPER = frozenset((
    "A", "B", "BR", "CENTER", "DIV", "EM", "FONT", "H1", "H2", "H3", "H4", "H5", "H6", "HR",
    "I", "IMG", "LI", "OL", "P", "PRE", "SPAN", "STRONG", "TABLE", "TD", "TH", "TR", "TT", "U",
    "UL",
))  # fmt: skip
# Tags that separate what is on either side: they become a line break where text is
# on both sides of them on the line, and go without a trace at a line's ends.
BLOCK = frozenset((
    "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr",
    "html", "iframe", "li", "main", "menu", "nav", "noframes", "noscript", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
))  # fmt: skip
CELLS = frozenset(("td", "th"))  # table cells: a space between their texts

_NAMES = "|".join(sorted((re.escape(n) for n in ELEMENTS), key=len, reverse=True))
# One scan rules out a text without tags: `<`, `</` or `<!--` before an element name.
_GUARD = re.compile(rf"(?i)<(?:!--|!doctype\b|/?(?:{_NAMES})(?=[\s/>]))")
_ATTR = r"""[ \t]++[^\s"'<>/=]++(?:[ \t]*+=[ \t]*+(?:"[^"<>\n]*+"|'[^'<>\n]*+'|[^\s"'=<>`]++))?+"""
# A tag on one line, attributes in HTML's syntax (a value holds no `<` or `>`).
_TAG = re.compile(
    rf"<(?P<end>/)?(?P<name>[A-Za-z][A-Za-z0-9]*+(?::[A-Za-z][A-Za-z0-9]*+)?)"
    rf"(?P<attrs>(?:{_ATTR})*+)[ \t]*+(?P<close>/)?>"
    r"|<!(?i:doctype)[^<>\n]{0,200}>"
)
# Whole elements whose content is never text (script, style) and comments, on one line.
_OPENER = re.compile(r"<!--|<(?i:(script|style))\b[^<>\n]{0,1000}>")
_CLOSERS = {
    "--": re.compile("-->"),
    "script": re.compile(r"</(?i:script)[ \t]*>"),
    "style": re.compile(r"</(?i:style)[ \t]*>"),
}
_INLINE, _CELL, _BREAK = 0, 1, 2


def _kind(m: re.Match[str]) -> int | None:
    """What the tag `m` becomes, None if it is no tag."""
    name = m["name"]
    if name is None:
        return _BREAK  # a doctype
    lower = name.lower()
    if lower not in ELEMENTS:
        return None
    if not (m["end"] or m["attrs"] or m["close"]):  # bare: `<p>`
        if not (name in BARE or name in BARE_UPPER):
            return None
    elif m["end"] and m["attrs"]:
        return None  # `</p class="x">` is no end tag
    if lower in BLOCK:
        return _BREAK
    return _CELL if lower in CELLS else _INLINE


def opens_markup(text: str, at: int) -> bool:
    """Does markup this rule removes start at `at`: a tag, a comment or a script or
    style element? (N103 keeps the backslash that escapes it: see there.)"""
    m = _TAG.match(text, at)
    return (m is not None and _kind(m) is not None) or _OPENER.match(text, at) is not None


def _element_spans(line: str) -> list[tuple[int, int]]:
    """Comments and whole script or style elements on the line, as (start, end)."""
    spans: list[tuple[int, int]] = []
    found: dict[str, tuple[int, int] | None] = {}  # per closer, the next one searched
    pos = 0
    while (m := _OPENER.search(line, pos)) is not None:
        if escaped(line, m.start()):
            pos = m.end()
            continue
        kind = (m[1] or "--").lower()
        close = found.get(kind, (-1, -1))
        if close is not None and close[0] < m.end():
            c = _CLOSERS[kind].search(line, m.end())
            close = found[kind] = None if c is None else (c.start(), c.end())
        if close is None:  # none after this opener, so none after the later ones either
            pos = m.end()
            continue
        spans.append((m.start(), close[1]))
        pos = close[1]
    return spans


def _strip_once(line: str) -> str:
    """The line without its tags, comments and script or style elements."""
    tokens: list[str | int] = []  # text, and what each removed piece becomes
    pos = 0
    for start, end in [*_element_spans(line), (len(line), len(line))]:
        for m in _TAG.finditer(line, pos, start):
            kind = _kind(m)
            if kind is not None and not escaped(line, m.start()):
                tokens += [line[pos : m.start()], kind]
                pos = m.end()
        if start < len(line):
            tokens += [line[pos:start], _INLINE]
            pos = end
    if not tokens:
        return line
    tokens.append(line[pos:])
    return _assemble(tokens)


def _assemble(tokens: list[str | int]) -> str:
    """Join the text around removed pieces: a line break only between two texts, one
    space where a removed piece had spaces on both sides, a space between two cells."""
    segments: list[str] = []
    parts: list[str] = []
    pending: int | None = None
    last = ""  # the last character put into the current segment
    for token in tokens:
        if isinstance(token, int):
            if token == _BREAK:
                segments.append("".join(parts))
                parts, pending, last = [], None, ""
            else:
                pending = token if pending is None else max(pending, token)
            continue
        if not token:
            continue
        if pending is not None:
            if not last:  # only removed pieces before it on the line
                token = token.lstrip(" \t")
            elif last in " \t" and token[0] in " \t":
                token = token[1:]
            elif pending == _CELL and not (last.isspace() or token[0].isspace()):
                token = " " + token
        pending = None
        if token:
            parts.append(token)
            last = token[-1]
    if pending is not None and parts:  # only removed pieces after it on the line
        parts[-1] = parts[-1].rstrip(" \t")
    segments.append("".join(parts))
    if len(segments) == 1:
        return segments[0]
    lines = []  # spaces at a break go; the line's own indentation stays
    for i, segment in enumerate(segments):
        if i:
            segment = segment.lstrip(" \t")
        if i < len(segments) - 1:
            segment = segment.rstrip(" \t")
        if segment.strip(" \t"):
            lines.append(segment)
    return "\n".join(lines)


def _strip_line(line: str) -> str:
    out = line
    for _ in range(MAX_PASSES):  # removing `<b>` from `<<b>p>` leaves a tag
        new = _strip_once(out)
        if new == out:
            break
        out = new
        if _GUARD.search(out) is None:
            break
    return out


def _code_spans(text: str) -> list[tuple[int, int]]:
    """The character spans of the fenced code blocks of `text` (closed ones: a fence
    that nothing closes is a line of text, as everywhere else)."""
    if not may_hold_fence(text):
        return []
    lines = text.split("\n")
    starts = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    return [(starts[first], starts[last + 1]) for first, last in code_blocks(lines)]


@normalizer("N118", "html-tags", edits=Edit.ANY, sees=Edit.CHARS)
def html_tags(text: str) -> str:
    """Remove leftover HTML tags: `<p>`, `<br>`, `</div>`, `<span class="x">`, `<!-- -->`.

    Why: markup the scraper did not strip shows as text. Only real tags go:
    an HTML element name, attributes in HTML's syntax, all on one line.
    Formatting tags (`<b>`, `<span>`, `<a href=...>`) go without a trace, so
    `foo<b>bar</b>` reads `foobar`; a block tag (`<p>`, `<br>`, `</div>`,
    `<li>`) between two texts on a line becomes a line break, so the
    paragraphs it separated stay apart (N113 then sets them one blank line
    apart); at either end of a line it just goes. A line of only tags is left
    blank. Comments and whole `<script>`/`<style>` elements on a line go with
    their content, which is code, never text; an unclosed one loses only its
    tag. Kept: autolinks `<https://...>`, placeholders such as `<EMAIL>` or
    `<source>` without attributes, emails `<name@x.org>`, `a < b`, `<3`,
    `x<y>z`, `List<String>`, sentence markers `<s>`, markup that markdown
    escaped as text (`\\<title>`), and code: lines in a closed fenced block or
    holding a backtick span show markup on purpose. A regex over HTML's tag
    syntax, not a parser: `html.parser` takes any `<word>` for a tag and
    reads across lines, and this rule must judge each `<` alone.
    """
    if "<" not in text:
        return text
    m = _GUARD.search(text)
    if m is None:
        return text
    fences = _code_spans(text)
    pieces: list[str] = []
    done = 0  # text before `done` is in `pieces`
    while m is not None:  # each line with a tag once, however many tags it holds
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        line = text[start:end]
        code = "`" in line or any(a <= start < b for a, b in fences)
        new = line if code else _strip_line(line)
        if new != line:
            pieces += [text[done:start], new]
            done = end
        m = _GUARD.search(text, end)
    if not pieces:
        return text
    pieces.append(text[done:])
    return keep_nfc("".join(pieces))
