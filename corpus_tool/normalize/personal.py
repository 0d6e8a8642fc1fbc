"""Where a text holds personal data or a secret: the span finders that the P checks
(`corpus_tool.validate.personal`) report and the redaction rule N126 replaces.

One finder per kind, each a cheap guard (a character or a short regex that clean news
text rarely matches), then a candidate regex, then a validator from a well-kept
library, so that numbers, dates, prices, scores and URLs in news prose are not taken
for personal data (precision first):

- emails: a full address with a dotted domain (no `@handle`, no `logo@2x.png`);
- phones: `phonenumbers` (Google's libphonenumber) validates every candidate; a
  number without `+` must look written as a phone (`(202) 555-0143`,
  `202-555-0143`) or follow a word such as "call", "phone" or "tel";
- IP addresses: `ipaddress` keeps the globally routable ones (no 10.x, 192.168.x,
  documentation or loopback ranges), and none that reads as a version number;
- payment cards: 13-19 digits in the groups cards are printed in, a known issuer
  prefix, and the Luhn check (`stdnum.luhn`);
- IBANs: `stdnum.iban` (country length and the mod-97 check);
- secrets: the provider token formats of `detect-secrets`' plugins (cloud keys,
  code-host, chat and payment tokens, JWTs, private-key blocks), and assignments
  such as `api_key = "..."` of a value with high Shannon entropy.

A span's `shown` is its masked form for messages: it never holds the value whole
(at most a few leading or trailing characters, as a receipt shows a card).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["FINDERS", "Kind", "Scan", "Span", "find_all"]


class Kind(enum.Enum):
    """What a span is, and the placeholder redaction puts in its place."""

    EMAIL = "<EMAIL>"
    PHONE = "<PHONE>"
    IP = "<IP>"
    CARD = "<CARD>"
    IBAN = "<IBAN>"
    SECRET = "<SECRET>"


@dataclass(frozen=True, slots=True)
class Span:
    kind: Kind
    start: int
    end: int
    shown: str  # the masked value, for messages
    what: str = ""  # e.g. the provider of a token


# Two byte-level views of a text make the guards cheap: in `classes`, every digit is
# `0`, every ASCII capital `A` and small letter `a`, a few separators stay themselves
# and everything else (non-ASCII bytes too) is `~`; in `tokens`, every character
# a key can hold is `a`. A guard is then a literal search (`b"0000"`, `b"AA00"`),
# which the regex engine runs as a fast scan, not a pattern tried at every character.
_CLASS_TABLE = bytes(
    ord("0") if chr(b).isdigit() and b < 128
    else ord("A") if 65 <= b <= 90
    else ord("a") if 97 <= b <= 122
    else b if chr(b) in " -.:+()@_/=" and b < 128
    else ord("~")
    for b in range(256)
)  # fmt: skip
_TOKEN_TABLE = bytes(  # `-` and `.` split: `Nagorno-Karabakh` is two words, not a key
    ord("a") if b < 128 and (chr(b).isalnum() or chr(b) in "_+/=:@") else ord(" ")
    for b in range(256)
)
# Every numeric kind (phone, card, IBAN, IPv4) holds seven characters in a row that are
# digits and separators, the first a digit: `8.8.8.8`, `+1 202 5`, `4539 14`. Prose
# numbers (`2023,`, `$1,299.99`, `10:45`, `1994 to 2020`) hold none.
NUMERIC = re.compile(rb"0[0 .()+-]{6}")


class Scan:
    """A text, and the byte views its guards search (each made at most once)."""

    __slots__ = ("_classes", "_encoded", "_numeric", "_tokens", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._encoded = b""
        self._classes: bytes | None = None
        self._tokens: bytes | None = None
        self._numeric: bool | None = None

    @property
    def classes(self) -> bytes:
        if self._classes is None:
            self._encoded = self.text.encode("utf-8", "surrogatepass")
            self._classes = self._encoded.translate(_CLASS_TABLE)
        return self._classes

    @property
    def encoded(self) -> bytes:
        """The text in UTF-8."""
        if self._classes is None:
            _ = self.classes
        return self._encoded

    def offset(self, byte: int) -> int:
        """The character offset in `text` of a byte offset in the views."""
        if len(self._encoded) == len(self.text):
            return byte
        return len(self._encoded[:byte].decode("utf-8", "surrogatepass"))

    @property
    def numeric(self) -> bool:
        """Could the text hold a phone, card, IBAN or IPv4 address at all?"""
        if self._numeric is None:
            self._numeric = NUMERIC.search(self.classes) is not None
        return self._numeric

    @property
    def tokens(self) -> bytes:
        if self._tokens is None:
            self._tokens = self.classes.translate(_TOKEN_TABLE)
        return self._tokens


Finder = Callable[[Scan], Iterator[Span]]


def _stars(value: str, keep_end: int = 0, keep_start: int = 0) -> str:
    """`value` with every letter and digit but the first `keep_start` and the last
    `keep_end` replaced by `*`; separators stay, so the shape shows."""
    alnum = [i for i, c in enumerate(value) if c.isalnum()]
    keep = set(alnum[:keep_start]) | set(alnum[len(alnum) - keep_end :] if keep_end else ())
    return "".join(c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(value))


# -------------------------------------------------------------------- email

EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![\w-])"
)
NOT_A_TLD = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "tif"})


def find_emails(scan: Scan) -> Iterator[Span]:
    text = scan.text
    if "@" not in text:
        return
    for m in EMAIL.finditer(text):
        if m[2].lower() in NOT_A_TLD:  # `logo@2x.png`: a file name
            continue
        local, domain = m.group().split("@", 1)
        shown = f"{local[0]}***@{domain[0]}***.{m[2]}"
        yield Span(Kind.EMAIL, m.start(), m.end(), shown)


# -------------------------------------------------------------------- phone

# Cheap guard (in `Scan.classes`): a `+` before a digit, an area code in parentheses,
# or the US grouping. News dates (2023-09-28), prices and scores match none of them.
PHONE_HINTS = (b"+0", b"(00", b"000-000-0000", b"000.000.0000")
PHONE_WORD = re.compile(
    r"(?i:\b(?:tel|telephone|phone|call|fax|mobile|cell|whatsapp|hotline|sms|text|ph|"
    r"contact|dial|reach(?:ed)?)\b)[.:]?[^\n\w]{0,12}(?:\w+[^\n\w]{1,3}){0,3}$"
)
WRITTEN_AS_PHONE = re.compile(r"^\(\d{2,5}\)\s?\d|^\d{3}[-.]\d{3}[-.]\d{4}$")
PHONE_REGIONS = ("US",)  # the region a number without `+` is read in


PHONE_LINE = re.compile(r"\+\d|\(\d{2,5}\)\s?\d|\d{3}[-.]\d{3}[-.]\d{4}")


def find_phones(scan: Scan) -> Iterator[Span]:
    if not scan.numeric:
        return
    classes = scan.classes
    if not any(hint in classes for hint in PHONE_HINTS):
        return
    import phonenumbers

    text, start = scan.text, 0
    for line in text.split("\n"):  # the matcher is slow: it reads only the lines with a hint
        if PHONE_LINE.search(line):
            yield from _phones_in(line, text, start, phonenumbers)
        start += len(line) + 1


def _phones_in(line: str, text: str, offset: int, phonenumbers: Any) -> Iterator[Span]:
    leniency = phonenumbers.Leniency.VALID
    for match in phonenumbers.PhoneNumberMatcher(line, PHONE_REGIONS[0], leniency=leniency):
        raw = match.raw_string
        begin, end = offset + match.start, offset + match.end
        if not raw.startswith("+"):
            before = text[max(0, begin - 40) : begin]
            if not (WRITTEN_AS_PHONE.search(raw) or PHONE_WORD.search(before)):
                continue
        if sum(c.isdigit() for c in raw) < 8:
            continue
        yield Span(Kind.PHONE, begin, end, _stars(raw, keep_end=2))


# -------------------------------------------------------------------- IP addresses

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w.]*\d|\.\w)")
_HEX = r"[0-9A-Fa-f]{1,4}"
IPV6 = re.compile(rf"(?<![\w:.])(?:{_HEX}:){{1,7}}(?::|(?::{_HEX}){{1,6}}|{_HEX})(?![\w:.])")
VERSION_WORD = re.compile(  # a dotted number after these is a version or a section
    r"(?i)(?:\bv|version|release|build|chrome|firefox|ios|android|section|article|clause"
    r"|chapter|paragraph|rule|item|§)\.?\s*$"
)


IPV4_HINT = re.compile(rb"0\.0{1,3}\.0{1,3}\.0")


def find_ips(scan: Scan) -> Iterator[Span]:
    text = scan.text
    if scan.numeric and IPV4_HINT.search(scan.classes):
        for m in IPV4.finditer(text):
            if VERSION_WORD.search(text[max(0, m.start() - 12) : m.start()]):
                continue
            if ipaddress.IPv4Address(m.group()).is_global:
                first = m.group().split(".", 1)[0]
                yield Span(Kind.IP, m.start(), m.end(), f"{first}.*.*.*")
    classes = scan.classes
    if b"::" in classes or classes.count(b":") >= 7:
        for m in IPV6.finditer(text):
            value = m.group()
            if value.count(":") < 2 or not any(c in value for c in "abcdefABCDEF:"):
                continue
            try:
                address = ipaddress.IPv6Address(value)
            except ValueError:
                continue
            if address.is_global and ("::" in value or value.count(":") == 7):
                yield Span(Kind.IP, m.start(), m.end(), value.split(":", 1)[0] + ":*")


# -------------------------------------------------------------------- payment cards

CARD = re.compile(  # 4-4-4-4(-1..3), or Amex's 4-6-5; the same separator throughout
    r"(?<![\d.,/-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}(?:\1?\d{1,3})?"
    r"|\d{4}([ -]?)\d{6}\2\d{5})(?![\d.,/-]?\d)"
)
# Issuer prefixes (IIN ranges) and lengths of the major card networks.
CARD_PREFIX = re.compile(
    r"^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}"
    r"|3[47]\d{13}|6(?:011|5\d\d)\d{12,15}|35(?:2[89]|[3-8]\d)\d{12,15}|3(?:0[0-5]|[68]\d)\d{11,16})$"
)


CARD_HINTS = (b"0000 0000", b"0000-0000", b"00000000")


def find_cards(scan: Scan) -> Iterator[Span]:
    if not scan.numeric:
        return
    classes = scan.classes
    if not any(hint in classes for hint in CARD_HINTS):
        return
    from stdnum import luhn

    for m in CARD.finditer(scan.text):
        digits = re.sub(r"\D", "", m.group())
        if CARD_PREFIX.match(digits) and luhn.is_valid(digits) and len(set(digits)) > 1:
            yield Span(Kind.CARD, m.start(), m.end(), _stars(m.group(), keep_end=4))


# -------------------------------------------------------------------- IBAN

IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w-])")


IBAN_HINT = re.compile(rb"AA00 ?[A0]{4} ?[A0]{4}")


def find_ibans(scan: Scan) -> Iterator[Span]:
    if not scan.numeric or b"AA00" not in scan.classes or not IBAN_HINT.search(scan.classes):
        return
    from stdnum import iban

    for m in IBAN.finditer(scan.text):
        value = m.group()
        if iban.is_valid(value):
            yield Span(Kind.IBAN, m.start(), m.end(), value[:2] + _stars(value[2:], keep_end=2))


# -------------------------------------------------------------------- secrets

PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,10000}?(?:-----END[A-Z ]{0,20}"
    r" PRIVATE KEY(?: BLOCK)?-----|\Z)|PuTTY-User-Key-File-\d[^\n]*(?:\n[^\n]+){0,60}"
)
ASSIGNED = re.compile(
    r"(?i:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?(?:key|token)|auth[_-]?token"
    r"|client[_-]?secret|private[_-]?key|token|password|passwd|pwd)[\"']?\s*(?::=|=>|[:=])\s*[\"']?$"
)
ENTROPY_BITS = 3.5  # bits per character: a random key of 16+ characters has 3.8 and more
PLUGINS = (  # detect-secrets' detectors of a provider's token format (no keyword guessing)
    "aws.AWSKeyDetector",
    "azure_storage_key.AzureStorageKeyDetector",
    "basic_auth.BasicAuthDetector",
    "discord.DiscordBotTokenDetector",
    "github_token.GitHubTokenDetector",
    "gitlab_token.GitLabTokenDetector",
    "jwt.JwtTokenDetector",
    "mailchimp.MailchimpDetector",
    "npm.NpmDetector",
    "openai.OpenAIDetector",
    "pypi_token.PypiTokenDetector",
    "sendgrid.SendGridDetector",
    "slack.SlackDetector",
    "square_oauth.SquareOAuthDetector",
    "stripe.StripeDetector",
    "telegram_token.TelegramBotTokenDetector",
    "twilio.TwilioKeyDetector",
)


@functools.cache
def _detectors() -> tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...]:
    """(what, regex, validator) for each token format of PLUGINS."""
    import importlib

    found = []
    for name in PLUGINS:
        module, cls = name.rsplit(".", 1)
        plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)()
        check: Callable[[str], bool] = getattr(plugin, "is_formally_valid", lambda _: True)
        found += [(plugin.secret_type, pattern, check) for pattern in plugin.denylist]
    return tuple(found)


def entropy(value: str) -> float:
    """Shannon entropy of `value`, in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _secret_shown(value: str) -> str:
    return f"{value[:4]}…({len(value)} characters)" if len(value) > 12 else "…"


TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/=.:@-")
LONG_TOKEN = b"a" * 16  # in `Scan.tokens`: 16 key characters (found with bytes.find: fast)
# What a token's run holds and a long word of prose does not (in `Scan.classes`): a digit,
# an `@` (credentials), an underscore (`ghp_`, `sk_live_`), a capital after a small
# letter or 16 capitals in a row (random letters with no digit in them, which one GitHub
# token in some six hundred is, and `AKIA` keys).
_TOKEN_MARKS = (b"0", b"@", b"_", b"aA", b"A" * 16)
RUN_END = re.compile(rb"[^a]|\Z")


def find_secrets(scan: Scan) -> Iterator[Span]:
    text = scan.text
    spans: list[Span] = []
    encoded = scan.encoded
    if b"PRIVATE KEY" in encoded or b"PuTTY-User-Key" in encoded:
        for m in PRIVATE_KEY.finditer(text):
            shown = "-----BEGIN … PRIVATE KEY"
            spans.append(Span(Kind.SECRET, m.start(), m.end(), shown, "private key"))
    for base, token in _long_tokens(scan):
        hit = None
        for what, pattern, valid in _detectors():
            found = pattern.search(token)
            if found and valid(found.group()):
                hit = Span(Kind.SECRET, base + found.start(), base + found.end(), "", what)
                break
        if hit is None:
            value = token.strip("\"'.,:;")
            if _is_key_like(value) and ASSIGNED.search(text, max(0, base - 40), base):
                start = base + token.index(value)
                hit = Span(Kind.SECRET, start, start + len(value), "", "high-entropy assignment")
        if hit is not None:
            value = text[hit.start : hit.end]
            shown = _secret_shown(value)
            spans.append(Span(hit.kind, hit.start, hit.end, shown, hit.what))
    spans.sort(key=lambda s: s.start)
    end = -1
    for span in spans:  # a token inside a private-key block is that block
        if span.start >= end:
            yield span
            end = span.end


def _long_tokens(scan: Scan) -> Iterator[tuple[int, str]]:
    """(start, token) for each token that holds a run of 16 key characters other than
    `-` and `.` (every token format has one), the token read whole in the text."""
    classes, tokens, text = scan.classes, scan.tokens, scan.text
    found, after = tokens.find(LONG_TOKEN), 0
    while found >= 0:
        end = RUN_END.search(tokens, found).start()  # type: ignore[union-attr]
        run = classes[found:end]
        if any(mark in run for mark in _TOKEN_MARKS):
            middle = scan.offset(found)
            start = middle
            while start > after and text[start - 1] in TOKEN_CHARS:
                start -= 1
            stop = middle + end - found
            while stop < len(text) and text[stop] in TOKEN_CHARS:
                stop += 1
            after = stop
            yield start, text[start:stop]
        found = tokens.find(LONG_TOKEN, end)


def _is_key_like(value: str) -> bool:
    """A random-looking key: long, mixed letters and digits, high entropy, not a URL."""
    return (
        16 <= len(value) <= 256
        and "://" not in value
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and entropy(value) >= ENTROPY_BITS
    )


# -------------------------------------------------------------------- all of them

FINDERS: dict[Kind, Finder] = {
    Kind.EMAIL: find_emails,
    Kind.PHONE: find_phones,
    Kind.IP: find_ips,
    Kind.CARD: find_cards,
    Kind.IBAN: find_ibans,
    Kind.SECRET: find_secrets,
}


def find_all(text: str | Scan) -> list[Span]:
    """Every span in `text`, by start. Where spans overlap, the one that starts first
    (the longer, on a tie) is kept: one piece of text is one finding."""
    scan = text if isinstance(text, Scan) else Scan(text)
    spans = sorted(
        (span for finder in FINDERS.values() for span in finder(scan)),
        key=lambda s: (s.start, -(s.end - s.start)),
    )
    out: list[Span] = []
    for span in spans:
        if not out or span.start >= out[-1].end:
            out.append(span)
    return out
