"""Build and diff releases: the pipeline's records, deduplicated, into the package writers.

The pipeline streams records in corpus order while the dedup index only learns
at the end which of them to drop. So records go to a spill file beside the
release first, as the workers encoded them (release JSON lines, never all in
memory), and are copied to the release in a second, filtering pass. A corpus
with error findings never reaches the second pass: nothing is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from corpus_tool.config import Config
from corpus_tool.engines import DEFAULT, run
from corpus_tool.findings import Report
from corpus_tool.package.files import MANIFEST, REPORT
from corpus_tool.pipeline import RunResult, announce, decode_record


@dataclass
class BuildOutcome:
    report: Report
    exit_code: int
    message: str
    path: Path | None = None


@contextmanager
def spilled_run(
    paths: list[Path],
    config: Config,
    spill_dir: Path,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT,
    address: str | None = None,
) -> Iterator[tuple[RunResult, Callable[[], Iterator[bytes]]]]:
    """Run the pipeline; yield its result and a reader of the records it keeps
    (as `json_line` bytes)."""
    from corpus_tool.package.tempfiles import TEMP_PREFIX, make_temp

    temp = make_temp(spill_dir, f"{TEMP_PREFIX}spill-", folder=False, suffix=".jsonl")
    spill_path = temp.path
    try:
        with spill_path.open("wb", buffering=1 << 20) as spill:
            result = run(
                paths,
                config,
                engine=engine,
                address=address,
                jobs=jobs,
                progress=progress,
                spill=spill,
            )

        def kept() -> Iterator[bytes]:
            assert result.dedup is not None
            keep = result.dedup.keep
            with spill_path.open("rb") as stream:
                for flag, line in zip(keep, stream, strict=True):
                    if flag:
                        yield line

        yield result, kept
    finally:
        spill_path.unlink(missing_ok=True)
        temp.release()


def build_release(
    paths: list[Path],
    config: Config,
    version: str,
    out: Path,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT,
    address: str | None = None,
    page: Callable[[RunResult, Config], str] | None = None,
) -> BuildOutcome:
    """Check the corpus and write the release; with `page` (the HTML report's renderer,
    from a later stage) also the page of the check as `report.html`."""
    from corpus_tool.package import tempfiles

    swept = tempfiles.sweep(out)  # what killed builds left behind
    note = f"\nremoved what interrupted builds left in {out}: {', '.join(swept)}" if swept else ""
    with spilled_run(
        paths, config, out, jobs=jobs, progress=progress, engine=engine, address=address
    ) as (result, kept):
        if result.report.has_errors():
            return refused(result.report, note)
        if page is not None:
            announce(progress, "writing the HTML report")
        extra = {REPORT: page(result, config)} if page is not None else None
        assert result.dedup is not None
        announce(progress, "writing the release")
        return write_release(
            result.report,
            config,
            paths,
            version,
            out,
            kept(),
            result.dedup.dropped,
            index=_index_writer(result, config, paths),
            extra=extra,
            note=note,
        )


def refused(report: Report, note: str = "") -> BuildOutcome:
    """The outcome of a build of a corpus with error findings: nothing is written."""
    n = report.counts()["error"]
    return BuildOutcome(report, 1, f"{n:,} error(s) found: no release was written{note}")


def write_release(
    report: Report,
    config: Config,
    paths: list[Path],
    version: str,
    out: Path,
    lines: Iterator[bytes],
    dropped: list[dict[str, Any]],
    *,
    index: Callable[[Path], list[str]] | None,
    extra: dict[str, str] | None = None,
    note: str = "",
) -> BuildOutcome:
    """Write the release of a checked corpus: its kept records (`json_line`s in corpus
    order), the dropped entries, the dedup index and `extra` files."""
    from corpus_tool.package.diff import previous_release
    from corpus_tool.package.identity import ReleaseExistsError
    from corpus_tool.package.provenance import release_timestamp
    from corpus_tool.package.verify import ReleaseError
    from corpus_tool.package.writer import ReleaseWriter

    commit, timestamp = release_timestamp(config.root, paths)
    previous = previous_release(out, config.name, version)
    writer = ReleaseWriter(out, config.name, version, config)
    try:
        writer.write_lines(lines)  # records read from a previous release may be damaged
        done = writer.finish(
            dropped=dropped,
            source_commit=commit,
            timestamp=timestamp,
            previous=previous,
            extra=extra,
            index=index,
        )
    except (ReleaseExistsError, ReleaseError) as exc:  # ReleaseError: a damaged previous
        writer.abort()
        return BuildOutcome(report, 1, f"{exc}{note}")
    except BaseException:
        writer.abort()
        raise
    if done.status == "up to date":
        return BuildOutcome(
            report, 0, f"{done.path}: up to date (nothing written){note}", done.path
        )
    message = f"{done.message}; {report.dropped_duplicates:,} duplicate(s) dropped{note}"
    return BuildOutcome(report, 0, message, done.path)


def _index_writer(
    result: RunResult, config: Config, paths: list[Path]
) -> Callable[[Path], list[str]] | None:
    """What writes the release's dedup index (`dedup_index`), if the engine kept one."""
    from corpus_tool.package.dedup_index import IndexData, source_files, write_index

    data = IndexData.of_run(result)
    if data is None:
        return None
    return lambda folder: write_index(folder, data, config, source_files(paths))


def is_release(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def diff_against(
    old: Path, new: Path, config: Config, *, fmt: str = "text", jobs: int | None = None
) -> str:
    """Render what changed from release `old` to release-or-corpus `new`."""
    from corpus_tool.config import ConfigError
    from corpus_tool.package.diff import (
        diff_records,
        diff_releases,
        read_release_records,
        release_schema_sha256,
        render_diff,
    )
    from corpus_tool.package.fields import SCHEMA_SHA256

    if not is_release(old):
        raise ConfigError(f"{old}: not a release folder (no manifest.json)")
    if is_release(new):
        changes, schema_changed = diff_releases(old, new)
        return render_diff(changes, _fmt(fmt), schema_changed=schema_changed)
    schema_changed = release_schema_sha256(old) not in (None, SCHEMA_SHA256)
    with (
        tempfile.TemporaryDirectory(prefix="corpus-tool-diff-") as tmp,
        spilled_run([new], config, Path(tmp), jobs=jobs) as (result, kept),
    ):
        if result.report.has_errors():
            raise ConfigError(
                f"{new}: the corpus has error findings; run `corpus-tool check {new}`"
            )
        changes = diff_records(read_release_records(old), map(decode_record, kept()))
        return render_diff(changes, _fmt(fmt), schema_changed=schema_changed)


def _fmt(fmt: str) -> Literal["text", "json", "markdown"]:
    if fmt not in ("text", "json", "markdown"):
        raise ValueError(f"unknown diff format `{fmt}`")
    return cast(Literal["text", "json", "markdown"], fmt)
