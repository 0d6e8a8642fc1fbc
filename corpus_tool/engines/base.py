"""What an engine is: the per-document work of a run, done somewhere, fed to one Driver.

An engine reads the corpus, runs `process_batch` over batches of its items
(in this process, in worker processes, on a cluster) and hands the driver,
in corpus order, every read finding and every batch's documents. The driver
(`corpus_tool.pipeline.Driver`) does the corpus-wide bookkeeping, the same
for every engine; its `finish()` is the engine's result. An engine that
finds repeated ids or duplicates elsewhere (with a cluster's group-bys) gives
the driver a `FoundIndex` of them instead of its own `StreamIndex`.

A new engine is one module here with one `Engine` subclass, and one line in
`corpus_tool.engines.ENGINES`.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod

from corpus_tool.pipeline import Job, RunResult

BATCH_DOCS = 64  # documents per process_batch call (at least: see the local engine)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Engine(ABC):
    """Runs a `Job`; the result is the same whichever engine runs it.

    `jobs`: how many processes (CPUs) to use, by default all of this machine's.
    `address`: where the engine's cluster is, for an engine that has one.
    """

    def __init__(self, *, jobs: int | None = None, address: str | None = None) -> None:
        self.jobs = jobs
        self.address = address

    @abstractmethod
    def run(self, job: Job) -> RunResult:
        """Feed every read finding and every document of `job` to one `Driver`,
        in corpus order; return its `finish()`."""
