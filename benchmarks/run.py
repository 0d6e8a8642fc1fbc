#!/usr/bin/env python3
"""Throughput, memory and dedup quality of corpus-tool against datatrove and HF datasets.

    python3 benchmarks/run.py [--docs 100000] [--runs 3] [--peer-docs 10000]
                              [--skip-peers] [--only corpus-tool] [--no-write]
                              [--tuned-peer PATH] [--peer-python PATH]

The main peer is the Hugging Face pipeline written for speed (`hf_tuned_peer.py`, kept
outside the repository beside the workload generator); `hf-naive` is the same rules as
plain `re.sub` calls, kept only to show what the tuning is worth.

Stdlib only; run it with any Python >= 3.11 from anywhere. See benchmarks/README.md
for what each figure means. Every tool runs as its own subprocess, measured from
outside: wall time, CPU time (user+sys) of the whole process tree, peak resident
memory of the tree. Nothing is timed inside the tools.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gzip
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
PEER_PACKAGES = [
    "datatrove==0.10.1",
    "xxhash<4",  # datatrove's MinHash fails with xxhash 4.x
    "spacy",  # these three: datatrove's English word tokenizer (undeclared)
    "regex",
    "tokenizers",
    "datasets",
    "pyarrow",
    "orjson",
]
TOOLS = [
    "corpus-tool-check",
    "corpus-tool-build",
    "hf-tuned",
    "hf-naive",
    "corpus-tool-build-prefix",
    "datatrove",
]
LABELS = {
    "corpus-tool-check": "corpus-tool check",
    "corpus-tool-build": "corpus-tool build",
    "hf-tuned": "HF datasets, 11 rules written for speed, Parquet, save_to_disk (no dedup)",
    "hf-naive": "HF datasets, 11 plain re.sub calls, Parquet, save_to_disk (naive peer)",
    "corpus-tool-build-prefix": "corpus-tool build (peer subset)",
    "datatrove": "datatrove exact+MinHash dedup, JSONL+Parquet",
}
RENAMED = {"hf": "hf-naive"}  # tool names in raw results saved by older versions


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- measuring


def _set_subreaper() -> bool:
    """Orphaned grandchildren (e.g. a forkserver) re-parent to us, so we reap them and
    their CPU time lands in RUSAGE_CHILDREN. Linux only; harmless elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _descendants(root: int) -> list[int]:
    """Every live descendant of `root`, by the ppid in /proc/<pid>/stat (a full scan)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            ppid = _ppid(int(name))
            if ppid is not None:
                children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


class TreeTracker:
    """Our descendants, tracked incrementally: each pid's stat is read once, when it
    first appears (a full /proc scan every 50 ms would cost a fair share of a core).
    Membership is decided then (its parent is us or already in the tree) and kept
    until the pid exits, so an orphan re-parented to us stays counted."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: set[int] = set()
        self.tree: set[int] = set()

    def pids(self) -> set[int]:
        live = {int(n) for n in os.listdir("/proc") if n.isdigit()}
        for pid in sorted(live - self.seen):
            ppid = _ppid(pid)
            if ppid is not None and (ppid == self.root or ppid in self.tree):
                self.tree.add(pid)
        self.seen = live
        self.tree &= live
        return self.tree


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Every `interval` s: sum of RSS (every `pss_every` samples also of PSS) over all our
    descendants; keeps the max.

    RSS counts pages shared between forked workers once per process (an upper bound);
    PSS splits shared pages between the processes sharing them (closer to real use).
    """

    def __init__(self, interval: float = 0.05, pss_every: int = 4) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.pss_every = pss_every
        self.stop = threading.Event()
        self.peak_rss = 0
        self.peak_pss = 0
        self.max_procs = 0

    def run(self) -> None:
        tracker = TreeTracker(os.getpid())
        tick = 0
        while not self.stop.is_set():
            pids = list(tracker.pids())
            self.max_procs = max(self.max_procs, len(pids))
            self.peak_rss = max(self.peak_rss, sum(_rss_bytes(p) for p in pids))
            if tick % self.pss_every == 0:  # smaps_rollup walks page tables: costlier
                self.peak_pss = max(self.peak_pss, sum(_pss_bytes(p) for p in pids))
            tick += 1
            self.stop.wait(self.interval)


@dataclass
class Measured:
    rc: int
    wall: float
    cpu: float
    peak_rss_mb: float
    peak_pss_mb: float
    max_procs: int
    timed_out: bool = False
    stderr_tail: str = ""
    stdout: bytes = b""


def _reap_orphans(deadline: float) -> None:
    """Wait for re-parented descendants; kill what is left at `deadline`."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        left = _descendants(os.getpid())
        if not left:
            return
        if time.monotonic() > deadline:
            for p in left:  # all of them were started by the measured command
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)
        time.sleep(0.05)


def measure(
    cmd: list[str],
    timeout: float,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdout_path: Path | None = None,
) -> Measured:
    """Run `cmd` in its own session; measure wall, tree CPU and tree peak memory."""
    sampler = TreeSampler()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-stderr-{os.getpid()}.txt"
    out_f = open(stdout_path, "wb") if stdout_path else subprocess.PIPE  # noqa: SIM115
    with open(err_path, "wb") as err_f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out_f, stderr=err_f, start_new_session=True
        )
        sampler.start()
        timed_out = False
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            log(f"timeout after {timeout:.0f}s: {shlex.join(cmd)}; stopping it")
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(10)
                    break
                except subprocess.TimeoutExpired:
                    continue
            stdout = b""
        wall = time.perf_counter() - t0
        _reap_orphans(time.monotonic() + 30)
        sampler.stop.set()
        sampler.join()
    if stdout_path:
        out_f.close()  # type: ignore[union-attr]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = err_path.read_text(errors="replace")[-3000:]
    err_path.unlink(missing_ok=True)
    return Measured(
        proc.returncode,
        wall,
        cpu,
        sampler.peak_rss / 1e6,
        sampler.peak_pss / 1e6,
        sampler.max_procs,
        timed_out,
        tail,
        stdout or b"",
    )


# ----------------------------------------------------------------------------- inputs


def workload_dir(docs: int) -> Path:
    name = f"w{docs // 1000}k" if docs % 1000 == 0 else f"w{docs}"
    return ROOT / "bench-data" / name


def ensure_workload(docs: int, shared: Path, wait: float) -> Path:
    """The workload folder with its `_truth.json`; generated if absent, waited for if
    another process is writing it (a folder with shards but no truth file yet)."""
    out = workload_dir(docs)
    truth = out / "_truth.json"
    if truth.exists():
        return out
    if out.exists() and any(out.iterdir()):
        log(
            f"{out.relative_to(ROOT)} is being written by another process: waiting for "
            f"_truth.json (up to {wait:.0f}s)"
        )
        deadline = time.monotonic() + wait
        while not truth.exists():
            if time.monotonic() > deadline:
                sys.exit(
                    f"{truth} did not appear within {wait:.0f}s; remove the folder to regenerate it"
                )
            time.sleep(5)
        time.sleep(1)  # the generator writes the truth file last, in one go
        return out
    gen = shared / "bench" / "make_corpus.py"
    cmd = [
        sys.executable,
        str(gen),
        "--seeds",
        str(shared / "seeds"),
        "--docs",
        str(docs),
        "--seed",
        "1",
        "--layout",
        "jsonl",
        "--shard-docs",
        "10000",
        "--out",
        str(out),
    ]
    log("generating the workload: " + shlex.join(cmd))
    subprocess.run(cmd, check=True, timeout=3600)
    return out


def shards(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.jsonl") if not p.name.startswith("_"))


def input_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in shards(folder))


def prefix_workload(src: Path, docs: int, parts: int) -> Path:
    """The first `docs` documents of `src`, split into `parts` equal shards (so that
    each of `parts` datatrove tasks gets one: it assigns whole files to tasks)."""
    out = src.parent / f"{src.name}-first{docs}-x{parts}"
    stamp = out / "_source.json"
    truth = src / "_truth.json"
    want = {"source": src.name, "docs": docs, "parts": parts, "truth_mtime": truth.stat().st_mtime}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    per = -(-docs // parts)
    written, part, f = 0, 0, None
    for shard in shards(src):
        with open(shard, "rb") as inp:
            for line in inp:
                if written >= docs:
                    break
                if f is None or (written % per == 0):
                    if f:
                        f.close()
                    f = open(out / f"shard-{part:05d}.jsonl", "wb")  # noqa: SIM115
                    part += 1
                f.write(line)
                written += 1
        if written >= docs:
            break
    if f:
        f.close()
    stamp.write_text(json.dumps(want))
    return out


def count_docs(folder: Path) -> int:
    n = 0
    for p in shards(folder):
        with open(p, "rb") as f:
            n += sum(1 for line in f if line.strip())
    return n


def peer_python(force: bool, timeout: float) -> tuple[Path | None, str]:
    """The peers' own virtualenv (created once, reused; install time is not measured)."""
    venv = ROOT / "bench-data" / "peer-venv"
    py = venv / "bin" / "python"
    marker = venv / ".bench-installed"
    if py.exists() and marker.exists() and not force:
        return py, ""
    log(f"creating the peers' virtualenv in {venv.relative_to(ROOT)} (not timed)")
    logf = ROOT / "bench-data" / "peer-venv-install.log"
    try:
        with open(logf, "wb") as lf:
            if not py.exists():
                subprocess.run(
                    [sys.executable, "-m", "venv", str(venv)],
                    check=True,
                    stdout=lf,
                    stderr=lf,
                    timeout=600,
                )
            subprocess.run(
                [str(py), "-m", "pip", "install", "-q", *PEER_PACKAGES],
                check=True,
                stdout=lf,
                stderr=lf,
                timeout=timeout,
            )
            subprocess.run(
                [str(py), "-c", "import datatrove, spacy, datasets, pyarrow"],
                check=True,
                stdout=lf,
                stderr=lf,
                timeout=300,
            )
    except (subprocess.SubprocessError, OSError) as exc:
        tail = logf.read_text(errors="replace")[-1500:] if logf.exists() else ""
        return None, f"peer install failed ({exc}); see {logf.relative_to(ROOT)}:\n{tail}"
    marker.write_text(" ".join(PEER_PACKAGES) + "\n")
    return py, ""


# ----------------------------------------------------------------------------- quality


@dataclass
class Pair:
    doc: str  # the dropped (flagged) document
    of: str  # the document it was clustered with / found a duplicate of
    kind: str  # exact | near | url


def truth_groups(truth: dict[str, Any], present: set[str] | None) -> dict[str, list[list[str]]]:
    groups = {
        "exact": [list(g) for g in truth["exact_dup_groups"]],
        "near": [list(g["ids"]) for g in truth["near_dup_groups"]],
    }
    if present is not None:
        groups = {k: [[i for i in g if i in present] for g in v] for k, v in groups.items()}
    return {k: [g for g in v if len(g) > 1] for k, v in groups.items()}


def evaluate(pairs: list[Pair], truth: dict[str, Any], present: set[str] | None) -> dict[str, Any]:
    """Precision of the predicted pairs and recall of the planted copies (see README)."""
    groups = truth_groups(truth, present)
    group_of: dict[str, tuple[str, int]] = {}
    for kind, gs in groups.items():
        for n, g in enumerate(gs):
            for i in g:
                group_of[i] = (kind, n)
    by_kind: dict[str, dict[str, int]] = {}
    correct_docs: dict[tuple[str, int], set[str]] = {}
    outside = 0
    for p in pairs:
        ga, gb = group_of.get(p.doc), group_of.get(p.of)
        ok = ga is not None and ga == gb
        k = by_kind.setdefault(p.kind, {"pairs": 0, "correct": 0})
        k["pairs"] += 1
        k["correct"] += ok
        if ok:
            correct_docs.setdefault(ga, set()).add(p.doc)  # type: ignore[arg-type]
        elif ga is None and gb is None:
            outside += 1
    total = {"pairs": len(pairs), "correct": sum(k["correct"] for k in by_kind.values())}
    out: dict[str, Any] = {
        "predicted": {
            kind: {**k, "precision": _ratio(k["correct"], k["pairs"])}
            for kind, k in sorted({**by_kind, "all": total}.items())
        },
        "pairs_outside_planted_groups": outside,
    }
    for kind, gs in groups.items():
        expected = sum(len(g) - 1 for g in gs)
        found = sum(min(len(correct_docs.get((kind, n), ())), len(g) - 1) for n, g in enumerate(gs))
        out[f"recall_{kind}"] = {
            "planted_copies": expected,
            "found": found,
            "recall": _ratio(found, expected),
        }
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


KIND_OF_CODE = {"D001": "exact", "D002": "near", "D003": "url"}


def pairs_from_check(report: dict[str, Any]) -> list[Pair]:
    out = []
    for f in report.get("findings", []):
        kind = KIND_OF_CODE.get(f.get("code"))
        if kind and f.get("doc_id") and f.get("related"):
            out.append(Pair(f["doc_id"], f["related"][0], kind))
    return out


def pairs_from_manifest(manifest: dict[str, Any]) -> list[Pair]:
    return [
        Pair(d["id"], d["duplicate_of"], d.get("kind", "?")) for d in manifest.get("dropped", [])
    ]


def _jsonl_records(folder: Path) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = []
    for p in sorted(folder.glob("*.jsonl*")):
        opener = gzip.open if p.name.endswith(".gz") else open
        with opener(p, "rb") as f:
            recs.extend(json.loads(line) for line in f if line.strip())
    return recs


def pairs_from_datatrove(work: Path, input_dir: Path) -> list[Pair]:
    """Exact: each removed doc with the first kept input doc of the same text bytes.
    MinHash: each removed doc with the kept doc of its cluster (saved cluster ids)."""
    pairs: list[Pair] = []
    removed_exact = {r["id"] for r in _jsonl_records(work / "removed-exact")}
    if removed_exact:
        wanted: dict[bytes, list[str]] = {}
        first_kept: dict[bytes, str] = {}
        for p in shards(input_dir):
            with open(p, "rb") as f:
                for line in f:
                    rec = json.loads(line)
                    h = hashlib.sha256(rec["text"].encode("utf-8")).digest()
                    if rec["id"] in removed_exact:
                        wanted.setdefault(h, []).append(rec["id"])
                    else:
                        first_kept.setdefault(h, rec["id"])
        for h, ids in wanted.items():
            for i in ids:
                pairs.append(Pair(i, first_kept.get(h, "?"), "exact"))
    removed = _jsonl_records(work / "removed-minhash")
    if removed:
        kept_of: dict[int, str] = {}
        for r in _jsonl_records(work / "out" / "jsonl"):
            cid = r.get("metadata", {}).get("minhash_cluster_id", -1)
            if cid is not None and cid >= 0:
                kept_of[cid] = r["id"]
        for r in removed:
            cid = r.get("metadata", {}).get("minhash_cluster_id", -1)
            pairs.append(Pair(r["id"], kept_of.get(cid, "?"), "near"))
    return pairs


def present_ids(folder: Path) -> set[str]:
    ids = set()
    for p in shards(folder):
        with open(p, "rb") as f:
            for line in f:
                # the id is the first key the generator writes: no full parse needed
                start = line.index(b'"id": "') + 7
                ids.add(line[start : line.index(b'"', start)].decode())
    return ids


# ----------------------------------------------------------------------------- runs


@dataclass
class Job:
    tool: str
    cmd: list[str]
    input_dir: Path
    docs: int
    nbytes: int
    env: dict[str, str] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    quality: dict[str, Any] | None = None
    error: str = ""


def run_job(
    job: Job, scratch: Path, timeout: float, truth: dict[str, Any], want_quality: bool
) -> None:
    work = scratch / f"{job.tool}-{len(job.runs)}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [c.replace("{work}", str(work)) for c in job.cmd]
    log(f"{job.tool} run {len(job.runs) + 1}: {shlex.join(cmd)}")
    out_file = work / "_stdout.json"
    load = os.getloadavg()[0]  # other work on the machine skews a run: keep it on record
    m = measure(cmd, timeout, ROOT, job.env, stdout_path=out_file)
    ok = not m.timed_out and (m.rc == 0 or (job.tool == "corpus-tool-check" and m.rc == 1))
    if ok and job.tool == "corpus-tool-check":  # exit 1 = error findings, not a crash
        try:
            ok = "summary" in json.loads(out_file.read_bytes())
        except ValueError:
            ok = False
    run: dict[str, Any] = {
        "rc": m.rc,
        "ok": ok,
        "wall_s": round(m.wall, 3),
        "cpu_s": round(m.cpu, 3),
        "docs_per_s": round(job.docs / m.wall, 1),
        "mb_per_s": round(job.nbytes / 1e6 / m.wall, 2),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "peak_pss_mb": round(m.peak_pss_mb, 1),
        "max_procs": m.max_procs,
        "timed_out": m.timed_out,
        "loadavg_1m_before": round(load, 2),
    }
    log(
        f"  wall {m.wall:.2f}s cpu {m.cpu:.2f}s rss {m.peak_rss_mb:.0f}MB pss "
        f"{m.peak_pss_mb:.0f}MB rc {m.rc}"
    )
    if not ok:
        run["stderr_tail"] = m.stderr_tail
        job.error = f"rc={m.rc}{' (timeout)' if m.timed_out else ''}: {m.stderr_tail[-800:]}"
        log(f"  FAILED: {job.error}")
    job.runs.append(run)
    if ok and want_quality:
        try:
            job_quality(job, work, out_file, truth)
        except Exception as exc:  # a parse problem must not lose the timing figures
            job.quality = {"error": f"{type(exc).__name__}: {exc}"}
    shutil.rmtree(work, ignore_errors=True)


def job_quality(job: Job, work: Path, out_file: Path, truth: dict[str, Any]) -> None:
    if job.tool.startswith("hf-"):
        return  # no dedup: nothing to score
    if job.tool == "corpus-tool-check":
        report = json.loads(out_file.read_bytes())
        pairs = pairs_from_check(report)
    elif job.tool.startswith("corpus-tool-build"):
        manifests = sorted(work.glob("**/manifest.json"))
        if not manifests:
            raise FileNotFoundError("no manifest.json in the build output")
        pairs = pairs_from_manifest(json.loads(manifests[0].read_text()))
    else:
        pairs = pairs_from_datatrove(work, job.input_dir)
    present = None if job.docs == truth["docs"] else present_ids(job.input_dir)
    q = evaluate(pairs, truth, present)
    if job.quality is None:
        job.quality = q
    elif {k: v for k, v in job.quality.items() if k != "note"} != q:
        job.quality["note"] = "differs between runs; the first run's figures are shown"


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def summarize(runs: list[dict[str, Any]], docs: int) -> dict[str, Any] | None:
    """Medians over the good runs, plus the best (lowest) wall time and the throughput
    per CPU-second: both far less sensitive than the median to other work on the machine."""
    good = [r for r in runs if r["ok"]]
    if not good:
        return None
    keys = ["wall_s", "cpu_s", "docs_per_s", "mb_per_s", "peak_rss_mb", "peak_pss_mb"]
    out = {k: median([r[k] for r in good]) for k in keys}
    out["best_wall_s"] = min(r["wall_s"] for r in good)
    out["docs_per_cpu_s"] = median([docs / r["cpu_s"] for r in good if r["cpu_s"] > 0])
    out["runs"] = len(good)
    return out


# ----------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "corpus_tool"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        if dirty:
            commit += " (+ uncommitted changes in corpus_tool/)"
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": str(cores),
        "ram": ram,
        "python": platform.python_version(),
        "commit": commit,
        "os": f"{platform.system()} {platform.release()}",
    }


def fmt(x: float | None, nd: int = 1) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:,.{nd}f}"


def render(results: dict[str, Any]) -> str:
    for key in ("jobs", "quality"):
        if results.get(key):
            results[key] = {RENAMED.get(t, t): v for t, v in results[key].items()}
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['date']} with:",
        "",
        f"    {results['command']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, "
        f"Python {m['python']}; corpus_tool commit {m['commit']}.",
        "",
        f"Workload: `{results['workload']}` from `make_corpus.py --seed 1` — "
        f"{results['docs']:,} documents, {results['input_mb']:,.1f} MB of JSONL input "
        f"(MB = 10^6 bytes of the shards, `text_bytes` in `_truth.json`). Medians of "
        f"{results['runs']} run(s) each, tools interleaved run by run. CPU = user+sys of the "
        "whole process tree (`getrusage(RUSAGE_CHILDREN)` deltas, orphans re-parented to "
        "the harness and reaped). Peak memory = max over 50 ms samples of the sum over the "
        "process tree of RSS (counts pages shared by forked workers once per process) and "
        "of PSS (shares them out).",
        "",
        "| tool | docs | wall s | best wall s | CPU s | docs/s | docs per CPU-s | MB/s "
        "| peak RSS MB | peak PSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool in TOOLS:
        j = results["jobs"].get(tool)
        if j is None:
            continue
        s = summarize(j["runs"], j["docs"])
        label = LABELS[tool]
        if j["docs"] != results["docs"]:
            label += f" — first {j['docs']:,} docs only"
        if s is None:
            lines.append(f"| {label} | {j['docs']:,} | failed: see below | | | | | | | |")
            continue
        lines.append(
            f"| {label} | {j['docs']:,} | {fmt(s['wall_s'], 2)} | {fmt(s['best_wall_s'], 2)} | "
            f"{fmt(s['cpu_s'], 2)} | {fmt(s['docs_per_s'], 0)} | {fmt(s['docs_per_cpu_s'], 0)} | "
            f"{fmt(s['mb_per_s'], 2)} | {fmt(s['peak_rss_mb'], 0)} | {fmt(s['peak_pss_mb'], 0)} |"
        )
    loads = [r["loadavg_1m_before"] for j in results["jobs"].values() for r in j["runs"]]
    if loads:
        lines += [
            "",
            f"1-minute load average before each run: {min(loads):.1f} to {max(loads):.1f} "
            f"on {m['cores']} cores (above the core count, other work shared the machine "
            "and the figures are pessimistic).",
        ]
    if results.get("normalize"):
        n = results["normalize"]
        lines += [
            "",
            f"Normalization only (`corpus_tool.normalize.normalize` over the "
            f"{n.get('docs', 0):,} texts in one process, per core): "
            f"**{fmt(n.get('docs_per_s'), 0)} docs/s**, {fmt(n.get('mb_per_s'), 2)} MB/s "
            f"({fmt(n.get('seconds'), 2)} s)."
            if "error" not in n
            else f"Normalization only: failed: {n['error']}",
        ]
    found = ratios(results["jobs"])
    if found:
        lines += ["", "## Ratios (same invocation)", ""]
        lines += [f"- {r}" for r in found]
    if results.get("quality"):
        lines += [
            "",
            "## Duplicate detection quality",
            "",
            "Pairs: each dropped (flagged) document with the document it was clustered "
            "with (`duplicate_of` in the manifest, `related` of a D001/D002/D003 finding, "
            "datatrove's kept member of the same MinHash cluster, or for its exact stage "
            "the first kept document with the same text). A pair is correct when both ids "
            "are in the same planted group (exact or near); pairs outside any planted "
            "group count as false positives. Recall per planted kind: copies found / "
            "planted copies, where a group of k members present in the input has k-1 "
            "copies and is credited with at most k-1 of its members flagged by a correct "
            "pair (so keeping a copy and dropping the source counts as found).",
            "",
            "| tool | predicted pairs (exact/near/url) | precision all | precision near |"
            " exact recall | near recall | pairs outside planted groups |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for tool in TOOLS:
            q = results["quality"].get(tool)
            if q is None:
                continue
            if "error" in q:
                lines.append(f"| {LABELS[tool]} | error: {q['error']} | | | | | |")
                continue
            p = q["predicted"]
            counts = "/".join(str(p.get(k, {}).get("pairs", 0)) for k in ("exact", "near", "url"))
            rn, re_ = q.get("recall_near", {}), q.get("recall_exact", {})
            lines.append(
                f"| {LABELS[tool]} | {counts} | {fmt(p['all']['precision'], 4)} | "
                f"{fmt(p.get('near', {}).get('precision'), 4)} | "
                f"{fmt(re_.get('recall'), 4)} ({re_.get('found')}/{re_.get('planted_copies')}) | "
                f"{fmt(rn.get('recall'), 4)} ({rn.get('found')}/{rn.get('planted_copies')}) | "
                f"{q['pairs_outside_planted_groups']} |"
            )
    if results.get("stages"):
        st = results["stages"]
        lines += [
            "",
            f"## corpus-tool stages, one process, first {st.get('stage_docs', 0):,} documents",
            "",
            "| stage | docs/s per core | s |",
            "|---|---:|---:|",
        ]
        for k, v in st.get("stages", {}).items():
            if k == "normalize_rules_s":
                continue
            if "error" in v:
                lines.append(f"| {k} | error: {v['error'][:80]} | |")
            else:
                lines.append(f"| {k} | {fmt(v['docs_per_s'], 0)} | {fmt(v['seconds'], 2)} |")
        rules = st.get("stages", {}).get("normalize_rules_s")
        if rules and "error" not in rules:
            top = ", ".join(f"{k} {v:.2f}s" for k, v in list(rules.items())[:6])
            lines += ["", f"Slowest normalizer rules (seconds over those documents): {top}."]
    if results.get("notes"):
        lines += ["", "## Notes", ""]
        lines += [f"- {n}" for n in results["notes"]]
    if results.get("failures"):
        lines += ["", "## Failures", ""]
        lines += [f"- {f}" for f in results["failures"]]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="workload size (default W100k)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool; medians are reported")
    ap.add_argument(
        "--peer-docs",
        type=int,
        default=10_000,
        help="datatrove runs on the first N documents (0: all); corpus-tool build "
        "also runs on the same subset for a like-for-like ratio",
    )
    ap.add_argument("--skip-peers", action="store_true", help="corpus-tool only")
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only tools whose name starts with this (repeatable): "
        + ", ".join(TOOLS)
        + ", normalize, stages",
    )
    ap.add_argument("--workers", type=int, default=2, help="peer workers / tasks")
    ap.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="folder with bench/make_corpus.py and seeds/ (default ../shared)",
    )
    ap.add_argument(
        "--corpus-tool",
        default=None,
        help="the corpus-tool executable (default: beside this python, on PATH, or in a "
        "virtualenv in or beside the repository)",
    )
    ap.add_argument(
        "--tuned-peer",
        type=Path,
        default=None,
        help="the Hugging Face peer written for speed, the main peer "
        "(default: SHARED/bench/hf_tuned_peer.py); skipped with a note when missing",
    )
    ap.add_argument(
        "--peer-python",
        default=None,
        help="a python with the peers' packages to run them with, instead of the "
        "virtualenv the harness creates in bench-data/peer-venv (the HF peers need only "
        "`datasets`)",
    )
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    ap.add_argument(
        "--wait",
        type=float,
        default=1800,
        help="seconds to wait for a workload another process is generating",
    )
    ap.add_argument("--stage-docs", type=int, default=10_000)
    ap.add_argument("--no-stages", action="store_true", help="skip the per-stage breakdown")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    ap.add_argument("--reinstall-peers", action="store_true")
    ap.add_argument(
        "--render",
        type=Path,
        metavar="RAW_JSON",
        help="only re-render the report from a saved bench-data/results-*.json",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.render:
        text = render(json.loads(a.render.read_text()))
        print(text)
        if not a.no_write:
            a.results.write_text(text)
        return 0
    wanted = lambda name: not a.only or any(name.startswith(o) for o in a.only)  # noqa: E731
    subreaper = _set_subreaper()
    if not subreaper:
        log("could not become a child subreaper: CPU of orphaned grandchildren may be missed")
    shared = a.shared.resolve()
    wl = ensure_workload(a.docs, shared, a.wait)
    truth = json.loads((wl / "_truth.json").read_text())
    nbytes = input_bytes(wl)
    ct = find_corpus_tool(a.corpus_tool)
    ct_python = str(Path(ct).resolve().parent / "python")
    failures: list[str] = []
    notes: list[str] = []

    jobs: dict[str, Job] = {}
    if wanted("corpus-tool-check"):
        jobs["corpus-tool-check"] = Job(
            "corpus-tool-check",
            [ct, "check", str(wl), "--format", "json", "--quiet"],
            wl,
            a.docs,
            nbytes,
        )
    if wanted("corpus-tool-build"):
        jobs["corpus-tool-build"] = Job(
            "corpus-tool-build",
            [ct, "build", str(wl), "--version", "1.0.0", "--out", "{work}", "--quiet"],
            wl,
            a.docs,
            nbytes,
        )
    peer_docs = a.peer_docs if 0 < a.peer_docs < a.docs else a.docs
    tuned = (a.tuned_peer or shared / "bench" / "hf_tuned_peer.py").resolve()
    if not a.skip_peers and wanted("hf-tuned") and not tuned.is_file():
        msg = (
            f"the tuned HF peer was skipped: {tuned} does not exist (pass --tuned-peer PATH "
            "or --shared DIR); there is no ratio against the main peer"
        )
        notes.append(msg)
        log(msg)
    need_peers = not a.skip_peers and (
        wanted("datatrove") or wanted("hf-naive") or (wanted("hf-tuned") and tuned.is_file())
    )
    py: Path | None = None
    if need_peers and a.peer_python:
        found = shutil.which(a.peer_python)
        if found is None:
            sys.exit(f"--peer-python {a.peer_python}: not found")
        py = Path(found)
    elif need_peers:
        py, err = peer_python(a.reinstall_peers, a.timeout)
        if py is None:
            failures.append(err)
            log(err)
    dt_input = wl
    if py and wanted("datatrove") and (peer_docs < a.docs or len(shards(wl)) < a.workers):
        dt_input = prefix_workload(wl, peer_docs, a.workers)
    if py and wanted("datatrove"):
        jobs["datatrove"] = Job(
            "datatrove",
            [
                str(py),
                str(HERE / "peers" / "datatrove_peer.py"),
                "--input",
                str(dt_input),
                "--work",
                "{work}",
                "--workers",
                str(a.workers),
            ],
            dt_input,
            count_docs(dt_input),
            input_bytes(dt_input),
        )
        if peer_docs < a.docs and wanted("corpus-tool-build"):
            jobs["corpus-tool-build-prefix"] = Job(
                "corpus-tool-build-prefix",
                [ct, "build", str(dt_input), "--version", "1.0.0", "--out", "{work}", "--quiet"],
                dt_input,
                count_docs(dt_input),
                input_bytes(dt_input),
            )
    hf_peers = {"hf-tuned": tuned, "hf-naive": HERE / "peers" / "hf_datasets_peer.py"}
    for tool, script in hf_peers.items():
        if py and wanted(tool) and script.is_file():
            cmd = [str(py), str(script), "--input", str(wl), "--work", "{work}"]
            jobs[tool] = Job(tool, [*cmd, "--workers", str(a.workers)], wl, a.docs, nbytes)

    scratch = ROOT / "bench-data" / "runs"
    env = dict(os.environ, NO_COLOR="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    for job in jobs.values():
        job.env = env
    started = dt.datetime.now().astimezone()
    host = machine()  # before the runs: the commit under test is the one measured
    for r in range(a.runs):
        # Side by side, alternating: every other round in reverse order, so no tool
        # always runs right after the same other one (page cache, thermal state).
        for job in list(jobs.values())[:: -1 if r % 2 else 1]:
            if job.error and not any(x["ok"] for x in job.runs):
                continue  # failed on its first run: do not repeat the failure
            run_job(job, scratch, a.timeout, truth, want_quality=True)

    normalize = stages = None
    if wanted("normalize") or wanted("stages"):
        normalize, stages = run_stages(ct_python, wl, a, failures)

    results: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d %H:%M %Z"),
        "command": shlex.join(
            ["python3", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": host,
        "workload": str(wl.relative_to(ROOT)),
        "docs": a.docs,
        "input_mb": nbytes / 1e6,
        "runs": a.runs,
        "jobs": {t: {"docs": j.docs, "runs": j.runs, "error": j.error} for t, j in jobs.items()},
        "quality": {t: j.quality for t, j in jobs.items() if j.quality is not None},
        "normalize": normalize,
        "stages": stages,
        "notes": notes,
        "failures": failures
        + [f"{LABELS[t]}: {j.error[:600]}" for t, j in jobs.items() if j.error],
    }
    raw = ROOT / "bench-data" / f"results-{wl.name}-{started.strftime('%Y%m%d-%H%M%S')}.json"
    raw.write_text(json.dumps(results, indent=1, default=str))
    text = render(results)
    print(text)
    if not a.no_write:
        a.results.write_text(text)
        log(f"wrote {a.results} (raw figures: {raw.relative_to(ROOT)})")
    return 0


def find_corpus_tool(given: str | None) -> str:
    """The executable under test: --corpus-tool, else beside this python, on PATH, or in
    a virtualenv in or beside the repository."""
    if given:
        found = shutil.which(given)
        if found is None:
            sys.exit(f"--corpus-tool {given}: not found")
        return found
    candidates = [Path(sys.executable).parent / "corpus-tool", shutil.which("corpus-tool")]
    candidates += [ROOT / d / "bin" / "corpus-tool" for d in (".venv", "venv", "../venv")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return str(Path(c).resolve())
    sys.exit("corpus-tool not found: pass --corpus-tool PATH or run with its virtualenv's python")


def ratios(jobs: dict[str, Any]) -> list[str]:
    """Side-by-side ratios: of medians, and of the CPU-based figure that other work on
    the machine barely moves. The one against the tuned HF peer comes first: it is
    the floor a competent user would reach with a mainstream library."""
    s = {t: summarize(j["runs"], j["docs"]) for t, j in jobs.items()}
    out = []
    build, dtv = s.get("corpus-tool-build"), s.get("datatrove")
    for tool, name in (("hf-tuned", "the tuned HF peer"), ("hf-naive", "the naive HF peer")):
        hf = s.get(tool)
        if build and hf:
            out.append(
                f"corpus-tool build wall / {name} wall: {build['wall_s'] / hf['wall_s']:.2f} "
                f"({build['wall_s']:.2f} s vs {hf['wall_s']:.2f} s; best runs "
                f"{build['best_wall_s']:.2f} s vs {hf['best_wall_s']:.2f} s); CPU: "
                f"{build['cpu_s'] / hf['cpu_s']:.2f} ({build['cpu_s']:.2f} s vs "
                f"{hf['cpu_s']:.2f} s). HF does no dedup, no metadata extraction, no validation"
            )
    if build and dtv:
        out.append(
            "corpus-tool build vs datatrove, docs/s: "
            f"{build['docs_per_s'] / dtv['docs_per_s']:.1f}x "
            f"({build['docs_per_s']:,.0f} on {jobs['corpus-tool-build']['docs']:,} docs vs "
            f"{dtv['docs_per_s']:,.0f} on {jobs['datatrove']['docs']:,} docs); per CPU-second: "
            f"{build['docs_per_cpu_s'] / dtv['docs_per_cpu_s']:.1f}x"
        )
    pre = s.get("corpus-tool-build-prefix")
    if pre and dtv:
        out.append(
            f"corpus-tool build vs datatrove on the same {jobs['datatrove']['docs']:,} docs, "
            f"wall: {dtv['wall_s'] / pre['wall_s']:.1f}x faster "
            f"({pre['wall_s']:.2f} s vs {dtv['wall_s']:.2f} s); CPU: "
            f"{dtv['cpu_s'] / pre['cpu_s']:.1f}x less "
            f"({pre['cpu_s']:.2f} s vs {dtv['cpu_s']:.2f} s)"
        )
    check = s.get("corpus-tool-check")
    if build and check:
        out.append(
            f"corpus-tool build / check: wall {build['wall_s'] / check['wall_s']:.2f}, "
            f"CPU {build['cpu_s'] / check['cpu_s']:.2f}"
        )
    return out


def run_stages(py: str, wl: Path, a: argparse.Namespace, failures: list[str]) -> tuple[Any, Any]:
    """Normalization-only docs/s (every run; median) and, once, the per-stage breakdown."""
    script = str(HERE / "stages.py")
    norm_runs: list[dict[str, Any]] = []
    stages = None
    for r in range(a.runs):
        cmd = [py, script, "--input", str(wl)]
        if r == 0 and not a.no_stages:
            cmd += ["--stages", "--stage-docs", str(a.stage_docs)]
        log("normalize-only: " + shlex.join(cmd))
        m = measure(cmd, a.timeout, ROOT)
        if m.rc != 0:
            failures.append(f"stages.py rc={m.rc}: {m.stderr_tail[-600:]}")
            break
        out = json.loads(m.stdout)
        norm_runs.append(out["normalize"])
        if "stages" in out:
            stages = {"stages": out["stages"], "stage_docs": out["stage_docs"]}
    good = [n for n in norm_runs if "error" not in n]
    if not good:
        return (norm_runs[0] if norm_runs else None), stages
    return {
        k: median([n[k] for n in good]) for k in ("docs", "seconds", "docs_per_s", "mb_per_s")
    }, stages


if __name__ == "__main__":
    sys.exit(main())
