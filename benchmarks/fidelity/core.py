"""Labelling and scoring of composed documents: pure functions, standard library only.

A composed document is a list of `Line`s: the raw text of each line and its role (the
composer's header or footer, the page's main text, or the page's comment tail). The
labeller compares each body line with the page's expected article; the scorer runs a
normalizer over the document and decides, line by line, what survived.

Nothing here stores or prints the pages' text except `lost_lines` and `survivors`, whose
output goes to stdout or a local file, never to git.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

# ------------------------------------------------------------------ labels and classes

CONTENT, BOILERPLATE, HEADER, FOOTER, UNSURE = (
    "CONTENT",
    "BOILERPLATE",
    "HEADER",
    "FOOTER",
    "UNSURE",
)
LABELS = (CONTENT, BOILERPLATE, HEADER, FOOTER, UNSURE)
CLASSES = ("comments", "link-list", "prompt", "controls", "trailer", "byline", "other")

# Thresholds of the labeller (see README.md, "Labels").
CONTENT_SHARE = 0.9  # a long line is CONTENT when this share of its word 3-grams is in the article
BOILERPLATE_SHARE = 0.2  # ... and BOILERPLATE when at most this share is
LONG_WORDS = 5  # lines with fewer words are compared as whole phrases
PARTIAL_SURVIVAL = 0.8  # a long line survives a partial edit when this share of its 3-grams does


@dataclass(slots=True)
class Line:
    text: str  # raw line as composed
    role: str = "body"  # "header", "footer", "body" or "comments" (the page's comment tail)
    clean: str | None = None  # encoding variant: the clean line this corrupted line stands for


@dataclass(slots=True)
class Label:
    label: str
    cls: str = ""  # BOILERPLATE only


# ------------------------------------------------------------------ normalized forms

_IMAGE = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^()\s]*\))*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_LINE_MARK = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d{1,3}[.)]\s+)+")
_NON_WORD = re.compile(r"[\W_]+")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def loose(line: str) -> str:
    """The form lines are compared in: links unwrapped, markdown marks dropped, NFKC,
    case folded, every run of non-word characters one space."""
    text = _LINK.sub(r"\1", _IMAGE.sub(" ", _TAG.sub(" ", line)))
    text = _LINE_MARK.sub("", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def strict(line: str) -> str:
    """The form a repaired line must match exactly: links unwrapped, markdown line marks
    and emphasis dropped, whitespace folded; case, punctuation and letters kept."""
    text = _LINK.sub(r"\1", _IMAGE.sub(" ", line))
    text = _LINE_MARK.sub("", text).replace("**", "").replace("__", "")
    return " ".join(unicodedata.normalize("NFC", text).split())


def trigrams(words: Sequence[str]) -> list[tuple[str, str, str]]:
    return [(words[i], words[i + 1], words[i + 2]) for i in range(len(words) - 2)]


def line_hash(page: str, line: str) -> str:
    """The committed key of a line: sha1 of page name and the line's loose form, 12 hex."""
    return hashlib.sha1(f"{page}\n{loose(line)}".encode()).hexdigest()[:12]


def link_share(line: str) -> float:
    """Share of the line's visible characters that are link text."""
    inside = sum(len(m.group(1)) for m in _LINK.finditer(line))
    visible = len(_LINK.sub(r"\1", line).strip())
    return inside / visible if visible else 0.0


# ------------------------------------------------------------------ the article


@dataclass(slots=True)
class Article:
    """The expected article, as loose-form blocks (paragraphs, headings, items)."""

    blocks: list[str]
    joined: str = field(init=False)
    grams: set[tuple[str, str, str]] = field(init=False)
    block_set: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.blocks = [b for b in (loose(b) for b in self.blocks) if b]
        self.block_set = set(self.blocks)
        self.joined = " " + " ".join(self.blocks) + " "
        self.grams = set(trigrams(self.joined.split()))  # across blocks: table rows

    def share(self, form: str) -> float:
        grams = trigrams(form.split())
        return sum(g in self.grams for g in grams) / len(grams) if grams else 0.0

    def has_phrase(self, form: str) -> bool:
        return f" {form} " in self.joined


def label_text(form: str, article: Article) -> str:
    """CONTENT, BOILERPLATE or UNSURE for a body line's loose form."""
    words = form.split()
    if len(words) < LONG_WORDS:
        if form in article.block_set or (len(words) >= 3 and article.has_phrase(form)):
            return CONTENT
        return UNSURE if article.has_phrase(form) else BOILERPLATE
    share = article.share(form)
    if share >= CONTENT_SHARE:
        return CONTENT
    return BOILERPLATE if share <= BOILERPLATE_SHARE else UNSURE


# ------------------------------------------------------------------ classes by heuristics

_COMMENTS_HEAD = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reactions?|discussion|"
    r"leave a (?:reply|comment)|join the (?:discussion|conversation)|reader comments|"
    r"comments are closed|post a comment|add a comment|show comments|\d+ thoughts on)\b"
)
_LIST_HEAD = re.compile(
    r"^(?:related|more from|more on|more in|recommended|read more|read next|see also|"
    r"topics?|tags?|you may also like|you might also like|popular|most read|trending|"
    r"further reading|more stories|latest|categories|filed under|share this|other|"
    r"featured|recent|today on)\b"
)
_PROMPT = re.compile(
    r"\b(?:subscribe|sign up|newsletter|download|follow us|follow|get the app|app store|"
    r"google play|log ?in|sign in|register|donate|support us|send us|email us|contact us|"
    r"tip|feedback|write to|letters? to the editor|delivered|inbox|click|tap|join)\b"
)
_CONTROLS = re.compile(
    r"^(?:print|share|email|e mail|tweet|facebook|twitter|linkedin|pinterest|reddit|"
    r"whatsapp|comment|save|close|next|previous|prev|back to top|top|menu|search|"
    r"advertisement|ad|sponsored|image|photo|video|watch|play|enlarge|expand|"
    r"text size|reprints?|permalink|\d+ of \d+|\d+ \d+)\b"
)
_TRAILER = re.compile(
    r"(?:©|\bcopyright\b|all rights reserved|\babout (?:the )?(?:author|us)\b|"
    r"\bretrieved\b|\bcontributed to\b|\bis a (?:reporter|writer|correspondent|editor)\b|"
    r"\bthis (?:article|story) (?:was|originally)\b|\boriginally published\b)"
)
_BYLINE = re.compile(
    r"^(?:by|posted|published|updated|written by|author|from)\b|"
    r"\b(?:min read|minutes? read|\d{4})$|^\w+ \d{1,2} \d{4}$|^\d{1,2} \w+ \d{4}$"
)


def classify(
    lines: Sequence[Line],
    labels: Sequence[Label | None],
    byline: str = "",
) -> list[str]:
    """A class for each BOILERPLATE line ("" for the others), by simple heuristics.

    In order: the page's comment tail or lines after a comments heading below the
    article; lines after the last CONTENT line (the bottom block) that name a copyright,
    an author's bio or a citation; bylines and dates above the article; short controls
    (and a comment counter above the article); short lines that are mostly links, follow
    a related/tags heading or a link-list line; calls to act; the rest of the bottom
    block as trailer.
    """
    out = [""] * len(lines)
    content_idx = [i for i, lab in enumerate(labels) if lab is not None and lab.label == CONTENT]
    first_content = content_idx[0] if content_idx else len(lines)
    last_content = content_idx[-1] if content_idx else -1
    byline_form = loose(byline)
    in_comments = False
    in_list = False
    previous = ""  # the class of the last BOILERPLATE line
    for i, (line, lab) in enumerate(zip(lines, labels, strict=True)):
        form = loose(line.text)
        words = form.split()
        short = len(words) <= 8
        if lab is not None and lab.label == CONTENT:
            in_list = False
            continue
        comments_head = short and _COMMENTS_HEAD.match(form)
        if line.role == "comments" or (comments_head and i > last_content):
            in_comments = True
        if short and _LIST_HEAD.match(form):
            in_list = True
        if lab is None or lab.label != BOILERPLATE:
            continue
        mostly_links = link_share(line.text) >= 0.5
        after_list = previous == "link-list" and len(words) <= 6
        if in_comments:
            cls = "comments"
        elif i > last_content and _TRAILER.search(form):
            cls = "trailer"
        elif (byline_form and byline_form in form and short) or (
            i < first_content and short and _BYLINE.search(form)
        ):
            cls = "byline"
        elif (len(words) <= 4 and _CONTROLS.match(form)) or comments_head:
            cls = "controls"
        elif in_list or after_list or (mostly_links and len(words) <= 14):
            cls = "link-list"
        elif _PROMPT.search(form) and len(words) <= 20:
            cls = "prompt"
        elif _TRAILER.search(form) or i > last_content:
            cls = "trailer"
        elif len(words) <= 3:
            cls = "controls"
        else:
            cls = "other"
        out[i] = previous = cls
    return out


def label_document(
    page: str,
    lines: Sequence[Line],
    article: Article,
    byline: str = "",
    overrides: dict[str, Label] | None = None,
    title: str = "",
) -> list[Label | None]:
    """A label for each non-blank line (None for blank lines and lines with no words).

    The page's own title line (its loose form is the title's, or it is a `# ` heading
    above the article, which the header rule reads as the title) and a short line naming
    the byline that the article holds too are UNSURE: whether the article starts with
    them depends on the extractor, and the header rule may rightly take them.
    """
    labels: list[Label | None] = []
    title_form, byline_form = loose(title), loose(byline)
    first_body = next((x for x in lines if x.role == "body" and x.text.strip()), None)
    if first_body is not None and first_body.text.startswith("# "):
        title_form = title_form or loose(first_body.text)
    for line in lines:
        form = loose(line.text)
        if not form:
            labels.append(None)
        elif line.role == "header":
            labels.append(Label(HEADER))
        elif line.role == "footer":
            labels.append(Label(FOOTER))
        else:
            lab = Label(label_text(form, article))
            named = byline_form and byline_form in form and len(form) <= len(byline_form) + 20
            first_h1 = line is first_body and line.text.startswith("# ")
            if lab.label == CONTENT and (form == title_form or named or first_h1):
                lab = Label(UNSURE)
            labels.append(lab)
    first_content = next(
        (i for i, lab in enumerate(labels) if lab is not None and lab.label == CONTENT), 0
    )
    for i in range(first_content):  # a page's own `# ` title above its article
        if labels[i] is not None and lines[i].role == "body" and lines[i].text.startswith("# "):
            labels[i] = Label(UNSURE)
    for i, cls in enumerate(classify(lines, labels, byline)):
        lab = labels[i]
        if lab is not None and cls:
            lab.cls = cls
    if overrides:
        for i, line in enumerate(lines):
            lab = labels[i]
            if lab is None or lab.label in (HEADER, FOOTER):
                continue
            fix = overrides.get(line_hash(page, line.text))
            if fix is not None:
                labels[i] = Label(fix.label, fix.cls if fix.label == BOILERPLATE else "")
    return labels


# ------------------------------------------------------------------ committed labels


def dump_labels(rows: Iterable[tuple[str, str, Label]]) -> str:
    """`page<TAB>hash<TAB>label<TAB>class` lines, sorted, one per distinct (page, hash)."""
    seen: dict[tuple[str, str], Label] = {}
    for page, key, lab in rows:
        seen.setdefault((page, key), lab)
    body = [f"{p}\t{k}\t{lab.label}\t{lab.cls}" for (p, k), lab in sorted(seen.items())]
    return "# page\thash\tlabel\tclass\n" + "\n".join(body) + "\n"


def load_labels(text: str) -> dict[tuple[str, str], Label]:
    out: dict[tuple[str, str], Label] = {}
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        page, key, label, cls, *_ = [*raw.split("\t"), "", ""]
        if label not in LABELS or (cls and cls not in CLASSES):
            raise ValueError(f"bad label row: {raw!r}")
        out[(page, key)] = Label(label, cls)
    return out


# ------------------------------------------------------------------ scoring


@dataclass(slots=True)
class Tally:
    total: int = 0
    hit: int = 0  # content kept, boilerplate/header/footer removed, encoding repaired

    def add(self, hit: bool) -> None:
        self.total += 1
        self.hit += hit

    def pct(self) -> float | None:
        return 100.0 * self.hit / self.total if self.total else None

    def as_dict(self) -> dict[str, float | int | None]:
        pct = self.pct()
        return {"hit": self.hit, "total": self.total, "pct": None if pct is None else round(pct, 2)}


@dataclass(slots=True)
class Scored:
    """One document's verdicts: (line index, label, class, survived, repaired)."""

    name: str
    verdicts: list[tuple[int, Label, bool, bool | None]]


class Output:
    """The normalizer's output lines, for survival questions."""

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        self.forms = Counter(f for f in (loose(x) for x in lines) if f)
        self.stricts = {s for s in (strict(x) for x in lines) if s}
        self.grams: set[tuple[str, str, str]] = set()
        for form in self.forms:
            self.grams.update(trigrams(form.split()))

    def survives(self, form: str) -> bool:
        if self.forms.get(form, 0) > 0:
            self.forms[form] -= 1
            return True
        if form in self.forms:  # a duplicate of a line already matched
            return True
        grams = trigrams(form.split())
        if len(grams) + 2 < LONG_WORDS:
            return False
        return sum(g in self.grams for g in grams) >= PARTIAL_SURVIVAL * len(grams)


def score_document(
    name: str,
    lines: Sequence[Line],
    labels: Sequence[Label | None],
    normalized: str,
) -> Scored:
    """Whether each labelled line survived `normalized`, the normalizer's output; for a
    corrupted line of an encoding variant, also whether it came out as its clean line."""
    out = Output(normalized)
    verdicts: list[tuple[int, Label, bool, bool | None]] = []
    for i, (line, lab) in enumerate(zip(lines, labels, strict=True)):
        if lab is None or lab.label == UNSURE:
            continue
        if line.clean is not None:
            repaired = strict(line.clean) in out.stricts
            survived = repaired or out.survives(loose(line.text)) or out.survives(loose(line.clean))
            verdicts.append((i, lab, survived, repaired))
        else:
            verdicts.append((i, lab, out.survives(loose(line.text)), None))
    return Scored(name, verdicts)


@dataclass(slots=True)
class Figures:
    content: Tally = field(default_factory=Tally)
    boilerplate: Tally = field(default_factory=Tally)
    header: Tally = field(default_factory=Tally)  # header and footer
    encoding: Tally = field(default_factory=Tally)
    by_class: dict[str, Tally] = field(default_factory=dict)
    unsure: int = 0

    def add(self, scored: Scored, encoding_variant: bool = False) -> None:
        for _i, lab, survived, repaired in scored.verdicts:
            if repaired is not None:
                self.encoding.add(repaired)
                continue
            if encoding_variant:
                continue  # the clean page's lines are counted once, in the clean document
            if lab.label == CONTENT:
                self.content.add(survived)
            elif lab.label == BOILERPLATE:
                self.boilerplate.add(not survived)
                self.by_class.setdefault(lab.cls or "other", Tally()).add(not survived)
            elif lab.label in (HEADER, FOOTER):
                self.header.add(not survived)

    def as_dict(self) -> dict[str, object]:
        return {
            "content_kept": self.content.as_dict(),
            "boilerplate_removed": self.boilerplate.as_dict(),
            "header_footer_removed": self.header.as_dict(),
            "encoding_repaired": self.encoding.as_dict(),
            "boilerplate_removed_by_class": {
                c: self.by_class[c].as_dict() for c in CLASSES if c in self.by_class
            },
        }


Normalizer = Callable[[str], str]


def lost_lines(scored: Scored, lines: Sequence[Line]) -> list[tuple[str, str, int, str]]:
    """("LOST" or "UNREPAIRED", document, 1-based line, text) of every CONTENT line that
    did not survive, and of every corrupted line that survived unrepaired."""
    out = []
    for i, lab, survived, repaired in scored.verdicts:
        if lab.label == CONTENT and not survived:
            out.append(("LOST", scored.name, i + 1, lines[i].text))
        elif repaired is False:
            out.append(("UNREPAIRED", scored.name, i + 1, lines[i].text))
    return out
