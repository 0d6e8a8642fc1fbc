"""Character-level rules: unicode clean-up and line endings."""

from __future__ import annotations

import re
import unicodedata

from corpus_tool.normalize import Edit, normalizer
from corpus_tool.normalize.common import utf8

# Spaces that render like a space but do not compare equal to one.
ODD_SPACES = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# Invisible characters with no meaning in running text. ZWNJ/ZWJ (U+200C/D) are
# NOT here: they shape Persian, Indic scripts and emoji sequences.
INVISIBLE = "\u200b\u2060\ufeff\u00ad"
# C0 and C1 control characters except tab, line feed and carriage return (the
# last is N102's business).
CONTROLS = "".join(
    chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"
)

# Regex substitution: several times faster than str.translate on non-ASCII text.
_SUSPECT = re.compile("[" + re.escape(ODD_SPACES + INVISIBLE + CONTROLS) + "]")
_SPACE = re.compile("[" + re.escape(ODD_SPACES) + "]")
_DROP = re.compile("[" + re.escape(INVISIBLE + CONTROLS) + "]+")


def _has_suspects(text: str) -> bool:
    # Every suspect is a control, format or space separator character, all of which
    # `str.isprintable` rejects: one fast pass rules out most texts, line feeds aside.
    return not text.replace("\n", " ").isprintable() and _SUSPECT.search(text) is not None


# Tab, line feed and printable ASCII: no suspect and nothing NFC composes, so a scan can
# skip them. Deleted from the text's UTF-8 bytes, they leave the few characters worth
# a look (curly quotes and dashes on most pages): one pass in C over the bytes, where
# `str.isprintable` and `unicodedata.is_normalized` each look up every character.
_PLAIN_ASCII = bytes([0x09, 0x0A, *range(0x20, 0x7F)])
# Characters that cannot make a text other than NFC: ASCII, and ranges in which every
# character is a starter (combining class 0), is its own NFC and is never the second
# of a canonical pair (a test checks each). A text of only these is NFC as it is.
NFC_SAFE = "\x00-\x7f\u00a0-\u02ff\u2010-\u205e"
_NFC_UNSAFE = re.compile(f"[^{NFC_SAFE}]")


def unusual_chars(text: str) -> str:
    """The characters of `text` other than tab, line feed and printable ASCII, in order."""
    raw = utf8(text).translate(None, _PLAIN_ASCII)
    return raw.decode("utf-8", "surrogatepass")


def _clean_chars(text: str) -> str:
    return _DROP.sub("", _SPACE.sub(" ", text))


# Later rules only delete characters and lines, and re-compose where a deletion
# joins a letter and a combining mark (`keep_nfc`): they never give N101 or N102 work.
@normalizer("N101", "unicode", edits=Edit.CHARS, sees=Edit.NONE)
def unicode_cleanup(text: str) -> str:
    """NFC-compose; odd spaces to a space; drop zero-width, BOM, soft hyphen and control chars.

    Why: scraped pages carry NBSP, U+2000-U+200A, U+202F, U+205F and U+3000
    spaces, zero-width spaces, word joiners, byte-order marks anywhere and soft
    hyphens; they break search and duplicate detection while showing nothing.
    NFD words (`Zu\u0308rich`) are composed so equal words compare equal.
    Kept on purpose: ZWJ/ZWNJ (U+200D/U+200C, meaningful in Persian, Indic
    scripts and emoji), curly quotes and dashes (content), tab, line feed and
    carriage return (N102 handles line endings). Characters are removed before
    composing, so a zero-width space between a letter and its accent cannot
    leave a decomposed pair behind.
    """
    if text.isascii():
        return _clean_chars(text) if _has_suspects(text) else text
    unusual = unusual_chars(text)
    if _SUSPECT.search(unusual) is not None:  # a suspect is never plain ASCII
        text = _clean_chars(text)
    elif _NFC_UNSAFE.search(unusual) is None:
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")


@normalizer("N102", "line-endings", edits=Edit.CHARS, sees=Edit.NONE)
def line_endings(text: str) -> str:
    """CRLF, lone CR and the Unicode line/paragraph separators become a line feed.

    Why: Windows and old Mac line endings leave `\\r` at line ends, which
    every line-based rule after this one would have to special-case.
    """
    if "\r" not in text and "\u2028" not in text and "\u2029" not in text:
        return text
    return _LINE_BREAKS.sub("\n", text)
