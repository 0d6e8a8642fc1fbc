"""`--engine ray` gives the local engine's results: the same report, the same release.

An 800-document corpus from the benchmark generator (with planted exact and
near duplicates) is checked and built by both engines; Ray runs as a local
instance with 2 CPUs.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tool import engines
from corpus_tool.config import load_config
from corpus_tool.package.files import REPORT
from tests.conftest import PYPROJECT, ROOT, invoke

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:ray")]

SHARED = ROOT.parent / "shared"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"


def release_files(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes()
        for p in sorted(release.rglob("*"))
        if p.is_file()
    }


def jsonl_records(release: Path) -> list[dict[str, Any]]:
    out = []
    for shard in sorted((release / "jsonl").glob("*.jsonl.gz")):
        out.extend(json.loads(line) for line in gzip.decompress(shard.read_bytes()).splitlines())
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`check --format json` and `build` with each engine, on the same corpus."""
    if not MAKE_CORPUS.is_file():
        pytest.skip(f"needs the benchmark generator {MAKE_CORPUS} (the shared folder is absent)")
    root = tmp_path_factory.mktemp("ray-engine")
    command = [sys.executable, str(MAKE_CORPUS), "--seeds", str(SHARED / "seeds")]
    command += ["--docs", "800", "--seed", "3", "--layout", "jsonl", "--shard-docs", "200"]
    subprocess.run([*command, "--out", str(root / "corpus")], check=True, capture_output=True)
    (root / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    out: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        try:
            # The local engine first: its worker processes must not fork a Ray driver.
            for engine in ("local", "ray"):
                if engine == "ray":
                    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
                options = ["--engine", engine, "--quiet"]
                out[f"check-{engine}"] = invoke("check", "--format", "json", *options)
                built = invoke("build", "--version", "1.0.0", "--out", f"dist-{engine}", *options)
                assert built.exit_code == 0, built.stderr
                out[f"release-{engine}"] = root / f"dist-{engine}" / "demo-1.0.0"
                records: list[dict[str, Any]] = []  # a sink (as `stats`): whole records
                result = engines.run(
                    [Path("corpus")], load_config(), engine=engine, sink=records.append
                )
                out[f"sink-{engine}"] = (
                    result.report.to_dict(),
                    records,
                    result.dedup.keep.tolist(),
                )
        finally:
            ray.shutdown()
    yield out


def test_the_release_holds_the_same_records_in_the_same_order(runs: dict[str, Any]) -> None:
    local, distributed = jsonl_records(runs["release-local"]), jsonl_records(runs["release-ray"])
    assert len(local) > 600
    assert [r["id"] for r in distributed] == [r["id"] for r in local]
    assert distributed == local


def test_the_manifests_drop_the_same_duplicates(runs: dict[str, Any]) -> None:
    def dropped(engine: str) -> list[dict[str, Any]]:
        manifest = json.loads((runs[f"release-{engine}"] / "manifest.json").read_text())
        return list(manifest["dropped"])

    assert dropped("local"), "the corpus has planted duplicates"
    assert {d["kind"] for d in dropped("local")} >= {"exact", "near"}
    assert dropped("ray") == dropped("local")


def test_the_releases_are_byte_identical(runs: dict[str, Any]) -> None:
    """Every file the byte-identity guarantee covers: the HTML report is outside it
    (the Ray engine gathers no per-record statistics or candidate-pair tally)."""
    ray, local = release_files(runs["release-ray"]), release_files(runs["release-local"])
    assert (REPORT in ray, REPORT in local) == (True, True)
    for files in (ray, local):
        del files[REPORT]
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = [f for f in manifest["files"] if f["path"] != REPORT]
        files["manifest.json"] = json.dumps(manifest).encode()
    assert ray == local


def test_check_reports_are_identical(runs: dict[str, Any]) -> None:
    local, distributed = runs["check-local"], runs["check-ray"]
    assert (distributed.exit_code, local.exit_code) == (0, 0)
    assert local.json()["summary"]["dropped_duplicates"] > 0
    assert distributed.json() == local.json()
    assert distributed.stdout == local.stdout


def test_a_sink_gets_the_same_records(runs: dict[str, Any]) -> None:
    local, distributed = runs["sink-local"], runs["sink-ray"]
    assert len(local[1]) > 600
    assert distributed == local


def test_engine_ray_without_ray_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    result = invoke("check", str(ROOT / "seeds"), "--engine", "ray")
    assert result.exit_code == 2
    message = "error: the Ray engine needs Ray: pip install 'corpus-tool[ray]'"
    assert result.stderr.strip() == message
