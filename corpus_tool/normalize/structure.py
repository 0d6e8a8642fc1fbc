"""Boilerplate found by its shape, not its phrasing: sections, link lists, page controls,
the trailer and calls to the reader (N119-N123).

A scraped page keeps the signals boilerplate detectors such as jusText read on
HTML, in its markdown: how much of a line is link text (`[text](#)`), how long
it is and whether it ends like a sentence, where it sits, and what surrounds
it. N119-N121 and N123 run before dead links are unwrapped (N104), so they still
see which text was a link; the trailer rule (N122) reads only the last lines,
after every other rule that removes lines. Each removes only where the signals
agree; a line that reads like a sentence of the article stays.

The section rules apply themselves until they find nothing more and the line
rules judge each line alone, so each rule is idempotent on its own; link text
only ever adds to the case for removal, so the output, whose links are
unwrapped, never gives a rule new work.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from corpus_tool.normalize import Change, Edit, normalizer
from corpus_tool.normalize.boilerplate import is_newsletter_prompt, is_promo_line
from corpus_tool.normalize.common import drop_if, rewrite_lines, touches_last_lines
from corpus_tool.normalize.furniture import is_copyright, is_furniture
from corpus_tool.parse.blocks import is_table_row
from corpus_tool.parse.footer import TAIL_LINES, might_have_footer, parse_footer
from corpus_tool.parse.lines import MD_LINK, QUOTES, SENTENCE_END, strip_closers, unlink

# ------------------------------------------------------------------ line shape

_MARKS = "#>*_+-•·|=~ \t"  # heading, quote, list and emphasis marks around a line
_NUMBERED = re.compile(r"\d{1,3}[.)]\s+")
_WORD = re.compile(r"\w+")
_PUNCT = ".,:;!?…()[]"


def bare(line: str) -> str:
    """A line's words: markdown links reduced to their text, list, heading and
    emphasis marks dropped. `- **[Related](#):**` -> `Related:`."""
    text = line.strip(_MARKS)
    if "](" in text:
        text = MD_LINK.sub(r"\1", text)
    text = _NUMBERED.sub("", text, count=1) if text[:1].isdigit() else text
    return text.replace("**", "").replace("__", "").strip(_MARKS)


_FIRST_MARKS = _MARKS + "["


def first_word(line: str) -> str:
    """A line's first word, lowercased, without marks, brackets or a link's target, as
    `bare` reads it: `- [Share](#) this` -> `share`, `[A](#)[A](#)` -> `aa`."""
    head = line.lstrip(_FIRST_MARKS).split(None, 1)
    if not head:
        return ""
    word = head[0]
    if "](" in word:  # link text runs on into what follows the link
        head = MD_LINK.sub(r"\1", line.lstrip(_MARKS)).lstrip(_FIRST_MARKS).split(None, 1)
        word = head[0].split("](", 1)[0].rstrip("*_") if head else ""
    return word.strip(_PUNCT).lower()


def link_share(line: str) -> float:
    """The share of a line's letters and digits that are link text."""
    if "](" not in line:
        return 0.0
    inside = sum(len(_WORD.findall(m[1])) for m in MD_LINK.finditer(line))
    total = len(_WORD.findall(MD_LINK.sub(r"\1", line)))
    return inside / total if total else 0.0


def is_heading(line: str) -> bool:
    return line.lstrip(" \t").startswith("#")


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_ENDS = SENTENCE_END + "。！？"


def words(text: str) -> int:
    """Words in `text`; in Chinese, Japanese and Korean, two characters count as one."""
    n = len(text.split())
    if text.isascii():
        return n
    return max(n, len(_CJK.findall(text)) // 2)


def reads_as_sentence(line: str, min_words: int = 8) -> bool:
    """Long enough and ending like a sentence, with little of it link text: article prose."""
    text = bare(line)
    return words(text) >= min_words and strip_closers(text)[-1:] in _ENDS and link_share(line) < 0.5


@dataclass(slots=True)
class Body:
    """A document's lines, and where its body ends: before the `Original url:` footer,
    which N112 reads and removes, and which no rule here may take with a section."""

    lines: list[str]
    end: int

    @classmethod
    def of(cls, text: str) -> Body:
        lines = text.split("\n")
        end = len(lines)
        if might_have_footer(text):
            tail = lines[-TAIL_LINES:]
            end = len(lines) - len(tail) + parse_footer(tail).start
        return cls(lines, end)

    def filled(self, start: int = 0) -> list[int]:
        """Indices of the non-blank body lines from `start` on."""
        return [i for i in range(start, self.end) if self.lines[i].strip()]

    def without(self, drop: set[int]) -> str:
        return "\n".join(line for i, line in enumerate(self.lines) if i not in drop)


@dataclass(frozen=True, slots=True)
class Short:
    """What every rule's cheap first test reads of a text: its short lines lowercased
    and joined, the first word of each, and how many lines start with a link."""

    joined: str
    firsts: frozenset[str]
    short_firsts: frozenset[str]  # of the lines a page control can be
    link_starts: int
    hashtags: bool  # a short line opens with `#word`


SHORT_LINE = 120  # the longest line the first tests read: a label, a tags line's start
CONTROL_LINE = 60  # the longest line whose first word counts as a control's


# The runner hands the rules the same text one after the other while none changes it:
# the last two texts' scans are kept.
@functools.lru_cache(maxsize=2)
def short_lines(text: str) -> Short:
    lines = text.split("\n")
    links = text.count("](")
    # Where a link goes somewhere, its target may make a short line long: such lines
    # are measured by their text, as the rules read them.
    targets = bool(links) and links != text.count("](#)")
    short = [
        line for line in lines if 0 < len(line) <= SHORT_LINE or (targets and _short_as_read(line))
    ]
    firsts: set[str] = set()
    short_firsts: set[str] = set()
    for line in short:
        head = line.lstrip(_FIRST_MARKS).split(None, 1)  # `first_word`, inlined
        if not head:
            continue
        first = head[0]
        first = first_word(line) if "](" in first else first.strip(_PUNCT).lower()
        if first:
            firsts.add(first)
            if len(line) <= CONTROL_LINE or (targets and _short_as_read(line, CONTROL_LINE)):
                short_firsts.add(first)
    link_starts = (
        sum(1 for line in lines if "](" in line and line.lstrip(_MARKS)[:1] == "[")
        if links >= MIN_LINK_RUN
        else 0
    )
    return Short(
        "\n".join(short).lower(),
        frozenset(firsts),
        frozenset(short_firsts),
        link_starts,
        any(
            (line[0] == "#" and line[1:2].isalpha())
            or (line[0] in " \t" and _opens_with_hashtag(line))
            for line in short
        ),
    )


def _short_as_read(line: str, limit: int = SHORT_LINE) -> bool:
    """Is a line longer than `limit` short as the rules read it, its links by their text
    (`[Comments](https://...)`)? Links to nowhere (`(#)`) are short already."""
    return (
        len(line) > limit
        and "](" in line
        and line.count("](") != line.count("](#)")
        and len(unlink(line)) <= limit
    )


def _opens_with_hashtag(line: str) -> bool:
    """`#word` at the start, after any indent (N121 judges the stripped line)."""
    line = line.lstrip(" \t")
    return line[:1] == "#" and line[1:2].isalpha()


def _any_short(text: str, stems: tuple[str, ...]) -> bool:
    """Does a short line of `text` hold one of `stems` (lowercase)? The cheap test every
    rule makes first: most documents have no such line."""
    joined = short_lines(text).joined
    return any(stem in joined for stem in stems)


def _any_label(text: str, label: Callable[[str], bool]) -> bool:
    """Is a short line of `text` a `label`?"""
    joined = short_lines(text).joined
    return bool(joined) and any(label(line) for line in joined.split("\n"))


# When these rules must look again. They run while links still show; after them N104
# unwraps every link, so no later edit can make a link line or a run of them, and link
# text only ever adds to the case for removal: N104 is trusted. A section (N119, N120)
# opens at a label below the article: removing other lines neither makes a label nor
# adds a sentence above one, so the rules that remove whole lines are trusted too, and
# N107, whose cut leaves the caption of a photo. The trailer (N122) runs after every
# rule that removes lines, on what is left: only the layout rule (N113) follows it, and
# it counts non-blank lines, which blank lines do not move.
_SEES = Edit.LINES | Edit.CHARS
_LINK_UNWRAP = ("N104",)  # the line rules judge a line alone: only its own edit matters
# A rule that removes lines judged one by one, each alone: only a line's own new text
# (a credit cut out of it) can give it new work.
_line_rule = functools.partial(
    normalizer, edits=Edit.LINES, sees=Edit.CHARS, local=True, trusts=_LINK_UNWRAP
)
_TRUSTS = (
    "N104", "N105", "N106", "N107", "N108", "N109", "N110", "N111", "N112", "N113", "N114",
    "N115",
)  # fmt: skip


def _until_settled(step: Callable[[str], str]) -> Callable[[str], str]:
    """Apply `step` until it changes nothing (it only removes lines, so this ends)."""

    def settled(text: str) -> str:
        while True:
            new = step(text)
            if new == text:
                return text
            text = new

    settled.__doc__ = step.__doc__
    settled.__name__ = step.__name__
    return settled


def _label(words: str) -> re.Pattern[str]:
    """A whole short line (after `bare`) that is one of `words`, with an optional count
    before or after and closing punctuation: `Comments (12)`, `12 comments`, `Related:`."""
    count = r"(?:\(?\d[\d,.]*[km]?\)?)"
    return re.compile(rf"(?i)(?:{count}\s*)?(?:{words})(?:\s*{count})?\s*[:.!?…»›>]*")


# ------------------------------------------------------------ comment sections

_COMMENTS = _label(
    r"(?:reader |user |visitor )?comments?"
    r"|\(?\d[\d,.]*[km]?\)?\s*(?:responses?|replies|reactions?)"
    r"|(?:leave|post|add|write|submit|show|view|read|see|load|hide|open|close|display|join)"
    r" (?:a |an |all |the |your |our |\d+ )?(?:comments?|reply|replies|responses?"
    r"|discussion|conversation)(?: (?:below|here|now|\(\d+\)))?"
    r"|(?:\d+|one|two) thoughts? on .{1,120}"
    r"|join the (?:discussion|conversation|debate)"
    r"|[^\n]{1,60} (?:wrote|commented) (?:on )?[^\n]{1,40}\d{1,2}:\d{2}[^\n]{0,12}"
    r"|comments? (?:are|is) (?:closed|loading|disabled|moderated|turned off)[^\n]{0,80}"
    r"|(?:loading|showing) (?:\d+ )?comments?[^\n]{0,20}"
    r"|no comments?(?: yet)?|be the first to comment[^\n]{0,40}|have your say"
    r"|links to this post"
    r"|(?:comments )?powered by disqus[^\n]{0,20}|disqus|your comments?"
    r"|(?:please )?enable javascript to (?:view|see|read|post) (?:the )?comments[^\n]{0,40}"
    r"|to (?:post|leave|add) (?:a )?comments?,? (?:please )?(?:sign|log) ?in"
    r"|(?:you must|please|to) (?:be )?(?:log(?:ged)?|sign(?:ed)?) ?in[^\n]{0,60}to"
    r" (?:post a |leave a |add a )?comment[^\n]{0,20}"
    # the same in the other languages of the news
    r"|kommentare?|kommentar schreiben|leserkommentare|commentaires?|laisser un commentaire"
    r"|comentarios?|comentários?|deja un comentario|deixe um comentário|commenti"
    r"|lascia un commento|reacties|reageer|kommentarer|komentarze|komentáře|diskuse"
    r"|комментари[йиея]|обсуждение|コメント|留言(?:列表|板)?|评论|評論|댓글|yorumlar"
)
MIN_ARTICLE_LINES = 3  # a comment section follows an article: sentences before it


# A comment signed by nobody: as a heading, it is the first of a thread's comments.
_ANONYMOUS = re.compile(r"(?i)anonymous|anon|guest|unknown|anónimo|anonyme|anonym|匿名|аноним")


# A heading that opens with the count of comments and goes on after a stop or with the
# post's quoted title: `## 36 comments. Share your thoughts »`, `## 2 Responses to “Title”`.
_COUNTED_HEADING = re.compile(
    r"(?i)\d[\d,.]*[km]?\s+(?:comments?|responses?|replies)"
    r"(?:\s*[.:|»›)–—-]|\s+(?:to|on)\s+[“\"‘'«„]|\s*$)"
)


def is_comments_label(line: str) -> bool:
    """`Comments`, `12 Comments`, `Leave a Reply`, `Comments are closed.`, `Kommentare`,
    a comment's heading `## Anonymous`, and a heading that opens with the count."""
    text = bare(line)
    if len(text) > 120:
        return False
    if _COMMENTS.fullmatch(text) is not None:
        return True
    return is_heading(line) and (
        _ANONYMOUS.fullmatch(text.rstrip(" :")) is not None
        or _COUNTED_HEADING.match(text) is not None
    )


# What the first test looks for: the first word a comment label opens with, and for a
# label that opens with a count or a name, or has no spaces, a piece of it anywhere.
_COMMENT_FIRST = frozenset(
    (
        "comments", "comment", "reader", "user", "visitor", "leave", "post", "add", "write",
        "submit", "show", "view", "read", "see", "load", "hide", "open", "close", "display",
        "join", "one", "two", "loading", "showing", "no", "be", "have", "you", "please", "to",
        "your", "enable", "links", "kommentare", "kommentar", "leserkommentare",
        "commentaires", "commentaire",
        "laisser", "comentarios", "comentario", "comentários", "comentário", "deja", "deixe",
        "commenti", "lascia", "reacties", "reageer", "kommentarer", "komentarze", "komentáře",
        "diskuse", "комментарии", "комментарий", "комментариев", "обсуждение", "yorumlar",
        "anonymous", "anon", "guest", "unknown", "anónimo", "anonyme", "anonym", "аноним",
    )
)  # fmt: skip
_COUNTED = ("comment", "respons", "repl", "reaction", "thought")
_ANYWHERE = (" wrote ", " commented ", "コメント", "留言", "评论", "評論", "댓글", "匿名")


@normalizer("N119", "comment-section", edits=Edit.LINES, sees=_SEES, trusts=_TRUSTS)
@_until_settled
def comment_section(text: str) -> str:
    """Remove a trailing comment section: its heading and everything under it.

    Why: scraped pages end with their readers' comments: a heading (`Comments`,
    `12 Comments`, `Leave a Reply`, `Join the discussion`, `Kommentare`,
    `Comentários`, `留言`), the thread, and notices such as `Comments are
    closed.` or `Loading comments...`. The thread reads like prose, so the
    heading and its position decide: a whole short line that names a comment
    section, after at least three sentences of article, starts a section that
    runs to the end of the body (the `Original url:` footer stays for N112).
    A thread scraped without its heading starts at its first comment, known by
    the thread's own furniture: signed lines (`jdoe • 2 weeks ago`, `jdoe
    wrote:`), two of them close together, with a `Reply` or `Report` control
    under them; a heading that mentions the readers or the discussion just
    above goes with it. Kept: a sentence that mentions
    comments, a label above the article, a lone signed line, and quotes or
    dated entries with no reply controls (`Readers wrote:`, a live blog).
    """
    firsts = short_lines(text).firsts
    if (
        firsts.isdisjoint(_COMMENT_FIRST)
        and not (any(w[:1].isdigit() for w in firsts) and _any_short(text, _COUNTED))
        and not _any_short(text, _ANYWHERE)
        and not _any_short(text, _THREAD_WORDS)
    ):
        return text
    body = Body.of(text)
    filled = body.filled()
    thread = _thread_start(body.lines, filled)
    prose = 0
    for k, i in enumerate(filled):
        line = body.lines[i]
        if prose >= MIN_ARTICLE_LINES and (k == thread or is_comments_label(line)):
            return body.without(set(range(i, body.end)))
        prose += reads_as_sentence(line)
    return text


# A comment's signature: who, then when (`jdoe • 2 weeks ago`, `Jane Doe 3 hours ago`) or
# `jdoe wrote:`; and the controls under each comment.
_AGO_UNITS = frozenset(
    ("sec", "second", "min", "minute", "hr", "hour", "day", "week", "month", "year")
)
_AGO_COUNTS = frozenset(("a", "an", "one"))
_SIGNATURE_MARKS = " \t•·|,:–—-"
_NOT_A_NAME = frozenset(("posted", "updated", "published", "edited", "modified", "last updated"))
_THREAD_CONTROL = re.compile(
    r"(?i)(?:reply|replies|report(?: this comment| abuse)?|flag(?: as inappropriate)?|upvote"
    r"|downvote|vote (?:up|down))(?:[\s·•|]+(?:reply|report|flag|like|share|permalink))*"
    r"[\W\d]*(?: on [^\n]{0,60})?"
)
_THREAD_WORDS = (" ago", "wrote:", "wrote :", "disqus")  # what the first test looks for
MAX_SIGNATURE_CHARS = 100
MAX_COMMENT_GAP = 12  # non-blank lines from one comment's signature to the next
_WEAK_COMMENTS = re.compile(r"(?i)\b(?:comments?|readers?|discussion|conversation|disqus)\b")


def _signed(text: str) -> bool:
    """Does a line's `text` (`bare`) sign a comment: `jdoe • 2 weeks ago`, `jdoe wrote:`?"""
    low = text.lower()
    if low.endswith("wrote:") or low.endswith("wrote :"):
        who = low[: low.rindex("wrote")]
    elif low.endswith(" ago"):
        parts = low.split()
        if len(parts) < 3:
            return False
        *head, count, unit, _ = parts
        if unit.rstrip("s") not in _AGO_UNITS or not (count.isdigit() or count in _AGO_COUNTS):
            return False
        if head and head[-1] in ("about", "over", "almost"):
            head.pop()
        who = " ".join(head)
    else:
        return False
    who = who.strip(_SIGNATURE_MARKS)
    return any(c.isalpha() for c in who) and who not in _NOT_A_NAME


def _thread_start(lines: list[str], filled: list[int]) -> int | None:
    """The position in `filled` where a comment thread without a heading starts (the
    highest of the three lines above it that mentions comments or readers), or None."""
    signed: list[int] = []
    last_control = -1
    for k, i in enumerate(filled):
        line = lines[i]
        if len(line) > MAX_SIGNATURE_CHARS:
            continue
        text = bare(line)
        if "](" not in line and _signed(text):  # a linked line is a teaser, not a signature
            signed.append(k)
        elif _THREAD_CONTROL.fullmatch(text) is not None:
            last_control = k
    for k, nxt in itertools.pairwise(signed):
        if nxt - k > MAX_COMMENT_GAP or last_control < k:
            continue
        start = k
        for up in range(k - 1, max(-1, k - 4), -1):  # the thread's heading just above
            line = lines[filled[up]]
            if len(line) <= MAX_SIGNATURE_CHARS and _WEAK_COMMENTS.search(bare(line)):
                start = up
        return start
    return None


# ---------------------------------------------------------- related link lists

_RELATED = _label(
    r"related(?: (?:articles?|stories|posts|content|coverage|news|topics|videos?|links"
    r"|reading|items|galleries|reports?))?"
    r"|(?:read|watch|listen) (?:more|next|also)(?: (?:on|about|from|in) [^\n]{1,60})?"
    r"|more (?:from|on|about|in|by) [^\n]{1,60}"
    r"|more (?:stories|news|articles|videos|like this|to (?:read|explore)|headlines)"
    r"|(?:you|we think you) (?:might|may|will|could|should) (?:also )?"
    r"(?:like|enjoy|be interested in)[^\n]{0,30}"
    r"|recommended(?: for you| stories| articles| reading| videos)?|recommendations"
    r"|(?:most )?(?:popular|read|viewed|shared|watched|emailed)(?: (?:now|today|stories"
    r"|articles|news|this week|on [^\n]{1,40}))?"
    r"|trending(?: now| stories| topics| on [^\n]{1,40})?|top stories|top picks"
    r"|(?:latest|other|recent|featured|editor'?s'?|more top|further|popular)"
    r" (?:news|stories|articles|posts|headlines|picks|videos|slide ?shows|galleries"
    r"|columns|opinion(?: columns| pieces)?|reads|reading|content)"
    r"|(?:also|further) (?:read|reading|on [^\n]{1,40})|don'?t miss|up next|what to read next"
    r"|in (?:other|case you missed it)[^\n]{0,20}|around the web|from (?:around )?the web"
    r"|sponsored (?:links|stories|content)|promoted (?:links|stories|content)"
    r"|(?:today|now|this week) on [^\n]{1,40}"
    # the same in the other languages of the news
    r"|lesen sie (?:auch|mehr)|mehr zum thema|weitere artikel|das könnte sie interessieren"
    r"|à lire aussi|lire aussi|sur le même sujet|à lire également|leia (?:também|mais)"
    r"|lee también|te puede interesar|noticias relacionadas|temas relacionados"
    r"|leggi anche|potrebbe interessarti|articoli correlati|читайте также|смотрите также"
    r"|по теме|関連記事|相关(?:阅读|文章|新闻)|相關(?:新聞|文章)|延伸閱讀|관련 ?기사"
)
_TAGS = re.compile(
    r"(?i)(?:tags?|topics?|categories|category|filed under|posted in|keywords|themen"
    r"|schlagw[öo]rter|étiquettes|sujets|etiquetas|temas|tag|argomenti|теги|标签|標籤)"
    r"\s*:"
)
MAX_RELATED_LABEL = 80  # characters
MAX_TEASER_WORDS = 30  # a headline, a date, a one-line dek under a linked headline


def is_related_label(line: str) -> bool:
    """`Related`, `Read more:`, `More from Politics`, `You might also like`, `Most read`."""
    if len(line) > 2 * MAX_RELATED_LABEL:
        return False
    text = bare(line)
    return len(text) <= MAX_RELATED_LABEL and _RELATED.fullmatch(text) is not None


def _teaser(line: str) -> bool:
    """A line of a list of other articles: mostly link text, or short and not a sentence
    (a headline, a date, a byline), or a heading. Not a line that introduces what follows
    (`The council listed three reasons:`): the article's own list may come next."""
    if link_share(line) >= 0.5 or is_heading(line):
        return True
    text = bare(line)
    words = len(text.split())
    return (words <= 12 and strip_closers(text)[-1:] not in SENTENCE_END + ":") or words == 0


def _is_tag_line(line: str) -> bool:
    """`Topics: [uber](#), [Sydney](#)`: a label, then a list of links or short terms."""
    if ":" not in line[:60] or len(line) > MAX_TAG_LINE_CHARS:
        return False
    text = bare(line)
    m = _TAGS.match(text)
    if m is None:
        return False
    rest = text[m.end() :]
    return link_share(line) >= 0.5 or (
        bool(rest.strip()) and all(len(t.split()) <= 4 for t in re.split(r"[,;|·•/]", rest))
    )


# The first words a label or a tags line can start with (`Short.firsts`).
_RELATED_FIRST = frozenset(
    (
        "related", "read", "watch", "listen", "more", "you", "we", "recommended",
        "recommendations", "most", "popular", "viewed", "shared", "trending", "top", "latest",
        "other", "recent", "featured", "editor's", "editors'", "editors", "also", "further",
        "don't", "dont", "up", "what", "in", "around", "from", "sponsored", "promoted",
        "today", "now", "this", "lesen", "mehr", "weitere", "das", "à", "lire", "sur", "leia",
        "lee", "te", "noticias", "temas", "leggi", "potrebbe", "articoli", "читайте",
        "смотрите", "по", "関連記事", "相关阅读", "相关文章", "相关新闻", "相關新聞",
        "相關文章", "延伸閱讀", "관련기사", "관련",
    )
)  # fmt: skip
_TAG_FIRST = frozenset(
    (
        "tag", "tags", "topic", "topics", "categories", "category", "filed", "posted",
        "keywords", "themen", "schlagwörter", "schlagworte", "étiquettes", "etiquetas",
        "temas", "sujets", "argomenti", "теги", "标签", "標籤",
    )
)  # fmt: skip
MAX_TAG_LINE_CHARS = 600  # a tags line with its links


@normalizer("N120", "related-links", edits=Edit.LINES, sees=_SEES, trusts=_TRUSTS)
@_until_settled
def related_links(text: str) -> str:
    """Remove lists of links to other articles: a labelled block, or a run of link lines.

    Why: pages list their other stories around the article: under a label
    (`Related`, `Read more`, `More from ...`, `You might also like`, `Most
    read`, `Lesen Sie auch`), as a run of lines that are mostly link text, or as
    a `Tags:`/`Topics:` line. Removed: such a label with the list under it (lines
    that are mostly links, headlines, dates or headings; under a label in the
    last part of the page, everything to the end when most of it is shaped so),
    a run of three or more lines that are mostly link text, and a tags line.
    Kept: a list introduced by a sentence of the article (`Sources:`), a label
    followed by prose, and every line that reads as a sentence without links.
    """
    scan = short_lines(text)
    firsts = scan.firsts
    if (
        scan.link_starts < MIN_LINK_RUN
        and firsts.isdisjoint(_TAG_FIRST)
        and _GALLERY_START.search("\n" + text) is None
        and not (
            not scan.short_firsts.isdisjoint(_RELATED_FIRST) and _any_label(text, is_related_label)
        )
    ):
        return text
    body = Body.of(text)
    lines = body.lines
    drop: set[int] = set()
    filled = body.filled()
    for k, i in enumerate(filled):
        if i in drop:
            continue
        line = lines[i]
        if _is_tag_line(line):
            drop.add(i)
            drop.update(j for j in filled[k + 1 :] if j < body.end and _continues(lines[j], i, j))
            continue
        if is_related_label(line) and k >= 1:
            drop.update(_labelled_list(body, filled, k))
            continue
    drop |= _link_runs(body, filled) | _gallery_runs(body, filled)
    return body.without(drop) if drop else text


def _continues(line: str, first: int, at: int) -> bool:
    """A line that goes on with the tag list begun at line `first` (it wraps)."""
    return at - first <= 8 and link_share(line) >= 0.6 and len(bare(line).split()) <= 12


def _labelled_list(body: Body, filled: list[int], k: int) -> set[int]:
    """The label at `filled[k]` and the list under it: teasers (linked headlines, dates,
    bylines, headings), each perhaps followed by a one-line dek. The list ends at a line
    that is neither, or at a second sentence in a row; it must hold a link line.
    Empty when prose or a list without links follows the label."""
    lines = body.lines
    end = None  # the last teaser of the list
    after_teaser = after_dek = False
    linked = False
    headed = False  # the teasers since the last dek hold a linked headline
    for j in filled[k + 1 :]:
        line = lines[j]
        headline = link_share(line) >= 0.5
        if _teaser(line) and (headline or not after_dek):
            after_teaser, after_dek = True, False
            linked = linked or headline
            headed = headed or headline
            end = j
        elif after_teaser and headed and _dek(line):
            # a dek sums up a linked headline above it, and belongs to the list only if
            # a linked headline follows it
            after_teaser, after_dek, headed = False, True, False
        else:
            break
    rest = filled[k + 1 :]
    prose_above = sum(1 for j in filled[:k] if reads_as_sentence(lines[j]))
    if (
        rest and prose_above >= MIN_ARTICLE_LINES and not any(_prose_like(lines[j]) for j in rest)
    ):  # below the article, a tail of headings, short lines and links only
        return set(range(filled[k], body.end))
    if end is None or not linked:
        return set()
    return set(range(filled[k], end + 1))


def _prose_like(line: str) -> bool:
    """Five words or more outside links, not a heading: a line that could be the article's."""
    if is_heading(line):
        return False
    if "](" in line:
        return len(_WORD.findall(MD_LINK.sub("", line))) >= 5
    return words(bare(line)) >= 5


def _dek(line: str) -> bool:
    """A teaser's one-line summary: one sentence or two, no longer than a teaser."""
    return len(bare(line).split()) <= MAX_TEASER_WORDS * 2 and not any(q in line for q in QUOTES)


MIN_LINK_RUN = 3
LINK_LINE_SHARE = 0.6  # of a line's words inside links, each line
RUN_LINK_SHARE = 0.85  # over the run: headlines are links whole
MIN_RUN_WORDS = 3  # per line over the run: headlines, not menus, code names or URLs
MAX_LINK_LINE_WORDS = 25


_LINK_LINE_START = re.compile(r"\n[ \t>#+•-]*(?:\d{1,3}[.)] +)?[*_]{0,2}\[")


def _link_line(line: str) -> bool:
    """A line that starts with a link and is mostly link text (a table row is not)."""
    if "](" not in line or _LINK_LINE_START.match("\n" + line) is None:
        return False
    return link_share(line) >= LINK_LINE_SHARE and len(bare(line).split()) <= MAX_LINK_LINE_WORDS


def _headline_run(lines: list[str], run: list[int]) -> bool:
    """Enough lines, linked nearly whole, of headline length on average."""
    if len(run) < MIN_LINK_RUN:
        return False
    share = sum(link_share(lines[j]) for j in run) / len(run)
    words = sum(len(bare(lines[j]).split()) for j in run) / len(run)
    return share >= RUN_LINK_SHARE and words >= MIN_RUN_WORDS


MAX_COMPANIONS = 2  # non-link lines between two teasers: a date, a byline, a dek


def _companion(line: str) -> bool:
    """A teaser's date or byline line: short, not a sentence, not a table row."""
    if is_heading(line) or is_table_row(line):  # another part of the page
        return False
    text = bare(line)
    return words(text) <= 8 and strip_closers(text)[-1:] not in _ENDS


def _link_runs(body: Body, filled: list[int]) -> set[int]:
    """Runs of MIN_LINK_RUN+ link lines (blank lines, and a date or byline under each
    headline, allowed between), unless the line before the run introduces it
    (`Sources:`, `Further reading:` in a sentence) or the run is a table of contents."""
    lines = body.lines
    drop: set[int] = set()
    run: list[int] = []  # the link lines
    gap = 0  # companion lines since the last link line
    for j in [*filled, -1]:
        if j >= 0 and _link_line(lines[j]):
            run.append(j)
            gap = 0
            continue
        if j >= 0 and run and gap < MAX_COMPANIONS and _companion(lines[j]):
            gap += 1
            continue
        if (
            _headline_run(lines, run)
            and not _introduced(lines, filled, run[0])
            and not _contents(body, run)
        ):
            last = run[-1]  # with the companions under the last headline
            for k in filled[filled.index(last) + 1 : filled.index(last) + 1 + gap]:
                last = k
            drop.update(range(run[0], last + 1))
        run, gap = [], 0
    return drop


# A slide counter opens the line: `3/12`, `3 of 12`; not a date (`10/21/2023`).
_GALLERY_ITEM = re.compile(r"[-*+•]?\s*(?:#{1,6}\s*)?(\d{1,3})\s*(?:/|of)\s*(\d{1,3})\b(?!/)")
# A line that opens as a gallery item (N120's first test: one search, tried at line
# starts; its indent is spaces and tabs, as N101 leaves every space).
_GALLERY_START = re.compile(r"\n[-*+•# \t]*+\d{1,3}[ \t]*+(?:/|of)[ \t]*+\d{1,3}\b(?!/)")


def _gallery_runs(body: Body, filled: list[int]) -> set[int]:
    """Runs of MIN_LINK_RUN+ lines that each open with a slide counter `k/N` or `k of N`
    (the same N): the captions of a photo gallery, mostly of other stories."""
    lines = body.lines
    drop: set[int] = set()
    run: list[int] = []
    total = None
    for j in [*filled, -1]:
        m = _GALLERY_ITEM.match(lines[j].strip()) if j >= 0 else None
        if m is not None and (total is None or m[2] == total) and int(m[1]) <= int(m[2]):
            run.append(j)
            total = m[2]
            continue
        if len(run) >= MIN_LINK_RUN:
            drop.update(range(run[0], run[-1] + 1))
        run, total = ([j], m[2]) if m is not None else ([], None)
    return drop


def _contents(body: Body, run: list[int]) -> bool:
    """Is the run a table of contents: do most of its link texts come back as lines (the
    headings) further down?"""
    lines = body.lines
    later = {bare(lines[j]).lower() for j in range(run[-1] + 1, body.end) if lines[j].strip()}
    titles = [m[1].strip(" *_").lower() for j in run for m in MD_LINK.finditer(lines[j])]
    return bool(titles) and sum(t in later for t in titles) * 2 >= len(titles)


# The headings of an article's own lists of sources and links (`## External links`).
_REFERENCES = re.compile(
    r"(?i)(?:see also|external links?|further reading|(?:other |further )?references?"
    r"|sources?|bibliography|works cited|citations|notes(?: and references)?|weblinks"
    r"|einzelnachweise|literatur|liens externes|voir aussi|enlaces externos|véase también"
    r"|referencias|fuentes)[\s:.]*"
)
MAX_SECTION_ITEMS = 24  # list items a reference section's heading may be above the run


def _introduced(lines: list[str], filled: list[int], first: int) -> bool:
    """Is the line before `first` a sentence of the article ending in a colon, or is
    the run in a list under a references heading (`## External links`, `## See also`)?"""
    k = filled.index(first)
    if k == 0:
        return False
    before = bare(lines[filled[k - 1]])
    if before.endswith(":") and len(before.split()) >= 4 and link_share(before) < 0.5:
        return True
    for j in reversed(filled[max(0, k - MAX_SECTION_ITEMS) : k]):
        line = lines[j].lstrip(" \t")
        if is_heading(line):
            return _REFERENCES.fullmatch(bare(line)) is not None
        if not line.startswith(("-", "*", "+", "•")):  # the list ends above its first item
            return False
    return False


# ---------------------------------------------------------------- page controls

# Words that name a page part but are also a section's heading (`Photos`, `Video`): a
# control only beside a word of _CONTROLS that is not one of them (`View photos`).
_WEAK = frozenset(
    (
        "image", "images", "photo", "photos", "video", "videos", "audio", "text", "gallery",
        "slideshow", "caption", "captions",
    )
)  # fmt: skip
_CONTROLS = _WEAK | frozenset(
    (
        "share", "shares", "shared", "sharing", "tweet", "tweets", "pin", "pins", "email", "e-mail",
        "mail", "print", "printer", "reprint", "reprints", "permalink", "link", "copy", "copied",
        "comment", "comments", "reply", "replies", "like", "likes", "save", "saved", "bookmark",
        "bookmarks", "close", "open", "fullscreen", "full", "screen", "thumbnail", "thumbnails",
        "previous", "prev", "next", "back", "top", "skip", "jump", "navigation", "search", "menu",
        "log", "login", "logout", "sign", "register", "subscribe", "size", "font", "aa", "zoom",
        "download", "pdf", "expand", "collapse", "show", "hide", "more", "less", "view", "watch",
        "play", "pause", "listen", "min", "mins", "minute", "minutes", "read", "facebook",
        "twitter", "linkedin", "whatsapp", "reddit", "pinterest", "telegram", "tumblr", "flipboard",
        "messenger", "sms", "digg", "stumbleupon", "delicious", "xing", "weibo", "mastodon",
        "bluesky", "toggle", "enlarge", "reset", "clap", "claps", "follow", "feed", "rss", "load",
        "home", "slide", "slides", "selected", "off", "on", "chapters", "subtitles", "descriptions",
        "settings", "default", "loading", "embed", "teilen", "drucken", "kommentieren", "imprimer",
        "partager", "commenter", "compartir", "imprimir", "comentar", "condividi", "stampa",
        "поделиться", "печать", "分享", "打印", "返回", "收藏", "分享到",
    )
)  # fmt: skip
_FILLER = frozenset(
    (
        "to", "the", "this", "of", "on", "in", "a", "an", "and", "or", "via", "up", "out",
        "article", "story", "post", "page",
    )
)  # fmt: skip
_NUMBER = re.compile(r"[\d.,:/]+[km]?|\d+(?:st|nd|rd|th)?|[»«›‹>|<•·,+&-]+")
_UI_FIRST = frozenset(
    (
        "this", "please", "loading", "javascript", "cookies", "your", "enable", "scroll",
        "click", "tap", "select", "choose", "skip", "back", "continue", "image", "photo",
        "slide",
    )
)  # fmt: skip
_UI_SENTENCE = re.compile(
    r"(?i)(?:(?:this is a modal window|this modal can be closed|please wait"
    r"|this feature is (?:temporarily )?unavailable|please try again later"
    r"|(?:javascript|cookies) (?:is|are|must be) (?:disabled|required|enabled)"
    r"|your browser does not support|enable javascript|scroll (?:down|to (?:top|continue))"
    r"|click to (?:enlarge|expand)|tap to (?:enlarge|expand|unmute)"
    r"|(?:select|choose) (?:another|other) platform)[^\n]{0,100}"  # the sentence, then any
    r"|loading(?: [\w ]{1,30})?(?:\.\.\.|…)|skip (?:to )?(?:main )?content|back to top"
    r"|continue reading(?: the main story)?|(?:image|photo|slide) \d+ of \d+|\d+ of \d+"
    r"|\d+/\d+|\d+ min(?:ute)?s? read)"
)
_COUNTER = re.compile(r"\d+(?:/\d+)?[km]?|\d+\.\d+[km]")
_HASHTAGS = re.compile(r"(?:#[^\W\d_][\w-]*[\s,]*){1,12}")
_CSS_NAME = re.compile(
    r"(?i)(?:col|icon|btn|fa|js|sr|u|is|has|grid|row|nav|clearfix|wp|post|entry|widget"
    r"|social|share|ad|ads|article|story|media|video|img|text|hidden|visually)"
    r"(?:[-_][a-z0-9]+)+|[a-z0-9]+(?:__|--)[a-z0-9_-]+|clearfix"
)
MAX_CONTROL_WORDS = 5
MAX_CONTROL_CHARS = 160


def _may_be_control(line: str) -> bool:
    """The cheap first test: does the line open with a control word, a number, or a name
    with a hyphen or an underscore (a CSS class)?"""
    first = first_word(line)
    return bool(first) and (
        first in _CONTROLS
        or first in _UI_FIRST
        or first[:1].isdigit()
        or "-" in first
        or "_" in first
    )


def is_page_control(line: str) -> bool:
    """`Share on Twitter`, `Print`, `1 of 5`, `Log In`, `Loading comments...`, `#tag #tag`,
    `- col-md-6`: a whole short line that is a button, a counter or layout debris."""
    stripped = line.strip(" \t")
    if not stripped or len(stripped) > MAX_CONTROL_CHARS or any(q in stripped for q in QUOTES):
        return False
    if stripped[0] != "#" and not _may_be_control(stripped):
        return False
    if stripped[0] == "#" and stripped[1:2] not in "# " and _HASHTAGS.fullmatch(stripped):
        return True
    text = bare(stripped)
    tokens = text.lower().split()
    if not tokens:
        return False
    first = tokens[0].strip(_PUNCT)
    if (first in _UI_FIRST or first[:1].isdigit()) and _UI_SENTENCE.fullmatch(text):
        return True
    if stripped[0] == "#":  # a heading of the article may be made of such words
        return False
    if len(tokens) == 1 and stripped[0] in "-*+•" and _CSS_NAME.fullmatch(text):
        return True
    # `like this:`, `More text.`, `More to follow...`
    if len(tokens) > MAX_CONTROL_WORDS or text[-1] in ":.!?…":
        return False
    if is_furniture(stripped):  # N114 owns these
        return False
    if len(tokens) > 2 and ("&" in tokens or "and" in tokens):  # a phrase, not a button
        return False
    named = False
    for token in tokens:
        word = token.strip(_PUNCT)
        if word in _CONTROLS:
            named = named or word not in _WEAK
        elif word and word not in _FILLER and _NUMBER.fullmatch(word) is None:
            return False
    return named


def _lines_up_to(limit: int) -> re.Pattern[str]:
    """A `rewrite_lines` finder of every line of at most `limit` characters: one scan,
    no backtracking into longer lines."""
    return re.compile(rf"\n[^\n]{{1,{limit}}}+(?=\n|$)")


def _opening_with(starts: frozenset[str], limit: int) -> re.Pattern[str]:
    """A `rewrite_lines` finder of the lines of at most `limit` characters that can open
    with one of `starts` as `first_word` reads them: after marks, punctuation, spaces
    and links with no words in their text (`[](https://...)`), in any case, and with no
    letter, digit or apostrophe after it (an underscore may close emphasis); or whose
    first word holds a link, which `first_word` reads without it (`[Down](#)[load](#)`
    is `download`). It finds more lines than open so, never fewer."""
    lead = re.escape(_FIRST_MARKS + _PUNCT)
    marks = re.escape(_FIRST_MARKS)
    words = "|".join(re.escape(w) for w in sorted(starts, key=len, reverse=True))
    return re.compile(
        rf"\n(?=[^\n]{{1,{limit}}}+(?:\n|$))"
        rf"(?:(?:\]\([^()\s]*\)|[{lead}]|[^\S\n])*+(?i:{words})(?![^\W_]|['’])"
        rf"|(?:[{marks}]|[^\S\n])*+\S*?\]\()"
    )


_CONTROL_FINDER = _lines_up_to(MAX_CONTROL_CHARS)
_drop_control = drop_if(is_page_control)


@_line_rule("N121", "page-controls")
def page_controls(text: str) -> str:
    """Remove whole lines that are page controls: `Share on Twitter`, `Print`, `1 of 5`.

    Why: buttons, counters and menus are scraped as short lines of their own:
    share, print, reprint, permalink and text-size controls, photo-gallery
    counters and buttons (`1 of 5`, `Previous`, `Fullscreen`), `Log In`,
    `Loading...`, `5 min read`, player menus, lines of hashtags, and CSS class
    names that leaked in as list items (`- col-md-6`). A line goes only if every
    word is such a control word, a number or a separator (six words at most), or
    it is one of the player's and the browser's fixed sentences. Kept: any line
    with other words (`Share prices fell.`), and quoted speech.
    """
    scan = short_lines(text)
    firsts = scan.short_firsts
    if (
        firsts.isdisjoint(_CONTROLS)
        and firsts.isdisjoint(_UI_FIRST)
        and not scan.hashtags
        and not any(_COUNTER.fullmatch(w) or "-" in w or "_" in w for w in firsts)
    ):
        return text
    return rewrite_lines(text, _CONTROL_FINDER, _drop_control)


# ---------------------------------------------------------------- trailer lines

# A trailer line starts with what it is, or says one of these anywhere.
_TRAILER_START = re.compile(
    r"(?i)(?:"
    r"(?:this (?:article|story|post|piece|essay|column) )?(?:was |is )?(?:originally|first)"
    r" (?:published|appeared|posted|ran)\b"
    r"|(?:this (?:article|story|post|piece) (?:is )?)?republished (?:from|with permission|under)\b"
    r"|(?:more information|provided by|journal information|citation|cite this (?:article|page))"
    r"\s*:"
    r"|provided by [^\n.!?]{1,80}$"  # `Provided by Example University`, alone on its line
    r"|(?:the )?(?:views|opinions) expressed\b"
    r"|(?:contact|reach|email|e-mail|write to) (?:the )?(?:author|reporter|writer|editor|us)\b"
    r"|(?:submit|send) (?:comments|feedback|corrections)\b"
    r"|powered by\b"
    r")"
)
_TRAILER_ANYWHERE = re.compile(
    r"(?i)\b(?:licensed under|is licensed|creative commons|registered trademarks?"
    r"|(?:trade|service) ?marks? of|copyrighted by|all rights reserved|reproduced with permission"
    r"|retrieved (?:on )?[^\n]{1,40} from)\b"
)
_COMMENTS_WORD = r"(?:comments?|comment count|comentarios?|comentários?|kommentare?|commentaires?)"
_POLICY_WORD = (
    r"(?:reflect\w*|expressed|policy|policies|guidelines|moderat\w*|respectful|respetuos\w*"
    r"|respet\w*|terms of (?:use|service)|opinions? of|responsab\w*|responsib\w*|verantwort\w*)"
)
_COMMENT_POLICY = re.compile(
    rf"(?i)\b{_COMMENTS_WORD}\b[^\n]{{0,200}}\b{_POLICY_WORD}"
    rf"|\b{_POLICY_WORD}[^\n]{{0,200}}\b{_COMMENTS_WORD}\b"
    r"|コメント[^\n]{0,60}(?:見解|責任|関係)"
)
_BIO = re.compile(
    r"[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3},? (?:is|was|has been|covers|writes)"
    r" (?:an? |the )?(?:[\w-]+ ){0,5}(?i:reporter|correspondent|writer|editor|journalist"
    r"|columnist|contributor|author|producer|fellow|intern|freelancer|analyst|critic)\b"
)
TRAILER_SCAN = 8  # non-blank lines from the end of the body looked at
TRAILER_SENTENCES = 3  # sentences of the article read through before the scan stops
MAX_TRAILER_WORDS = 60


_ANYWHERE_WORDS = (
    "licens",
    "commons",
    "mark",
    "copyrighted",
    "reserved",
    "reproduced",
    "retrieved",
)
_COMMENT_WORDS = ("comment", "coment", "kommentar", "コメント")


def is_trailer_line(line: str) -> bool:
    """`Originally published at ...`, `... licensed under Creative Commons ...`, `Jane Doe is
    a reporter for ...`, `The opinions expressed in reader comments are those of ...`."""
    if len(line) > MAX_TRAILER_CHARS:
        return False
    text = bare(line)
    if not text or words(text) > MAX_TRAILER_WORDS:
        return False
    if _TRAILER_START.match(text) is None and _BIO.match(text) is None:
        low = text.lower()  # the regexes below run only where a plain search finds a word
        anywhere = any(w in low for w in _ANYWHERE_WORDS) and _TRAILER_ANYWHERE.search(text)
        policy = any(w in low for w in _COMMENT_WORDS) and _COMMENT_POLICY.search(text)
        if not anywhere and not policy:
            return False
    return not is_copyright(line.strip())  # a copyright line is N115's


_ABOUT = re.compile(r"(?i)(?:about|über|à propos de|acerca de|sobre) [^\n]{1,60}")
MAX_ABOUT_CHARS = 100  # an `About ...` heading is short


def _about_line(line: str) -> bool:
    """`**About Example Corp**`, `## About the author`: the heading of a closing section."""
    if len(line) > MAX_ABOUT_CHARS:
        return False
    text = bare(line)
    return _ABOUT.fullmatch(text.rstrip(":")) is not None and (
        is_heading(line) or line.strip().startswith("**") or text.endswith(":")
    )


MAX_ABOUT_LINES = 8  # a press release's boilerplate paragraph and its contacts
MAX_TRAILER_CHARS = 480


FOOTER_LINES = 2  # `Original url:` and its address, which the scan reads past
MAX_TAIL_CHARS = 64 << 10  # a trailer is a few lines: no further from the end than this


def _lines_up(text: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of `text` from its end up, each with where it starts. At most
    MAX_TAIL_CHARS from the end are looked at."""
    end = len(text)  # the end of the line read next (a line feed, or the text's end)
    stop = len(text) - MAX_TAIL_CHARS
    while end > 0 and end >= stop:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line and not line.isspace():
            yield start, line
        end = start - 1


def _last_lines(text: str, n: int) -> int:
    """Where the last `n` non-blank lines of `text` start (where the highest of fewer
    starts), found from its end; blank lines do not count, so collapsing them (N113)
    moves nothing into reach."""
    found = list(itertools.islice(_lines_up(text), n))
    return found[-1][0] if found else len(text)


# The words without one of which no line is a trailer line (each way `_TRAILER_START`, `_BIO`,
# `_TRAILER_ANYWHERE` and `_COMMENT_POLICY` can match holds one), and the phrases whose
# words alone are common. A line's words are read from its UTF-8 bytes, lowercased, with
# every byte but an ASCII letter or digit read as a space: one table lookup per
# byte, and emphasis, brackets, quotes and case no longer hide a word. Non-ASCII letters
# split a word, which can only find more words than there are (`comentários` has
# `coment`).
_TRAILER_WORDS = frozenset(
    word.encode()
    for word in (
        "originally", "republished", "licensed", "license", "licence", "creative", "commons",
        "trademark", "trademarks", "servicemark", "servicemarks", "copyrighted", "reserved",
        "reproduced", "retrieved", "citation", "cite", "comment", "comments", "coment",
        "comentarios", "kommentar", "kommentare", "commentaire", "commentaires", "expressed",
        "contact", "reach", "email", "mail", "write", "submit", "send", "powered",
        "reporter", "correspondent", "writer", "editor", "journalist", "columnist",
        "contributor", "author", "producer", "fellow", "intern", "freelancer", "analyst",
        "critic",
    )
)  # fmt: skip
_PHRASES = (
    b"first published", b"first appeared", b"first posted", b"first ran",
    b"more information", b"journal information", b"provided by", b"trade mark",
    b"service mark",
)  # fmt: skip
_PHRASE_STARTS = frozenset(p.split()[0] for p in _PHRASES)
_ABOUT_FIRST = frozenset((b"about", b"ber", b"propos", b"acerca", b"sobre"))  # `Über`: `ber`
_WORD_BYTES = bytes(
    (c | 0x20 if chr(c).isalpha() else c) if c < 128 and chr(c).isalnum() else 0x20
    for c in range(256)
)


_ANY_TRAILER_WORD = _TRAILER_WORDS | _PHRASE_STARTS | _ABOUT_FIRST  # one look rules all out


def _may_hold_trailer(text: str) -> bool:
    """Can a line the rule's scan reads be a trailer line or an `About ...` heading?
    Read from the end up, as the scan reads: the lines `_last_lines` finds, to the third
    that surely reads as a sentence (where the scan stops, or above it: a line it counts
    may not count here)."""
    sentences = 0
    for read, (_, line) in enumerate(_lines_up(text), start=1):
        terms = line.encode("utf-8", "surrogatepass").translate(_WORD_BYTES).split()
        if "コメント" in line or (
            not _ANY_TRAILER_WORD.isdisjoint(terms)
            and (
                not _TRAILER_WORDS.isdisjoint(terms)
                or (
                    not _PHRASE_STARTS.isdisjoint(terms)
                    and any(p in b" ".join(terms) for p in _PHRASES)
                )
                or (not _ABOUT_FIRST.isdisjoint(terms[:2]) and _about_line(line))
            )
        ):
            return True
        if _plain_sentence(line):
            sentences += 1
            if sentences >= TRAILER_SENTENCES:
                return False
        if read == TRAILER_SCAN + FOOTER_LINES:
            return False
    return False


def _plain_sentence(line: str) -> bool:
    """Does the line surely read as a sentence (`reads_as_sentence`), its words counted
    as they stand: no marks, links or emphasis to take away first."""
    return (
        line[:1] not in _MARKS
        and not line[:1].isdigit()
        and "](" not in line
        and "**" not in line
        and "__" not in line
        and strip_closers(line)[-1:] in _ENDS
        and len(line.split(None, 7)) == 8  # 8 words or more, without splitting them all
    )


def _touches_tail(change: Change) -> bool:
    """Does the change reach the last lines the trailer rule reads?"""
    return touches_last_lines(change, 3 * TRAILER_SCAN)


@normalizer("N122", "trailer", edits=Edit.LINES, sees=_SEES, reads=_touches_tail, trusts=("N113",))
@_until_settled
def trailer(text: str) -> str:
    """Remove the page's trailer after the article: credits, rights, disclaimers, bios.

    Why: below the article, pages print where the piece first ran (`Originally
    published at ...`, `First published in ...`), rights and trademark notices,
    citation lines (`... retrieved <date> from ...`, `More information: ...`,
    `Provided by <institution>`), reader-comment policies, a reporter's bio (`Jane
    Doe is a reporter for ...`), a `Contact the author` line, and in press
    releases an `About <Company>` section. Only the last lines of the body are
    read, from the end up to the first line of the article; a trailer line
    among them goes, and an `About ...` heading goes with the short section
    under it. Kept: the same words anywhere above the article's last sentence.
    """
    if not _may_hold_trailer(text):
        return text
    cut = _last_lines(text, TRAILER_SCAN + FOOTER_LINES)  # only the end of the text matters
    last = text[cut:]
    head = text[:cut] if text[:cut].strip() else None
    body = Body.of(last)
    filled = body.filled()
    drop: set[int] = set()
    seen = 0
    for k in range(len(filled) - 1, max(-1, len(filled) - 1 - TRAILER_SCAN), -1):
        i = filled[k]
        line = body.lines[i]
        if len(line) <= MAX_TRAILER_CHARS and is_trailer_line(line):
            drop.add(i)
            continue
        after = len(filled) - 1 - k
        if (
            _about_line(line)
            and 0 < after <= MAX_ABOUT_LINES
            and (head is not None or k * 2 >= len(filled))
        ):
            drop.update(range(i, body.end))
            continue
        if reads_as_sentence(line):
            seen += 1
            if seen >= TRAILER_SENTENCES:  # the article: stop a few sentences into it
                break
    if not drop:
        return text
    rest = body.without(drop)
    return rest if cut == 0 else text[:cut] + rest


# ---------------------------------------------------------------- prompts by shape

_CALL = re.compile(
    r"(?i)(?:get|download|install|subscribe|sign up|join|follow|learn more|get help|support"
    r"|donate|become|try|upgrade|register|log ?in|sign in|check out|tell us|send us|write to"
    r"|let us know|email us|contact us|share your|(?:have|got) (?:a|an|any) (?:news |story )?"
    r"(?:tip|idea|question|story)s?|now check your|click|tap|read our|listen to our"
    r"|watch our|visit our|discover|explore|don'?t miss|never miss|enjoy)\b"
)
_PROMOTED = re.compile(
    r"(?i)\b(?:apps?|newsletters?|inbox|alerts?|notifications?|podcasts?|subscri\w+|members?"
    r"|membership|premium|trial|offers?|feedback|tips?|story ideas?|comments?|editors?|sync"
    r"|account|e-?mail|whatsapp|telegram|facebook|twitter|instagram|youtube|tiktok"
    r"|google news|apple news|flipboard|rss|journalism|donations?)\b"
)
_READER = re.compile(r"(?i)\b(?:you|your|us|our|we)\b")
MAX_PROMPT_WORDS = 25


def is_prompt(line: str) -> bool:
    """`[Download our app](#)`, `Tell us what you think in the comments`, `Have a news tip?
    Email us`: a short call to the reader that promotes the site's own products."""
    stripped = line.strip(" \t")
    if not _prompt_candidate(stripped) or any(q in stripped for q in QUOTES):
        return False
    text = bare(stripped)
    if _FOLLOW.fullmatch(text) is not None:  # `## Follow GQ on Twitter`: a heading too
        return not _owned(stripped)
    if stripped[0] == "#" or _NUMBERED.match(stripped.lstrip("-*+• ")):
        return False  # a heading, a numbered step
    if words(text) > MAX_PROMPT_WORDS or _CALL.match(text) is None:
        return False
    if _PROMOTED.search(text) is None or _owned(stripped):
        return False
    return "](" in stripped or _READER.search(text) is not None


def _owned(line: str) -> bool:
    """N105, N106 and N114 remove these lines: they are theirs."""
    return is_newsletter_prompt(line) or is_promo_line(line) or is_furniture(line)


_NETWORK = (
    r"(?:twitter|x|facebook|instagram|tumblr|pinterest|linkedin|youtube|tiktok|threads"
    r"|mastodon|bluesky|snapchat|telegram|whatsapp|flipboard|google\+|weibo|rss)"
)
# `Follow us on Twitter`, `Follow GQ on Instagram and Pinterest`: a call with nothing but
# who and where. And the label over a row of network icons, `Follow us on...`, or the
# accounts alone: `Follow @gqfashion @gqpolitics`.
_FOLLOW = re.compile(
    rf"(?i)follow (?:us|@?[\w.&'’-]+(?: [\w.&'’-]+){{0,3}}) on {_NETWORK}"
    rf"(?:\s*(?:,|and|&|or)\s*{_NETWORK})*\s*[.!:…]*"
    r"|(?i:follow us(?: on)?)\s*[.!:…]*|(?i:follow)(?:\s+@\w[\w.]*)+"
)


_PROMPT_STARTS = frozenset(
    [
        "get", "download", "install", "subscribe", "sign", "join", "follow", "learn",
        "support", "donate", "become", "try", "upgrade", "register", "log", "login",
        "check", "tell", "send", "write", "let", "email", "contact", "share", "have", "got",
        "now", "click", "tap", "read", "listen", "watch", "visit", "discover", "explore",
        "don't", "dont", "never", "enjoy",
    ]
)  # fmt: skip
MAX_PROMPT_CHARS = 300
_PROMPT_FINDER = _opening_with(_PROMPT_STARTS, MAX_PROMPT_CHARS)
_drop_prompt = drop_if(is_prompt)


@_line_rule("N123", "reader-prompt")
def reader_prompt(text: str) -> str:
    """Remove short calls to the reader that promote the site: `[Download our app](#)`.

    Why: pages ask the reader to get their app, subscribe, follow them, send
    tips, comment or write to the editor, in words no phrase list can know.
    The shape is what they share: a short line (25 words at most) that opens
    with a call (get, download, join, follow, support, tell us, send us, have a
    tip?, ...), names what the site promotes (an app, a newsletter, alerts, a
    subscription, membership, feedback, tips, comments, an account) and is a
    link or speaks to the reader (you, your, us, our). Kept: quoted speech,
    headings, numbered steps, and any call that names nothing the site sells
    (`Get ready for the storm.`). The first test reads the first words of lines
    up to SHORT_LINE characters (a link by its text): a call of 121 to 300
    characters goes only on a page that has a shorter line opening as a call.
    """
    if short_lines(text).firsts.isdisjoint(_PROMPT_STARTS):
        return text
    return rewrite_lines(text, _PROMPT_FINDER, _drop_prompt)


def _prompt_candidate(line: str) -> bool:
    """Does the line open with a word a call to the reader opens with?"""
    if not line or len(line) > MAX_PROMPT_CHARS:
        return False
    return first_word(line) in _PROMPT_STARTS
