"""The local engine (the default): worker processes on this machine.

The main process reads the corpus and cuts it into batches; a pool of forked
workers runs `process_batch` on them, and the results come back in order to
the driver. A small corpus runs in this process: no pool start-up cost.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from corpus_tool.config import Config
from corpus_tool.engines.base import BATCH_DOCS, Engine, default_jobs
from corpus_tool.findings import Finding
from corpus_tool.pipeline import BatchResult, Driver, Job, RunResult, process_batch
from corpus_tool.sources import Item, read_items

BATCH_BYTES = 64 << 10  # a batch is BATCH_DOCS documents, unless they hold less than
BATCH_MAX = 4096  # this: then up to this many, so a million tiny bad lines are not
# a million tasks' worth
INLINE_BELOW = 256  # corpora smaller than this run in-process: no pool start-up cost


class LocalEngine(Engine):
    def run(self, job: Job) -> RunResult:
        driver = Driver(job)
        config = job.config
        stream = read_items(job.paths, config.max_file_bytes, cwd=job.cwd, exclude=job.exclude)
        first = _peek(stream, INLINE_BELOW)
        batches = _batches(first, driver.loose)
        jobs = self.jobs or default_jobs()
        inline = jobs <= 1 or len(first.head) < INLINE_BELOW
        with _processed(batches, config, job.output, 1 if inline else jobs) as results:
            for batch in results:
                driver.add(batch)
        return driver.finish()


def process_items(
    items: list[Item], config: Config, output: str, jobs: int | None = None
) -> list[BatchResult]:
    """`process_batch` over some items (an incremental run's changed documents), in
    batches on `jobs` workers (in this process when there are few)."""
    jobs = jobs or default_jobs()
    batches = list(_batches(items, lambda f: None))
    workers = 1 if jobs <= 1 or len(items) < INLINE_BELOW else min(jobs, len(batches))
    with _processed(batches, config, output, workers) as results:
        return list(results)


@contextmanager
def _processed(
    batches: Iterable[list[Item]], config: Config, output: str, jobs: int
) -> Iterator[Iterator[BatchResult]]:
    """The batches' results in order: here, or from `jobs` forked workers (the pool
    is terminated on the way out, whatever the way)."""
    if jobs <= 1:
        yield (process_batch(b, config, output) for b in batches)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(config, output))
    try:
        yield pool.imap(_process, batches, chunksize=1)
    finally:
        pool.terminate()


_WORKER_CONFIG: Config | None = None
_WORKER_OUTPUT = ""


def _init_worker(config: Config, output: str) -> None:
    """A worker ignores Ctrl-C: the terminal sends SIGINT to the whole process group,
    and the main process alone handles it (it stops the pool and exits 130)."""
    global _WORKER_CONFIG, _WORKER_OUTPUT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_CONFIG = config
    _WORKER_OUTPUT = output


def _process(items: list[Item]) -> BatchResult:
    assert _WORKER_CONFIG is not None
    return process_batch(items, _WORKER_CONFIG, _WORKER_OUTPUT)


def _batches(
    stream: Iterable[Item | Finding], loose: Callable[[Finding], None]
) -> Iterator[list[Item]]:
    batch: list[Item] = []
    size = 0
    for entry in stream:
        if isinstance(entry, Finding):
            loose(entry)
            continue
        batch.append(entry)
        size += _size(entry)
        if len(batch) >= BATCH_MAX or (len(batch) >= BATCH_DOCS and size >= BATCH_BYTES):
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _size(item: Item) -> int:
    """About how many bytes an item carries (a Parquet row: its text's length)."""
    if isinstance(item.data, bytes | bytearray):
        return len(item.data)
    text = item.data.get("text") if isinstance(item.data, dict) else None
    return len(text) if isinstance(text, str) else BATCH_BYTES // BATCH_DOCS


class _peek:
    """An iterator that has already read its first `n` entries (to size the run)."""

    def __init__(self, stream: Iterator[Item | Finding], n: int) -> None:
        self.head: list[Item | Finding] = []
        for entry in stream:
            self.head.append(entry)
            if len(self.head) >= n:
                break
        self.rest = stream

    def __iter__(self) -> Iterator[Item | Finding]:
        yield from self.head
        yield from self.rest
