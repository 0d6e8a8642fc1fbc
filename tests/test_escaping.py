"""Corpus text never injects: hostile strings are rendered, then the output is
parsed back (YAML, Markdown, GitHub workflow commands) and must hold exactly
the structure the renderer meant, with the strings shown as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from corpus_tool.escape import md_code, md_text, one_line
from corpus_tool.findings import Finding, Report, Severity
from corpus_tool.package import diff_records, render_diff, verify_release
from corpus_tool.render.github import render_github
from corpus_tool.render.text import render_text
from tests.test_package_release import CONFIG, build, make_record

HOSTILE = [
    "pipe | in | cells",
    "new\nline",
    "carriage\rreturn",
    "crlf\r\n# heading after crlf",
    "line\u2028separator\u2029paragraph\x85nel",
    "<script>alert(1)</script>",
    "<!-- comment -->",
    "&lt;entity&gt; &amp; <b>bold</b>",
    "`code` and ``double``",
    "---",
    "***",
    "# heading",
    "## second",
    "[link](https://evil.example) ![img](x.png)",
    "]closing[",
    "nul\x00byte and esc\x1b[31mred",
    "1. ordered",
    "> quote",
    "- item",
    "+ plus",
    "=== setext",
    "    indented code",
    "*emphasis* _under_ ~~strike~~",
    "back\\slash\\",
    "\u202eevil bidi",
    "key: value",
    "'single' \"double\"",
    "%25 percent, comma: colon",
    "::error::injected",
]
# What an inline token may hold: text, code spans, and the renderers' own bold.
PLAIN_CHILDREN = {"text", "text_special", "code_inline", "strong_open", "strong_close"}


def markdown(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)


def plain(inline: Token) -> str:
    """The text a reader sees in an inline token; fails on any markup in it."""
    kinds = {c.type for c in inline.children or []}
    assert kinds <= PLAIN_CHILDREN, f"markup in {inline.content!r}: {kinds}"
    return "".join(c.content for c in inline.children or [] if not c.type.startswith("strong"))


def shown(value: str) -> str:
    """How a hostile string reads once escaped: on one line, controls as U+FFFD."""
    return one_line(value).strip()


def assert_no_markup(tokens: list[Token]) -> None:
    kinds = {t.type for t in tokens}
    assert not kinds & {"html_block", "html_inline", "hr", "blockquote_open", "code_block"}
    assert not kinds & {"bullet_list_open", "ordered_list_open"}
    for t in tokens:
        if t.type == "inline":
            for child in t.children or []:
                assert child.type not in {"link_open", "image", "html_inline", "em_open"}


def headings(tokens: list[Token]) -> list[str]:
    return [plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Each table as rows of cell texts."""
    out: list[list[list[str]]] = []
    for i, t in enumerate(tokens):
        if t.type == "table_open":
            out.append([])
        elif t.type == "tr_open":
            out[-1].append([])
        elif t.type in ("th_open", "td_open"):
            out[-1][-1].append(plain(tokens[i + 1]))
    return out


# -- the escaping functions ---------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_shows_hostile_text_as_written(value: str) -> None:
    tokens = markdown(md_text(value) + "\n")
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert plain(tokens[1]) == shown(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_in_a_table_cell_adds_no_column(value: str) -> None:
    text = f"| a | b |\n|---|---|\n| {md_text(value)} | {md_code(value)} |\n"
    ((header, row),) = tables(markdown(text))
    assert header == ["a", "b"] and row == [shown(value), shown(value)]


# -- the dataset card: YAML header and body -------------------------------------------


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = [
        make_record(i, source=value, title=value, authors=[value], url=value)
        for i, value in enumerate(HOSTILE)
    ]
    config = CONFIG.model_copy(
        update={
            "pretty_name": "Pretty\n---\nname: injected\n# <b>x</b> | y",
            "license": "other\n---\nlicense: mit",
            "description": "First <script>x</script> | para.\n\n## Injected heading\n---",
            "shard_rows": 100,
        }
    )
    out = tmp_path_factory.mktemp("dist")
    return build(out, records=records, config=config).path


def card_parts(release: Path) -> tuple[str, str]:
    text = (release / "README.md").read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---\n(.*)", text, re.DOTALL)
    assert m is not None
    return m.group(1), m.group(2)


def test_card_yaml_header_holds_hostile_values_exactly(hostile_release: Path) -> None:
    header, _ = card_parts(hostile_release)
    assert "---" not in header.splitlines()  # nothing can close the block early
    data = yaml.safe_load(header)
    assert data["pretty_name"] == "Pretty\n---\nname: injected\n# <b>x</b> | y"
    assert data["license"] == "other\n---\nlicense: mit"
    assert set(data) == {
        "language",
        "license",
        "size_categories",
        "pretty_name",
        "configs",
        "dataset_info",
    }
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(hostile_release / "README.md")
    assert card.data.pretty_name == data["pretty_name"]
    assert card.data.license == data["license"]


def test_card_body_has_no_injected_structure(hostile_release: Path) -> None:
    _, body = card_parts(hostile_release)
    tokens = markdown(body)
    assert_no_markup(tokens)
    assert headings(tokens) == [
        shown("Pretty\n---\nname: injected\n# <b>x</b> | y"),
        "Fields",
        "Contents",
        "Normalization",
        "Duplicates",
        "Limitations",
        "Usage",
        "Citation",
    ]
    fields, sources, months, rules = tables(tokens)
    for table, width in ((fields, 3), (sources, 2), (months, 2), (rules, 3)):
        assert {len(row) for row in table} == {width}
    assert {row[0] for row in sources[1:]} == {shown(v) for v in HOSTILE}
    paragraphs = [plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert "First <script>x</script> | para." in paragraphs
    assert "## Injected heading ---" in paragraphs  # one paragraph, no heading, no rule


def test_hostile_release_still_verifies(hostile_release: Path) -> None:
    assert verify_release(hostile_release) == []


# -- the changelog and `diff --format markdown` ---------------------------------------

IDS = [f"id-{i} {v}" for i, v in enumerate(HOSTILE)]


def test_changelog_has_no_injected_structure(hostile_release: Path, tmp_path: Path) -> None:
    """Hostile ids reach CHANGELOG.md through the release diff of the next build."""
    out = tmp_path / "dist"
    import shutil

    shutil.copytree(hostile_release, out / hostile_release.name)
    records = [make_record(i, id=doc_id) for i, doc_id in enumerate(IDS)]
    new = build(out, records=records, version="2.0.0", previous=out / hostile_release.name)
    tokens = markdown((new.path / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert_no_markup(tokens)
    assert headings(tokens) == [
        "Changelog",
        "news 2.0.0",
        f"Added ({len(IDS)})",
        f"Removed ({len(HOSTILE)})",
    ]
    paragraphs = [plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert ", ".join(shown(i) for i in IDS) in paragraphs


def test_diff_markdown_lists_hostile_ids_as_written() -> None:
    old = [{"id": i, "text_sha256": "a" * 64, "title": "t"} for i in IDS[:10]]
    new = [{**r, "title": "changed"} for r in old[:5]] + [
        {"id": i, "text_sha256": "b" * 64} for i in IDS[10:]
    ]
    text = render_diff(diff_records(old, new), "markdown")
    tokens = markdown(text)
    assert_no_markup(tokens)
    assert headings(tokens) == [
        f"Added ({len(IDS) - 10})",
        "Removed (5)",
        "Metadata changed (5)",
    ]
    paragraphs = [plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert ", ".join(f"{shown(i)} (title)" for i in IDS[:5]) in paragraphs


def test_diff_text_keeps_one_line_per_category() -> None:
    text = render_diff(diff_records([], [{"id": i, "text_sha256": "a"} for i in IDS]), "text")
    lines = text.splitlines()
    assert len(lines) == 3 and lines[1].startswith("added: ")
    assert "\x1b" not in text and "\x00" not in text


# -- findings: text and github renderers ----------------------------------------------


def hostile_report() -> Report:
    return Report(
        findings=[
            Finding(
                code="E001",
                severity=Severity.ERROR,
                message=f"bad `{value}`",
                path=f"corpus/{value}.txt",
                line=3,
                column=2,
                doc_id=value,
                hint=value,
                slug="invalid-utf8",
            )
            for value in HOSTILE
        ],
        documents=len(HOSTILE),
    )


def test_text_renderer_escapes_control_characters() -> None:
    text = render_text(hostile_report())
    assert "\x1b" not in text and "\x00" not in text and "\r" not in text
    assert not re.search("[\u2028\u2029\x85\u202e]", text)
    findings = [line for line in text.splitlines() if " error " in line]
    assert len(findings) == len(HOSTILE)  # one line each: nothing faked another finding


_COMMAND_RE = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


_CODES = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def _unescape(value: str) -> str:
    return re.sub("%25|%0D|%0A|%3A|%2C", lambda m: _CODES[m.group()], value)


def test_github_commands_parse_back_to_the_findings() -> None:
    report = hostile_report()
    lines = render_github(report).split("\n")
    assert lines[-1] == "" and lines[-2].startswith("corpus-tool: ")
    # GitHub shows ten annotations of a type: the other findings are plain log lines,
    # each one line that cannot start a command, then a notice that counts them.
    assert lines[-3].startswith("::notice title=corpus-tool::19 more findings were")
    commands, logged = lines[:10], lines[10:-3]
    assert len(commands) + len(logged) == len(report.findings)
    for line, finding in zip(logged, report.findings[10:], strict=True):
        assert line.startswith("corpus-tool: corpus/") and f" error {finding.code} " in line
        assert "\x1b" not in line and "\x00" not in line and "\r" not in line
        assert not re.search("[\u2028\u2029\x85]", line)
    for line, finding in zip(commands, report.findings[:10], strict=True):
        m = _COMMAND_RE.match(line)
        assert m is not None, line
        props: dict[str, Any] = dict(p.split("=", 1) for p in m.group(2).split(","))
        assert set(props) == {"file", "line", "col", "title"}
        assert _unescape(props["file"]) == finding.path
        assert props["line"] == "3" and props["col"] == "2"
        assert _unescape(m.group(3)) == f"{finding.message} (hint: {finding.hint})"
