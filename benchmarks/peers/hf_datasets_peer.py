"""Peer: Hugging Face `datasets` — load JSONL, clean with regexes, write Parquet and save_to_disk.

Run with the peer virtualenv's python (see benchmarks/README.md):

    python hf_datasets_peer.py --input DIR --work DIR [--workers 2]

What a maintainer would write by hand with `datasets` alone: `load_dataset("json")`
over the shards, one `.map` (num_proc=`--workers`) applying eleven cleanup regexes
for the artifact classes of the workload, `to_parquet`, `save_to_disk`. No metadata
extraction, no validation, no deduplication. The `datasets` cache is pointed at
`--work`, so every run starts cold.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import sys
import time

# The eleven cleanups, each written once with the obvious regex (compiled at import).
DEAD_LINK = re.compile(r"\[([^\]\n]*)\]\(#\)")  # [text](#) -> text
NEWSLETTER = re.compile(r"(?im)^[ \t]*get the [^\n]{0,60} in your inbox:?[ \t]*\n?")
RELATED = re.compile(r"(?m)^[ \t]*\*\*Related article:\*\*[^\n]*\n?")
MEDIA_CREDIT = re.compile(r"[ \t]*\((?:Video|Photo): [^)\n]{1,40}\)")
TIMESTAMP = re.compile(r"(?m)^[ \t]*\d{1,2}:\d{2}(?::\d{2})?[ \t]*\n?")
ORIGINAL_URL = re.compile(r"(?is)\n*Original url:\s*<?https?://[^\s>]+>?\s*$")
ESCAPED = re.compile(r"\\([*_`#\[\]])")  # \* -> *
NBSP = re.compile("[\u00a0\u2007\u202f]")
TRAILING = re.compile(r"(?m)[ \t]+$")
CRLF = re.compile(r"\r\n?")
BLANK_RUNS = re.compile(r"\n{3,}")


def clean(text: str) -> str:
    text = CRLF.sub("\n", text)
    text = NBSP.sub(" ", text)
    text = DEAD_LINK.sub(r"\1", text)
    text = NEWSLETTER.sub("", text)
    text = RELATED.sub("", text)
    text = MEDIA_CREDIT.sub("", text)
    text = TIMESTAMP.sub("", text)
    text = ORIGINAL_URL.sub("\n", text)
    text = ESCAPED.sub(r"\1", text)
    text = TRAILING.sub("", text)
    text = BLANK_RUNS.sub("\n\n", text)
    return text.strip() + "\n"


def clean_batch(batch: dict) -> dict:
    return {"text": [clean(t) for t in batch["text"]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="folder of *.jsonl shards")
    ap.add_argument("--work", required=True, help="empty folder for the cache and output")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)

    work = os.path.abspath(a.work)
    os.environ["HF_DATASETS_CACHE"] = os.path.join(work, "cache")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    import datasets

    datasets.disable_progress_bars()
    files = sorted(glob.glob(os.path.join(a.input, "*.jsonl*")))
    t0 = time.perf_counter()
    ds = datasets.load_dataset(
        "json", data_files=files, split="train", cache_dir=os.path.join(work, "cache")
    )
    t1 = time.perf_counter()
    ds = ds.map(clean_batch, batched=True, batch_size=256, num_proc=a.workers)
    t2 = time.perf_counter()
    ds.to_parquet(os.path.join(work, "out", "train.parquet"))
    t3 = time.perf_counter()
    ds.save_to_disk(os.path.join(work, "out", "dataset"))
    t4 = time.perf_counter()
    print(
        f"load {t1 - t0:.2f}s map {t2 - t1:.2f}s to_parquet {t3 - t2:.2f}s "
        f"save_to_disk {t4 - t3:.2f}s rows {len(ds)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
