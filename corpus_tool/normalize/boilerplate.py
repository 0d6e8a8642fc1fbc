"""Page furniture inside the body: newsletter prompts, promo lines, media credits, timestamps.

Each rule declares the line predicate (`is_*`) of the lines it removes
(`drops=`, or `blanks=` for a line it empties), and the page parser reads
through those lines: a prompt or a timestamp inside the header is skipped the
same way here and there, without the parser knowing these rules.
"""

from __future__ import annotations

import re

from corpus_tool.normalize import Edit, normalizer
from corpus_tool.normalize.common import drop_if, keep_nfc, rewrite_lines
from corpus_tool.parse.agencies import CREDIT as _AGENCIES
from corpus_tool.parse.lines import QUOTES

# ---------------------------------------------------------------- newsletter
MAX_PROMPT_WORDS = 20  # "Sign up for our Morning Brief newsletter to get ... inbox" is 16
_CTA = re.compile(
    r"(?:get|sign[ -]?up|subscribe|join|receive|want|enter|never miss|don['’]t miss|stay"
    r"|like (?:this|what)|click|register|follow|be the first"
    # the same calls in other languages of the news: de, fr, es, it, pt, ru
    r"|abonnieren|abonniere|melden sie sich|registrieren sie sich|inscrivez-vous|abonnez-vous"
    r"|inscris-toi|abonne-toi|recevez|suscr[ií]b(?:ete|ase|ite)|reg[ií]str(?:ate|ese)"
    r"|ap[uú]ntate|recib(?:e|a)|iscriviti|iscrivetevi|abbonati|ricevi|inscreva-se|assine"
    r"|receba|cadastre-se|подпиш(?:итесь|ись)|подписывайтесь|подписаться|получайте)\b",
    re.IGNORECASE,
)
# German puts the call at the end: `Jetzt den Newsletter abonnieren!`
_CTA_LAST = re.compile(r"\b(?:abonnieren|bestellen|anmelden|registrieren)\s*[!.:]?\s*$", re.I)
_MARKUP_LEAD = "*_#> \t"
# What a prompt names (newsletter, inbox, рассылка, boletín), without the first
# letter (`Inbox`, `newsletter`) or in capitals (`SIGN UP FOR OUR NEWSLETTER`):
# literal scans, much cheaper than a case-insensitive regex over every text.
# A line (short) is checked for any of them in one search.
_PROMPT_WORDS = ("nbox", "ewsletter", "NBOX", "EWSLETTER", "ассылк", "oletín")
_names_a_newsletter = re.compile("|".join(map(re.escape, _PROMPT_WORDS))).search


def is_newsletter_prompt(line: str) -> bool:
    """`Get the Mirror in your inbox:`, `Sign up for our X newsletter`: a call to subscribe."""
    if len(line) > 200 or _names_a_newsletter(line) is None:
        return False
    if any(q in line for q in QUOTES) or len(line.split()) > MAX_PROMPT_WORDS:
        return False
    line = line.lstrip(_MARKUP_LEAD)
    return _CTA.match(line) is not None or _CTA_LAST.search(line.rstrip("*_ \t")) is not None


# (word, its finder): `in` rules a text out faster than the regex engine's
# literal search, which only runs on the texts that hold the word.
_PROMPT_FINDERS = tuple((word, re.compile(re.escape(word))) for word in _PROMPT_WORDS)
_drop_prompt = drop_if(is_newsletter_prompt)


# The line rules judge each line alone: only a line's new text (a credit cut out
# of `0:00 (Photo: AP)`) can give them new work, never another line's removal.
@normalizer(
    "N105",
    "newsletter-prompt",
    edits=Edit.LINES,
    sees=Edit.CHARS,
    local=True,
    drops=is_newsletter_prompt,
)
def newsletter_prompt(text: str) -> str:
    """Remove whole-line newsletter prompts: `Get the Mirror in your inbox:`.

    Why: sign-up boxes are scraped as lines of text, in any publisher's words
    (`Sign up for our X newsletter`, `Subscribe to the Y newsletter:`, `Get our
    free newsletter`). A line goes only if it is short (at most 20 words),
    starts with a call to action (get, sign up, subscribe, join, ...), names a
    newsletter or an inbox and holds no quotation marks. Kept: a paragraph that
    merely mentions a newsletter or an inbox, quoted speech, "Get out," lines.
    Prompts in capitals go too, and the usual calls in German, French,
    Spanish, Italian, Portuguese and Russian (`Abonnieren Sie unseren
    Newsletter`, `Подпишитесь на нашу рассылку:`).
    """
    for word, finder in _PROMPT_FINDERS:
        if word in text:
            text = rewrite_lines(text, finder, _drop_prompt)
    return text


# ---------------------------------------------------------------- promo lines
MAX_PROMO_WORDS = 30  # label plus one headline
_PROMO_LABEL = (
    r"(?:related(?:\s+(?:articles?|stories|story|coverage|content|reading|news|posts?|links?))?"
    r"|read\s+(?:more|also|next)|also\s+read|see\s+also|more\s+on\s+this(?:\s+story)?"
    r"|recommended(?:\s+reading)?|further\s+reading|must\s+read)"
)
_PROMO = re.compile(
    r"[*_]{0,2}\s*" + _PROMO_LABEL + r"\s*(?:[*_]{0,2}\s*:|:\s*[*_]{0,2})(?P<rest>.*)",
    re.IGNORECASE,
)
_PROMO_INITIALS = "RrAaSsMmFf"
_PROMO_BARE = re.compile(r"[*_]{0,2}\s*" + _PROMO_LABEL + r"\s*[*_]{0,2}\s*:?", re.IGNORECASE)
# Candidate lines: a label word at the start of a line, after optional bold. The
# possessive runs keep a long run of spaces from being re-split at every start.
_PROMO_FINDER = re.compile(
    r"\n[ \t]*+(?:[*_]{1,2}[ \t]*+)?(?i:related|read|also|see|more|recommended|further|must)"
)


def is_promo_line(line: str) -> bool:
    """`**Related article:** [Title](#)`, `READ MORE: Title`, `See also:`: a labelled teaser."""
    if len(line) > 300 or line.lstrip("*_ \t")[:1] not in _PROMO_INITIALS:
        return False
    if _PROMO.fullmatch(line) is None and _PROMO_BARE.fullmatch(line) is None:
        return False
    return len(line.split()) <= MAX_PROMO_WORDS


_drop_promo = drop_if(is_promo_line)


@normalizer(
    "N106", "promo-line", edits=Edit.LINES, sees=Edit.CHARS, local=True, drops=is_promo_line
)
def promo_line(text: str) -> str:
    """Remove whole-line teasers for other articles: `**Related article:** [Title](#)`.

    Why: "related" boxes are scraped into the body as a line of their own.
    Labels: Related (article/articles/stories/coverage/...), Read more, READ
    MORE, Read also, See also, Also read, More on this story, Recommended,
    Further reading, Must read; bold or not, with a colon, followed by a link,
    a plain title or nothing. Kept: a line that only mentions a related story
    in a sentence (no label at the start), and anything over 30 words.
    """
    return rewrite_lines(text, _PROMO_FINDER, _drop_promo)


# ---------------------------------------------------------------- media credits
MAX_CREDIT_WORDS = 12
_LABEL = (
    r"(?:video|photo|photograph|image|picture|footage|illustration|graphic|credit"
    r"|photo credit|image credit)s?"
)
_LABELED = re.compile(_LABEL + r"\s*(?::|\bby\b|\bcourtesy\b|\bvia\b)\s*\S.*", re.IGNORECASE)
_SLASH = re.compile(r"[A-Z][^/()]{0,60}/\s?[A-Z][^()]{0,60}")
_VIA = re.compile(r"[A-Z][^()]{0,80}\svia\s+[A-Z][\w.&'’ -]{0,40}")


def is_credit(inner: str) -> bool:
    """`Video: Reuters`, `Photo by X/Getty Images`, `X/Photolure via Reuters`, `AP`: a credit."""
    inner = inner.strip()
    if not inner or len(inner.split()) > MAX_CREDIT_WORDS:
        return False
    return bool(
        inner in _AGENCIES
        or _LABELED.fullmatch(inner)
        or (_SLASH.fullmatch(inner) and not _label_pair(inner))
        or _VIA.fullmatch(inner)
    )


_UPPER_AGENCIES = frozenset(a.upper() for a in _AGENCIES)
MIN_LABEL_WORD = 5  # letters: `NASA/JPL` and `AP/TASS` are credits, `GRANTS/DONATIONS` is not


def _label_pair(inner: str) -> bool:
    """`GRANTS/DONATIONS`, `NEWS/ANALYSIS`: two long capitalised words and no agency, a
    section label in the shape of a `Name/Agency` credit."""
    left, _, right = inner.partition("/")
    sides = (left.strip(), right.strip())
    return all(
        side.isupper() and side.isalpha() and len(side) >= MIN_LABEL_WORD for side in sides
    ) and not any(side in _UPPER_AGENCIES for side in sides)


# A credit with a label is unambiguous wherever it stands.
_LABEL_START = r"\((?=" + _LABEL + r"\s*(?::|by\b|courtesy\b|via\b))"
# A match starts where a run of spaces starts (or at the parenthesis) and takes the
# run whole: a long run before an ordinary parenthesis is scanned once, not once per space.
_LABELED_PAREN = re.compile(
    r"(?<![ \t])[ \t]*+" + _LABEL_START + r"[^()\n]{1,100}\)", re.IGNORECASE
)
# Credits without a label only at the end of a line, right after a sentence (a
# caption) or alone on the line: `... 2022. (Hayk Baghdasaryan/Photolure via Reuters)`.
_TRAILING = re.compile(
    r"(?:^|(?<=[.!?…\"'”’]))(?P<credits>(?:[ \t]*(?:\([^()\n]{1,100}\)|\*\*[^*\n]{1,100}\*\*))++)"
    r"[ \t]*$"
)
_LABELED_START = re.compile(_LABEL_START, re.IGNORECASE)


def _credits_start(line: str) -> int:
    """Where a `_TRAILING` match in `line` can start at the earliest; -1 if nowhere.

    Walks back over the parentheses and bold runs ending the line (each found
    from its closing end: a parenthesis holds no `(` or `)`, a bold run no `*`),
    so the regex scans the tail of a long paragraph, not every position of it.
    """
    if "\n" in line:
        return 0  # not a single line: let the regex decide
    end = len(line.rstrip(" \t"))
    start = -1
    while end:
        if line[end - 1] == ")":
            first = line.rfind("(", 0, end - 1)
            if first < 0 or line.find(")", first + 1, end - 1) >= 0:
                break
            size = end - 2 - first
        elif line.endswith("**", 0, end):
            first = line.rfind("*", 0, end - 2) - 1
            if first < 0 or line[first] != "*":
                break
            size = end - 4 - first
        else:
            break
        if not 0 < size <= 100:
            break
        end = first
        while end and line[end - 1] in " \t":
            end -= 1
        start = end
    return start


_CREDIT_PART = re.compile(r"\(([^()\n]{1,100})\)|\*\*([^*\n]{1,100})\*\*")
# Candidate lines: ending with `)` or `**`, or holding a labelled parenthesis.
# A line that is only a short labelled credit: `Photo: Reuters`, `Image credit: Getty Images`.
_CREDIT_LINE = re.compile(_LABEL + r"\s*:\s*(?P<who>[^.!?…\n]{1,60})", re.IGNORECASE)
MAX_CREDIT_LINE_WORDS = 4  # after the label; `Video: Protesters clash in Yerevan` is a caption

_CREDIT_FINDERS = (
    # Credit lines start with a capitalized label; a case-sensitive scan is much cheaper.
    re.compile(
        r"\n[ \t*_]*(?:Photo|PHOTO|Video|VIDEO|Image|IMAGE|Picture|Footage|Illustration"
        r"|Graphic|Credit|CREDIT)"
    ),
    re.compile(r"\)[ \t]*(?:\n|\Z)"),
    re.compile(r"\*\*[ \t]*(?:\n|\Z)"),
    re.compile(_LABEL_START, re.IGNORECASE),
)


def strip_credits(line: str) -> str:
    """`Caption. (Video: Reuters)` -> `Caption.`; a line of credits only -> ``.

    Repeated until nothing changes (what one credit leaves behind can be a
    credit line: `(Photo: AP) Image credit: Getty Images`), so N107 is
    idempotent on its own.
    """
    for _ in range(8):  # each round removes something; real lines need one or two
        new = _strip_credits_once(line)
        if new == line:
            break
        line = new
    return line


def _strip_credits_once(line: str) -> str:
    alone = _CREDIT_LINE.fullmatch(line.strip(" \t*_"))
    if alone is not None and len(alone["who"].split()) <= MAX_CREDIT_LINE_WORDS:
        return ""
    if "(" in line and _LABELED_START.search(line) is not None:
        cut = _LABELED_PAREN.sub("", line)
        line = line if cut == line else keep_nfc(cut)  # text after it meets text before it
    start = _credits_start(line)
    if start < 0:
        return line
    m = _TRAILING.search(line, start)
    if m is None:
        return line
    parts = list(_CREDIT_PART.finditer(m["credits"]))
    keep = len(parts)
    while keep and is_credit(parts[keep - 1][1] or parts[keep - 1][2]):
        keep -= 1
    if keep == len(parts):
        return line
    return line[: m.start("credits") + (parts[keep - 1].end() if keep else 0)]


def is_credit_line(line: str) -> bool:
    """A line that is nothing but media credits: `(Photo: AP)`."""
    return line[:1] in "(*" and strip_credits(line).strip() == ""


@normalizer(
    "N107", "media-credit", edits=Edit.CHARS, sees=Edit.CHARS, local=True, blanks=is_credit_line
)
def media_credit(text: str) -> str:
    """Remove photo and video credits, keep the caption: `... September. (Video: Reuters)`.

    Why: captions keep the agency credit of an image or video that is gone.
    Removed: a parenthesis starting with a label (`(Video: Reuters)`,
    `(Photo: AP)`, `(Photo by X/Getty Images)`) anywhere; a line that is only
    a label and at most four words (`Photo: Reuters`); and at the end of a
    line right after a sentence, or alone on a line, an unlabelled credit in
    parentheses or bold: `Name/Agency` (`(Greg Nash-Pool/Getty Images)`,
    `**Alexander Patrin/TASS**`), `... via Agency` (`(Siranush Sargsyan's
    Twitter account via AP)`) or a bare agency name (`(AP)`). Kept: ordinary
    parentheticals (`(CSTO)`, `(IRI)`, `(L)`) and a dateline's
    `(Washington Post)`, which do not end a caption and are not credits.
    """
    for finder in _CREDIT_FINDERS:
        text = rewrite_lines(text, finder, strip_credits)
    return text


# ---------------------------------------------------------------- timestamps
_TIMESTAMP = re.compile(r"\d{1,2}:\d\d(?::\d\d)?(?:\s*/\s*\d{1,2}:\d\d(?::\d\d)?)?")
_TIMESTAMP_FINDER = re.compile(r"\n[ \t]*\d{1,2}:\d\d")


def is_timestamp(line: str) -> bool:
    """`0:00`, `12:34:56`, `0:00 / 3:45`: a video player's time display."""
    return line[:1].isdigit() and _TIMESTAMP.fullmatch(line) is not None


_drop_timestamp = drop_if(is_timestamp)


@normalizer(
    "N108", "video-timestamp", edits=Edit.LINES, sees=Edit.CHARS, local=True, drops=is_timestamp
)
def video_timestamp(text: str) -> str:
    """Remove lines that are only a video player's time: `0:00`, `0:00 / 3:45`.

    Why: an embedded player leaves its counter behind as a line of its own.
    Kept: times inside a sentence (`at 0:00 GMT`, `around 1:00 PM`).
    """
    return rewrite_lines(text, _TIMESTAMP_FINDER, _drop_timestamp)
