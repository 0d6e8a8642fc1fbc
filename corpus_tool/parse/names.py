"""Names of people and agencies: bylines (`By A, B and C`), bare name lines, glued names.

A byline is a label and a list of names:

- the label: `By`, `Written by`, `Words by`, `Story by`, `Reporting by`,
  `Reported by`, `Posted by`; in other languages `Von` (de), `Par` (fr),
  `Por` (es, pt), `Di`/`Da` (it), `Door` (nl), `Av` (sv, no), `Przez` (pl);
  or a field name and a colon: `Author:`, `Autor:`, `Auteur :`, `Автор:`,
  `Text:`, `Texto:`, `Tekst:` (any of them may take a colon);
- the names: each link (`[Jane Doe](#)`) is one name, so names run together
  as links (`[A B](#)[C D](#)`) come apart; unlinked text is split at `,`,
  `&`, `|`, `;`, `/` and `and` (or `und`, `et`, `y`, `e`, `en`, `och`, `og`,
  `i`, `и`), and a name glued to the next one (`Robyn DixonFrancesca Ebel`)
  is cut at the capital.

Each name has name shape: 1-6 words, each capitalized (particles such as
`de`, `van` inside), letters only. So a sentence (`By contrast, ...`, `By
Tuesday, the army had left`) is not a byline, nor is a lone weekday, month or
common word (`By Tuesday`, `By Design`). After the short labels of other
languages, which are also words or start surnames (`Di Maria`, `Da Silva`,
`Par Excellence`), an unlinked name that is no agency has two words or more.
A role after a name (`By A | Reporter`, `By A, Senior Correspondent`) is not
a name and is left out; a desk alone (`By Staff`, `By Moscow Times Reporter`)
is the author.
"""

from __future__ import annotations

import re

from corpus_tool.parse.agencies import BYLINE as AGENCIES
from corpus_tool.parse.lines import MAX_META_LEN, MAX_NAME_LEN, MD_LINK, unlink

_BYLINE = re.compile(
    r"(?P<label>by|von|par|por|di|da|door|av|przez"
    r"|(?:written|words|story|reporting|reported|posted)[ \t]+by"
    r"|authors?|autor|auteur|autore|автор|text|texto|tekst)"
    r"(?:[ \t]*:[ \t]*|[ \t]+)(?P<names>\S.*)",
    re.IGNORECASE,
)
# Labels that are words only with a colon after them (`Text: A`, not `Text A`).
_COLON_LABELS = frozenset(
    {"author", "authors", "autor", "auteur", "autore", "автор", "text", "texto", "tekst"}
)
# Labels that are also common words or start surnames (`Von Trier`, `Di Maria`, `Par
# Excellence`): after them an unlinked name has two words or more.
_SHORT_LABELS = frozenset({"von", "par", "por", "di", "da", "door", "av", "przez"})
# The first three characters, lowercased, of every line `_BYLINE` can match: a
# line that starts otherwise is no byline, and the parser skips the regex.
HEADS = frozenset({
    "by ", "by:", "by\t", "di ", "di:", "di\t", "da ", "da:", "da\t", "av ", "av:", "av\t",
    "von", "par", "por", "doo", "prz", "wri", "wor", "sto", "rep", "pos", "aut", "авт", "tex",
    "tek",
})  # fmt: skip

_BY_HEADS = ("by ", "by:", "by\t")
# A conjunction separates names only between two (`A and B`; not `A, and`).
_NAME_SEP = re.compile(r"\s*(?:[,&|;/]|(?<=\s)(?:and|AND|und|et|y|e|en|och|og|i|и)\s)\s*")
_PARTICLES = frozenset({
    "de", "da", "del", "der", "den", "di", "du", "dos", "la", "le", "van", "von", "al", "bin",
    "ibn", "ben", "y",
})  # fmt: skip
_NAME_CHARS = frozenset("'’.-")
_WORD_THEN_CAPITAL = re.compile(r"(\S+)\s+(\S)")

# One capitalized word after `By` that is no name: `By Tuesday`, `By Design`.
_NOT_NAMES = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "today", "tonight", "tomorrow", "yesterday", "now",
    "then", "contrast", "comparison", "default", "design", "hand", "far", "night", "day",
    "noon", "midnight", "morning", "evening", "afternoon", "chance", "accident", "definition",
    "law", "nature", "request", "invitation", "appointment", "email", "mail", "phone",
})  # fmt: skip

# A part that is one of these, after modifiers only (`Senior Correspondent`), is a
# role, not a name, when it follows a name. A desk named for its outlet (`Moscow
# Times Reporter`) is no role: it is the author where it stands.
_ROLES = frozenset({
    "reporter", "reporters", "correspondent", "correspondents", "editor", "editors", "writer",
    "writers", "columnist", "contributor", "contributors", "producer", "photographer",
    "journalist", "analyst", "critic", "reviewer", "intern", "researcher", "anchor", "host",
    "presenter", "blogger", "commentator", "bureau", "desk", "staff",
    "korrespondent", "korrespondentin", "redakteur", "redakteurin", "journalistin",
    "correspondant", "correspondante", "journaliste", "rédacteur", "rédactrice", "periodista",
    "corresponsal", "redactor", "redactora", "giornalista", "corrispondente", "redattore",
    "redacteur", "verslaggever", "dziennikarz", "dziennikarka", "redaktor", "корреспондент",
    "журналист", "редактор", "обозреватель",
})  # fmt: skip
_ROLE_MODIFIERS = frozenset({
    "senior", "chief", "staff", "special", "foreign", "political", "business", "science",
    "health", "technology", "tech", "sports", "sport", "economics", "investigative",
    "contributing", "associate", "assistant", "managing", "deputy", "executive", "national",
    "international", "diplomatic", "defense", "defence", "security", "legal", "education",
    "environment", "climate", "culture", "arts", "travel", "fashion", "film", "music",
    "opinion", "news", "digital", "data", "freelance", "guest", "regional", "local", "metro",
    "general", "white", "house", "court", "city", "world", "features", "photo", "video",
})  # fmt: skip


def _is_name(part: str, max_tokens: int) -> bool:
    """`Robyn Dixon`, `Anna McDonald`, `Moscow Times Reporter`, `AFP`: a person or agency."""
    if part in AGENCIES:
        return True
    tokens = part.split()
    if not 1 <= len(tokens) <= max_tokens:
        return False
    for i, tok in enumerate(tokens):
        if not all(c.isalpha() or c in _NAME_CHARS for c in tok):
            return False
        if not tok[0].isupper() and not (0 < i < len(tokens) - 1 and tok.lower() in _PARTICLES):
            return False
    return True


def _is_role(part: str) -> bool:
    """`Reporter`, `Senior Correspondent`, `Staff Writer`: what the named person does."""
    *modifiers, last = part.lower().split()
    return last in _ROLES and all(m in _ROLE_MODIFIERS for m in modifiers)


def _capitalized_pair_at(names: str, i: int) -> bool:
    """Does `names[i:]` start with a Capitalized word followed by another capitalized one?"""
    m = _WORD_THEN_CAPITAL.match(names, i)
    if m is None or not m[2].isupper():
        return False
    word = m[1]
    return word[0].isupper() and all(c.islower() or c in "'’-" for c in word[1:])


def split_glued(names: str) -> list[str]:
    """`Robyn DixonFrancesca Ebel` -> two names; `Anna McDonald` stays one.

    A new name starts where a lowercase letter is directly followed by a
    Capitalized word (one capital, then lowercase) and another capitalized
    word: `...nFrancesca Ebel`, but not `...cDonald` (no word after it) nor
    `...cDonaldJohn` (not Capitalized).
    """
    out, start = [], 0
    for i in range(1, len(names)):
        if names[i].isupper() and names[i - 1].islower() and _capitalized_pair_at(names, i):
            out.append(names[start:i].strip())
            start = i
    out.append(names[start:].strip())
    return [n for n in out if n]


def _parts(names: str) -> list[tuple[str, bool]]:
    """The name parts of a byline's names, each with whether it was a link's text:
    a link is one part whatever its neighbours (`[A B](#)[C D](#)`: two)."""
    if "](" not in names:
        return [(p, False) for p in _NAME_SEP.split(names)]
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in MD_LINK.finditer(names):
        out.extend((p, False) for p in _NAME_SEP.split(names[pos : m.start()]))
        out.append((m[1], True))
        pos = m.end()
    out.extend((p, False) for p in _NAME_SEP.split(names[pos:]))
    return out


def parse_byline(line: str) -> list[str] | None:
    """`By [A](#), B and C` -> [A, B, C]; None if the line is not a byline."""
    if len(line) > MAX_META_LEN:
        return None
    m = _BYLINE.fullmatch(line)
    if m is None:
        return None
    label = m["label"].lower()
    if label in _COLON_LABELS and ":" not in line[m.end("label") : m.start("names")]:
        return None
    strict = label in _SHORT_LABELS
    names: list[str] = []
    roles: list[str] = []
    for part, linked in _parts(m["names"].strip(" *_")):
        part = part.strip(" *_")
        if not part:
            continue
        if not _is_name(part, 6):
            return None
        if linked:
            names.append(part)
            continue
        if part in AGENCIES and not _is_role(part):
            names.append(part)
            continue
        for name in split_glued(part):
            if _is_role(name):
                roles.append(name)  # `By A, Senior Correspondent`: kept only if alone
            elif " " not in name and (strict or name.lower() in _NOT_NAMES):
                return None  # `By Tuesday`; `Di Maria`: a surname, not `Di` + a name
            else:
                names.append(name)
    if not names:
        names = roles  # `By Staff Writer`, `By Moscow Times Reporter`: the desk is the author
    return names or None


def is_byline_head(line: str) -> bool:
    """Could `line` be a byline by how it starts? A cheap test, True for every byline
    (the header parser inlines it)."""
    return line[:3].lower() in HEADS


def is_bare_name(line: str) -> bool:
    """`Adam Morrow`: 2-4 capitalized words (or a known agency) alone on a line;
    not `By Tuesday`, which `By` makes a byline or nothing."""
    if len(line) > MAX_NAME_LEN or line[:3].lower() in _BY_HEADS:
        return False
    line = unlink(line).strip(" *_")
    return line in AGENCIES or (len(line.split()) >= 2 and _is_name(line, 4))


def bare_names(line: str) -> list[str]:
    """The names on a bare name line (`is_bare_name`): one per link, glued names apart."""
    parts = [p.strip(" *_") for p, _ in _parts(line.strip(" *_"))] if "](" in line else [line]
    names: list[str] = []
    for part in parts:
        part = part.strip(" *_")
        if part:
            names.extend([part] if part in AGENCIES else split_glued(part))
    return names
