"""`corpus-tool rule CODE`: one code explained, with an example.

What the code means, why it matters, its severity, how to fix or silence it,
and an example:

- a normalizer rule (N1xx): its smallest golden case (the text before and
  after, as a diff), where the source tree is at hand
  (`tests/golden/rules/<code>-<slug>/`); otherwise its docstring's example;
- a check: its smallest golden case (`tests/golden/checks/`) where there is
  one, else the small corpus declared in `EXAMPLES`, checked for real, so the
  finding shown is the one the tool reports today.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from corpus_tool.escape import terminal
from corpus_tool.registry import CHECKS, FAMILIES, FIX_HINT, RULES, Check, Rule, load_all

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden"
EXAMPLE_LINES = 14  # lines of an example document shown

# Why a family's findings matter, in one sentence.
WHY = {
    "E": "A file the tool cannot read as UTF-8 text is left out of the release, or read"
    " in a way its author did not mean.",
    "M": "Metadata that breaks the schema is dropped from the record; a missing field"
    " makes the dataset card and downstream filters less useful.",
    "N": "Debris that survives normalization ends up in the training text.",
    "D": "Duplicates weigh some texts more than others in training and leak between"
    " splits; `build` keeps the first of each cluster and drops the rest.",
    "L": "A wrong `language` sends a document to the wrong subset or model.",
    "P": "Personal data and secrets must not be published in a dataset; N126 can redact them.",
}


@dataclass(frozen=True)
class Example:
    """A tiny corpus that shows a code: file name -> content; `config` adds
    lines to [tool.corpus-tool]."""

    files: dict[str, str | bytes]
    config: str = ""
    note: str = ""
    links: dict[str, str] = field(default_factory=dict)  # symlink name -> target (relative)


def _article(title: str = "Rain in the valley", body: str = "") -> str:
    body = body or (
        "The council met on Tuesday to discuss the new bridge over the river. "
        "Farmers asked for a delay until the harvest is in."
    )
    return f"# {title}\n\nBy Jane Doe\n\nMarch 3, 2024\n\n{body}\n"


_SIDE = {"source": "Valley News", "url": "https://example.org/rain"}
_PAPER = (
    "The regional council approved the budget for the new railway station on Monday,"
    " after a long debate about the cost of the bridge and the school."
)

EXAMPLES: dict[str, Example] = {
    "E001": Example({"a.txt": b"The caf\xe9 opened on Monday.\n"}),
    "E002": Example({"a.txt": "\n   \n"}),
    "E003": Example({"a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}),
    "E004": Example({"a.txt": "\ufeff" + _article()}),
    "E005": Example({"a.txt": _article().replace("\n", "\r\n")}),
    "E006": Example({"a.txt": _article()}, config="max_file_bytes = 64"),
    "E007": Example(
        {},
        note="A file the tool may not open (permissions) or a folder it cannot list:\n"
        "    corpus/a.txt:-: error E007 cannot read: Permission denied",
    ),
    "E008": Example({"a.txt": _article(), "a.meta.json": '{"source": "Valley News",}'}),
    "E009": Example({"a.jsonl.gz": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffnot gzip"}),
    "E010": Example({"a.txt": _article(), "b.meta.json": json.dumps(_SIDE)}),
    "E011": Example({"a.txt": _article(), "notes.csv": "id,source\na,Valley News\n"}),
    "E012": Example({"notes.md": "Nothing to read here.\n"}),
    "E013": Example({"a.txt": _article()}, links={"b.txt": "../outside.txt"}),
    "E014": Example(
        {},
        note="A named pipe made with `mkfifo corpus/feed.txt`:\n"
        "    corpus/feed.txt:-: warning E014 a FIFO, not a regular file: not read",
    ),
    "E015": Example({"a.txt": _article(), "dist/manifest.json": "{}\n"}),
    "M001": Example({"a.txt": _article(), "a.meta.json": '{"authors": "Jane Doe"}'}),
    "M002": Example({"a.txt": _article(), "a.meta.json": '{"publisher": "Valley News"}'}),
    "M003": Example({"a.txt": _article(), "a.meta.json": '{"published": "2024-02-30"}'}),
    "M004": Example({"a.txt": _article(), "a.meta.json": '{"url": "example.org/rain"}'}),
    "M005": Example({"a.txt": _article(), "a.meta.json": '{"id": "b"}'}),
    "M006": Example({"a.jsonl": json.dumps({"text": _article()}) + "\n"}),
    "M007": Example({"a.txt": "The council met on Tuesday to discuss the bridge.\n"}),
    "M008": Example({"a.jsonl": json.dumps({"id": "a b/c", "text": _article()}) + "\n"}),
    "M009": Example(
        {"a.jsonl": "".join(json.dumps({"id": "a", "text": _article(t)}) + "\n" for t in "XY")}
    ),
    "M010": Example(
        {"a.txt": _article(), "a.meta.json": '{"title": "Sun in the valley"}'},
    ),
    "M011": Example({"a.txt": _article(), "a.meta.json": '{"language": "english"}'}),
    "N201": Example({"a.txt": _article(body=_PAPER + " Read [the plan](https://example.org/p).")}),
    "N202": Example({"a.txt": _article(body=_PAPER + "\n\nSign up for our daily briefing")}),
    "N203": Example({"a.txt": _article(body='The council met <span class="x>today</span>.')}),
    "N204": Example({"a.txt": _article(body=_PAPER + " The caf\ufffd opened.")}),
    "D001": Example({"a.txt": _article(), "b.txt": _article()}),
    "D002": Example(
        {
            "a.txt": _article(body=_PAPER + " " + _PAPER),
            "b.txt": _article(body=_PAPER + " " + _PAPER.replace("Monday", "Tuesday")),
        }
    ),
    "D003": Example(
        {
            "a.txt": _article(),
            "a.meta.json": json.dumps(_SIDE),
            "b.txt": _article(body=_PAPER),
            "b.meta.json": json.dumps(_SIDE),
        }
    ),
}


@dataclass
class Explained:
    code: str
    text: str


class UnknownCode(LookupError):
    """No such code; `near` holds the closest known codes."""

    def __init__(self, code: str, near: list[str]) -> None:
        super().__init__(code)
        self.code, self.near = code, near


def _golden_rule(rule: Rule) -> str | None:
    folder = GOLDEN / "rules" / f"{rule.code}-{rule.slug}"
    cases = sorted(folder.glob("*.in.txt"), key=lambda p: (p.stat().st_size, p.name))
    for case in cases:
        out = case.with_name(case.name.replace(".in.txt", ".out.txt"))
        if not out.is_file():
            continue
        before = case.read_text(encoding="utf-8")
        after = out.read_text(encoding="utf-8")
        if before == after:
            continue  # a case that shows what the rule keeps
        diff = difflib.unified_diff(
            before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=2
        )
        shown = [terminal(line) for line in diff]
        name = f"tests/golden/rules/{folder.name}/{case.name.removesuffix('.in.txt')}"
        return f"Example ({name}):\n" + "\n".join(f"    {line}" for line in shown[:40])
    return None


def _golden_check(check: Check) -> str | None:
    folder = GOLDEN / "checks" / f"{check.code}-{check.slug}"
    cases = sorted(folder.glob("*.txt"), key=lambda p: (p.stat().st_size, p.name))
    for case in cases:
        found = case.with_suffix(".findings")
        if not found.is_file() or not found.read_text(encoding="utf-8").strip():
            continue
        lines = case.read_text(encoding="utf-8").splitlines()
        name = f"tests/golden/checks/{folder.name}/{case.stem}"
        out = [f"Example ({name}):", *_numbered(lines), "  reports:"]
        out += [f"    {terminal(line)}" for line in found.read_text(encoding="utf-8").splitlines()]
        return "\n".join(out)
    return None


def _numbered(lines: list[str]) -> list[str]:
    shown = [f"    {i:>3} | {terminal(line)}" for i, line in enumerate(lines[:EXAMPLE_LINES], 1)]
    if len(lines) > EXAMPLE_LINES:
        shown.append(f"        ... {len(lines) - EXAMPLE_LINES:,} more lines")
    return shown


def run_example(code: str, example: Example) -> tuple[list[str], list[str]]:
    """Check the example corpus for real: (its files as shown, the findings of `code`)."""
    from corpus_tool.config import parse_config
    from corpus_tool.engines import run

    shown: list[str] = []
    with tempfile.TemporaryDirectory(prefix="corpus-tool-rule-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        (root / "outside.txt").write_text(_article(), encoding="utf-8")
        for name, content in example.files.items():
            path = corpus / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            path.write_bytes(data)
            shown.append(f"  corpus/{name}:")
            if isinstance(content, str):
                shown += _numbered(content.splitlines())
            else:
                shown.append(f"    (bytes) {terminal(repr(content))}")
        for name, target in example.links.items():
            os.symlink(target, corpus / name)
            shown.append(f"  corpus/{name} -> {target} (a symlink)")
        extra = {"ignore": ["M007"]} if code != "M007" else {}
        section = {"name": "example", "language": "en", **extra}
        if example.config:
            import tomllib

            section.update(tomllib.loads(example.config))
        config = parse_config(section, source="example", root=root)
        result = run([corpus], config, jobs=1, cwd=root)
    found = [
        terminal(f"{f.path}:{f.line or '-'}: {f.severity.value} {f.code} {f.message}")
        for f in result.report.findings
        if f.code == code
    ]
    return shown, found


def _declared(check: Check) -> str | None:
    example = EXAMPLES.get(check.code)
    if example is None:
        return None
    if not example.files:
        return f"Example: {example.note}"
    shown, found = run_example(check.code, example)
    out = ["Example:", *shown, "  reports:"]
    out += [f"    {line}" for line in found] or ["    (nothing on this machine)"]
    return "\n".join(out)


def _body(doc: str | None) -> str:
    """A docstring past its first line, as one paragraph (the "why" of a code)."""
    lines = (doc or "").strip().splitlines()[1:]
    body = " ".join(line.strip() for line in lines if line.strip())
    return body.removeprefix("Why:").lstrip()  # the rules' docstrings say "Why:" themselves


def _about_rule(rule: Rule) -> list[str]:
    rest = _body(rule.doc)
    default = "on by default" if rule.default else "off unless selected by its code"
    return [
        f"{rule.code} {rule.slug} ({FAMILIES['N']}: a normalizer rule, {default})",
        "",
        f"What: {rule.summary}",
        f"Why: {rest or WHY['N']}",
        "Severity: fix (applied by normalization; it changes the record's text, it is"
        " not a finding)",
        f"Fix: {FIX_HINT}",
    ]


def _about_check(check: Check) -> list[str]:
    rest = _body(check.func.__doc__ if check.func else None)
    status = " (retired: never reported)" if check.removed else ""
    return [
        f"{check.code} {check.slug} ({check.family}){status}",
        "",
        f"What: {check.summary}",
        f"Why: {rest or WHY.get(check.code[0], '')}".rstrip(),
        f"Severity: {check.severity.value} by default (change it under"
        " [tool.corpus-tool.severity])",
        f"Fix: {check.hint}",
        f'Silence: `ignore = ["{check.code}"]` in [tool.corpus-tool], `--ignore'
        f' {check.code}`, per_file_ignores, or `"ignore": ["{check.code}"]` in a'
        " document's sidecar or shard record.",
    ]


def explain(code: str) -> str:
    """The explanation of `code`; UnknownCode (with the closest codes) if there is none."""
    load_all()
    code = code.strip().upper()
    rule, check = RULES.get(code), CHECKS.get(code)
    if rule is None and check is None:
        from corpus_tool.config import close_codes

        raise UnknownCode(code, close_codes(code))
    if rule is not None:
        lines = _about_rule(rule)
        example = _golden_rule(rule) or f"Example: {rule.summary}"
    else:
        assert check is not None
        lines = _about_check(check)
        example = _golden_check(check) or _declared(check) or "Example: none declared."
    return "\n".join([*lines, "", example]) + "\n"
