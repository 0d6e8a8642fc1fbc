"""Hostile inputs: time and peak memory of `corpus-tool check` on each class.

    python benchmarks/hostile.py [--only NAME] [--keep DIR] [--scale 1.0]

Generates each input (at most 20 MB on disk) in a temporary folder, at full and
at half size, runs `python -m corpus_tool check corpus --format json` on it in a
fresh child process, and prints a table: input, bytes on disk, decoded bytes,
exit code, findings, wall seconds and peak RSS (the child's and its workers',
from `getrusage(RUSAGE_CHILDREN)` in a wrapper process per run). Time at half
size shows whether the cost is linear in the input. Targets: peak RSS under
1 GB and linear time for every input. Uses this checkout's `corpus_tool`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
PYPROJECT = '[tool.corpus-tool]\nname = "hostile"\npaths = ["corpus"]\nlanguage = "en"\n'

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
try:
    findings = len(json.loads(done.stdout)["findings"])
except Exception:
    findings = -1
print(json.dumps({"code": done.returncode, "wall": wall, "rss": rss, "findings": findings,
                  "stderr": done.stderr.decode("utf-8", "replace")[-300:]}))
"""


def _gz_member(decoded: int, byte: bytes = b" ") -> bytes:
    return gzip.compress(byte * decoded, compresslevel=9)


def gzip_bomb_one_line(folder: Path, size: int) -> int:
    """One line of `size` bytes of spaces in gzip members of 64 MiB each."""
    member = _gz_member(64 * MB)
    with (folder / "bomb.jsonl.gz").open("wb") as out:
        for _ in range(size // (64 * MB)):
            out.write(member)
        out.write(gzip.compress(b"\n"))
    return size


def gzip_bomb_many_lines(folder: Path, size: int) -> int:
    """Lines of 1 MiB of spaces each (blank: no document), `size` bytes decoded."""
    member = gzip.compress((b" " * (MB - 1) + b"\n") * 64, compresslevel=9)
    with (folder / "lines.jsonl.gz").open("wb") as out:
        for _ in range(size // (64 * MB)):
            out.write(member)
    return size


def zstd_bomb(folder: Path, size: int) -> int:
    """One line of `size` bytes of `a`, in zstd frames of 64 MiB each."""
    import zstandard

    frame = zstandard.ZstdCompressor(level=19).compress(b"a" * (64 * MB))
    with (folder / "bomb.jsonl.zst").open("wb") as out:
        for _ in range(size // (64 * MB)):
            out.write(frame)
    return size


def enormous_line_plain(folder: Path, size: int) -> int:
    """One JSON line of `size` bytes (over the 16 MiB limit)."""
    with (folder / "big.jsonl").open("wb") as out:
        out.write(b'{"id": "big", "text": "')
        out.write(b"word " * (size // 5))
        out.write(b'"}\n')
    return size


def enormous_line_gz(folder: Path, size: int) -> int:
    member = _gz_member(64 * MB, b"x")
    with (folder / "big.jsonl.gz").open("wb") as out:
        out.write(gzip.compress(b'{"id": "big", "text": "'))
        for _ in range(size // (64 * MB)):
            out.write(member)
        out.write(gzip.compress(b'"}\n'))
    return size


def parquet_big_cell(folder: Path, size: int) -> int:
    """A Parquet file with one cell of `size` bytes beside small rows (zstd)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = ["small text of a document"] * 100
    texts[50] = "z" * size
    table = pa.table(
        {"id": [f"d{i}" for i in range(100)], "text": pa.array(texts, pa.large_string())}
    )
    pq.write_table(table, folder / "cell.parquet", compression="zstd")
    return size


def finding_bomb(folder: Path, size: int) -> int:
    """`size` bytes of lines `x` (each invalid JSON: one E008 each), gzip."""
    with (folder / "bad.jsonl.gz").open("wb") as out:
        block = gzip.compress(b"x\n" * MB, compresslevel=9)
        for _ in range(max(1, size // (2 * MB))):
            out.write(block)
    return size


def deep_nesting(folder: Path, size: int) -> int:
    """JSON lines of `[` nested `size // 100` deep, 100 lines."""
    depth = size // 100
    line = b'{"id": "x", "text": "t", "notes": ' + b"[" * depth + b"]" * depth + b"}\n"
    (folder / "deep.jsonl").write_bytes(line * 100)
    return len(line) * 100


def spaces_line(folder: Path, size: int) -> int:
    (folder / "spaces.jsonl").write_bytes(b" " * size + b"\n")
    return size + 1


def txt_many_lines(folder: Path, size: int) -> int:
    (folder / "lines.txt").write_bytes(b"a line\n" * (size // 7))
    return size


CASES: dict[str, tuple[Callable[[Path, int], int], int]] = {
    # name: (generator, full size in decoded bytes)
    "gzip-bomb-one-line": (gzip_bomb_one_line, 4096 * MB),
    "gzip-bomb-many-lines": (gzip_bomb_many_lines, 4096 * MB),
    "zstd-bomb-one-line": (zstd_bomb, 4096 * MB),
    "enormous-line-plain": (enormous_line_plain, 20 * MB),
    "enormous-line-gz": (enormous_line_gz, 2048 * MB),
    "parquet-big-cell": (parquet_big_cell, 512 * MB),
    "finding-bomb": (finding_bomb, 4 * MB),
    "deep-nesting": (deep_nesting, 2 * MB),
    "spaces-line-20mb": (spaces_line, 20 * MB),
    "txt-many-lines": (txt_many_lines, 10 * MB),
}


def run_case(name: str, size: int, base: Path) -> dict[str, Any]:
    make, _ = CASES[name]
    folder = base / f"{name}-{size}"
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    decoded = make(corpus, size)
    disk = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    command = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "corpus_tool"]
    command += ["check", "corpus", "--format", "json", "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    out = subprocess.run(command, cwd=folder, env=env, capture_output=True, check=False)
    try:
        result = json.loads(out.stdout)
    except json.JSONDecodeError:
        result = {"code": -1, "wall": time.perf_counter() - started, "rss": 0, "findings": -1}
    return {"input": name, "disk": disk, "decoded": decoded, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the inputs whose name starts with this")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    args = parser.parse_args()
    names = [n for n in CASES if not args.only or n.startswith(args.only)]
    with tempfile.TemporaryDirectory(prefix="hostile-") as temp:
        base = args.keep or Path(temp)
        base.mkdir(parents=True, exist_ok=True)
        header = f"{'input':<22} {'disk MB':>8} {'decoded MB':>10} {'exit':>4} "
        header += f"{'findings':>9} {'wall s':>7} {'half s':>7} {'RSS MB':>7} {'half MB':>7}"
        print(header)
        for name in names:
            full = int(CASES[name][1] * args.scale)
            half = run_case(name, full // 2, base)
            row = run_case(name, full, base)
            print(
                f"{name:<22} {row['disk'] / MB:>8.2f} {row['decoded'] / MB:>10.0f} "
                f"{row['code']:>4} {row['findings']:>9} {row['wall']:>7.2f} "
                f"{half['wall']:>7.2f} {row['rss']:>7.0f} {half['rss']:>7.0f}",
                flush=True,
            )
            if row["code"] not in (0, 1):
                print(f"  stderr: {row.get('stderr', '')!r}", flush=True)


if __name__ == "__main__":
    main()
