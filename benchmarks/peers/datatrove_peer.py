"""Peer: datatrove 0.10.1 — exact dedup, then MinHash dedup, then JSONL + Parquet writers.

Run with the peer virtualenv's python (see benchmarks/README.md):

    python datatrove_peer.py --input DIR --work DIR [--workers 2]

DIR holds `*.jsonl` shards of `{"id", "text", ...metadata}`. Stages (each a
LocalPipelineExecutor with `--workers` tasks unless said otherwise):

1. exact: JsonlReader -> ExactDedupSignature (xxhash64 of the text bytes)
2. exact: ExactFindDedups (1 task)
3. exact: JsonlReader -> ExactDedupFilter (removed docs to `removed-exact/`) -> JsonlWriter
   (uncompressed intermediate)
4. MinHash stage 1: signatures (datatrove defaults: 5-grams of spaCy English words,
   14 buckets x 8 hashes, 64-bit hashes)
5. MinHash stage 2: buckets (14 tasks on `--workers` workers)
6. MinHash stage 3: clusters (1 task; cluster ids saved, so the benchmark can pair each
   dropped document with the one it was clustered with)
7. MinHash stage 4: JsonlReader -> MinhashDedupFilter (removed docs to `removed-minhash/`)
   -> JsonlWriter (`out/jsonl`, gzip) -> ParquetWriter (`out/parquet`, zstd)

Set-up notes this script follows: `xxhash<4` (MinHash fails with 4.x), spacy, regex and
tokenizers installed (English word tokenizer), a content getter annotated `-> bytes`
(exact dedup picks its hash function from the annotation), and an explicit Parquet
schema (some documents lack metadata fields).
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def content_bytes(doc) -> bytes:
    """The exact-dedup key: the raw text bytes (the return annotation selects the hasher)."""
    return doc.text.encode("utf-8")


def parquet_schema():
    import pyarrow as pa

    meta = pa.struct(
        [
            ("title", pa.string()),
            ("source", pa.string()),
            ("url", pa.string()),
            ("published", pa.string()),
            ("language", pa.string()),
            ("authors", pa.list_(pa.string())),
            ("file_path", pa.string()),
            ("duplicate_count", pa.int64()),
            ("minhash_cluster_id", pa.int64()),
        ]
    )
    return pa.schema([("text", pa.string()), ("id", pa.string()), ("metadata", meta)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="folder of *.jsonl shards")
    ap.add_argument("--work", required=True, help="empty folder for intermediate and output")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.exact_dedup import (
        ExactDedupConfig,
        ExactDedupFilter,
        ExactDedupSignature,
        ExactFindDedups,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

    w = a.workers
    work = os.path.abspath(a.work)
    p = lambda *parts: os.path.join(work, *parts)  # noqa: E731
    exact_cfg = ExactDedupConfig(content_getter=content_bytes)
    mh_cfg = MinhashConfig()  # datatrove defaults
    logs = p("logs")
    # the input folder may hold other files (_truth.json): read only the shards
    reader = lambda folder: JsonlReader(folder, glob_pattern="*.jsonl*")  # noqa: E731

    def run(name, pipeline, tasks=w, workers=w):
        t0 = time.perf_counter()
        LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=workers,
            logging_dir=os.path.join(logs, name),
            skip_completed=False,
        ).run()
        print(f"stage {name}: {time.perf_counter() - t0:.2f}s", file=sys.stderr)

    run(
        "1-exact-sigs",
        [reader(a.input), ExactDedupSignature(p("exact-sigs"), config=exact_cfg)],
    )
    run("2-exact-find", [ExactFindDedups(p("exact-sigs"), p("exact-dups"), config=exact_cfg)], 1, 1)
    run(
        "3-exact-filter",
        [
            reader(a.input),
            ExactDedupFilter(
                p("exact-dups"),
                config=exact_cfg,
                exclusion_writer=JsonlWriter(p("removed-exact"), compression=None),
            ),
            JsonlWriter(p("after-exact"), compression=None),
        ],
    )
    run(
        "4-minhash-sigs",
        [reader(p("after-exact")), MinhashDedupSignature(p("mh-sigs"), config=mh_cfg)],
    )
    run(
        "5-minhash-buckets",
        [MinhashDedupBuckets(p("mh-sigs"), p("mh-buckets"), config=mh_cfg)],
        mh_cfg.num_buckets,
        w,
    )
    run(
        "6-minhash-clusters",
        [MinhashDedupCluster(p("mh-buckets"), p("mh-remove"), config=mh_cfg, save_cluster_id=True)],
        1,
        1,
    )
    run(
        "7-minhash-filter-write",
        [
            reader(p("after-exact")),
            MinhashDedupFilter(
                p("mh-remove"),
                exclusion_writer=JsonlWriter(p("removed-minhash"), compression=None),
                load_cluster_ids=True,
            ),
            JsonlWriter(p("out", "jsonl")),
            ParquetWriter(p("out", "parquet"), compression="zstd", schema=parquet_schema()),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
