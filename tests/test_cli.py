"""The small commands: normalize, rules, stats, and the CLI's error contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_tool.normalize import normalize
from tests.conftest import ROOT, SEED_IDS, SEEDS, Corpus, article, invoke

GOLDEN = ROOT / "tests" / "golden"


def test_normalize_prints_the_golden_text() -> None:
    seed = SEED_IDS[0]
    result = invoke("normalize", str(SEEDS / f"{seed}.txt"))
    assert result.exit_code == 0
    assert result.stdout == (GOLDEN / f"{seed}.txt").read_text(encoding="utf-8").rstrip("\n") + "\n"


def test_normalize_diff_shows_what_was_removed() -> None:
    result = invoke("normalize", str(SEEDS / f"{SEED_IDS[1]}.txt"), "--diff")
    assert result.exit_code == 0
    assert "-Get the Mirror in your inbox:" in result.stdout
    assert "(Video: Reuters)" in result.stdout
    assert result.stdout.startswith("---")
    assert "N105" in result.stderr  # the rules applied


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"caf\xe9 au lait\n", "invalid UTF-8 byte 0xe9 at byte offset 3"),
        (b"", "the document is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "NUL byte"),
    ],
    ids=["invalid-utf8", "empty", "binary"],
)
def test_normalize_bad_input_is_one_line(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "corpus_tool", "normalize", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and needle in lines[0]


def test_normalize_missing_file(tmp_path: Path) -> None:
    result = invoke("normalize", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1
    assert "nope.txt" in result.stderr and "Traceback" not in result.stderr


def test_normalize_honours_ignore(corpus: Corpus) -> None:
    corpus.configure('ignore = ["N104"]')
    path = corpus.write("a.txt", "Some [linked](#) words here.\n")
    assert "[linked](#)" in invoke("normalize", str(path)).stdout
    corpus.configure()
    assert "[linked](#)" not in invoke("normalize", str(path)).stdout


def test_rules_lists_every_code_in_three_formats() -> None:
    text = invoke("rules").stdout
    rows = json.loads(invoke("rules", "--format", "json").stdout)
    markdown = invoke("rules", "--format", "markdown").stdout
    assert rows and all(r["code"] in text and f"`{r['code']}`" in markdown for r in rows)
    assert {r["code"][0] for r in rows} == {"E", "M", "N", "D", "L", "P"}


def test_stats_counts_the_corpus(corpus: Corpus) -> None:
    for i in range(3):
        corpus.write(f"d{i}.txt", article(i))
    corpus.write("copy.txt", article(0))
    result = invoke("stats")
    assert result.exit_code == 0
    assert "documents:   4 (4 valid records, 1 duplicates)" in result.stdout
    assert "2024-03" in result.stdout


def test_config_option_points_elsewhere(corpus: Corpus, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[tool.corpus-tool]\nlanguage = "en"\nignore = ["M007", "E005"]\n')
    corpus.write("crlf.txt", article(1).replace("\n", "\r\n"))
    data = json.loads(invoke("check", "corpus", "--config", str(other), "--format", "json").stdout)
    assert data["findings"] == []
    missing = invoke("check", "--config", str(tmp_path / "missing.toml"))
    assert missing.exit_code == 2 and "missing.toml" in missing.stderr


def test_unexpected_errors_are_one_line_without_debug(corpus: Corpus, monkeypatch) -> None:
    from corpus_tool.engines.local import LocalEngine

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(LocalEngine, "run", boom)
    result = invoke("check")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: RuntimeError: disk on fire (run with --debug for a traceback)"
    )
    with pytest.raises(RuntimeError):
        invoke("--debug", "check")


def test_check_seeds_from_a_fresh_process_is_quick_to_start() -> None:
    """Startup imports stay lazy: no datasets, pyarrow or ray for a check of .txt files."""
    code = (
        "import sys; from corpus_tool.cli import main; sys.argv=['corpus-tool','check','seeds',"
        "'-q']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('datasets', 'pyarrow', 'ray', 'jsonschema') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert "5 documents checked" in proc.stdout
    assert proc.stderr.endswith("HEAVY="), proc.stderr


def test_normalize_is_what_check_uses() -> None:
    raw = (SEEDS / f"{SEED_IDS[2]}.txt").read_text(encoding="utf-8")
    golden = (GOLDEN / f"{SEED_IDS[2]}.txt").read_text(encoding="utf-8").rstrip("\n")
    assert normalize(raw).text == golden


def test_verify_and_build_name_a_wrong_folder(tmp_path: Path) -> None:
    result = invoke("verify", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path}: not a release folder (no manifest.json)"
    (tmp_path / "file").write_text("x")
    result = invoke("build", "seeds", "--version", "1.0.0", "--out", str(tmp_path / "file"))
    assert result.exit_code == 2
    assert "not a folder" in result.stderr
