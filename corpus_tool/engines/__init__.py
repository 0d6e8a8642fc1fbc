"""Engines: who does a run's per-document work. All give the same `RunResult`.

`local` (the default) runs worker processes on this machine; `ray` runs the
same stage functions on a Ray cluster, for corpora that outgrow one machine.
Both feed one `corpus_tool.pipeline.Driver`, which does the corpus-wide
bookkeeping (see `corpus_tool.engines.base`).

`ENGINES` is the one list of engines: the CLI's `--engine` choices and help
come from it. An engine's module is imported only when it runs, so an
optional one (Ray) costs nothing until chosen. This module imports nothing
heavy at load: the CLI reads the list at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from corpus_tool.config import Config
    from corpus_tool.engines.base import Engine
    from corpus_tool.pipeline import RecordSink, RunResult


@dataclass(frozen=True)
class Listed:
    """One engine: its `--engine` name, where its `Engine` class is, one line of help,
    the package it needs that a plain install lacks (with what to say then), and
    whether it runs on a cluster at an address (`--ray-address`)."""

    name: str
    target: str  # "module:Class"
    summary: str
    needs: str | None = None
    missing: str = ""
    takes_address: bool = False

    def load(self) -> type[Engine]:
        module, _, name = self.target.partition(":")
        engine: type[Engine] = getattr(importlib.import_module(module), name)
        return engine


RAY_MISSING = "the Ray engine needs Ray: pip install 'corpus-tool[ray]'"

ENGINES = (
    Listed("local", "corpus_tool.engines.local:LocalEngine", "processes on this machine"),
    Listed(
        "ray",
        "corpus_tool.engines.ray:RayEngine",
        "a Ray cluster (corpus-tool[ray])",
        needs="ray",
        missing=RAY_MISSING,
        takes_address=True,
    ),
)
NAMES = tuple(e.name for e in ENGINES)
DEFAULT = "local"
HELP = "; ".join(f"{e.name}: {e.summary}" for e in ENGINES) + "."


def listed(engine: str) -> Listed:
    """The engine called `engine`; ConfigError (a usage error) if there is none."""
    from corpus_tool.config import ConfigError

    for entry in ENGINES:
        if entry.name == engine:
            return entry
    raise ConfigError(f"unknown engine `{engine}` (choose from {', '.join(NAMES)})")


def require(engine: str, address: str | None = None) -> None:
    """Raise ConfigError (a usage error) if `engine` cannot run here."""
    import importlib.util

    from corpus_tool.config import ConfigError

    entry = listed(engine)
    if address is not None and not entry.takes_address:
        raise ConfigError("--ray-address needs --engine ray")
    if entry.needs is not None and importlib.util.find_spec(entry.needs) is None:
        raise ConfigError(entry.missing)


def run(
    paths: list[Path],
    config: Config,
    *,
    engine: str = DEFAULT,
    address: str | None = None,
    jobs: int | None = None,
    sink: RecordSink | None = None,
    spill: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    cwd: Path | None = None,
    exclude: Sequence[Path] = (),
) -> RunResult:
    """Check the corpus at `paths` with `engine`; hand every record to `sink` in corpus
    order, or write each to `spill` as a `json_line` (see `corpus_tool.pipeline.Job`)."""
    from corpus_tool.pipeline import Job

    require(engine, address)
    job = Job(paths, config, sink, spill, progress, cwd, exclude)
    return listed(engine).load()(jobs=jobs, address=address).run(job)
