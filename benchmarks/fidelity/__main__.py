"""Fidelity harness: what the normalizer keeps and removes on real pages.

    python -m benchmarks.fidelity --pages DIR [--rules-tree TREE] [--before OLD_TREE]
        [--pages-table] [--lost] [--json OUT] [--survivors FILE] [--content FILE]
        [--write-labels]

See benchmarks/fidelity/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.fidelity.core import (
    BOILERPLATE,
    CONTENT,
    FOOTER,
    HEADER,
    UNSURE,
    Article,
    Figures,
    Label,
    dump_labels,
    label_document,
    line_hash,
    load_labels,
    lost_lines,
    score_document,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LABELS = HERE / "labels.tsv"
OVERRIDES = HERE / "overrides.tsv"


def load_normalizer(tree: str | None) -> tuple[Callable[[str], str], str]:
    """The normalizer exactly as `check` runs it, from `tree` (a checkout) or the path."""
    if tree:
        sys.path.insert(0, str(Path(tree).resolve()))
    import corpus_tool
    from corpus_tool.config import Config

    where = str(Path(corpus_tool.__file__).resolve().parent.parent)
    config = Config()
    try:
        from corpus_tool.pipeline import normalize_and_extract
    except ImportError:  # an older tree
        from corpus_tool.normalize import normalize

        return (lambda text: normalize(text).text), where
    return (lambda text: normalize_and_extract(text, config)[0].text), where


def _pct(tally: dict[str, Any]) -> str:
    return "-" if tally["pct"] is None else f"{tally['pct']:.1f}"


def _row(name: str, tally: dict[str, Any], width: int = 28) -> str:
    return f"{name:<{width}} {tally['hit']:>6}/{tally['total']:<6} {_pct(tally):>6}%"


def render(figures: dict[str, Any]) -> str:
    out = [
        f"pages: {figures['pages']}  encoding variants: {figures['variants']}  "
        f"unsure lines (not scored): {figures['unsure']}  normalize: {figures['seconds']:.2f} s",
        f"normalizer: {figures['tree']}",
        "",
        _row("content kept", figures["content_kept"]),
        _row("boilerplate removed", figures["boilerplate_removed"]),
    ]
    for cls, tally in figures["boilerplate_removed_by_class"].items():
        out.append(_row(f"  {cls}", tally))
    out += [
        _row("header/footer removed", figures["header_footer_removed"]),
        _row("encoding lines repaired", figures["encoding_repaired"]),
    ]
    return "\n".join(out)


def render_vs(before: dict[str, Any], after: dict[str, Any]) -> str:
    def rows(fig: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        out = [
            ("content kept", fig["content_kept"]),
            ("boilerplate removed", fig["boilerplate_removed"]),
        ]
        out += [(f"  {c}", t) for c, t in fig["boilerplate_removed_by_class"].items()]
        out += [
            ("header/footer removed", fig["header_footer_removed"]),
            ("encoding lines repaired", fig["encoding_repaired"]),
        ]
        return out

    b = dict(rows(before))
    lines = [
        f"before: {before['tree']}",
        f"after:  {after['tree']}",
        "",
        f"{'':<26} {'before':>16} {'after':>16}",
    ]
    for name, tally in rows(after):
        old = b.get(name, {"hit": 0, "total": 0, "pct": None})
        lines.append(
            f"{name:<26} {old['hit']:>6}/{old['total']:<5}{_pct(old):>5}% "
            f"{tally['hit']:>6}/{tally['total']:<5}{_pct(tally):>5}%"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.fidelity.compose import VARIANT_SUFFIX, compose_all

    pages = Path(args.pages)
    if not pages.is_dir():
        sys.exit(f"--pages {pages}: not a folder (see benchmarks/fidelity/README.md)")
    log = None if args.quiet else (lambda m: print(m, file=sys.stderr))
    composed = compose_all(pages, Path(args.work), log)
    overrides = load_labels(OVERRIDES.read_text(encoding="utf-8")) if OVERRIDES.is_file() else {}
    committed = load_labels(LABELS.read_text(encoding="utf-8")) if LABELS.is_file() else {}
    normalize, tree = load_normalizer(args.rules_tree)

    figures = Figures()
    rows: list[tuple[str, str, Label]] = []
    per_page: list[tuple[str, Figures]] = []
    lost: list[tuple[str, str, int, str]] = []
    survivors: list[str] = []
    content: list[str] = []
    stale = unsure = variants = 0
    seen: set[tuple[str, str]] = set()
    seconds = 0.0
    for doc in composed:
        article = Article(doc.article)
        page_over = {k: v for (p, k), v in overrides.items() if p == doc.page}
        labels = label_document(doc.page, doc.lines, article, doc.byline, page_over, doc.title)
        for i, (line, lab) in enumerate(zip(doc.lines, labels, strict=True)):
            if lab is None or line.role in ("header", "footer"):
                continue
            key = line_hash(doc.page, line.text)
            first = (doc.page, key) not in seen
            seen.add((doc.page, key))
            rows.append((doc.page, key, lab))
            old = committed.get((doc.page, key))
            if args.write_labels or not committed:
                continue
            if old is None or (first and (old.label, old.cls) != (lab.label, lab.cls)):
                stale += 1
            if old is not None:
                labels[i] = old
        unsure += sum(1 for lab in labels if lab is not None and lab.label == UNSURE)
        page_fig = Figures()
        docs = [(doc.page, doc.lines, False)]
        if doc.variant is not None:
            variants += 1
            docs.append((doc.page + VARIANT_SUFFIX, doc.variant, True))
        for name, lines, is_variant in docs:
            text = "\n".join(x.text for x in lines)
            start = time.perf_counter()
            out = normalize(text)
            seconds += time.perf_counter() - start
            scored = score_document(name, lines, labels, out)
            figures.add(scored, is_variant)
            page_fig.add(scored, is_variant)
            lost += lost_lines(scored, lines)
            if is_variant:
                continue
            for i, lab, survived, _rep in scored.verdicts:
                if lab.label == BOILERPLATE and survived:
                    survivors.append(f"{name}\t{i + 1}\t{lab.cls}\t{lines[i].text}")
                elif lab.label in (HEADER, FOOTER) and survived:
                    survivors.append(f"{name}\t{i + 1}\t{lab.label.lower()}\t{lines[i].text}")
                elif lab.label == CONTENT:
                    kept = "kept" if survived else "LOST"
                    content.append(f"{name}\t{i + 1}\t{kept}\t{lines[i].text}")
        per_page.append((doc.page, page_fig))

    if args.write_labels:
        LABELS.write_text(dump_labels(rows), encoding="utf-8")
        print(f"wrote {LABELS.relative_to(ROOT)} ({len(rows)} labelled lines)", file=sys.stderr)
    elif stale:
        print(
            f"note: {stale} labelled lines differ from labels.tsv or are missing there "
            "(the committed label wins; --write-labels regenerates it)",
            file=sys.stderr,
        )
    result: dict[str, Any] = {
        "pages": len(composed),
        "variants": variants,
        "unsure": unsure,
        "seconds": round(seconds, 3),
        "tree": tree,
        **figures.as_dict(),
        "per_page": {page: fig.as_dict() for page, fig in per_page},
    }
    if args.pages_table:
        print(f"{'page':<48} {'content':>11} {'boilerplate':>11} {'hdr/ftr':>9} {'enc':>7}")
        for page, fig in per_page:
            cells = [fig.content, fig.boilerplate, fig.header, fig.encoding]
            print(f"{page:<48} " + " ".join(f"{t.hit:>5}/{t.total:<5}" for t in cells))
        print()
    if args.lost:
        for what, name, number, text in lost:
            print(f"{what} {name}:{number}: {text}")
        print()
    if args.survivors:
        Path(args.survivors).write_text("\n".join(survivors) + "\n", encoding="utf-8")
    if args.content:
        Path(args.content).write_text("\n".join(content) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fidelity", description=__doc__)
    parser.add_argument("--pages", required=True, help="a readability test/test-pages folder")
    parser.add_argument("--work", default=str(ROOT / "bench-data" / "fidelity"))
    parser.add_argument("--rules-tree", help="score the normalizer of this checkout")
    parser.add_argument("--before", help="also score this (older) checkout: side by side")
    parser.add_argument("--pages-table", action="store_true", help="figures per page")
    parser.add_argument("--lost", action="store_true", help="print every lost content line")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument(
        "--survivors", help="write every surviving boilerplate, header and footer line here"
    )
    parser.add_argument("--content", help="write every content line (kept or LOST) here")
    parser.add_argument("--write-labels", action="store_true", help="regenerate labels.tsv")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.before:
        return _side_by_side(args)
    result = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if not args.quiet:
        print(render(result))
    return 0


def _side_by_side(args: argparse.Namespace) -> int:
    """Score `--before` and `--rules-tree` (default: this checkout) in fresh processes."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, tree in enumerate((args.before, args.rules_tree or str(ROOT))):
            out = Path(tmp) / f"{n}.json"
            cmd = [sys.executable, "-m", "benchmarks.fidelity", "--pages", args.pages]
            cmd += ["--work", args.work, "--rules-tree", tree, "--json", str(out), "--quiet"]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            if subprocess.run(cmd, cwd=ROOT, env=env).returncode != 0:
                return 1  # the run said why on stderr
            results.append(json.loads(out.read_text(encoding="utf-8")))
    print(render_vs(results[0], results[1]))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"before": results[0], "after": results[1]}, indent=1) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
