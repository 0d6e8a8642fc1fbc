"""The `corpus-tool` command: each command parses, calls the library once, renders, exits.

stdout is data (reports, normalized text, diffs); stderr is talk (progress,
summaries, errors). Exit codes: 0 clean, 1 findings or differences, 2 usage or
configuration errors. Heavy libraries are imported inside the commands that
need them, so `check` on a handful of files starts at once.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from corpus_tool import __version__, engines

app = typer.Typer(
    name="corpus-tool",
    help="Check, normalize, deduplicate and package text corpora kept in git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_DEBUG = False


class Format(enum.StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"  # SARIF 2.1.0, for GitHub code scanning
    html = "html"  # the page `corpus-tool report` writes, on stdout


# The choices of --engine: the engines listed in `corpus_tool.engines.ENGINES`.
Engine = enum.StrEnum("Engine", [(name, name) for name in engines.NAMES])  # type: ignore[misc]
DEFAULT_ENGINE = Engine(engines.DEFAULT)


class DiffFormat(enum.StrEnum):
    """Formats of reports meant for people and machines: also used by `rules`."""

    text = "text"
    json = "json"
    markdown = "markdown"


def fail(message: str, code: int = 2) -> NoReturn:
    """One red line on stderr and exit: the CLI's only way to report an error."""
    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    text = f"error: {message}"
    sys.stderr.write((f"\x1b[31m{text}\x1b[0m" if color else text) + "\n")
    raise typer.Exit(code)


@contextmanager
def errors_as_exit() -> Iterator[None]:
    """Library errors become one line and exit 2; a traceback only with --debug."""
    from corpus_tool.config import ConfigError
    from corpus_tool.errors import DataError

    try:
        yield
    except KeyboardInterrupt:
        # Ctrl-C: the pipeline stopped its workers and the build removed its
        # temporary files on the way out; 130 is the shell's code for SIGINT.
        sys.stderr.write("interrupted\n")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except ConfigError as exc:
        if _DEBUG:
            raise
        fail(str(exc))
    except DataError as exc:  # e.g. a damaged release: the data's fault, not usage
        if _DEBUG:
            raise
        fail(str(exc), 1)
    except Exception as exc:
        if _DEBUG:
            raise
        fail(f"{type(exc).__name__}: {exc} (run with --debug for a traceback)")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"corpus-tool {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
) -> None:
    global _DEBUG
    _DEBUG = debug


ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="A pyproject.toml (or TOML file) to read settings from."),
]
PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or folders of the corpus (default: `paths` in the configuration)."),
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).")
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar or summary on stderr.")
]
EngineOpt = Annotated[Engine, typer.Option("--engine", help=engines.HELP)]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="With --engine ray: `auto` or ray://host:port (default: start Ray on this machine).",
    ),
]


def _config(config_path: Path | None) -> Any:
    from corpus_tool.config import load_config

    return load_config(config_path)


def _load(config_path: Path | None, paths: list[Path] | None) -> tuple[Any, list[Path]]:
    """The configuration, and the corpus paths: PATHS, else `paths` of the configuration."""
    from corpus_tool.config import ConfigError

    config = _config(config_path)
    chosen = paths or [config.resolve(p) for p in config.paths]
    if not chosen:
        raise ConfigError(
            "no corpus to read: pass files or folders (e.g. `corpus-tool check corpus/`),"
            ' or set `paths = ["corpus"]` under [tool.corpus-tool] in pyproject.toml'
        )
    return config, chosen


def _progress_bar(quiet: bool) -> Any:
    """A rich progress bar on an interactive stderr; nothing in CI or with --quiet."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


class Tracker:
    """What a run reports to a progress bar: documents done (`tracker(n)`), out of
    an estimated total when the input's size is known, then the phases after
    reading (`tracker.phase("resolving duplicates")`), each labelled.

    `bar` is a rich `Progress` (anything with `add_task` and `update`). The total
    is raised if the documents outrun the estimate, so the bar never overflows.
    """

    def __init__(self, bar: Any, label: str, total: int | None, exact: bool = True) -> None:
        import time

        self.bar, self.clock = bar, time.perf_counter
        self.start = self.clock()
        self.done = 0
        self.total = total
        self.approx = "" if exact else "~"
        self.task = bar.add_task(label, total=total, count=self._count(), rate="")

    def _count(self) -> str:
        from corpus_tool.render.numbers import count

        if self.total is None:
            return f"{count(self.done)} documents"
        return f"{count(self.done)}/{self.approx}{count(self.total)} documents"

    def __call__(self, n: int) -> None:
        self.done += n
        if self.total is not None and self.done > self.total:
            self.total, self.approx = self.done, "~"
        rate = self.done / max(self.clock() - self.start, 1e-9)
        self.bar.update(
            self.task,
            completed=self.done,
            total=self.total,
            count=self._count(),
            rate=f"{rate:,.0f} docs/s",
        )

    def phase(self, label: str) -> None:
        """A phase after reading: the bar shows its label and its own elapsed time."""
        self.bar.update(self.task, completed=self.total or self.done, total=self.total or self.done)
        self.task = self.bar.add_task(label, total=None, count="", rate="")


@contextmanager
def progress_callback(
    quiet: bool, label: str, paths: list[Path] | None = None
) -> Iterator[Callable[[int], None] | None]:
    """A `Tracker` on a progress bar (None without one). With `paths`, the total is
    estimated up front (`sources.estimate`): the bar shows it and an ETA."""
    bar = _progress_bar(quiet)
    if bar is None:
        yield None
        return
    total, exact = None, True
    if paths:
        from corpus_tool.sources.estimate import estimate_documents

        estimate = estimate_documents(paths)
        total, exact = estimate.documents, estimate.exact
    with bar:
        yield Tracker(bar, label, total, exact)


# ------------------------------------------------------------------------------ check


@contextmanager
def _checking(
    config: Path | None,
    paths: list[Path] | None,
    engine: Engine,
    ray_address: str | None,
    quiet: bool,
    selection: tuple[str | None, str | None, str | None] = (None, None, None),
) -> Iterator[tuple[Any, list[Path], Callable[[int], None] | None]]:
    """What `check` and `report` do before they run the pipeline: the engine is there,
    the configuration and paths are read (with the command line's `selection`:
    --select, --ignore, --extend-select), and a progress bar is up."""
    from corpus_tool.engines import require

    require(engine.value, ray_address)
    cfg, chosen = _load(config, paths)
    cfg = _selected(cfg, *selection)
    with progress_callback(quiet, "checking", chosen) as progress:
        yield cfg, chosen, progress


def _codes(value: str | None) -> list[str] | None:
    """`N1,D001` (or the option given twice) -> ["N1", "D001"]; None if not given."""
    if value is None:
        return None
    return [code.strip().upper() for code in value.split(",") if code.strip()]


SelectOpt = Annotated[
    str | None,
    typer.Option(
        "--select",
        help="Codes or prefixes to enable, comma-separated (e.g. N1,D001): replaces the"
        " configuration's `select`, `extend_select` and `ignore`.",
    ),
]
IgnoreOpt = Annotated[
    str | None,
    typer.Option("--ignore", help="Codes or prefixes to disable, added to `ignore`."),
]
ExtendSelectOpt = Annotated[
    str | None,
    typer.Option(
        "--extend-select", help="Codes or prefixes to enable as well, added to `extend_select`."
    ),
]


def _selected(cfg: Any, select: str | None, ignore: str | None, extend: str | None) -> Any:
    """The configuration with the command line's selection over it (see Config.with_selection)."""
    return cfg.with_selection(_codes(select), _codes(ignore), _codes(extend))


def _step_summary(report: Any, command: str, exit_code: int, changes: Any = None) -> bool:
    """Append the run's Markdown summary to $GITHUB_STEP_SUMMARY, when it is set.
    `changes`: what changed against a release (`render.summary.Changes`), with --since."""
    if not os.environ.get("GITHUB_STEP_SUMMARY"):
        return False
    from corpus_tool.render.summary import append_step_summary

    try:
        append_step_summary(report, command=command, exit_code=exit_code, changes=changes)
    except OSError as exc:
        sys.stderr.write(f"warning: cannot write $GITHUB_STEP_SUMMARY: {exc}\n")
        return False
    return True


@app.command()
def check(
    paths: PathsArg = None,
    format: Annotated[
        Format,
        typer.Option("--format", "--output-format", "-f", help="Report format."),
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the check too.")] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when findings fail the check.")
    ] = False,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics", help="Print the number of findings per code instead of the findings."
        ),
    ] = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    extend_select: ExtendSelectOpt = None,
    config: ConfigOpt = None,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
    ray_address: RayAddressOpt = None,
    since: SinceOpt = None,
) -> None:
    """Check the corpus: run the whole pipeline except writing, report every problem.

    Example: corpus-tool check seeds --format github
    """
    from corpus_tool.engines import run
    from corpus_tool.render import RENDERERS

    with (
        errors_as_exit(),
        _checking(config, paths, engine, ray_address, quiet, (select, ignore, extend_select)) as (
            cfg,
            chosen,
            progress,
        ),
    ):
        result = _check_since(since or cfg.since, cfg, chosen, engine, jobs, quiet)
        if result is None:
            result = run(
                chosen, cfg, engine=engine.value, address=ray_address, jobs=jobs, progress=progress
            )
    report = result.report
    code = 0 if exit_zero else report.exit_code(strict)
    summarized = _step_summary(report, "check", report.exit_code(strict), _changes(report))
    if statistics:
        from corpus_tool.render.statistics import render_statistics

        sys.stdout.write(render_statistics(report, "json" if format is Format.json else "text"))
        raise typer.Exit(code)
    if format is Format.html:
        from corpus_tool.render.report.page import check_page

        with errors_as_exit():
            sys.stdout.write(check_page(result, cfg, strict=strict))
        raise typer.Exit(code)
    color = format is Format.text and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    options: dict[str, Any] = {"color": color}
    if format is Format.github:
        where = "every finding is listed in this step's log"
        if summarized:
            where += "; counts by code and the files with most findings are in the job summary"
        options["where"] = where + "; `corpus-tool check` prints the full report"
    sys.stdout.write(RENDERERS[format.value](report, **options))
    raise typer.Exit(code)


def _changes(report: Any) -> Any:
    """What changed against the release of `check --since`, for the step summary."""
    if not report.since:
        return None
    from corpus_tool.render.summary import Changes

    since = report.since
    return Changes(since["release"], counts=(since["added"], since["edited"], since["removed"]))


SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="A release folder, or `latest` (the newest in dist/): check only what changed"
        " against it, with its dedup index (also `since` in the configuration).",
    ),
]


def _check_since(
    since: str | None, cfg: Any, chosen: list[Path], engine: Engine, jobs: int | None, quiet: bool
) -> Any:
    """`check --since`: the incremental result, or None for a full check (no `since`,
    or a release whose index cannot serve: the reason is said on stderr)."""
    if not since:
        return None
    from corpus_tool.engines.since import IndexError_, check_since
    from corpus_tool.package.since import resolve_since

    if engine.value != "local":
        fail("--since runs on the local engine only")
    release = resolve_since(since, cfg)
    try:
        done = check_since(chosen, cfg, release, jobs=jobs)
    except IndexError_ as exc:
        sys.stderr.write(f"{exc}: running a full check\n")
        return None
    done.result.report.since = done.change.to_dict()
    if not quiet:
        sys.stderr.write(done.change.summary() + "\n")
    return done.result


# ------------------------------------------------------------------------------ report


@app.command()
def report(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders of the corpus (default: `paths` in the configuration),"
            " or one release folder."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    since: Annotated[
        Path | None,
        typer.Option("--since", help="A release: also show what changed against it."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the check too.")] = False,
    config: ConfigOpt = None,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
    ray_address: RayAddressOpt = None,
) -> None:
    """Write one self-contained HTML page of a check (or of a release) to look at.

    Exits as `check` would (a release's page: 0).
    Example: corpus-tool report seeds --out report.html
    """
    from corpus_tool.package.build import is_release
    from corpus_tool.render.report.page import corpus_page, release_page

    code = 0
    with errors_as_exit():
        if paths and len(paths) == 1 and is_release(paths[0]):
            if since is not None:
                fail("--since compares a corpus with a release, not two releases: use `diff`")
            page = release_page(paths[0], _config(config))
        else:
            with _checking(config, paths, engine, ray_address, quiet) as (cfg, chosen, progress):
                page, code = corpus_page(
                    chosen,
                    cfg,
                    since=since,
                    strict=strict,
                    jobs=jobs,
                    progress=progress,
                    engine=engine.value,
                    address=ray_address,
                )
        out.write_text(page, encoding="utf-8")
    if not quiet:
        sys.stderr.write(f"wrote {out} ({len(page.encode('utf-8')):,} bytes)\n")
    raise typer.Exit(code)


# ------------------------------------------------------------------------------ normalize


def _document_text(path: Path, doc_id: str | None, max_bytes: int) -> tuple[str, str]:
    """(the name to show, the document's decoded text): the .txt file at `path`, or,
    with `doc_id`, the record of that id in the shard (or folder) at `path`."""
    from corpus_tool.sources import Item, read_items
    from corpus_tool.sources.decode import decode_text

    if doc_id is None:
        if path.name.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")) or path.is_dir():
            fail(f"{path}: a shard or folder holds many documents: pick one with --id ID")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            fail(f"{path}: cannot read: {exc.strerror or exc}", 1)
        text, findings = decode_text(raw, str(path), None)
        if text is None:
            f = findings[0]
            fail(f"{path}:{f.line}: {f.message} [{f.code}]", 1)
        return str(path), text
    from corpus_tool.validate.metadata import check_item

    if not path.exists():
        fail(f"{path}: no such file or folder", 1)
    needle = doc_id.encode("utf-8")
    problems = []
    for found in read_items([path], max_bytes, require_documents=False):
        if not isinstance(found, Item):
            problems.append(found)
            continue
        if found.kind == "txt":
            if found.doc_id != doc_id:
                continue
        elif found.kind == "jsonl":
            if needle not in found.data:  # the cheap guard: most lines are not it
                continue
        elif not isinstance(found.data, dict) or found.data.get("id") != doc_id:
            continue
        parsed = check_item(found)
        if parsed.doc_id != doc_id and found.kind != "txt":
            continue
        name = f"{found.path}:{found.line}" if found.kind != "txt" else found.path
        if parsed.text is None:
            bad = next((f for f in parsed.findings if f.severity.value == "error"), None)
            why = f"{bad.message} [{bad.code}]" if bad is not None else "no text"
            fail(f"{name}: {why}", 1)
        return name, parsed.text
    hint = f" ({problems[0].message} [{problems[0].code}])" if problems else ""
    fail(f"{path}: no document with id `{doc_id}`{hint}", 1)


@app.command()
def normalize(
    path: Annotated[
        Path, typer.Argument(help="A raw .txt document, or with --id a shard (or folder).")
    ],
    doc_id: Annotated[
        str | None,
        typer.Option("--id", help="The id of the record to normalize in the shard PATH."),
    ] = None,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show a unified diff against the raw text.")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show, for each rule that fired, the line, span and text before and after.",
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Print a document's normalized text (or, with --diff, what normalization changes).

    Example: corpus-tool normalize seeds/000_5a9df510596c5fd9.txt --diff
    Example: corpus-tool normalize corpus/shard-00.jsonl.zst --id a1b2 --explain
    """
    from corpus_tool.normalize import normalize as run_rules

    with errors_as_exit():
        cfg = _config(config)
        name, text = _document_text(path, doc_id, cfg.max_file_bytes)
        result = run_rules(text, enabled=cfg.enabled)
    if explain:
        from corpus_tool.render.explain_normalize import render_trace, trace

        steps, final = trace(text, cfg.enabled)
        sys.stdout.write(render_trace(steps, final, result.text))
        return
    if not diff:
        sys.stdout.write(result.text + "\n")
        return
    import difflib

    lines = difflib.unified_diff(
        text.replace("\r\n", "\n").splitlines(keepends=True),
        (result.text + "\n").splitlines(keepends=True),
        fromfile=f"{name} (raw)",
        tofile=f"{name} (normalized)",
    )
    sys.stdout.writelines(lines)
    sys.stderr.write(f"rules applied: {', '.join(result.applied) or 'none'}\n")


# ------------------------------------------------------------------------------ rules


@app.command()
def rules(
    format: Annotated[
        DiffFormat,
        typer.Option("--format", "-f", help="text, json or markdown."),
    ] = DiffFormat.text,
) -> None:
    """List every rule code: findings (E, M, N2xx, D) and normalizer rules (N1xx)."""
    from corpus_tool.render.rules import render_rules

    sys.stdout.write(render_rules(format.value))


@app.command()
def rule(code: Annotated[str, typer.Argument(help="A code, e.g. N105 or D002.")]) -> None:
    """Explain one code: what it means, why, its severity, the fix, and an example.

    Example: corpus-tool rule N202
    """
    from corpus_tool.render.explain import UnknownCode, explain

    try:
        text = explain(code)
    except UnknownCode as exc:
        near = f": did you mean {', '.join(exc.near)}?" if exc.near else ""
        fail(f"unknown code `{code}`{near} (`corpus-tool rules` lists every code)")
    sys.stdout.write(text)


# ------------------------------------------------------------------------------ schema


@app.command()
def schema(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if schemas/ differs from the models.")
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder of the schema files.")] = Path(
        "schemas"
    ),
) -> None:
    """Export the JSON Schemas of the record and the sidecar to schemas/ (or check them)."""
    from corpus_tool.models import SCHEMA_FILES, render_schema

    stale = []
    for name, model in SCHEMA_FILES.items():
        target = out / name
        expected = render_schema(model)
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == expected:
            continue
        if check:
            stale.append(str(target))
        else:
            out.mkdir(parents=True, exist_ok=True)
            target.write_text(expected, encoding="utf-8")
            sys.stderr.write(f"wrote {target}\n")
    if stale:
        fail(f"out of date with the models: {', '.join(stale)} (run `corpus-tool schema`)", 1)


# ------------------------------------------------------------------------------ stats


class StatsFormat(enum.StrEnum):
    text = "text"
    json = "json"


@app.command()
def stats(
    paths: PathsArg = None,
    format: Annotated[
        StatsFormat, typer.Option("--format", "-f", help="text or json.")
    ] = StatsFormat.text,
    config: ConfigOpt = None,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Corpus statistics: documents, words, sources, months (in date order), rules
    applied, duplicates."""
    from corpus_tool.render.stats import corpus_stats, render_stats, render_stats_json

    with errors_as_exit():
        cfg, chosen = _load(config, paths)
        with progress_callback(quiet, "reading", chosen) as progress:
            data = corpus_stats(chosen, cfg, jobs=jobs, progress=progress)
    sys.stdout.write(render_stats_json(data) if format is StatsFormat.json else render_stats(data))


# ------------------------------------------------------------------------------ build


@app.command()
def build(
    paths: PathsArg = None,
    version: Annotated[str, typer.Option("--version", help="Release version, X.Y.Z.")] = "",
    out: Annotated[Path, typer.Option("--out", help="Folder of releases.")] = Path("dist"),
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also print the full report of the check."),
    ] = False,
    config: ConfigOpt = None,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
    ray_address: RayAddressOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="A release folder, or `latest`: process only what changed against it and"
            " reuse its records (the same release as a full build, without report.html).",
        ),
    ] = None,
) -> None:
    """Check the corpus and write a versioned release to OUT/<name>-<version>/.

    Prints the summary and the findings per code; the full report with -v.
    Example: corpus-tool build seeds --version 0.1.0
    """
    from corpus_tool.package.build import build_release
    from corpus_tool.render.report.page import check_page

    if not version:
        fail("--version X.Y.Z is required")
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: not a folder")
    with errors_as_exit():
        from corpus_tool.package.version import parse_version

        try:
            parse_version(version)
        except ValueError as exc:
            fail(str(exc))
        from corpus_tool.engines import require

        require(engine.value, ray_address)
        cfg, chosen = _load(config, paths)
        outcome = _build_since(since, cfg, chosen, version, out, engine, jobs, quiet)
        with progress_callback(quiet or outcome is not None, "building", chosen) as progress:
            outcome = outcome or build_release(
                chosen,
                cfg,
                version,
                out,
                jobs=jobs,
                progress=progress,
                engine=engine.value,
                address=ray_address,
                page=check_page,
            )
    _step_summary(outcome.report, "build", outcome.exit_code)
    if not quiet or outcome.exit_code:
        sys.stderr.write(build_summary(outcome.report, verbose, written=not outcome.exit_code))
        sys.stderr.write(outcome.message + "\n")
    raise typer.Exit(outcome.exit_code)


def build_summary(report: Any, verbose: bool, written: bool = True) -> str:
    """What `build` prints before its outcome: the full report with `verbose`, else
    the summary line and the findings per code (and how to see them all)."""
    from corpus_tool.render import RENDERERS
    from corpus_tool.render.statistics import render_statistics

    if verbose:
        return str(RENDERERS["text"](report))
    counts = report.counts()
    summary = (
        f"{report.documents:,} documents checked: {counts['error']:,} errors, "
        f"{counts['warning']:,} warnings, {counts['info']:,} info"
    )
    if report.dropped_duplicates:
        verb = "dropped" if written else "would be dropped"
        summary += f"; {report.dropped_duplicates:,} duplicates {verb}"
    text = summary + "\n"
    if report.findings:
        text += render_statistics(report)
        text += "(the findings one by one: `corpus-tool build -v`, or `corpus-tool check`)\n"
    return text


def _build_since(
    since: str | None,
    cfg: Any,
    chosen: list[Path],
    version: str,
    out: Path,
    engine: Engine,
    jobs: int | None,
    quiet: bool,
) -> Any:
    """`build --since`: its outcome, or None for a full build (no --since, or a release
    whose index cannot serve: the reason is said on stderr)."""
    if not since:
        return None
    from corpus_tool.engines.since import IndexError_
    from corpus_tool.package.since import build_since, resolve_since

    if engine.value != "local":
        fail("--since runs on the local engine only")
    release = resolve_since(since, cfg, out)
    try:
        outcome, change = build_since(chosen, cfg, version, out, release, jobs=jobs)
    except IndexError_ as exc:
        sys.stderr.write(f"{exc}: running a full build\n")
        return None
    if not quiet:
        sys.stderr.write(change.summary() + "\n")
    return outcome


# ------------------------------------------------------------------------------ verify


@app.command()
def verify(release: Annotated[Path, typer.Argument(help="A release folder.")]) -> None:
    """Recompute every checksum and count of a release against its manifest."""
    from corpus_tool.package.build import is_release
    from corpus_tool.package.verify import verify_release

    if not is_release(release):
        fail(f"{release}: not a release folder (no manifest.json)")
    with errors_as_exit():
        problems = verify_release(release)
    for p in problems:
        sys.stdout.write(f"{release / p.path}: {p.message}\n")
    if problems:
        fail(f"{release}: {len(problems):,} problem(s); the release does not match its manifest", 1)
    sys.stderr.write(f"{release}: ok\n")


# ------------------------------------------------------------------------------ diff


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The older release folder.")],
    new: Annotated[Path, typer.Argument(help="A newer release folder, or corpus files/folders.")],
    format: Annotated[DiffFormat, typer.Option("--format", "-f")] = DiffFormat.text,
    config: ConfigOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """What changed between two releases (or a release and the current corpus)."""
    from corpus_tool.package.build import diff_against

    with errors_as_exit():
        cfg = _config(config)
        text = diff_against(old, new, cfg, fmt=format.value, jobs=jobs)
    sys.stdout.write(text)


# ------------------------------------------------------------------------------ dedup

dedup_app = typer.Typer(
    help="Duplicates: why a document was kept or dropped.", no_args_is_help=True
)
app.add_typer(dedup_app, name="dedup")


@dedup_app.command("explain")
def dedup_explain(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="A document id.")],
    release: Annotated[
        str,
        typer.Option("--release", help="A release folder, or `latest` (the newest in dist/)."),
    ] = "latest",
    config: ConfigOpt = None,
) -> None:
    """Say why a release kept or dropped a document, and which document it duplicates.

    Example: corpus-tool dedup explain 000039_c614d281d6e136fc
    """
    from corpus_tool.engines.since import IndexError_
    from corpus_tool.package.dedup_index import explain
    from corpus_tool.package.since import resolve_since

    with errors_as_exit():
        folder = resolve_since(release, _config(config))
        try:
            text, known = explain(folder, doc_id)
        except IndexError_ as exc:
            fail(str(exc), 1)
    sys.stdout.write(text)
    raise typer.Exit(0 if known else 1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
