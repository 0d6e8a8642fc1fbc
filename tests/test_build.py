"""`corpus-tool build`, `verify`, `diff` and `corpus_tool.load`, end to end through the CLI."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import corpus_tool
from tests.conftest import Corpus, article, invoke


def files_of(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes()
        for p in sorted(release.rglob("*"))
        if p.is_file()
    }


def jsonl_records(release: Path) -> list[dict]:
    out = []
    for shard in sorted((release / "jsonl").glob("*.jsonl.gz")):
        out.extend(json.loads(line) for line in gzip.decompress(shard.read_bytes()).splitlines())
    return out


@pytest.fixture
def built(corpus: Corpus) -> Path:
    corpus.configure("shard_rows = 4")
    for i in range(10):
        corpus.write(f"doc{i:02d}.txt", article(i))
    corpus.sidecar("doc03", {"source": "Example Daily", "url": "https://example.com/3"})
    corpus.write("doc10.txt", article(1))  # an exact duplicate of doc01: dropped
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 0, result.stderr
    return corpus.root / "dist" / "demo-1.0.0"


def test_release_layout_and_manifest(built: Path) -> None:
    names = set(files_of(built))
    assert {"README.md", "manifest.json", "croissant.json", "CHANGELOG.md"} <= names
    assert {f"data/train-0000{i}-of-00003.parquet" for i in range(3)} <= names
    assert {f"jsonl/train-0000{i}-of-00003.jsonl.gz" for i in range(3)} <= names
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["name"] == "demo" and manifest["version"] == "1.0.0"
    dropped = manifest["dropped"]
    assert [(d["id"], d["duplicate_of"]) for d in dropped] == [("doc10", "doc01")]
    assert invoke("verify", str(built)).exit_code == 0


def test_load_dataset_yields_exactly_the_jsonl_records(built: Path) -> None:
    import datasets

    ds = datasets.load_dataset(str(built), split="train")
    expected = jsonl_records(built)
    assert len(ds) == len(expected) == 10
    for row, record in zip(ds, expected, strict=True):
        row = dict(row)
        for key in ("published", "updated"):
            row[key] = row[key].isoformat() if row[key] is not None else None
        assert row == record
    assert corpus_tool.load(built).num_rows == 10


def test_other_readers_read_the_parquet(built: Path) -> None:
    import duckdb
    import polars as pl
    import pyarrow.parquet as pq

    table = pq.read_table(built / "data")
    assert table.num_rows == 10
    assert str(table.schema.field("published").type) == "date32[day]"
    assert str(table.schema.field("authors").type).startswith("list<")
    assert pl.read_parquet(built / "data" / "*.parquet").height == 10
    glob = (built / "data" / "*.parquet").as_posix()
    assert duckdb.sql(f"select count(*) from '{glob}'").fetchall() == [(10,)]


def test_rebuild_is_up_to_date_and_byte_identical(built: Path, corpus: Corpus) -> None:
    before = files_of(built)
    mtimes = {p: p.stat().st_mtime_ns for p in built.rglob("*")}
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 0
    assert "up to date" in result.stderr
    assert files_of(built) == before
    assert {p: p.stat().st_mtime_ns for p in built.rglob("*")} == mtimes
    # The same inputs under another version folder give the same data files.
    assert invoke("build", "--version", "1.0.1", "--out", "other").exit_code == 0
    again = files_of(corpus.root / "other" / "demo-1.0.1")
    assert {k: v for k, v in again.items() if k.startswith(("data/", "jsonl/"))} == {
        k: v for k, v in before.items() if k.startswith(("data/", "jsonl/"))
    }


def test_changed_inputs_never_overwrite_a_version(built: Path, corpus: Corpus) -> None:
    before = files_of(built)
    corpus.write("doc05.txt", article(55))
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 1
    assert "bump the version" in result.stderr
    assert files_of(built) == before
    result = invoke("build", "--version", "1.1.0")
    assert result.exit_code == 0, result.stderr
    changelog = (corpus.root / "dist" / "demo-1.1.0" / "CHANGELOG.md").read_text()
    assert "doc05" in changelog and "patch" in changelog


def test_build_with_an_error_writes_nothing(corpus: Corpus) -> None:
    corpus.write("good.txt", article(1))
    corpus.write("bad.txt", b"\xff\xfe")
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 1
    assert "E001" in result.stderr and "no release was written" in result.stderr
    assert not (corpus.root / "dist" / "demo-1.0.0").exists()
    assert not [p for p in (corpus.root / "dist").glob("*") if not p.name.startswith(".")]


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "latest", "1.0.0.0"])
def test_version_must_be_semver(corpus: Corpus, version: str) -> None:
    corpus.write("a.txt", article(1))
    result = invoke("build", "--version", version)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_killed_build_leaves_nothing_under_the_final_name(corpus: Corpus) -> None:
    for i in range(20):
        corpus.write(f"d{i:02d}.txt", article(i))
    script = textwrap.dedent(
        """
        import os, sys
        from corpus_tool.package import writer
        real = writer.ReleaseWriter.write_lines
        def dying_write_lines(self, lines):
            def counted():
                for n, line in enumerate(lines, start=1):
                    yield line
                    if n == 10:
                        os._exit(9)  # killed mid-write: no cleanup runs
            real(self, counted())
        writer.ReleaseWriter.write_lines = dying_write_lines
        from corpus_tool.cli import main
        sys.argv = ["corpus-tool", "build", "--version", "1.0.0", "--quiet"]
        main()
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=corpus.root, check=False)
    assert proc.returncode == 9
    assert not (corpus.root / "dist" / "demo-1.0.0").exists()
    assert invoke("build", "--version", "1.0.0").exit_code == 0
    assert invoke("verify", "dist/demo-1.0.0").exit_code == 0


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _drop_jsonl_line(path: Path) -> None:
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[1:])))


@pytest.mark.parametrize(
    ("target", "damage"),
    [
        ("data/train-00001-of-00003.parquet", _flip_byte),
        ("jsonl/train-00002-of-00003.jsonl.gz", _drop_jsonl_line),
        ("data/train-00000-of-00003.parquet", Path.unlink),
    ],
    ids=["flipped-parquet-byte", "removed-jsonl-line", "deleted-file"],
)
def test_verify_names_the_damaged_file(built: Path, target: str, damage) -> None:
    damage(built / target)
    result = invoke("verify", str(built))
    assert result.exit_code == 1
    assert target in result.stdout
    with pytest.raises(Exception, match=target.split("/")[-1]):
        corpus_tool.load(built, verify=True)


def test_diff_between_releases_and_against_the_corpus(built: Path, corpus: Corpus) -> None:
    corpus.write("doc11.txt", article(11))
    (corpus.dir / "doc02.txt").unlink()
    result = invoke("diff", str(built), "corpus", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["added"] == ["doc11"] and data["removed"] == ["doc02"]
    assert invoke("build", "--version", "2.0.0").exit_code == 0
    text = invoke("diff", str(built), "dist/demo-2.0.0", "--format", "markdown").stdout
    assert "doc11" in text and "doc02" in text and "major" in text


def test_release_bytes_do_not_depend_on_the_number_of_jobs(corpus: Corpus) -> None:
    for i in range(300):  # enough documents for the worker pool to start
        corpus.write(f"d{i:03d}.txt", article(i % 280))
    assert invoke("build", "--version", "1.0.0", "--jobs", "1", "--out", "one").exit_code == 0
    assert invoke("build", "--version", "1.0.0", "--jobs", "2", "--out", "two").exit_code == 0
    one = files_of(corpus.root / "one" / "demo-1.0.0")
    two = files_of(corpus.root / "two" / "demo-1.0.0")
    assert one == two
    assert json.loads(one["manifest.json"])["counts"]["dropped"] == 20
