"""Incremental check and build: time `check --since` and `build --since` against full runs.

    python benchmarks/incremental.py --corpus /path/to/w100k --work /tmp/incr \
        [--added 500 --duplicates 100 --edited 400 --removed 100] [--runs 3] [--reuse]

Copies the corpus (JSONL shards) to WORK/corpus, builds release 1.0.0 of it (with
--reuse: keeps WORK's release and restores its corpus), then
applies the issue's change (`change_corpus`): documents added (some exact or near
copies of old ones), edited in place, and removed, spread over the shards. Then
it times, in turn, `check --since`, a full `check`, `build --since` and a full
`build` of 1.0.1 (each build into its own output folder), and prints medians
and the dedup index's share of the release's bytes. `change_corpus` is also
what `tests/test_incremental.py` changes its corpora with.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _mutate(text: str, rng: random.Random, rate: float) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, int(len(words) * rate))):
        words[i] = words[i][::-1] or "x"
    return " ".join(words)


def change_corpus(
    corpus: Path,
    *,
    added: int,
    duplicates: int,
    edited: int,
    removed: int,
    repeated_ids: int = 0,
    seed: int = 7,
) -> dict[str, list[str]]:
    """Change the JSONL shards under `corpus` in place. Of `added` new documents,
    `duplicates` copy an old one's text (half exactly, half with 2% of words
    changed, a few with its url); `repeated_ids` more reuse an old id. Returns the
    ids touched by kind."""
    rng = random.Random(seed)
    shards = sorted(corpus.rglob("*.jsonl"))
    lines = {s: s.read_bytes().splitlines(keepends=True) for s in shards}
    slots = [(s, i) for s in shards for i in range(len(lines[s]))]
    chosen = rng.sample(slots, edited + removed + duplicates)
    edit, drop, source = (
        chosen[:edited],
        chosen[edited : edited + removed],
        chosen[edited + removed :],
    )
    touched: dict[str, list[str]] = {"edited": [], "removed": [], "added": [], "repeated": []}
    new_lines: dict[Path, list[bytes]] = {s: list(v) for s, v in lines.items()}
    for shard, i in edit:
        doc = json.loads(lines[shard][i])
        doc["text"] = _mutate(doc["text"], rng, 0.05) + "\n\nAn added closing paragraph."
        new_lines[shard][i] = json.dumps(doc, ensure_ascii=False).encode() + b"\n"
        touched["edited"].append(doc["id"])
    for shard, i in drop:
        touched["removed"].append(json.loads(lines[shard][i])["id"])
        new_lines[shard][i] = b""
    fresh = [json.loads(lines[s][i]) for s, i in rng.sample(slots, added - duplicates)]
    copies = []
    for k, (shard, i) in enumerate(source):
        doc = json.loads(lines[shard][i])
        if k % 2:
            doc["text"] = _mutate(doc["text"], rng, 0.02)
        if k % 5:
            doc.pop("url", None)
        copies.append(doc)
    for doc in fresh:
        doc["text"] = _mutate(doc["text"], rng, 0.3)
        doc.pop("url", None)
    extra = []
    for k, doc in enumerate(fresh + copies):
        doc["id"] = f"new{k:06d}_{rng.getrandbits(32):08x}"
        touched["added"].append(doc["id"])
        extra.append(doc)
    for _ in range(repeated_ids):
        shard, i = rng.choice(slots)
        doc = json.loads(lines[shard][i])
        doc["text"] = _mutate(doc["text"], rng, 0.5)
        touched["repeated"].append(doc["id"])
        extra.append(doc)
    rng.shuffle(extra)
    # New documents go into the existing shards (anywhere) and one new shard.
    half = len(extra) // 2
    for doc in extra[:half]:
        shard = rng.choice(shards)
        pos = rng.randrange(len(new_lines[shard]) + 1)
        new_lines[shard].insert(pos, json.dumps(doc, ensure_ascii=False).encode() + b"\n")
    for shard, content in new_lines.items():
        shard.write_bytes(b"".join(content))
    tail = b"".join(json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in extra[half:])
    (shards[0].parent / "zz-added.jsonl").write_bytes(tail)
    return touched


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return took


def _size(path: Path, prefix: str = "") -> int:
    return sum(
        p.stat().st_size
        for p in path.rglob("*")
        if p.is_file() and p.relative_to(path).as_posix().startswith(prefix)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--added", type=int, default=500)
    parser.add_argument("--duplicates", type=int, default=100)
    parser.add_argument("--edited", type=int, default=400)
    parser.add_argument("--removed", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="runs of each --since command")
    parser.add_argument("--full-runs", type=int, default=3, help="runs of each full command")
    parser.add_argument("--skip-build", action="store_true", help="time only check")
    parser.add_argument(
        "--reuse", action="store_true", help="keep WORK's release 1.0.0; restore its corpus"
    )
    args = parser.parse_args()
    work = args.work
    tool = [sys.executable, "-m", "corpus_tool"]
    release = work / "dist" / "bench-1.0.0"
    if args.reuse and release.is_dir() and (work / "original").is_dir():
        shutil.rmtree(work / "corpus")
        shutil.copytree(work / "original", work / "corpus")
    else:
        shutil.rmtree(work, ignore_errors=True)
        (work / "original").mkdir(parents=True)
        for shard in sorted(args.corpus.glob("*.jsonl")):
            shutil.copy(shard, work / "original" / shard.name)
        shutil.copytree(work / "original", work / "corpus")
        (work / "pyproject.toml").write_text(
            '[tool.corpus-tool]\nname = "bench"\npaths = ["corpus"]\nlanguage = "en"\n'
        )
        build_took = _timed([*tool, "build", "--version", "1.0.0", "-q"], work)
        print(f"release 1.0.0 built in {build_took:.1f} s", flush=True)
    index, whole = _size(release, "index/"), _size(release)
    print(f"index: {index:,} of {whole:,} bytes ({100 * index / whole:.1f}%)", flush=True)
    # In a child process: the change reads every shard into memory, which this
    # process would keep (and the timed commands would lose from the page cache).
    change = {
        "added": args.added,
        "duplicates": args.duplicates,
        "edited": args.edited,
        "removed": args.removed,
    }
    child = multiprocessing.get_context("fork").Process(
        target=change_corpus, args=(work / "corpus",), kwargs=change
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        sys.exit("changing the corpus failed")
    for folder in work.glob("out-*"):
        shutil.rmtree(folder)
    commands = {
        "check --since": [*tool, "check", "-q", "--format", "json", "--since", str(release)],
        "check": [*tool, "check", "-q", "--format", "json"],
    }
    if not args.skip_build:
        since = ["--since", str(release)]
        commands["build --since"] = [*tool, "build", "--version", "1.0.1", "-q", *since]
        commands["build"] = [*tool, "build", "--version", "1.0.1", "-q"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(max(args.runs, args.full_runs)):
        for name, cmd in commands.items():
            if len(times[name]) >= (args.runs if "--since" in name else args.full_runs):
                continue
            if name.startswith("build"):
                cmd = [*cmd, "--out", f"out-{name.replace(' ', '')}-{run}"]
            times[name].append(_timed(cmd, work))
            print(f"  {name}: {times[name][-1]:.2f} s", flush=True)
    for name, values in times.items():
        if values:
            print(f"{name}: median {statistics.median(values):.2f} s of {len(values)}")


if __name__ == "__main__":
    main()
