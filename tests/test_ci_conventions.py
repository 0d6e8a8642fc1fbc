"""CI conventions from ruff: selection on the command line, --exit-zero, --statistics,
--output-format, SARIF (validated against the SARIF 2.1.0 schema), suppression per
document and per file, `rule CODE`, GitHub's step summary, and no short flag that
means two things."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer

from corpus_tool.cli import app
from corpus_tool.findings import Finding, Report, Severity
from corpus_tool.registry import RULES
from corpus_tool.render.explain import EXAMPLES, run_example
from corpus_tool.render.sarif import sarif_log
from corpus_tool.render.statistics import code_counts, render_statistics
from corpus_tool.render.summary import Changes, append_step_summary, step_summary
from tests.conftest import Corpus, article, check, invoke


def _messy(corpus: Corpus) -> None:
    """Errors, warnings and an info, on .txt files and shard lines, and a duplicate."""
    corpus.write("bad.txt", b"ok\n\xff\n")  # E001
    corpus.write("a.txt", article(1))  # M007 x2 (source, url)
    corpus.write("b.txt", article(1))  # D001 of a, M007 x2
    corpus.write("crlf.txt", article(2).replace("\n", "\r\n"))  # E005 info, M007 x2
    rows = [{"id": "r1", "text": article(3)}, {"id": "bad id!", "text": article(4)}]
    corpus.write("s.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def _codes(findings: list[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in findings}


# -- selection on the command line ------------------------------------------------------


def test_select_on_the_command_line_means_what_the_configuration_key_means(
    corpus: Corpus,
) -> None:
    _messy(corpus)
    _, from_cli, _ = check("--select", "E,D001")
    corpus.configure('select = ["E", "D001"]')
    _, from_config, _ = check()
    assert from_cli == from_config
    assert _codes(from_cli) == {"E001", "E005", "D001"}


def test_ignore_and_extend_select_add_to_the_configuration(corpus: Corpus) -> None:
    _messy(corpus)
    corpus.configure('ignore = ["M007"]')
    _, found, _ = check("--ignore", "E00")
    assert "M007" not in _codes(found) and not _codes(found) & {"E001", "E005"}
    assert "D001" in _codes(found)
    # the command line wins: a code it extends is no longer ignored by the configuration
    _, found, _ = check("--extend-select", "M007")
    assert "M007" in _codes(found)


def test_select_on_the_command_line_replaces_the_configuration(corpus: Corpus) -> None:
    _messy(corpus)
    corpus.configure('select = ["D"]\nignore = ["M007"]')
    _, found, _ = check("--select", "M")
    assert _codes(found) == {"M007", "M008"}


def test_selection_takes_comma_separated_lower_case_codes(corpus: Corpus) -> None:
    _messy(corpus)
    _, found, _ = check("--select", " e001 , m008")
    assert _codes(found) == {"E001", "M008"}


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_on_the_command_line_is_a_usage_error(corpus: Corpus, option: str) -> None:
    corpus.write("a.txt", article(1))
    result = invoke("check", option, "N2O2")
    assert result.exit_code == 2
    assert f"{option}: unknown rule code or prefix `N2O2`" in result.stderr
    assert "did you mean" in result.stderr and "`N202`" in result.stderr
    assert "Traceback" not in result.stderr


def test_ignoring_a_normalizer_rule_on_the_command_line_turns_it_off(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1) + "\nGet the Mirror in your inbox:\n")
    _, found, _ = check()
    assert "N202" not in _codes(found)  # N105 removed it
    _, found, _ = check("--ignore", "N105")
    assert "N202" in _codes(found)  # as `ignore = ["N105"]` would


# -- exit code, statistics, output format ------------------------------------------------


def test_exit_zero(corpus: Corpus) -> None:
    corpus.write("bad.txt", b"\xff")
    assert invoke("check").exit_code == 1
    result = invoke("check", "--exit-zero")
    assert result.exit_code == 0 and "E001" in result.stdout
    assert invoke("check", "--exit-zero", "--statistics").exit_code == 0


def test_exit_zero_keeps_usage_errors(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    assert invoke("check", "--exit-zero", "--select", "Q").exit_code == 2


def test_statistics_counts_per_code_like_ruff(corpus: Corpus) -> None:
    _messy(corpus)
    result = invoke("check", "--statistics")
    assert result.exit_code == 1
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0] == ["10", "M007", "missing-recommended"]
    counts = {code: int(n.replace(",", "")) for n, code, _ in rows}
    assert counts == {"M007": 10, "E001": 1, "E005": 1, "D001": 1, "M008": 1}
    ordered = [(-int(n), code) for n, code, _ in rows]
    assert ordered == sorted(ordered)  # most frequent first, then by code
    data = invoke("check", "--statistics", "--format", "json").json()
    assert data[0] == {
        "code": "M007",
        "name": "missing-recommended",
        "severity": "warning",
        "count": 10,
    }
    assert sum(row["count"] for row in data) == 14


def test_statistics_count_the_unlisted_findings() -> None:
    report = Report(
        findings=[
            Finding("E001", Severity.ERROR, "x", "a", 1, slug="invalid-utf8"),
            Finding("E001", Severity.ERROR, "more", "a", slug="invalid-utf8", suppressed=1500),
            Finding("M007", Severity.WARNING, "y", "b", 1, slug="missing-recommended"),
        ]
    )
    assert [(n, c) for n, c, *_ in code_counts(report)] == [(1501, "E001"), (1, "M007")]
    assert render_statistics(report).splitlines()[0] == "1,501\tE001\tinvalid-utf8"


def test_output_format_is_an_alias_of_format(corpus: Corpus) -> None:
    _messy(corpus)
    for fmt in ("json", "github", "sarif", "text"):
        assert invoke("check", "--output-format", fmt).stdout == invoke("check", "-f", fmt).stdout


# -- SARIF --------------------------------------------------------------------------------


def _sarif_errors(log: dict[str, Any]) -> list[str]:
    """What the SARIF 2.1.0 object model (`sarif-pydantic`) finds wrong with `log`: required
    properties, types and enumerations such as `level`."""
    from pydantic import ValidationError
    from sarif_pydantic import Sarif

    try:
        Sarif.model_validate(log)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return []


def test_sarif_validates_against_the_sarif_2_1_0_object_model(corpus: Corpus) -> None:
    _messy(corpus)
    result = invoke("check", "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    errors = _sarif_errors(log)
    assert not errors, errors[:5]
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["id"] for r in rules})
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["help"]["text"]
    results = run["results"]
    assert len(results) == 14
    by_code = {r["ruleId"]: r for r in results}
    e001 = by_code["E001"]
    assert e001["level"] == "error"
    assert rules[e001["ruleIndex"]]["id"] == "E001"
    loc = e001["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "corpus/bad.txt"  # relative to the repository
    assert loc["region"] == {"startLine": 2, "startColumn": 1}
    assert by_code["M007"]["level"] == "warning" and by_code["E005"]["level"] == "note"
    assert by_code["M008"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_of_hostile_and_pathless_findings_validates() -> None:
    report = Report(
        findings=[
            Finding("E012", Severity.ERROR, "no documents", None, slug="no-documents"),
            Finding("E011", Severity.WARNING, "csv", "a dir/%x, y.csv", slug="unsupported-file"),
            Finding("E001", Severity.ERROR, "bad\n\x1b[31m", "c/é.txt", 3, 7, "é", slug="x"),
            Finding("E001", Severity.ERROR, "99 more", "c/é.txt", slug="x", suppressed=99),
        ],
        documents=2,
    )
    log = sarif_log(report)
    assert not _sarif_errors(log)
    results = log["runs"][0]["results"]
    assert "locations" not in results[0]
    uri = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "a%20dir/%25x,%20y.csv"
    assert results[3]["properties"]["suppressedCount"] == 99
    json.dumps(log)  # serializable


def test_sarif_schema_rejects_a_broken_log() -> None:
    """The validation can fail: a result without a message is not SARIF."""
    log = sarif_log(Report(findings=[Finding("E002", Severity.ERROR, "empty", "a.txt", 1)]))
    del log["runs"][0]["results"][0]["message"]
    assert _sarif_errors(log)
    log = sarif_log(Report(findings=[Finding("E002", Severity.ERROR, "empty", "a.txt", 1)]))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert _sarif_errors(log)


# -- suppression --------------------------------------------------------------------------


def _records(corpus: Corpus, version: str) -> list[dict[str, Any]]:
    import gzip

    result = invoke("build", "--version", version, "--out", str(corpus.root / "dist"))
    assert result.exit_code == 0, result.stderr
    folder = corpus.root / "dist" / f"demo-{version}" / "jsonl"
    lines = []
    for shard in sorted(folder.glob("*.jsonl.gz")):
        lines += gzip.decompress(shard.read_bytes()).decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_sidecar_ignore_silences_its_document_only(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("b.txt", article(1))  # D001 on b
    corpus.write("c.txt", article(2))
    _, before, _ = check()
    assert ("M007", "corpus/b.txt") in {(f["code"], f["path"]) for f in before}
    corpus.sidecar("b", {"ignore": ["M007", "D"]})
    _, after, summary = check()
    assert not [f for f in after if f["path"] == "corpus/b.txt"]
    assert [f for f in after if f["path"] == "corpus/a.txt"] == [
        f for f in before if f["path"] == "corpus/a.txt"
    ]
    assert summary["dropped_duplicates"] == 1  # a suppression hides, never un-drops


def test_shard_record_ignore_field(corpus: Corpus) -> None:
    prompt = "\nSign up for our daily briefing\n"
    rows = [
        {"id": "r1", "text": article(1)},
        {"id": "r2", "text": article(2), "ignore": ["M007"]},
        {"id": "r3", "text": article(3) + prompt, "ignore": ["N2", "M"]},
        {"id": "r4", "text": article(4) + prompt, "ignore": ["M"]},
    ]
    corpus.write("s.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    _, found, _ = check()
    assert {(f["code"], f["line"]) for f in found} == {("M007", 1), ("N202", 4)}


def test_unknown_code_in_a_document_ignore_is_a_finding(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.sidecar("a", {"ignore": ["Q9", "M007"]})
    code, found, _ = check()
    assert code == 1
    (bad,) = [f for f in found if f["code"] == "M001"]
    assert "`Q9`" in bad["message"] and bad["path"] == "corpus/a.meta.json"
    assert "M007" not in _codes(found)
    corpus.sidecar("a", {"ignore": "M007"})  # not a list: the schema says so
    _, found, _ = check()
    assert "M001" in _codes(found)


def test_per_file_ignores_globs(corpus: Corpus) -> None:
    corpus.write("legacy/old/a.txt", article(1))
    corpus.write("new/b.txt", article(2))
    corpus.write("s.jsonl", json.dumps({"id": "r", "text": article(3)}) + "\n")
    corpus.configure('per-file-ignores = {"corpus/legacy/**" = ["M007"], "*.jsonl" = ["M"]}')
    _, found, _ = check()
    assert {f["path"] for f in found} == {"corpus/new/b.txt"}
    corpus.configure('[tool.corpus-tool.per_file_ignores]\n"corpus/new/*.txt" = ["M00"]')
    _, found, _ = check()
    assert "corpus/new/b.txt" not in {f["path"] for f in found}
    assert "corpus/legacy/old/a.txt" in {f["path"] for f in found}


def test_per_file_ignores_with_an_unknown_code_is_a_usage_error(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.configure('per-file-ignores = {"corpus/**" = ["M0077"]}')
    result = invoke("check")
    assert result.exit_code == 2 and "M0077" in result.stderr


def test_suppression_does_not_change_release_records(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1) + "\nhttps://x.example/[link](https://example.org)\n")
    corpus.write("b.txt", article(2))
    corpus.write("s.jsonl", json.dumps({"id": "r", "text": article(3)}) + "\n")
    plain = _records(corpus, "1.0.0")
    corpus.sidecar("a", {"ignore": ["M007", "N2", "N1"]})
    corpus.write("s.jsonl", json.dumps({"id": "r", "text": article(3), "ignore": ["M"]}) + "\n")
    corpus.configure('per-file-ignores = {"corpus/b.txt" = ["M007", "N113"]}')
    assert _records(corpus, "1.0.1") == plain


# -- rule CODE ----------------------------------------------------------------------------


def test_rule_explains_a_normalizer_rule_with_its_golden_case() -> None:
    result = invoke("rule", "N105")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("N105 newsletter-prompt")
    for part in ("What: Remove whole-line newsletter prompts", "Why:", "Severity: fix", "Fix:"):
        assert part in out
    assert "Example (tests/golden/rules/N105-newsletter-prompt/" in out
    assert "\n    -" in out  # a line the rule removed, from the golden case
    for code in RULES:  # the docstrings' own "Why:" is not said twice
        assert "Why: Why" not in invoke("rule", code).stdout, code


def test_rule_explains_a_check_with_an_example_checked_for_real() -> None:
    out = invoke("rule", "d001").stdout
    assert out.startswith("D001 exact-duplicate (duplicates)")
    assert "Severity: warning" in out and "Fix: " in out
    assert "reports:\n    corpus/b.txt:1: warning D001 " in out


def test_rule_uses_a_checks_golden_case() -> None:
    out = invoke("rule", "P001").stdout
    assert "Example (tests/golden/checks/P001-email-address/" in out and "P001 email" in out


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_every_declared_example_shows_its_code(code: str) -> None:
    example = EXAMPLES[code]
    if not example.files:
        assert code in ("E007", "E014") and example.note
        return
    _, found = run_example(code, example)
    assert found and all(f" {code} " in line for line in found), (code, found)


def test_every_code_has_an_example() -> None:
    from corpus_tool.registry import checks

    for c in checks():
        out = invoke("rule", c.code).stdout
        assert "Example" in out and "none declared" not in out, c.code


def test_rule_unknown_code_suggests_the_closest() -> None:
    result = invoke("rule", "N2O2")
    assert result.exit_code == 2
    assert "unknown code `N2O2`" in result.stderr and "N202" in result.stderr
    assert result.stdout == ""


# -- GitHub step summary -------------------------------------------------------------------


def test_step_summary_is_appended_when_github_asks(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    _messy(corpus)
    summary = corpus.root / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = invoke("check", "--format", "github")
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### corpus-tool check: failed")
    assert "| 10 | `M007` | missing-recommended | warning |" in text
    assert "#### Files with the most findings" in text and "| 5 | `corpus/s.jsonl` |" in text
    assert "| `b` | `a` | exact-duplicate | `corpus/b.txt:1` |" in text
    assert "job summary" in result.stdout.splitlines()[-2]  # the notice says where
    invoke("check", "--exit-zero")
    assert summary.read_text(encoding="utf-8").count("### corpus-tool check") == 2


def test_no_step_summary_without_the_variable(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus.write("a.txt", article(1))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert append_step_summary(Report(), environ={}) is None
    assert invoke("check").exit_code == 0
    assert list(corpus.root.glob("*.md")) == []


def test_step_summary_with_changes_since_a_release() -> None:
    """The hook for `check --since`: what changed, and duplicates called new."""
    report = Report(
        findings=[
            Finding("D002", Severity.WARNING, "near", "c/n.txt", 1, None, "n", related=["o"]),
        ],
        documents=3,
    )
    report.findings[0].slug = "near-duplicate"
    changes = Changes("dist/demo-1.0.0", added=["n", "m"], edited=["e"], removed=[])
    text = step_summary(report, changes=changes)
    assert "#### Changes since `dist/demo-1.0.0`" in text
    assert "2 added, 1 edited, 0 removed." in text
    assert "- Added: `n`, `m`" in text and "- Edited: `e`" in text and "Removed" not in text
    assert "#### New duplicates" in text
    assert "| `n` | `o` | near-duplicate | `c/n.txt:1` |" in text
    many = Changes("r", added=[f"id{i}" for i in range(25)])
    assert "and 5 more" in step_summary(Report(), changes=many)
    assert "#### Duplicates\n\nNone." in step_summary(Report())


def test_step_summary_escapes_corpus_text() -> None:
    report = Report(
        findings=[Finding("E001", Severity.ERROR, "x", "c/| # <b>`.txt", 1, slug="invalid-utf8")]
    )
    text = step_summary(report)
    assert "<b>" not in text and "| c/| #" not in text and "c/\\| # &lt;b&gt;" in text


# -- short flags ---------------------------------------------------------------------------


def _short_flags() -> dict[str, dict[str, str]]:
    """short flag -> {command: the long name it stands for}."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    seen: dict[str, dict[str, str]] = {}
    commands = {"(main)": group, **group.commands}
    for name, command in commands.items():
        params = command.params if name != "(main)" else group.params
        for param in params:
            if param.param_type_name != "option":
                continue
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts + param.secondary_opts if not o.startswith("--")):
                seen.setdefault(short, {})[name] = longs[0]
    return seen


def test_no_short_flag_means_two_things() -> None:
    seen = _short_flags()
    for short, meanings in seen.items():
        assert len(set(meanings.values())) == 1, (short, meanings)
    assert seen["-v"] == {"build": "--verbose"}
    assert set(seen["-f"].values()) == {"--format"}


def test_build_version_has_no_short_flag_and_v_is_verbose(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("b.txt", article(1))
    out = str(corpus.root / "dist")
    result = invoke("build", "-v", "1.0.0", "--out", out)
    assert result.exit_code == 2  # -v takes no value: `1.0.0` is a path, no --version
    result = invoke("build", "--version", "1.0.0", "--out", out)
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "2 documents checked: 0 errors, 5 warnings, 0 info; 1 duplicates dropped"
    assert lines[1:3] == ["4\tM007\tmissing-recommended", "1\tD001\texact-duplicate"]
    assert "recommended field" not in result.stderr  # no full report without -v
    result = invoke("build", "--version", "1.0.1", "--out", out, "-v")
    assert "recommended field `source` is missing" in result.stderr
    result = invoke("build", "--version", "1.0.2", "--out", out, "--quiet")
    assert result.exit_code == 0 and result.stderr == ""


def test_build_failure_prints_counts_even_when_quiet(corpus: Corpus) -> None:
    corpus.write("bad.txt", b"\xff")
    corpus.write("a.txt", article(1))
    result = invoke("build", "--version", "1.0.0", "--quiet", "--out", str(corpus.root / "d"))
    assert result.exit_code == 1
    assert "1\tE001\tinvalid-utf8" in result.stderr and "no release was written" in result.stderr


def test_help_of_every_command_renders() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    for name in group.commands:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
