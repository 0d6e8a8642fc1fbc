"""Engines: who runs the pipeline's stages. Both give the same `RunResult`.

`local` (the default) is `corpus_tool.pipeline.run`: worker processes on this
machine. `ray` is `corpus_tool.engines.ray_engine.run_ray`: the same stage
functions on a Ray cluster, for corpora that outgrow one machine. Ray is an
optional extra, imported only when that engine runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from corpus_tool.config import Config, ConfigError
from corpus_tool.pipeline import Record, RecordSink, RunResult

ENGINES = ("local", "ray")
RAY_MISSING = "the Ray engine needs Ray: pip install 'corpus-tool[ray]'"


def require(engine: str, address: str | None = None) -> None:
    """Raise ConfigError (a usage error) if `engine` cannot run here."""
    import importlib.util

    if engine not in ENGINES:
        raise ConfigError(f"unknown engine `{engine}` (choose from {', '.join(ENGINES)})")
    if address is not None and engine != "ray":
        raise ConfigError("--ray-address needs --engine ray")
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        raise ConfigError(RAY_MISSING)


def run(
    paths: list[Path],
    config: Config,
    *,
    engine: str = "local",
    address: str | None = None,
    jobs: int | None = None,
    sink: RecordSink | None = None,
    spill: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    cwd: Path | None = None,
    exclude: Sequence[Path] = (),
) -> RunResult:
    """Run the pipeline with `engine`; the contract is `corpus_tool.pipeline.run`'s."""
    require(engine, address)
    if engine == "ray":
        from corpus_tool.engines.ray_engine import run_ray

        if spill is not None:  # records reach the driver whole: encode them here
            sink = _spill_sink(spill)

        return run_ray(
            paths,
            config,
            address=address,
            jobs=jobs,
            sink=sink,
            progress=progress,
            cwd=cwd,
            exclude=exclude,
        )
    from corpus_tool.pipeline import run as run_local

    return run_local(
        paths,
        config,
        jobs=jobs,
        sink=sink,
        spill=spill,
        progress=progress,
        cwd=cwd,
        exclude=exclude,
    )


def _spill_sink(spill: IO[bytes]) -> RecordSink:
    from corpus_tool.models import json_line

    def sink(record: Record) -> None:
        spill.write(json_line(record))

    return sink
