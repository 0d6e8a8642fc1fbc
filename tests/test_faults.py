"""Faults: Ctrl-C, killed builds and a missing corpus leave nothing behind and say so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

if not Path("/proc/self/task").is_dir():
    pytest.skip("needs Linux /proc to see the worker pool start", allow_module_level=True)

from corpus_tool.package import tempfiles
from tests.conftest import Corpus, article, invoke

DOCS = 30_000  # several seconds of work on two cores: long enough to interrupt


@pytest.fixture(scope="module")
def big_shard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    shard = folder / "corpus.jsonl"
    with shard.open("wb") as out:
        for i in range(DOCS):
            record = {"id": f"d{i}", "text": article(i % 997), "language": "en"}
            out.write(orjson.dumps(record) + b"\n")
    return shard


def _workers_started(pid: int) -> bool:
    """Whether the process has children: its worker pool is running."""
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return False


def _interrupt(
    args: list[str], cwd: Path, ready: Callable[[], bool] = lambda: True
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in its own process group and send SIGINT to the whole group, as a
    terminal does on Ctrl-C, once its worker pool runs and `ready()` holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "corpus_tool", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while (
        not (_workers_started(proc.pid) and ready())
        and proc.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    time.sleep(0.5)  # into the worker pool
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the command did not exit within 20 s of Ctrl-C")
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_ctrl_c_during_build_exits_130_and_leaves_nothing(big_shard: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = _interrupt(
        ["build", str(big_shard), "--version", "1.0.0", "--out", str(out), "--jobs", "2"],
        tmp_path,
        ready=lambda: bool(tempfiles.leftovers(out)),
    )
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr
    assert "interrupted" in result.stderr
    assert list(out.iterdir()) == []  # no spill file, no temporary release, no release


def test_ctrl_c_during_check_exits_130_without_worker_tracebacks(
    big_shard: Path, tmp_path: Path
) -> None:
    result = _interrupt(["check", str(big_shard), "--jobs", "2", "--format", "json"], tmp_path)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr
    assert result.stdout == ""  # no half report on stdout


def test_next_build_removes_what_a_killed_build_left(corpus: Corpus) -> None:
    corpus.write("doc1.txt", article(1))
    out = corpus.root / "dist"
    out.mkdir()
    (out / ".tmp-spill-abc123.jsonl").write_bytes(b'{"id": "x"}\n')
    (out / ".tmp-demo-1.0.0-def456" / "data").mkdir(parents=True)
    running = tempfiles.make_temp(out, ".tmp-spill-", folder=False)  # a build still running
    try:
        result = invoke("build", "--version", "1.0.0")
        assert result.exit_code == 0, result.stderr
        assert ".tmp-spill-abc123.jsonl" in result.stderr
        assert ".tmp-demo-1.0.0-def456" in result.stderr
        assert sorted(p.name for p in out.iterdir()) == sorted(["demo-1.0.0", running.path.name])
    finally:
        running.release()


def test_no_paths_and_no_configuration_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()  # a folder of that name must not be read by default
    (tmp_path / "seeds" / "a.txt").write_text(article(1))
    for command in (["check"], ["build", "--version", "1.0.0"], ["stats"]):
        result = invoke(*command)
        assert result.exit_code == 2, (command, result.stderr)
        assert "pass files or folders" in result.stderr
        assert "paths" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_build_output_inside_the_corpus_is_never_read_back(corpus: Corpus) -> None:
    """`--out` inside the corpus paths: the releases, and a build's spill file and
    temporary folder, are not documents of the next build."""
    corpus.write("doc1.txt", article(1))
    corpus.write("doc2.txt", article(2))
    out = corpus.dir / "releases"
    first = invoke("build", "--version", "1.0.0", "--out", str(out))
    assert first.exit_code == 0, first.stderr
    (out / "notes.txt").write_text(article(3))  # not a release: read
    second = invoke("build", "--version", "1.0.1", "--out", str(out))
    assert second.exit_code == 0, second.stderr
    manifest = json.loads((out / "demo-1.0.1" / "manifest.json").read_text())
    assert manifest["counts"]["records"] == 3
    check = invoke("check", "--format", "json")
    inside = {(f["code"], f["path"]) for f in check.json()["findings"] if "demo-1.0" in f["path"]}
    assert {code for code, _ in inside} == {"E015"}  # said once per release, never read
    assert len(inside) == 2
