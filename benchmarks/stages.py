"""Per-core cost of corpus_tool's stages, in one process (run with corpus_tool's python).

    python benchmarks/stages.py --input DIR [--limit N] [--stages]

Reads the `*.jsonl` shards of DIR into memory first (not timed), then times
`corpus_tool.normalize.normalize` over every text: the normalization-only
figure. With `--stages`, also times on the first `--stage-docs` texts: JSON
parsing of the raw lines, `extract` (header/footer metadata), the MinHash
`signatures` (batches of 64, as the pipeline sends them), `process_document`
(the whole per-document part of the pipeline: parse, normalize, extract,
validate, hashes) and the time of each normalizer rule.
Prints one JSON object on stdout; a stage that cannot be imported is reported
as an error string instead of a figure.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from typing import Any


def read_lines(folder: str, limit: int | None) -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    lines.append(line)
                    if limit is not None and len(lines) >= limit:
                        return lines
    return lines


def rate(docs: int, nbytes: int, seconds: float, cpu: float | None = None) -> dict[str, Any]:
    out = {
        "docs": docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1) if seconds else None,
        "mb_per_s": round(nbytes / 1e6 / seconds, 2) if seconds else None,
    }
    if cpu is not None:  # per core, and less sensitive than wall time to a busy machine
        out["cpu_seconds"] = round(cpu, 3)
        out["docs_per_cpu_s"] = round(docs / cpu, 1) if cpu else None
    return out


def timed(fn, docs: int, nbytes: int) -> dict[str, Any]:
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        return rate(docs, nbytes, time.perf_counter() - t0, time.process_time() - c0)
    except Exception as exc:  # report and go on: one missing stage must not hide the others
        return {"error": f"{type(exc).__name__}: {exc}"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--limit", type=int, default=None, help="first N documents only")
    ap.add_argument("--stages", action="store_true", help="also time each stage")
    ap.add_argument("--stage-docs", type=int, default=10_000)
    a = ap.parse_args(argv)

    lines = read_lines(a.input, a.limit)
    texts = [json.loads(line)["text"] for line in lines]
    nbytes = sum(len(line) for line in lines)
    out: dict[str, Any] = {"input_bytes": nbytes}

    def normalize_all() -> None:
        from corpus_tool.normalize import normalize

        for t in texts:
            normalize(t)

    out["normalize"] = timed(normalize_all, len(texts), nbytes)

    if a.stages:
        sub_lines = lines[: a.stage_docs]
        sub = texts[: a.stage_docs]
        n, sb = len(sub), sum(len(line) for line in sub_lines)
        stages: dict[str, Any] = {}
        try:
            import orjson

            stages["json_parse"] = timed(lambda: [orjson.loads(x) for x in sub_lines], n, sb)
        except ImportError:
            stages["json_parse"] = timed(lambda: [json.loads(x) for x in sub_lines], n, sb)

        def normalize_sub() -> None:
            from corpus_tool.normalize import normalize

            for t in sub:
                normalize(t)

        def extract_sub() -> None:
            from corpus_tool.extract import extract

            for t in sub:
                extract(t)

        def signatures_sub() -> None:
            from corpus_tool.config import DedupConfig
            from corpus_tool.normalize import normalize
            from corpus_tool.validate.dedup.hashing import signatures

            normed = [normalize(t).text for t in sub]  # not timed separately: see normalize
            t0 = time.perf_counter()
            cfg = DedupConfig()
            for i in range(0, len(normed), 64):
                signatures(normed[i : i + 64], cfg)
            stages["_signatures_only_s"] = round(time.perf_counter() - t0, 3)

        def per_rule() -> dict[str, float]:
            from corpus_tool.normalize import RULES

            spent: dict[str, float] = {}
            for t in sub:
                for rule in RULES.values():
                    t0 = time.perf_counter()
                    new = rule.func(t)
                    spent[rule.code] = spent.get(rule.code, 0.0) + time.perf_counter() - t0
                    t = new
            return {k: round(v, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}

        def process_documents() -> None:
            from pathlib import Path

            from corpus_tool.config import load_config
            from corpus_tool.pipeline import process_document
            from corpus_tool.sources import Item

            cfg = load_config(None, cwd=Path.cwd())
            items = [Item("jsonl", "bench.jsonl", i + 1, x) for i, x in enumerate(sub_lines)]
            t0, c0 = time.perf_counter(), time.process_time()
            for item in items:
                process_document(item, cfg)
            stages["_process_document_only_s"] = (
                time.perf_counter() - t0,
                time.process_time() - c0,
            )

        stages["normalize"] = timed(normalize_sub, n, sb)
        stages["extract"] = timed(extract_sub, n, sb)
        stages["signatures"] = timed(signatures_sub, n, sb)
        if "_signatures_only_s" in stages:
            stages["signatures"] = rate(n, sb, stages.pop("_signatures_only_s"))
        stages["process_document"] = timed(process_documents, n, sb)
        if "_process_document_only_s" in stages:
            stages["process_document"] = rate(n, sb, *stages.pop("_process_document_only_s"))
        try:
            stages["normalize_rules_s"] = per_rule()
        except Exception as exc:
            stages["normalize_rules_s"] = {"error": f"{type(exc).__name__}: {exc}"}
        out["stages"] = stages
        out["stage_docs"] = n
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
