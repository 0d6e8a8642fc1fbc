"""Personal data and secrets (P001-P006) in the normalized text of a document.

The spans come from `corpus_tool.normalize.personal` (the same finders the redaction
rule N126 uses, so a redacted text gives no P finding). A message shows the span
masked (`j***@e***.org`, `**** **** **** 4242`), never the value whole: reports go
to CI logs and pull requests. The line and column are those of the value in the
raw file; in a shard, the line is the row's and the message says where in the row's
text the value is.
"""

from __future__ import annotations

from collections.abc import Iterator

from corpus_tool.findings import Finding, Severity
from corpus_tool.normalize.personal import FINDERS, Kind, Scan
from corpus_tool.registry import Check, Hit, check

_W = Severity.WARNING
MAX_HITS_PER_CODE = 5  # a document that lists a hundred addresses gets five findings


def _hits(scan: Scan, kind: Kind, what: str) -> Iterator[Hit]:
    for span in FINDERS[kind](scan):
        label = f"{span.what} " if span.what else ""
        value = scan.text[span.start : span.end]
        yield Hit(f"{what} {label}`{span.shown}`", evidence=value)


@check("P001", "email-address", _W, hint="Remove or redact it (rule N126 `pii-redaction`).")
def emails(scan: Scan) -> Iterator[Hit]:
    """The text holds an email address."""
    return _hits(scan, Kind.EMAIL, "email address")


@check("P002", "phone-number", _W, hint="Remove or redact it (rule N126 `pii-redaction`).")
def phones(scan: Scan) -> Iterator[Hit]:
    """The text holds a phone number (validated with libphonenumber)."""
    return _hits(scan, Kind.PHONE, "phone number")


@check("P003", "ip-address", _W, hint="Remove or redact it (rule N126 `pii-redaction`).")
def ips(scan: Scan) -> Iterator[Hit]:
    """The text holds a public IP address."""
    return _hits(scan, Kind.IP, "public IP address")


@check("P004", "payment-card", _W, hint="Remove it: card numbers never belong in a corpus.")
def cards(scan: Scan) -> Iterator[Hit]:
    """The text holds a payment card number that passes the Luhn check."""
    return _hits(scan, Kind.CARD, "payment card number")


@check("P005", "iban", _W, hint="Remove or redact it (rule N126 `pii-redaction`).")
def ibans(scan: Scan) -> Iterator[Hit]:
    """The text holds an IBAN that passes its checksum."""
    return _hits(scan, Kind.IBAN, "IBAN")


@check(
    "P006",
    "credential",
    _W,
    hint="Revoke the credential, then remove it; set P006 to `error` to make `build` refuse.",
)
def secrets(scan: Scan) -> Iterator[Hit]:
    """The text holds a credential: a provider token, a private key or a random key assigned."""
    return _hits(scan, Kind.SECRET, "credential:")


CHECKS: tuple[Check, ...] = (emails, phones, ips, cards, ibans, secrets)


def _where(raw: str, value: str, start: int) -> tuple[int, int, int] | None:
    """(line, column, offset) of `value` in `raw`, searched from `start` (1-based)."""
    pos = raw.find(value, start)
    if pos < 0:
        pos = raw.find(value)
        if pos < 0:
            return None
    line = raw.count("\n", 0, pos) + 1
    return line, pos - (raw.rfind("\n", 0, pos) + 1) + 1, pos


def check_personal(
    text: str,
    raw: str,
    *,
    path: str,
    doc_id: str | None,
    first_line: int | None,
    enabled: frozenset[str],
) -> list[Finding]:
    """P findings for one document's normalized `text`; `first_line` as in
    `validate.residue.check_residue` (a shard row's line, or None for a file)."""
    findings: list[Finding] = []
    scan = Scan(text)
    for unit in CHECKS:
        if unit.code not in enabled:
            continue
        after = 0
        for n, hit in enumerate(unit(scan)):
            if n >= MAX_HITS_PER_CODE:
                break
            # Normalization can change the layout inside a span (a key block): then its
            # first line is looked up.
            value = hit.evidence or ""
            found = _where(raw, value, after) or _where(raw, value.split("\n", 1)[0], after)
            line, column = None, None
            message = hit.message
            if found is not None:
                line, column, after = found[0], found[1], found[2] + 1
                if first_line is not None:
                    message += f" (text line {line}, column {column})"
                    line, column = first_line, None
            elif first_line is not None:
                line = first_line
            hit = Hit(message, line=line, column=column)
            findings.append(unit.finding(hit, path=path, doc_id=doc_id))
    return findings
