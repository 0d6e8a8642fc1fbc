"""The pages `corpus-tool report` and `check --format html` write: one library call each."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from corpus_tool.config import Config, ConfigError
from corpus_tool.engines import DEFAULT, run
from corpus_tool.pipeline import RunResult
from corpus_tool.render.report.data import MAX_CHANGED, Changes, gather, release_data
from corpus_tool.render.report.html import render_html


def check_page(result: RunResult, config: Config, *, strict: bool = False) -> str:
    """The page of a finished run (`check --format html`, and `build`'s report.html)."""
    return render_html(gather(result, config, strict=strict))


def corpus_page(
    paths: list[Path],
    config: Config,
    *,
    since: Path | None = None,
    strict: bool = False,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT,
    address: str | None = None,
) -> tuple[str, int]:
    """Run the pipeline once over `paths` and render its page; with `since` (a release)
    also what changed against it. Returns the page and the exit code `check` gives."""
    if since is None:
        result = run(paths, config, engine=engine, address=address, jobs=jobs, progress=progress)
        return check_page(result, config, strict=strict), result.report.exit_code(strict)
    from corpus_tool.package.build import is_release, spilled_run
    from corpus_tool.package.diff import diff_records, read_release_records
    from corpus_tool.pipeline import decode_record

    if not is_release(since):
        raise ConfigError(f"--since {since}: not a release folder (no manifest.json)")
    with (
        tempfile.TemporaryDirectory(prefix="corpus-tool-report-") as tmp,
        spilled_run(
            paths,
            config,
            Path(tmp),
            jobs=jobs,
            progress=progress,
            engine=engine,
            address=address,
        ) as (result, kept),
    ):
        diff = diff_records(read_release_records(since), map(decode_record, kept()))
    edited = list(dict.fromkeys([*diff.text_changed, *diff.metadata_changed]))
    changes = Changes(
        release=since.name,
        counts=diff.counts(),
        added=diff.added[:MAX_CHANGED],
        removed=diff.removed[:MAX_CHANGED],
        edited=edited[:MAX_CHANGED],
    )
    changes.counts["edited"] = len(edited)
    page = render_html(gather(result, config, strict=strict, changes=changes))
    return page, result.report.exit_code(strict)


def release_page(release: Path, config: Config) -> str:
    """The page of a release folder: its records and dropped duplicates."""
    from corpus_tool.package.diff import read_release_records
    from corpus_tool.package.manifest import read_manifest

    manifest = read_manifest(release)
    title = f"{manifest['name']} {manifest['version']}"
    return render_html(release_data(title, manifest, read_release_records(release), config))
