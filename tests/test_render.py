"""The three `--format`s, parsed back: JSON into its structure, GitHub output into its
workflow commands, text into its groups and finding lines. Each must hold every finding
of the report, in order, with its code, severity, place and message, and the summary."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from typing import Any

import pytest

from corpus_tool.findings import Finding, Report, Severity
from corpus_tool.render import RENDERERS
from tests.conftest import Corpus, article, invoke

FIELDS = {f.name for f in dataclasses.fields(Finding)}
LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _corpus_with_every_kind_of_finding(corpus: Corpus) -> None:
    corpus.write("bad.txt", b"ok\n\xff\n")  # E001 with a line and a column
    corpus.write("empty.txt", b"")  # E002
    corpus.write("crlf.txt", article(1).replace("\n", "\r\n"))  # E005 (info)
    # N204 (N116 repairs `cafÃ©`; a replacement character stays), M007
    corpus.write("moji.txt", article(2).replace("The ", "The caf\ufffd ", 1))
    corpus.write("copy.txt", article(2).replace("The ", "The caf\ufffd ", 1))  # D001 on moji
    corpus.write("notes.csv", "a,b\n")  # E011, no line
    rows = [{"id": "row-1", "text": article(3)}, {"id": "bad id!", "text": article(4)}]
    corpus.write("shard.jsonl", "".join(json.dumps(r) + "\n" for r in rows))  # M008 on line 2


def _library_report(findings: list[Finding], documents: int) -> Report:
    return Report(findings=findings, documents=documents, kept=documents, dropped_duplicates=1)


# A report the CLI does not produce from files: a finding without a path, one that stands
# for unlisted others, hints with a colon and a comma, a message with a line break.
SYNTHETIC = _library_report(
    [
        Finding("D003", Severity.WARNING, "same URL", None, None, None, "x", slug="dup-url"),
        Finding(
            "E001",
            Severity.ERROR,
            "two\nlines: a, b",
            "c/a, b.txt",
            3,
            7,
            "a",
            hint="fix: this, now",
            slug="invalid-utf8",
        ),
        Finding("E001", Severity.ERROR, "5 more", "c/a, b.txt", slug="invalid-utf8", suppressed=5),
        Finding("M007", Severity.INFO, "missing", "c/z.txt", 1, None, "other-id", hint="h"),
    ],
    documents=3,
)


@pytest.fixture
def outputs(corpus: Corpus) -> dict[str, str]:
    _corpus_with_every_kind_of_finding(corpus)
    out = {}
    for fmt in RENDERERS:
        result = invoke("check", "--format", fmt)
        assert result.exit_code == 1, result.stderr
        out[fmt] = result.stdout
    return out


def _findings(report_json: dict[str, Any]) -> list[dict[str, Any]]:
    return report_json["findings"]


# -- json -----------------------------------------------------------------------------


def _assert_json_structure(data: dict[str, Any]) -> None:
    assert set(data) == {"version", "summary", "findings", "clusters"} and data["version"] == 1
    summary, findings = data["summary"], data["findings"]
    dropped = [d for c in data["clusters"] for d in c["dropped"]]
    assert not dropped or len(dropped) == summary["dropped_duplicates"]  # a run's clusters
    for c in data["clusters"]:
        assert set(c) == {"kept", "path", "line", "keep_rule", "dropped"}
        assert all(set(d) == {"id", "kind", "similarity", "path", "line"} for d in c["dropped"])
    assert set(summary) == {"documents", "kept", "dropped_duplicates", "error", "warning", "info"}
    for f in findings:
        assert set(f) == FIELDS, f
        assert f["severity"] in {s.value for s in Severity}
        assert re.fullmatch(r"[EMND]\d{3}", f["code"]), f
        assert isinstance(f["related"], list) and isinstance(f["suppressed"], int)
        assert f["line"] is None or f["line"] >= 1
    tally: Counter[str] = Counter()
    for f in findings:
        tally[f["severity"]] += f["suppressed"] or 1
    assert {s: summary[s] for s in ("error", "warning", "info")} == {
        s: tally[s] for s in ("error", "warning", "info")
    }


def test_json_parses_to_the_report_structure(outputs: dict[str, str]) -> None:
    data = json.loads(outputs["json"])
    _assert_json_structure(data)
    assert data["summary"]["documents"] == 7
    assert data["summary"]["dropped_duplicates"] == 1
    assert data["summary"] == {
        "documents": 7,
        "kept": 3,
        "dropped_duplicates": 1,
        "error": 3,
        "warning": 14,
        "info": 1,
    }
    found = [(f["code"], f["path"], f["line"], f["column"], f["doc_id"]) for f in _findings(data)]
    m007 = [("M007", "corpus/" + name, line, None, doc) for name, line, doc in (
        ("copy.txt", 1, "copy"), ("crlf.txt", 1, "crlf"), ("moji.txt", 1, "moji"),
        ("shard.jsonl", 1, "row-1"), ("shard.jsonl", 2, None),
    ) for _field in ("source", "url")]  # fmt: skip
    assert found == [
        ("E001", "corpus/bad.txt", 2, 1, "bad"),
        *m007[0:2],
        ("N204", "corpus/copy.txt", 7, None, "copy"),
        ("E005", "corpus/crlf.txt", 1, None, "crlf"),
        *m007[2:4],
        ("E002", "corpus/empty.txt", 1, None, "empty"),
        ("D001", "corpus/moji.txt", 1, None, "moji"),
        *m007[4:6],
        ("N204", "corpus/moji.txt", 7, None, "moji"),
        ("E011", "corpus/notes.csv", None, None, None),
        *m007[6:10],
        ("M008", "corpus/shard.jsonl", 2, 2, None),
    ]
    (dup,) = [f for f in _findings(data) if f["code"] == "D001"]
    assert dup["related"] == ["copy"]


def test_json_of_a_report_round_trips() -> None:
    data = json.loads(RENDERERS["json"](SYNTHETIC))
    _assert_json_structure(data)
    back = [Finding(**{**f, "severity": Severity(f["severity"])}) for f in data["findings"]]
    assert back == SYNTHETIC.findings


# -- github ---------------------------------------------------------------------------

COMMAND = re.compile(r"::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)")
SUMMARY = re.compile(
    r"corpus-tool: ([\d,]+) documents, ([\d,]+) errors, ([\d,]+) warnings, ([\d,]+) info"
)
LOG_LINE = re.compile(
    r"corpus-tool: (?P<where>.*): (?P<severity>error|warning|info)"
    r" (?P<code>[A-Z]\d{3}) (?P<message>.*)"
)
LEFT_OUT = re.compile(
    r"::notice title=corpus-tool::([\d,]+) more findings? (?:was|were) not annotated .*"
)
UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
ORDER = {"error": 0, "warning": 1, "info": 2}


def _unescape(value: str) -> str:
    return re.sub("%25|%0D|%0A|%3A|%2C", lambda m: UNESCAPE[m.group()], value)


def _parse_github(
    out: str,
) -> tuple[list[dict[str, str]], list[dict[str, str]], int, tuple[int, ...]]:
    """(the commands, each as its level, properties and message; the findings left out
    as log lines; how many the closing notice says were left out; the summary's counts)."""
    assert out.endswith("\n")
    *lines, last = out[:-1].split("\n")
    summary = SUMMARY.fullmatch(last)
    assert summary, last
    left_out = 0
    if lines and (m := LEFT_OUT.fullmatch(lines[-1])):
        left_out = int(m[1].replace(",", ""))
        lines.pop()
    parsed, logged = [], []
    for line in lines:
        if logged or not line.startswith("::"):
            m = LOG_LINE.fullmatch(line)
            assert m, line
            logged.append(m.groupdict())
            continue
        m = COMMAND.fullmatch(line)
        assert m, line
        props = [p.split("=", 1) for p in m["props"].split(",")]
        assert all(len(p) == 2 for p in props), line
        names = [k for k, _ in props]
        assert names == [k for k in ("file", "line", "col", "title") if k in names], line
        parsed.append(
            {"level": m["level"], **{k: _unescape(v) for k, v in props}}
            | {"message": _unescape(m["message"])}
        )
    counts = tuple(int(n.replace(",", "")) for n in summary.groups())
    return parsed, logged, left_out, counts


def _expected_command(f: dict[str, Any]) -> dict[str, str]:
    out = {"level": LEVEL[f["severity"]]}
    if f["path"]:
        out["file"] = f["path"]
    if f["line"]:
        out["line"] = str(f["line"])
    if f["column"]:
        out["col"] = str(f["column"])
    out["title"] = f"{f['code']} {f['slug']}".strip()
    out["message"] = f["message"] + (f" (hint: {f['hint']})" if f["hint"] else "")
    return out


def _assert_github_matches(out: str, data: dict[str, Any], limit: int = 10) -> None:
    """Errors first, then warnings, then notices, at most `limit` annotations of each
    (one place kept for the closing notice when some are left out); every other finding
    a log line, counted by the closing notice; the summary last."""
    commands, logged, left_out, counts = _parse_github(out)
    ordered = sorted(_findings(data), key=lambda f: ORDER[f["severity"]])
    over = any(
        sum(f["severity"] == sev for f in ordered) > limit for sev in ("error", "warning", "info")
    )
    annotated, rest = [], []
    for sev in ("error", "warning", "info"):
        group = [f for f in ordered if f["severity"] == sev]
        room = limit - 1 if over and sev == "info" else limit
        annotated += group[:room]
        rest += group[room:]
    assert commands == [_expected_command(f) for f in annotated]
    assert [(g["code"], g["severity"]) for g in logged] == [
        (f["code"], f["severity"]) for f in rest
    ]
    assert left_out == sum(f["suppressed"] or 1 for f in rest)
    assert len(commands) + len(logged) == len(_findings(data))  # every finding is there
    levels = Counter(c["level"] for c in commands)
    assert all(n <= limit for n in levels.values())
    assert levels["notice"] + (1 if rest else 0) <= limit  # the closing notice fits too
    s = data["summary"]
    assert counts == (s["documents"], s["error"], s["warning"], s["info"])


def test_github_commands_parse_back_to_every_finding(outputs: dict[str, str]) -> None:
    data = json.loads(outputs["json"])
    assert data["summary"]["warning"] > 10  # so some are left out of the annotations
    _assert_github_matches(outputs["github"], data)


def test_github_escapes_what_would_end_a_command() -> None:
    out = RENDERERS["github"](SYNTHETIC)
    assert out.count("\n") == len(SYNTHETIC.findings) + 1  # the break in a message is escaped
    _assert_github_matches(out, json.loads(RENDERERS["json"](SYNTHETIC)))


def _many(errors: int, warnings: int, infos: int) -> Report:
    findings = []
    for sev, n in ((Severity.INFO, infos), (Severity.WARNING, warnings), (Severity.ERROR, errors)):
        findings += [
            Finding("E005", sev, f"{sev.value} {i}", f"c/{sev.value}-{i:03d}.txt", i + 1, slug="s")
            for i in range(n)
        ]
    return Report(findings=findings, documents=len(findings))


@pytest.mark.parametrize(
    ("errors", "warnings", "infos"),
    [(0, 0, 0), (10, 10, 10), (11, 0, 0), (0, 25, 3), (3, 3, 30), (40, 40, 40), (0, 0, 10)],
)
def test_github_annotations_at_most_ten_of_each_type_errors_first(
    errors: int, warnings: int, infos: int
) -> None:
    report = _many(errors, warnings, infos)
    out = RENDERERS["github"](report)
    _assert_github_matches(out, json.loads(RENDERERS["json"](report)))
    lines = out.splitlines()
    levels = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    # errors come before any warning, warnings before any notice (the closing one included)
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)
    left = max(errors - 10, 0) + max(warnings - 10, 0)
    over = left > 0 or infos > 10
    left += max(infos - (9 if over else 10), 0)
    if left:
        assert f"::notice title=corpus-tool::{left:,} more finding" in lines[-2]
        assert "this step's log" in lines[-2]
        assert levels.count("::notice") <= 10
    else:
        assert not any("not annotated" in line for line in lines)


def test_github_says_where_the_full_report_is() -> None:
    out = RENDERERS["github"](_many(12, 0, 0), where="see the job summary")
    assert out.splitlines()[-2].endswith(
        "(GitHub shows 10 of each type per step): see the job summary"
    )


# -- text -----------------------------------------------------------------------------

FINDING_LINE = re.compile(
    r"  (?P<where>[ \d:-]{7})  (?P<severity>error|warning|info) *"
    r" (?P<code>[EMND]\d{3}) (?P<rest>.*)"
)
HINT_LINE = re.compile(r" {18} hint: (?P<hint>.*)")
TEXT_SUMMARY = re.compile(
    r"(\d+) documents checked: (\d+) errors, (\d+) warnings, (\d+) info"
    r"(?:; (\d+) duplicates would be dropped)?"
)


def _parse_text(out: str) -> tuple[list[dict[str, Any]], tuple[int, ...]]:
    """Groups: a file line, its finding lines (hint lines after some), a blank line;
    then the summary line. Returns one dict per finding line, with its group's file."""
    assert out.endswith("\n")
    *lines, last = out[:-1].split("\n")
    summary = TEXT_SUMMARY.fullmatch(last)
    assert summary, last
    parsed: list[dict[str, Any]] = []
    path = None
    for line in lines:
        if path is None:
            assert line and not line.startswith(" "), line
            path = line
        elif line == "":
            path = None
        elif m := HINT_LINE.fullmatch(line):
            assert parsed and parsed[-1]["path"] == path and "hint" not in parsed[-1], line
            parsed[-1]["hint"] = m["hint"]
        else:
            m = FINDING_LINE.fullmatch(line)
            assert m, line
            parsed.append({"path": path, **m.groupdict()})
    assert path is None, "the last group ends with a blank line"
    return parsed, tuple(int(n or 0) for n in summary.groups())


def _assert_text_matches(out: str, data: dict[str, Any]) -> None:
    parsed, counts = _parse_text(out)
    findings = _findings(data)
    assert len(parsed) == len(findings)
    hinted: set[tuple[str, str]] = set()
    for got, f in zip(parsed, findings, strict=True):
        path = f["path"] or "(corpus)"
        where = f"{f['line'] or '-'}:{f['column']}" if f["column"] else f"{f['line'] or '-'}"
        shown_id = f" [{f['doc_id']}]" if f["doc_id"] and f["doc_id"] not in path else ""
        assert got["path"] == path.replace("\n", "\\n")
        assert (got["where"].strip(), got["severity"], got["code"]) == (
            where,
            f["severity"],
            f["code"],
        )
        assert got["rest"] == (f["message"] + shown_id).replace("\n", "\\n")
        wants_hint = f["hint"] and f["severity"] != "info" and (path, f["code"]) not in hinted
        if wants_hint:
            hinted.add((path, f["code"]))
            assert got.get("hint") == f["hint"]
        else:
            assert "hint" not in got
    s = data["summary"]
    assert counts == (
        s["documents"],
        s["error"],
        s["warning"],
        s["info"],
        s["dropped_duplicates"],
    )


def test_text_lines_parse_back_to_every_finding(outputs: dict[str, str]) -> None:
    _assert_text_matches(outputs["text"], json.loads(outputs["json"]))


def test_text_of_a_report_without_paths_or_with_notes() -> None:
    out = RENDERERS["text"](SYNTHETIC)
    assert out.startswith("(corpus)\n")
    _assert_text_matches(out, json.loads(RENDERERS["json"](SYNTHETIC)))
