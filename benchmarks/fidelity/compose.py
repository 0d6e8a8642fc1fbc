"""Compose raw documents in the seeds' form from mozilla/readability's test pages.

Each page folder holds `source.html`, `expected.html` (the human-made article) and
`expected-metadata.json`. The main text is trafilatura's markdown output in a
recall-oriented mode (links, tables and the comment section kept), every link made
`[text](#)`; around it a header and a footer in one of the five seeds' styles, chosen
by the page's position in sorted order. A deterministic ~15% of pages also get an
encoding variant where a few content lines carry mojibake, HTML entities or tags.

Needs the `fidelity` extra (trafilatura, lxml_html_clean). Results are cached per page
under the work folder, keyed by the composer's version, trafilatura's version and the
page's bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.fidelity.core import CONTENT, Article, Line, label_text, loose

COMPOSER_VERSION = "2"
VARIANT_SUFFIX = "~enc"
TRAFILATURA_OPTIONS = {
    "output_format": "markdown",
    "include_links": True,
    "favor_recall": True,
    "include_tables": True,
    "include_images": False,
}

_LINK = re.compile(r"(!?)\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_BLOCK_TAGS = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
    "td", "th", "figcaption", "caption", "dt", "dd", "section", "article", "header",
    "footer", "ul", "ol", "table", "figure", "br", "hr",
}  # fmt: skip


@dataclass(slots=True)
class Composed:
    page: str
    title: str
    byline: str
    lines: list[Line]
    article: list[str]  # the expected article's blocks (raw text)
    variant: list[Line] | None  # the encoding variant, if this page has one

    def to_json(self) -> dict[str, Any]:
        def pack(lines: list[Line]) -> list[list[str | None]]:
            return [[x.text, x.role, x.clean] for x in lines]

        return {
            "page": self.page,
            "title": self.title,
            "byline": self.byline,
            "lines": pack(self.lines),
            "article": self.article,
            "variant": None if self.variant is None else pack(self.variant),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Composed:
        def unpack(rows: list[list[str | None]]) -> list[Line]:
            return [Line(str(t), str(r), c) for t, r, c in rows]

        variant = data.get("variant")
        return cls(
            data["page"],
            data["title"],
            data["byline"],
            unpack(data["lines"]),
            data["article"],
            None if variant is None else unpack(variant),
        )


def _seed(*parts: str) -> int:
    return int(hashlib.sha1("\n".join(parts).encode()).hexdigest()[:8], 16)


def _links(markdown: str) -> str:
    """Every link `[text](#)`; images and links with no text go."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) or not m.group(2).strip():
            return ""
        return f"[{m.group(2)}](#)"

    return _LINK.sub(one, markdown)


def _article_blocks(html: str) -> list[str]:
    import lxml.html

    root = lxml.html.fromstring(html or "<div></div>")
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.text is not None:
                el.text = "\n" + el.text
            else:
                el.text = "\n"
    return [b.strip() for b in root.text_content().split("\n") if b.strip()]


def _dates(page: str, published: str | None) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published or "")
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        s = _seed(page, "date")
        y, mo, d = 2015 + s % 9, 1 + (s >> 4) % 12, 1 + (s >> 8) % 28
    return (y, mo, d), (y, mo, min(d + 1, 28))


def _title(page: str, meta: dict[str, Any]) -> str:
    return " ".join(str(meta.get("title") or page.replace("-", " ").title()).split())


def _header_footer(style: int, page: str, meta: dict[str, Any]) -> tuple[list[str], list[str], str]:
    """Header lines, footer lines and the body's line separator for one of the five
    seeds' styles (0, 2: markdown title, linked byline, long date; 1: bare byline only;
    3: title, bare byline, M/D/YYYY date and `Updated:`; 4: title line, dense body)."""
    title = _title(page, meta)
    byline = " ".join(str(meta.get("byline") or "").split())
    url = meta.get("url") or f"https://news.example.org/{page}/"
    (y, mo, d), (y2, mo2, d2) = _dates(page, meta.get("publishedTime"))
    long_date = f"{_MONTHS[mo - 1]} {d}, {y}"
    footer = ["", "Original url:", "", f"<{url}>"]
    if style in (0, 2):
        head = ["", "", f"# {title}", ""]
        if byline:
            head += [f"By [{byline}](#)", ""]
        head += [long_date, "", "", ""]
        return head, footer, "\n\n"
    if style == 1:
        return ([f"By {byline}", ""] if byline else []), footer, "\n\n"
    if style == 3:
        head = [title, ""] + ([byline] if byline else [])
        head += [f"{mo}/{d}/{y}", "Updated:", f"{mo2}/{d2}/{y2}", ""]
        return head, footer, "\n\n"
    return [title], footer, "\n"


def _body_lines(markdown: str, sep: str) -> list[str]:
    lines = [ln.rstrip() for ln in markdown.split("\n")]
    if sep == "\n":
        return [ln for ln in lines if ln.strip()]
    return lines


# ------------------------------------------------------------------ encoding variant


def _mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252, bytes it leaves undefined kept as C1 controls."""
    out = []
    for b in text.encode("utf-8"):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


_ENTITY_FOR = {"&": "&amp;", "\u2019": "&#8217;", '"': "&quot;", "'": "&#39;", "\u201c": "&ldquo;"}


def _entities(text: str, s: int) -> str:
    for ch, ent in _ENTITY_FOR.items():
        if ch in text:
            return text.replace(ch, ent)
    words = text.split(" ")
    if len(words) < 3:
        return text
    k = 1 + s % (len(words) - 1)
    return " ".join(words[:k]) + "&nbsp;" + " ".join(words[k:])


def _tags(text: str, s: int) -> str:
    form = s % 3
    if form == 0:
        return f"<p>{text}</p>"
    if form == 1:
        return f"{text}<br>"
    words = text.split(" ")
    k = s % len(words)
    words[k] = f"<span>{words[k]}</span>"
    return " ".join(words)


def corrupt(text: str, s: int) -> str:
    """One corrupted form of a content line: mojibake where the line has non-ASCII
    letters or punctuation (and the seed says so), else HTML entities or tags."""
    kind = s % 3
    if kind == 0 and not text.isascii():
        return _mojibake(text)
    if kind in (0, 1):
        return _entities(text, s >> 3)
    return _tags(text, s >> 3)


def has_variant(position: int) -> bool:
    """3 pages in 20 (15%), by position in sorted order."""
    return position % 20 in (3, 10, 17)


def encoding_variant(page: str, lines: list[Line], article: Article) -> list[Line] | None:
    """The document with 3-5 content lines corrupted (lines with no markdown marks, so
    that the clean line is the whole line), or None when it has no such lines."""
    eligible = [
        i
        for i, ln in enumerate(lines)
        if ln.role == "body"
        and len(ln.text.split()) >= 4
        and ln.text == ln.text.strip()
        and not re.match(r"(?:[#>|+-]|\d+[.)])", ln.text)
        and not any(mark in ln.text for mark in ("[", "](", "*", "_", "`", "<", "&", "\\"))
        and label_text(loose(ln.text), article) == CONTENT
    ]
    if not eligible:
        return None
    eligible.sort(key=lambda i: _seed(page, "pick", str(i)))
    picked = sorted(eligible[: 3 + _seed(page, "count") % 3])
    out = [Line(ln.text, ln.role, ln.clean) for ln in lines]
    for i in picked:
        bad = corrupt(lines[i].text, _seed(page, "corrupt", str(i)))
        if bad != lines[i].text:
            out[i] = Line(bad, "body", lines[i].text)
    return out


# ------------------------------------------------------------------ composing


def page_dirs(pages: Path) -> list[Path]:
    return sorted(p for p in pages.iterdir() if (p / "source.html").is_file())


def cache_key(folder: Path, position: int) -> str:
    import trafilatura

    h = hashlib.sha1(f"{COMPOSER_VERSION}\n{trafilatura.__version__}\n{position}\n".encode())
    for name in ("source.html", "expected.html", "expected-metadata.json"):
        path = folder / name
        h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()


def compose_page(folder: Path, position: int) -> Composed:
    import trafilatura

    page = folder.name
    source = (folder / "source.html").read_text(encoding="utf-8", errors="replace")
    expected_path = folder / "expected.html"
    expected = (
        expected_path.read_text(encoding="utf-8", errors="replace")
        if expected_path.is_file()
        else ""
    )
    meta_path = folder / "expected-metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    full = trafilatura.extract(source, include_comments=True, **TRAFILATURA_OPTIONS) or ""
    main = trafilatura.extract(source, include_comments=False, **TRAFILATURA_OPTIONS) or ""
    comments = full[len(main) :] if full.startswith(main) else ""
    head, foot, sep = _header_footer(position % 5, page, meta)
    lines = [Line(x, "header") for x in head]
    lines += [Line(x) for x in _body_lines(_links(main), sep)]
    if comments.strip():
        lines += [Line(x, "comments") for x in _body_lines(_links(comments), sep)]
    while lines and lines[-1].role != "header" and not lines[-1].text.strip():
        lines.pop()
    lines += [Line(x, "footer") for x in foot]
    blocks = _article_blocks(expected)
    article = Article(blocks)
    return Composed(
        page,
        _title(page, meta),
        str(meta.get("byline") or ""),
        lines,
        blocks,
        encoding_variant(page, lines, article) if has_variant(position) else None,
    )


def compose_all(pages: Path, work: Path, log: Any = None) -> list[Composed]:
    """Every page composed, from the cache where its key matches."""
    docs = work / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    out = []
    for n, folder in enumerate(page_dirs(pages)):
        key = cache_key(folder, n)
        path = docs / f"{folder.name}.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") == key:
                out.append(Composed.from_json(data))
                continue
        composed = compose_page(folder, n)
        path.write_text(json.dumps({"key": key, **composed.to_json()}), encoding="utf-8")
        (docs / f"{folder.name}.txt").write_text(text_of(composed.lines), encoding="utf-8")
        if composed.variant is not None:
            (docs / f"{folder.name}{VARIANT_SUFFIX}.txt").write_text(
                text_of(composed.variant), encoding="utf-8"
            )
        if log is not None:
            log(f"composed {folder.name}")
        out.append(composed)
    return out


def text_of(lines: list[Line]) -> str:
    return "\n".join(x.text for x in lines)
