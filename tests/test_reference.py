"""Outputs recorded before a refactor, compared after: `check --format json` and the
release's content identity, on corpora that exercise every stage.

The corpora: the seeds; every golden rule case as a document; hostile files of each
input class; and, where the shared benchmark generator sits beside the repository,
a generated corpus in both layouts. A change that alters any output fails here with
the corpus and the part that differs. When an output is meant to change, record it
again and say why in the commit:

    CORPUS_TOOL_RECORD_REFERENCE=1 python3 -m pytest tests/test_reference.py
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import PYPROJECT, ROOT, SEEDS, invoke

REFERENCE = Path(__file__).parent / "reference" / "outputs.json"
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
RECORD = os.environ.get("CORPUS_TOOL_RECORD_REFERENCE") == "1"


def _seeds(dst: Path) -> None:
    shutil.copytree(SEEDS, dst, dirs_exist_ok=True)


def _golden(dst: Path) -> None:
    """Every golden rule case's input recorded with the reference, as a document of its
    own (a case added later has its own golden test and leaves this corpus alone)."""
    rules = ROOT / "tests" / "golden" / "rules"
    names = (REFERENCE.parent / "golden_cases.txt").read_text(encoding="utf-8").split()
    for case in (rules / name for name in names):
        name = f"{case.parent.name}__{case.name.removesuffix('.in.txt')}"
        shutil.copy(case, dst / f"{name}.txt")


def _hostile(dst: Path) -> None:
    """One file per input class that must give a finding, beside good documents."""
    good = (SEEDS / "000_5a9df510596c5fd9.txt").read_bytes()
    files: dict[str, bytes] = {
        "good.txt": good,
        "copy.txt": good,  # an exact duplicate
        "bad-utf8.txt": b"Caf\xe9 au lait\n",
        "nul.txt": b"text\x00more\n",
        "empty.txt": b"",
        "blank.txt": b"  \n\t\n",
        "bom.txt": b"\xef\xbb\xbf" + good,
        "crlf.txt": good.replace(b"\n", b"\r\n"),
        "bad id!.txt": b"A document whose file name is not an id.\n",
        "orphan.meta.json": b'{"title": "x"}',
        "notes.csv": b"a,b\n",
        "side.txt": b"# Side\n\nBy Jane Doe\n\nThe body of the side document, long enough.\n",
        "side.meta.json": (
            b'{"id": "other", "title": "Another title", "published": "2024-13-01",'
            b' "authors": "Jane", "extra": 1, "title": "dup"}'
        ),
        "broken.meta.json": b"{not json",
        "broken.txt": b"Body of a document whose sidecar is broken.\n",
        "shard.jsonl": b"\n".join(
            [
                json.dumps({"id": "row-1", "text": "A row.", "language": "en"}).encode(),
                b"{bad json",
                b"[1, 2]",
                json.dumps({"id": "row-1", "text": "Same id again.", "language": "en"}).encode(),
                json.dumps({"text": "No id here.", "language": "en"}).encode(),
                json.dumps({"id": "row-3", "text": 7, "language": "en"}).encode(),
                json.dumps({"id": "row-4", "language": "en"}).encode(),
                json.dumps({"id": "row-5", "text": "   ", "language": "en"}).encode(),
                json.dumps({"id": "row-6", "text": "[Subscribe](#)", "language": "en"}).encode(),
                json.dumps({"id": "row 7", "text": "Bad id.", "url": "ftp://x"}).encode(),
            ]
        )
        + b"\n",
        "cut.jsonl.gz": gzip.compress(b'{"id": "g-1", "text": "x"}\n' * 50)[:-9],
    }
    for name, data in files.items():
        (dst / name).write_bytes(data)
    table = pa.table(
        {
            "id": ["pq-1", "pq-2", None],
            "text": ["A Parquet row.\n", "Another [dead link](#) row.\n", "No id."],
            "language": ["en", None, "en"],
            "published": ["2024-01-02", "not a date", None],
        }
    )
    pq.write_table(table, dst / "rows.parquet")


def _generated(dst: Path) -> None:
    """The benchmark's generator: shards with every artifact class and planted duplicates,
    and a folder of text files with sidecars."""
    for args in (
        ["--docs", "1200", "--seed", "3", "--layout", "jsonl", "--shard-docs", "500", "--gzip"],
        ["--docs", "300", "--seed", "4", "--layout", "txt"],
    ):
        out = dst / args[3]
        subprocess.run(
            [sys.executable, str(MAKE_CORPUS), "--seeds", str(SEEDS), *args, "--out", str(out)],
            check=True,
            capture_output=True,
        )
        (out / "_truth.json").unlink(missing_ok=True)
    # gzip stamps the time of writing into each file; the release's index records its
    # input files' hashes, so the same shards are written again without the stamp.
    for shard in sorted(dst.rglob("*.gz")):
        shard.write_bytes(gzip.compress(gzip.decompress(shard.read_bytes()), mtime=0))


CORPORA: dict[str, Callable[[Path], None]] = {
    "seeds": _seeds,
    "golden": _golden,
    "hostile": _hostile,
    "generated": _generated,
}


def _outputs(root: Path) -> dict[str, Any]:
    """What a user sees of the corpus at root/corpus: the check report and the release."""
    checked = invoke("check", "corpus", "--format", "json", "--jobs", "2")
    assert checked.exit_code in (0, 1), checked.stderr
    built = invoke("build", "corpus", "--version", "1.0.0", "--out", "out", "-q", "--jobs", "2")
    out: dict[str, Any] = {"check_exit": checked.exit_code, "check": checked.json()}
    out["build_exit"] = built.exit_code
    releases = list((root / "out").glob("*-1.0.0"))
    if releases:
        manifest = json.loads((releases[0] / "manifest.json").read_text(encoding="utf-8"))
        out["identity"] = manifest["identity"]["sha256"]
        out["files"] = {f["path"]: f["content_sha256"] for f in manifest["files"]}
        out["records"] = sum(f.get("rows", 0) for f in manifest["files"] if "jsonl" in f["path"])
    return out


def _digest(outputs: dict[str, Any]) -> dict[str, Any]:
    """The check report whole for small corpora (a failure shows what moved), else a hash."""
    text = json.dumps(outputs["check"], sort_keys=True, ensure_ascii=False)
    if len(text) > 60_000:
        outputs = {**outputs, "check": hashlib.sha256(text.encode()).hexdigest()}
    return outputs


@pytest.mark.parametrize("name", list(CORPORA))
def test_outputs_match_the_recorded_reference(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if name == "generated" and not MAKE_CORPUS.exists():
        pytest.skip("the benchmark generator (../shared/bench) is not beside the repository")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    CORPORA[name](corpus)
    got = _digest(_outputs(tmp_path))
    recorded = json.loads(REFERENCE.read_text(encoding="utf-8")) if REFERENCE.exists() else {}
    if RECORD:
        recorded[name] = got
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_text(
            json.dumps(recorded, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        return
    assert name in recorded, f"no reference recorded for {name}: see this module's docstring"
    want = recorded[name]
    for part in ("check_exit", "build_exit", "identity", "files", "records"):
        assert got.get(part) == want.get(part), f"{name}: {part} differs from the reference"
    assert got["check"] == want["check"], f"{name}: the check report differs from the reference"
