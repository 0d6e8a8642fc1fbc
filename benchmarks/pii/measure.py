"""Precision and recall of the P finders (corpus_tool.normalize.personal) per code.

The labelled sample is built here, deterministically (`--seed`): generated news
text (rows of a corpus made by the shared benchmark generator, `make_corpus.py`)
with synthetic personal data planted into half of the documents, one to three
values each, in sentences a news page would carry ("Readers can write to ...").
Every document also gets hard negatives that must not be found: dates, prices,
scores, years, version strings, private and documentation IP addresses, numbers
that fail the Luhn or IBAN check, social handles and image names. The seeds are
added as they are: any span found in them is a false positive.

A found span is right when it is exactly a planted value of its kind; anything
else found is a false positive. Prints, per code: planted, found, precision,
recall; and the time per document of `find_all`.

Usage: python3 benchmarks/pii/measure.py CORPUS.jsonl [--docs 2000] [--seed 1]
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import ipaddress
import json
import random
import string
import sys
import time
from collections import Counter
from pathlib import Path

from corpus_tool.normalize.personal import Kind, find_all

CODES = {
    Kind.EMAIL: "P001",
    Kind.PHONE: "P002",
    Kind.IP: "P003",
    Kind.CARD: "P004",
    Kind.IBAN: "P005",
    Kind.SECRET: "P006",
}
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def grouped(value: str, sep: str = " ") -> str:
    return sep.join(value[i : i + 4] for i in range(0, len(value), 4))


def plant(kind: Kind, rng: random.Random) -> tuple[str, str]:
    """(value, sentence holding it)."""
    if kind is Kind.EMAIL:
        user = rng.choice(["j.smith", "press", "maria_k", "tips", "a.petrosyan", "desk+news"])
        domain = rng.choice(
            ["example.com", "mail.example.org", "newsroom.example.am", "post.example.net"]
        )
        value = f"{user}{rng.randrange(100)}@{domain}"
        return value, f"Readers can write to {value} with tips."
    if kind is Kind.PHONE:
        value = rng.choice(
            [
                f"+1 {rng.choice(['202', '212', '415', '617'])} {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}",
                f"+44 20 {rng.randrange(7000, 8999)} {rng.randrange(1000, 9999)}",
                f"+374 10 {rng.randrange(200, 599)} {rng.randrange(100, 999)}",
                f"+49 30 {rng.randrange(1000000, 9999999)}",
                f"+33 1 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                f"({rng.choice(['202', '212', '415'])}) {rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}",
            ]
        )
        return value, f"The hotline for relatives is {value}, officials said."
    if kind is Kind.IP:
        while True:
            value = ".".join(str(rng.randrange(1, 224)) for _ in range(4))
            if ipaddress.ip_address(value).is_global:
                return value, f"The attack was traced to a server at {value} abroad."
    if kind is Kind.CARD:
        prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16)])
        raw = luhn_complete(prefix, length, rng)
        value = grouped(raw, rng.choice([" ", "-"])) if length == 16 else raw
        return value, f"The leaked list included card {value} and its owner."
    if kind is Kind.IBAN:
        country, bban = rng.choice(
            [
                ("DE", "".join(rng.choice(string.digits) for _ in range(18))),
                ("FR", "".join(rng.choice(string.digits) for _ in range(23))),
                ("NL", "ABNA" + "".join(rng.choice(string.digits) for _ in range(10))),
            ]
        )
        value = iban(country, bban)
        value = grouped(value) if rng.random() < 0.5 else value
        return value, f"Donations can be sent to {value} until Friday."
    alnum = string.ascii_letters + string.digits
    value = rng.choice(
        [
            "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "ghp_" + "".join(rng.choice(alnum) for _ in range(36)),
            "xoxb-"
            + str(rng.randrange(10**11, 10**12))
            + "-"
            + "".join(rng.choice(alnum.lower()) for _ in range(24)),
            "sk_live_" + "".join(rng.choice(alnum) for _ in range(24)),
            "glpat-" + "".join(rng.choice(alnum) for _ in range(20)),
        ]
    )
    return value, f"The leaked configuration held the token {value} in plain text."


DECOYS = [
    "On 2023-09-28 and 9/26/2023, some 100,000 people fled; the 1991-1994 war and 2020 killed thousands.",
    "The score was 3-1, and tickets cost $1,299.99 or EUR 45.50; the index closed at 4,567.89.",
    "Update to version 1.2.3.4 or Chrome 118.0.5993.88; section 4.2.1.3 applies.",
    "The router at 192.168.1.1 and 10.0.0.7 are private, 203.0.113.9 is for documentation.",
    "Tracking number 1234 5678 9012 3456 and order 9999 8888 7777 6666 were shipped.",
    "The code DE89 3704 0044 0532 0130 01 has a wrong checksum; flight AB12 3456 left.",
    "Follow @PashinyanNikol and see logo@2x.png; population 1 234 567 in 2021.",
    "Call the press office on weekdays between 9:00 and 17:00, room 214, extension 3306.",
    "The budget of 2024-2025 is 1,234,567,890 drams, up 12.5% from 2023.",
    "Read more at https://www.example.com/2024/11/26/nagorno-karabakh-refugees-a43953 today.",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    texts = []
    with open(args.corpus, encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) >= args.docs:
                break
    docs: list[tuple[str, list[tuple[Kind, str]]]] = []
    for i, text in enumerate(texts):
        paras = text.split("\n\n")
        labels = []
        for decoy in rng.sample(DECOYS, 3):
            paras.insert(rng.randrange(1, len(paras) + 1), decoy)
        if i % 2 == 0:
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(list(Kind))
                value, sentence = plant(kind, rng)
                labels.append((kind, value))
                paras.insert(rng.randrange(1, len(paras) + 1), sentence)
        docs.append(("\n\n".join(paras), labels))
    for seed in sorted(SEEDS.glob("*.txt")):
        docs.append((seed.read_text(encoding="utf-8"), []))

    planted, found, right = Counter(), Counter(), Counter()
    wrong: list[tuple[str, str]] = []
    elapsed = 0.0
    for text, labels in docs:
        start = time.perf_counter()
        spans = find_all(text)
        elapsed += time.perf_counter() - start
        expected = Counter(labels)
        for kind, _ in labels:
            planted[kind] += 1
        for span in spans:
            found[span.kind] += 1
            key = (span.kind, text[span.start : span.end])
            if expected[key] > 0:
                expected[key] -= 1
                right[span.kind] += 1
            else:
                wrong.append((CODES[span.kind], text[span.start : span.end][:60]))
    print(f"{len(docs)} documents ({len(texts)} generated, half with planted values; the seeds)")
    print("code  planted  found  precision  recall")
    for kind, code in CODES.items():
        p = right[kind] / found[kind] if found[kind] else 1.0
        r = right[kind] / planted[kind] if planted[kind] else 1.0
        print(f"{code}  {planted[kind]:7d}  {found[kind]:5d}  {p:9.3f}  {r:6.3f}")
    print(f"find_all: {elapsed / len(docs) * 1e6:.0f} us per document")
    for item in wrong[:20]:
        print("false positive:", *item, file=sys.stderr)


if __name__ == "__main__":
    main()
