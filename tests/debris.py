"""A grammar of scraped pages for property tests: content paragraphs mixed with every
artifact class the normalizer removes, nested and adjacent in random orders.

`page()` draws a `Page`: the raw text and the content sentences (as they must read
after normalization) that have to survive it. Artifacts are drawn from classes, each
with variants (other publishers, languages, capitals, bold, links), and placed above
the header, inside it, between paragraphs and after the footer.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

WORDS = [
    "armenia", "russia", "peacekeepers", "refugees", "yerevan", "baku", "ceasefire", "corridor",
    "ministry", "border", "talks", "protest", "alliance", "region", "government", "statement",
    "capital", "offensive", "winter", "supplies", "café", "Zürich", "Chișinău",
]  # fmt: skip
OPENERS = [
    "The", "Officials", "Many", "Several", "Residents", "Analysts", "Diplomats", "Most", "Some",
    "Soldiers",
]  # fmt: skip


@dataclass(frozen=True)
class Page:
    text: str
    sentences: tuple[str, ...]  # content, as it reads after normalization, in order


# ---------------------------------------------------------------- content
# Debris inside a sentence, by class: (raw, what is left of it after normalization).
INLINE = {
    "editorial-bracket": [(b, b) for b in ("[by Azerbaijan]", "[remarks]", "[Yerevan’s]")],
    "dead-link": [
        ("[killed](#)", "killed"),
        ("[carried out](#section-2)", "carried out"),
        ("[vote](javascript:void(0))", "vote"),
        ("[[Azerbaijani President Ilham] Aliyev](#)", "[Azerbaijani President Ilham] Aliyev"),
    ],
    "escaped-markdown": [("s\\*\\*\\*", "s***"), ("\\[x\\](#)", "x")],
    "unicode": [
        ("non\u00a0breaking", "non breaking"),
        ("zero\u200bwidth", "zerowidth"),
        ("Zu\u0308rich", "Zürich"),
        ("soft\u00adhyphen", "softhyphen"),
    ],
    "real-link": [("[a source](https://example.com/a)", "[a source](https://example.com/a)")],
    "quote": [("“This is fantastic!” he said", "“This is fantastic!” he said")],
    "media-credit": [("(Photo: AP)", ""), ("(Video: Reuters)", "")],
    "time": [("at 0:00 GMT", "at 0:00 GMT")],
    "encoding": [
        ("donâ€™t", "don’t"),
        ("cafÃ©", "café"),
        ("&amp;", "&"),
        ("Caf&eacute;", "Café"),
        ("<b>talks</b>", "talks"),
        ('<span class="x">region</span>', "region"),
    ],
}


@st.composite
def sentence(draw: st.DrawFn) -> tuple[str, str]:
    """(raw, expected): a sentence, with inline debris the rules unwrap or keep."""
    words = [draw(st.sampled_from(OPENERS))]
    words += draw(st.lists(st.sampled_from(WORDS), min_size=5, max_size=12))
    words.append(f"n{draw(st.integers(0, 10**9))}")  # unique: duplicates are another class
    tokens = [(w, w) for w in words]  # (raw, expected) pieces
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(sorted(INLINE)))
        piece = draw(st.sampled_from(INLINE[kind]))
        tokens.insert(draw(st.integers(1, len(tokens))), piece)
    raw = " ".join(r for r, _ in tokens)
    expected = " ".join(e for _, e in tokens if e)
    return raw + ".", expected + "."


@st.composite
def paragraph(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """(raw lines, expected sentences): a paragraph, a quote, or a list of sentences."""
    kind = draw(st.sampled_from(["plain", "plain", "two", "quote", "list", "introduced-list"]))
    first, exp1 = draw(sentence())
    if kind == "plain":
        return [first], [exp1]
    if kind == "two":
        second, exp2 = draw(sentence())
        return [f"{first} {second}"], [f"{exp1} {exp2}"]
    if kind == "quote":
        return [f"“{first}” she said."], [f"“{exp1}” she said."]
    items = draw(st.lists(sentence(), min_size=2, max_size=4))
    bullet = draw(st.sampled_from(["-", "*", "•"]))
    lines = [f"{bullet} {raw}" for raw, _ in items]
    expected = [f"{bullet} {exp}" for _, exp in items]
    if kind == "introduced-list":
        return [f"{first[:-1]}:", *lines], [exp1[:-1] + ":", *expected]
    return lines, expected


# ---------------------------------------------------------------- artifacts, by class
PROMPTS = [
    "Get the Mirror in your inbox:", "Sign up for our Morning Brief newsletter",
    "SIGN UP FOR OUR NEWSLETTER", "**Subscribe to the Daily newsletter:**",
    "Abonnieren Sie unseren Newsletter", "Jetzt den kostenlosen Newsletter bestellen!",
    "Inscrivez-vous à notre newsletter", "Suscríbete a nuestro boletín",
    "Подпишитесь на нашу рассылку:", "Iscriviti alla newsletter",
]  # fmt: skip
PROMOS = [
    "**Related article:** [In Photos: Refugees Arrive in Armenia](#)",
    "READ MORE: Putin Warns Yerevan",
    "See also:", "Related articles:", "__Related coverage:__ In Photos: The Exodus",
    "Read more: [Why Baku Won](https://example.com/why-baku-won)",
    "Read more: A protest in Yerevan. (Photo: AP)", "**Read more**: Caption here (Video: Reuters)",
]  # fmt: skip
CREDITS = [
    "(Photo: AP)", "(Hayk Baghdasaryan/Photolure via Reuters)", "Photo: Reuters",
    "Image credit: Getty Images", "**Alexander Patrin/TASS**", "(AP)",
]  # fmt: skip
TIMESTAMPS = ["0:00", "0:00 / 3:45", "12:34:56", "1:02 (Photo: AP)"]
RELATED = [
    "- Baku has won, Armenians are leaving NK", "- The unrecognised NKR will cease to exist",
    "- Reintegration of Karabakh Armenians is on the table",
    "* [Putin Warns Yerevan Over Rome Statute](#)",
]  # fmt: skip
HEADER = [
    "# Armenia Turns West", "Frustration With Russia Grows in Armenia",
    "By [Moscow Times Reporter](#)",
    "By Robyn DixonFrancesca Ebel", "By Jane Doe and John Roe", "Adam Morrow", "MT", "AFP",
    "September 28, 2023", "Sept. 28, 2023", "Thursday, 28 September 2023", "9/26/2023",
    "2023-09-26", "2/30/2023", "Updated:", "Updated: 9/27/2023", "12.10.2023",
]  # fmt: skip
FOOTERS = [
    "Original url:", "Original url: <https://www.themoscowtimes.com/2023/09/28/a-82586>",
    "<https://www.themoscowtimes.com/2023/09/28/a-82586>", "Source URL: https://example.com/x",
    "Originally published at https://example.com/y",
]  # fmt: skip
FURNITURE = [
    "Advertisement", "**Follow us on Twitter** for updates", "Share this article",
    "Share this story on Facebook", "Click here to read the full report", "Sponsored content",
    "Story continues below advertisement", "Subscribe to our Telegram channel for news.",
]  # fmt: skip
COPYRIGHT = ["© 2023 Example Media. All rights reserved.", "Copyright 2023 Example", "(c) The Post"]
ESCAPED = ["\\[x\\](#)", "\\*\\*Bold\\*\\*", "\\_\\_", "\\# not a title"]
UNICODE = ["\ufeff\u200b", "\u00a0", "\u2028", "\u200b\u2060\u00ad"]
MARKUP = ['<div class="ad-slot"></div>', "<br>", "<!-- ad -->", "</p>", "<p>&nbsp;</p>"]
BLANKISH = ["", " ", "\t", "\u00a0 \u3000"]

ARTIFACTS = {
    "prompt": PROMPTS, "promo": PROMOS, "credit": CREDITS, "timestamp": TIMESTAMPS,
    "related": RELATED, "header": HEADER, "footer": FOOTERS, "furniture": FURNITURE,
    "copyright": COPYRIGHT, "escaped": ESCAPED, "unicode": UNICODE, "blank": BLANKISH,
    "markup": MARKUP,
}  # fmt: skip
ALL_ARTIFACTS = [line for lines in ARTIFACTS.values() for line in lines]


@st.composite
def artifact(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(ALL_ARTIFACTS))
    if draw(st.integers(0, 5)) == 0:  # decorated: bold, capitals, nested in another class
        how = draw(st.sampled_from(["bold", "upper", "nest", "indent"]))
        if how == "bold":
            line = f"**{line}**"
        elif how == "upper":
            line = line.upper()
        elif how == "nest":
            line = f"{line} {draw(st.sampled_from(CREDITS))}"
        else:
            line = " \t" + line
    return line


SEPARATORS = ["\n", "\n\n", "\n\n", "\r\n", "\r\n\r\n", "\n \t\n", "\n\n\n", "  \n"]


@st.composite
def page(draw: st.DrawFn, min_content: int = 1) -> Page:
    """Above the header, the header, the body and the end, each with artifacts."""
    top = draw(st.lists(artifact(), max_size=3))
    header = draw(st.lists(st.sampled_from(HEADER + RELATED), max_size=6))
    header += draw(st.lists(artifact(), max_size=2))
    header = draw(st.permutations(header)) if draw(st.booleans()) else header
    paragraphs = draw(st.lists(paragraph(), min_size=min_content, max_size=6))
    body: list[str] = []
    expected: list[str] = []
    for lines, exp in paragraphs:
        body += draw(st.lists(artifact(), max_size=2))
        if draw(st.integers(0, 6)) == 0:  # a caption scraped twice
            lines = [*lines, lines[-1]]
        body += lines
        expected += exp
    end = draw(st.lists(st.sampled_from(FOOTERS + COPYRIGHT + FURNITURE) | artifact(), max_size=4))
    lines = top + header + body + end
    text = draw(st.sampled_from(["", "\ufeff", "\n\n"]))
    for i, line in enumerate(lines):
        text += (draw(st.sampled_from(SEPARATORS)) if i else "") + line
    text += draw(st.sampled_from(["", "\n", "\n\n", " \n"]))
    return Page(text, tuple(expected))
