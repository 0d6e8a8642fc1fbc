"""The HTML report (`corpus-tool report`, `check --format html`, a release's report.html),
and the release's own pages: the dataset card and Croissant.

The end-to-end test opens the page in headless Chromium (Debian's `chromium`):
no console message, the expected counts, a duplicate pair side by side, and an
injected `<script>` that did not run. Its screenshot is kept in
`test-artifacts/report.png` (git ignores it; CI uploads it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, Corpus, article, invoke
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus_tool.config import load_config
from corpus_tool.engines import run
from corpus_tool.package.files import REPORT
from corpus_tool.package.identity import OUTSIDE, release_view, view
from corpus_tool.package.manifest import read_manifest
from corpus_tool.package.verify import verify_release
from corpus_tool.render.report import gather, render_html
from corpus_tool.render.report.diffview import side_by_side
from tests.test_normalize_pathological import BOUND_S

PWN = "<script>document.documentElement.setAttribute('data-pwned','1')</script>"
HOSTILE_TITLE = f"Breaking {PWN} </div></section> {{{{ 7*7 }}}} news"
ARTIFACTS = ROOT / "test-artifacts"


def hostile_corpus(corpus: Corpus) -> None:
    """Findings, a near-duplicate pair, an exact pair and hostile strings."""
    for n in range(4):
        corpus.write(f"doc{n:02d}.txt", article(n))
    near = article(1).replace("the report.", "the news agency.", 2)
    corpus.write("doc11.txt", near)  # near duplicate of doc01
    corpus.write("doc12.txt", article(2))  # exact duplicate of doc02
    hostile_line = f"See [here](https://x.y/z) {HOSTILE_TITLE}\n"
    corpus.write("hostile.txt", article(7, title=HOSTILE_TITLE) + "\n" + hostile_line)
    corpus.sidecar("hostile", {"source": f"{PWN} Agency {{{{ x }}}}", "published": "2024-02-30"})
    corpus.write("notes.docx", b"binary")  # E011


@pytest.fixture
def page(corpus: Corpus) -> str:
    hostile_corpus(corpus)
    result = invoke("report", "--out", "report.html", "--quiet")
    assert result.exit_code == 1, result.stderr  # M003 is an error
    return (corpus.root / "report.html").read_text(encoding="utf-8")


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "data"):
                self.links.append((tag, name, value or ""))


def test_report_is_self_contained_and_small(page: str) -> None:
    parser = _Attributes()
    parser.feed(page)
    external = [link for link in parser.links if not link[2].startswith(("#", "data:"))]
    assert external == []
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert parser.tags.count("script") == 1  # the page's own, named by hash in the CSP
    assert "Content-Security-Policy" in page
    assert parser.tags.count("svg") >= 5  # codes, similarity, sources, months, lengths, rules
    assert len(page.encode("utf-8")) < 400_000


def test_corpus_text_is_escaped(page: str) -> None:
    assert PWN not in page and "data-pwned','1')</script>" not in page
    assert "&lt;script&gt;document.documentElement" in page
    assert "{{ 7*7 }}" in page and ">49<" not in page
    assert "&lt;/div&gt;&lt;/section&gt;" in page


def test_report_shows_counts_quotes_and_pairs(corpus: Corpus) -> None:
    hostile_corpus(corpus)
    config = load_config()
    result = run([corpus.dir], config, jobs=1)
    data = gather(result, config)
    html = render_html(data)
    counts = result.report.counts()
    assert counts["error"] >= 1 and counts["warning"] >= 2
    for key in ("error", "warning", "info"):
        assert f'<dd id="n-{key}">{counts[key]:,}</dd>' in html
    assert f'<dd id="n-documents">{result.report.documents}</dd>' in html
    assert result.report.dropped_duplicates == 2
    kinds = {p.kind for p in data.pairs}
    assert kinds == {"near", "exact"}
    near = next(p for p in data.pairs if p.kind == "near")
    assert near.kept.doc_id == "doc01" and near.dropped.doc_id == "doc11"
    marked = [t for t, m in (near.right or []) if m]
    assert any("news agency" in t for t in marked)
    quoted = {s.finding.code: s.quote for s in data.shown if s.quote}
    assert quoted["N201"] is not None and "[here](https://x.y/z)" in quoted["N201"].span
    assert data.tally is not None and data.tally.sum() >= 1  # the candidate pairs
    assert data.profile is not None and data.profile.records == 7


def test_side_by_side_marks_only_what_differs() -> None:
    left, right = side_by_side("one two three four", "one two 3 four five")
    assert [t for t, m in left if m] == ["three"]
    assert [t.strip() for t, m in right if m] == ["3", "five"]
    assert "".join(t for t, _ in left) == "one two three four"


def test_side_by_side_marks_one_word_in_a_long_text() -> None:
    paragraphs = [f"Paragraph {n} says something about item {n}." for n in range(3000)]
    edited = list(paragraphs)
    edited[1700] = "Paragraph 1700 says nothing about item 1700."
    left, right = side_by_side("\n\n".join(paragraphs), "\r\n".join(edited))
    assert [t for t, m in left if m] == ["something"]
    assert [t for t, m in right if m] == ["nothing"]


def test_side_by_side_gives_line_breaks_and_blank_lines_no_mark() -> None:
    left, right = side_by_side("One two.\n\nThree four.\n", "One two.\r\nThree four.")
    assert not [t for t, m in left + right if m]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c d", " ", "\n", "\n\n", "\r\n", "é"]), max_size=40),
    st.lists(st.sampled_from(["a", "b", "c d", " ", "\n", "\n\n", "\r\n", "é"]), max_size=40),
)
@example(list("aaaaa a\na"), list("aaaaa\na a"))  # the same words, line breaks moved
def test_side_by_side_keeps_both_texts_whole(left: list[str], right: list[str]) -> None:
    a, b = "".join(left), "".join(right)
    out_a, out_b = side_by_side(a, b)
    assert "".join(t for t, _ in out_a) == a and "".join(t for t, _ in out_b) == b
    assert all(t.strip() for t, marked in out_a + out_b if marked)
    if a.split() == b.split():
        assert not [t for t, m in out_a + out_b if m]


# Near duplicates as a hostile corpus could plant them: every line edited in words few
# and repeated (difflib's worst case), lines differing in spaces alone, one long line.
_HOSTILE_PAIRS = {
    "repetitive-lines-edited": (
        "\n".join("x " * 1000 + f"L{i}" for i in range(2000)),
        "\n".join("x y " * 500 + f"R{i}" for i in range(2000)),
    ),
    "spaces-only": (
        "\n".join("a  b " * 1000 for _ in range(2000)),
        "\n".join("a b " * 1000 for _ in range(2000)),
    ),
    "one-long-line": ("word " * 1_000_000, "word " * 999_999 + "other "),
    "one-line-repeated": ("line\n" * 200_000, "line\n" * 199_999 + "x\n"),
}


@pytest.mark.parametrize("name", list(_HOSTILE_PAIRS))
def test_side_by_side_is_bounded_on_hostile_pairs(name: str) -> None:
    """Whole texts back, within the CPU-time guard of the pathological-input tests (an
    unbounded comparison takes about a minute on the first two)."""
    left, right = _HOSTILE_PAIRS[name]
    start = time.process_time()
    out_a, out_b = side_by_side(left, right)
    assert time.process_time() - start < BOUND_S
    assert "".join(t for t, _ in out_a) == left and "".join(t for t, _ in out_b) == right


def test_check_format_html_is_the_report(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    result = invoke("check", "--format", "html")
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "The CI gate passes: exit code 0" in result.stdout
    invoke("report", "--out", "r.html", "--quiet")
    assert (corpus.root / "r.html").read_text(encoding="utf-8") == result.stdout


def test_report_since_a_release(corpus: Corpus) -> None:
    for n in range(3):
        corpus.write(f"doc{n}.txt", article(n))
    assert invoke("build", "--version", "1.0.0", "--quiet").exit_code == 0
    (corpus.dir / "doc0.txt").unlink()
    corpus.write("doc1.txt", article(1).replace("said the report", "said the paper"))
    corpus.write("doc9.txt", article(9))
    result = invoke("report", "--since", "dist/demo-1.0.0", "--out", "since.html", "--quiet")
    assert result.exit_code == 0, result.stderr
    html = (corpus.root / "since.html").read_text(encoding="utf-8")
    assert "Changes since demo-1.0.0" in html
    for key, n in (("added", 1), ("removed", 1), ("edited", 1)):
        assert f'<dd id="n-{key}">{n}</dd>' in html
    assert "<code>doc9</code>" in html and "<code>doc0</code>" in html


def test_report_of_a_release(corpus: Corpus) -> None:
    for n in range(3):
        corpus.write(f"doc{n}.txt", article(n))
    corpus.write("doc5.txt", article(1))
    assert invoke("build", "--version", "1.0.0", "--quiet").exit_code == 0
    result = invoke("report", "dist/demo-1.0.0", "--out", "rel.html", "--quiet")
    assert result.exit_code == 0, result.stderr
    html = (corpus.root / "rel.html").read_text(encoding="utf-8")
    assert "demo 1.0.0" in html and '<dd id="n-kept">3</dd>' in html
    assert "<code>doc5</code>" in html  # the dropped duplicate, from the manifest


def test_build_writes_the_report_outside_the_identity(corpus: Corpus) -> None:
    for n in range(3):
        corpus.write(f"doc{n}.txt", article(n))
    corpus.write("doc5.txt", article(1))
    first = invoke("build", "--version", "1.0.0", "--out", "a", "--quiet")
    second = invoke("build", "--version", "1.0.0", "--out", "b", "--quiet")
    assert first.exit_code == second.exit_code == 0
    a, b = corpus.root / "a/demo-1.0.0", corpus.root / "b/demo-1.0.0"
    manifest = read_manifest(a)
    listed = {f["path"]: f for f in manifest["files"]}
    assert REPORT in listed and listed[REPORT]["bytes"] == (a / REPORT).stat().st_size
    assert REPORT in OUTSIDE
    assert REPORT not in {f["path"] for f in view(manifest, manifest["files"])["files"]}
    assert manifest["identity"] == read_manifest(b)["identity"]
    assert release_view(a, manifest) == release_view(b, read_manifest(b))
    assert verify_release(a) == []
    (a / REPORT).write_text("<p>changed</p>", encoding="utf-8")  # checked by its sha256
    problems = verify_release(a)
    assert problems and {p.path for p in problems} == {REPORT}
    again = invoke("build", "--version", "1.0.0", "--out", "b")
    assert again.exit_code == 0 and "up to date" in again.stderr


def test_card_and_croissant_take_the_configuration(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlcroissant as mlc
    from huggingface_hub import DatasetCard

    corpus.configure(
        'license = "other"\nlicense_name = "demo-terms"\nlicense_link = "https://example.org/terms"\n'
        'homepage = "https://example.org/demo"\ntask_categories = ["text-generation"]\n'
        'tags = ["news"]\ncitation = "Doe, J. (2024). The demo corpus."\n'
    )
    for n in range(3):
        corpus.write(f"doc{n}.txt", article(n))
    corpus.write("doc5.txt", article(1))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert invoke("build", "--version", "1.0.0", "--quiet").exit_code == 0
    release = corpus.root / "dist/demo-1.0.0"
    card = DatasetCard.load(release / "README.md")
    assert card.data.license_name == "demo-terms"
    assert card.data.license_link == "https://example.org/terms"
    assert card.data.task_categories == ["text-generation"] and card.data.tags == ["news"]
    assert "## Limitations" in card.text and "1 duplicate document removed" in card.text
    assert "Doe, J. (2024). The demo corpus." in card.text
    meta = json.loads((release / "croissant.json").read_text(encoding="utf-8"))
    assert meta["url"] == "https://example.org/demo"
    assert meta["datePublished"] == "2023-11-14T22:13:20Z"
    assert meta["citeAs"] == "Doe, J. (2024). The demo corpus."
    urls = [d.get("contentUrl") for d in meta["distribution"]]
    assert any(u and u.endswith(".parquet") for u in urls)
    assert any(u and u.endswith(".jsonl.gz") for u in urls)
    monkeypatch.chdir(release)
    dataset = mlc.Dataset(jsonld=release / "croissant.json")
    assert not dataset.metadata.issues.warnings, dataset.metadata.issues.report()
    assert not dataset.metadata.issues.errors
    assert verify_release(release) == []


# ------------------------------------------------------------------------ headless Chromium

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str:
    """The Chromium to test with: installed, else installed now where that needs no
    prompt (root with apt-get), else the test is skipped and says why."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
            subprocess.run(args, env=env, capture_output=True, timeout=900, check=False)
        found = shutil.which("chromium")
        if found:
            return found
    pytest.skip(
        "headless Chromium is not installed and cannot be installed here without a"
        " prompt: `apt-get install chromium` (Debian) runs this test"
    )


def _chromium(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_in_headless_chromium(corpus: Corpus, tmp_path: Path) -> None:
    browser = _browser()
    hostile_corpus(corpus)
    assert invoke("report", "--out", "report.html", "--quiet").exit_code == 1
    config = load_config()
    counts = run([corpus.dir], config, jobs=1).report.counts()
    url = (corpus.root / "report.html").as_uri()
    shown = _chromium(browser, "--dump-dom", url)
    assert shown.returncode == 0, shown.stderr[-2000:]
    console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []  # no error, no CSP violation, no message at all
    dom = shown.stdout
    assert 'data-ready="1"' in dom  # the page's own script ran to its end
    assert "data-pwned" not in dom.split("<body", 1)[0]  # the injected script did not
    assert "data-pwned=" not in dom
    for key in ("error", "warning", "info"):
        assert re.search(rf'<dd id="n-{key}">{counts[key]:,}</dd>', dom), key
    assert '<dd id="n-dropped">2</dd>' in dom
    sides = re.findall(r'<div class="side (kept|dropped)">', dom)
    assert sides[:2] == ["kept", "dropped"]
    assert "<mark>" in dom.split('<div class="sbs">', 1)[1]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = tmp_path / "report.png"
    taken = _chromium(browser, "--window-size=1280,3000", f"--screenshot={shot}", url)
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
    shutil.copy(shot, ARTIFACTS / "report.png")


def test_card_citation_cannot_close_its_fence(corpus: Corpus) -> None:
    from markdown_it import MarkdownIt

    corpus.configure('citation = "Doe ``` x\\n# Not a heading\\n<b>bold</b>"\n')
    corpus.write("a.txt", article(1))
    assert invoke("build", "--version", "1.0.0", "--quiet").exit_code == 0
    body = (corpus.root / "dist/demo-1.0.0/README.md").read_text(encoding="utf-8")
    tokens = MarkdownIt().parse(body.split("\n---\n", 1)[1])
    fences = [t for t in tokens if t.type == "fence"]
    assert fences[-1].content == "Doe ``` x\n# Not a heading\n<b>bold</b>\n"
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Not a heading" not in headings and headings[-1] == "Citation"
