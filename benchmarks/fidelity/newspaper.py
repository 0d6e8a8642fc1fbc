"""A second page set: newspaper3k's test pages, laid out as the harness reads pages.

    python -m benchmarks.fidelity.newspaper --data NEWSPAPER/tests/data --out DIR
    python -m benchmarks.fidelity --pages DIR --work DIR-work

codelucas/newspaper keeps 150-odd news pages (`html/<site>N.html`) with the text
its extractor gave for each (`text/<site>N.txt`). That text was made by a
program, not marked by a person: it keeps some boilerplate (`Related article:`
links, `Topics:` lines, credits) and drops some subheadings. So the figures are
a check that the rules generalize to news pages nobody here tuned them on, not a
score to tune against: a `LOST` line there is often boilerplate the extractor
kept. Pages whose text has fewer than three paragraphs are left out.

Each page becomes a folder with `source.html`, `expected.html` (the text's
paragraphs) and `expected-metadata.json` (title and author from the page's
`og:title`/`<title>` and `author` meta tags, and `article:published_time`).
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path

MIN_PARAGRAPHS = 3


def _meta(root: object, *names: str) -> str | None:
    for name in names:
        for el in root.xpath(f'//meta[@property="{name}" or @name="{name}"]'):  # type: ignore[attr-defined]
            content = (el.get("content") or "").strip()
            if content:
                return str(content)
    return None


def convert(data: Path, out: Path) -> int:
    """Write one page folder per usable page of `data` into `out`; return how many."""
    import lxml.html

    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for page in sorted((data / "html").glob("*.html")):
        text_path = data / "text" / f"{page.stem}.txt"
        if not text_path.is_file():
            continue
        paragraphs = [
            p.strip() for p in text_path.read_text(encoding="utf-8", errors="replace").split("\n")
        ]
        paragraphs = [p for p in paragraphs if p]
        if len(paragraphs) < MIN_PARAGRAPHS:
            continue
        source = page.read_text(encoding="utf-8", errors="replace")
        try:
            root = lxml.html.fromstring(source.encode("utf-8"))
        except (ValueError, lxml.etree.ParserError):
            continue
        author = _meta(root, "author", "article:author")
        metadata = {
            "title": _meta(root, "og:title", "twitter:title")
            or (root.findtext(".//title") or "").strip(),
            "byline": None if author is None or author.startswith("http") else author,
            "publishedTime": _meta(root, "article:published_time"),
        }
        folder = out / page.stem.replace(".", "-")
        folder.mkdir(exist_ok=True)
        (folder / "source.html").write_text(source, encoding="utf-8")
        article = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        (folder / "expected.html").write_text(f"<div>{article}</div>", encoding="utf-8")
        (folder / "expected-metadata.json").write_text(
            json.dumps(metadata, ensure_ascii=False), encoding="utf-8"
        )
        written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="newspaper's tests/data")
    parser.add_argument("--out", type=Path, required=True, help="folder of page folders")
    args = parser.parse_args()
    print(f"{convert(args.data, args.out)} pages written to {args.out}")


if __name__ == "__main__":
    main()
