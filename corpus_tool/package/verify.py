"""Check a release against its manifest, and the manifest against itself, the card
and Croissant. Nothing in the release is trusted before it is checked.

1. The folder is listed without following anything: a symlink (dangling or not),
   FIFO, socket, device or empty folder is a problem, and none is ever opened.
2. `manifest.json` is read bounded and depth-safe and validated against
   `manifest_model.Manifest`; a malformed one is one problem naming the key.
3. Each listed file is measured once (`_measure`: bytes, sha256, and for data
   files the rows and the SHA-256 of the records as JSON lines) and compared
   with its entry by the small checks in `FILE_CHECKS`; a new manifest key gets
   one more function there.
4. Release-wide checks (`RELEASE_CHECKS`): unlisted files, counts, shard names,
   the twins of each shard in every format (`formats.FORMATS`), Croissant, the
   dataset card.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from corpus_tool.errors import DataError
from corpus_tool.package import identity
from corpus_tool.package.card import configs, size_category
from corpus_tool.package.files import (
    CARD,
    CHANGELOG,
    CROISSANT,
    MANIFEST,
    SPLIT,
    shard_name,
)
from corpus_tool.package.formats import FORMATS, ShardFormat, described, format_of
from corpus_tool.package.manifest_model import (
    FileModel,
    Manifest,
    ManifestError,
    check_release_path,
    file_kind,
    open_regular,
    parse_json,
    read_manifest_file,
    read_regular,
)

MAX_METADATA_BYTES = 64 << 20  # the card and croissant.json are a few kB
MISSING_SHOWN = 5  # missing shard names reported one by one; the rest counted
REQUIRED = (CARD, CROISSANT, CHANGELOG)  # besides the manifest and the shards
_SHARD_RE = re.compile(r"^(?P<split>[^/]+)-(?P<index>\d{5})-of-(?P<total>\d{5})(?P<suffix>\..+)$")


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # relative to the release, `/`-separated
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ReleaseError(DataError):
    """A release failed verification or could not be read; the message names the
    release and the first files at fault (`problems[0].path` is the first file)."""

    def __init__(self, release: Path, problems: list[Problem]) -> None:
        self.release = release
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"release {release} failed verification: {shown}{more}")

    @property
    def file(self) -> str:
        """The first file at fault, relative to the release."""
        return self.problems[0].path if self.problems else "."


def _cut(value: object, n: int = 40) -> str:
    text = str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


# -- 1. what is in the folder ---------------------------------------------------


@dataclass
class Inventory:
    files: dict[str, int] = field(default_factory=dict)  # regular file -> size
    others: dict[str, str] = field(default_factory=dict)  # anything else -> its kind
    problems: list[Problem] = field(default_factory=list)


def take_inventory(release: Path) -> Inventory:
    """Every entry under `release`, by lstat only: nothing is followed or opened."""
    inv = Inventory()
    stack = [(release, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            inv.others[prefix.rstrip("/")] = "folder"
            inv.problems.append(
                Problem(prefix.rstrip("/") or ".", f"cannot be listed: {exc.strerror}")
            )
            continue
        if not entries and prefix:
            inv.problems.append(Problem(prefix.rstrip("/"), "empty folder"))
        for entry in entries:
            rel = prefix + entry.name
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISREG(mode):
                inv.files[rel] = entry.stat(follow_symlinks=False).st_size
            elif stat.S_ISDIR(mode):
                stack.append((Path(entry.path), rel + "/"))
            elif stat.S_ISLNK(mode):
                inv.others[rel] = "symbolic link"
                try:
                    target = _cut(os.readlink(entry.path), 60)
                except OSError:
                    target = "?"
                inv.problems.append(
                    Problem(
                        rel,
                        f"is a symbolic link (to `{target}`), not followed:"
                        " a release holds regular files only",
                    )
                )
            else:
                kind = file_kind(mode)
                inv.others[rel] = kind
                inv.problems.append(
                    Problem(rel, f"is a {kind}, not opened: a release holds regular files only")
                )
    inv.problems.sort(key=lambda p: p.path)
    return inv


# -- 2. each listed file ----------------------------------------------------------


@dataclass
class Measured:
    """What one listed file really holds."""

    bytes: int = 0
    sha256: str = ""
    rows: int | None = None  # data files
    content_sha256: str | None = None  # what it holds, whatever compressed it: `identity`
    error: str | None = None  # why it could not be read (to the end)


def _measure(path: Path, rel: str) -> Measured:
    """Read the file once: bytes, sha256, and what it holds (`identity`): a shard's
    records as JSON lines and its rows (`ShardFormat.content`), a text file with
    the shards' sizes and checksums masked."""
    found = Measured()
    digest = hashlib.sha256()
    fmt = format_of(rel)
    try:
        with open_regular(path) as f:
            found.bytes = os.fstat(f.fileno()).st_size
            if rel.startswith(identity.OUTSIDE_PREFIXES):  # the dedup index: binary
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                found.content_sha256 = digest.hexdigest()
            elif fmt is not None:
                found.content_sha256, found.rows = fmt.content(f, digest)
            else:
                data = f.read(MAX_METADATA_BYTES + 1)
                if len(data) > MAX_METADATA_BYTES:
                    raise ValueError(f"is larger than {MAX_METADATA_BYTES} bytes")
                digest.update(data)
                found.content_sha256 = identity.text_content_sha256(rel, data)
        found.sha256 = digest.hexdigest()
    except (OSError, ValueError, EOFError) as exc:
        found.sha256 = found.sha256 or digest.hexdigest()
        found.error = _cut(str(exc) or type(exc).__name__, 80)
    except Exception as exc:  # Arrow raises its own types for a damaged file
        found.error = _cut(f"{type(exc).__name__}: {exc}", 80)
    return found


FileCheck = Callable[[FileModel, Measured], "str | None"]


def _check_bytes(entry: FileModel, found: Measured) -> str | None:
    if found.bytes != entry.bytes:
        return f"{found.bytes} bytes, manifest says {entry.bytes}"
    return None


def _check_sha256(entry: FileModel, found: Measured) -> str | None:
    if found.error is None and found.sha256 != entry.sha256:
        return f"sha256 {found.sha256[:12]}…, manifest says {entry.sha256[:12]}…"
    return None


def _check_readable(entry: FileModel, found: Measured) -> str | None:
    return f"cannot be read: {found.error}" if found.error else None


def _check_rows(entry: FileModel, found: Measured) -> str | None:
    if (
        format_of(entry.path) is not None
        and entry.rows is None
        and not identity.outside(entry.path)
    ):
        return "a data file, but its manifest entry has no `rows`"
    if entry.rows is not None and found.rows is not None and found.rows != entry.rows:
        return f"{found.rows} rows, manifest says {entry.rows}"
    return None


def _check_content_sha256(entry: FileModel, found: Measured) -> str | None:
    """Manifest version 2: the records' hash, independent of the compressor."""
    expected, actual = entry.content_sha256, found.content_sha256
    if expected is not None and actual is not None and actual != expected:
        return f"content_sha256 {actual[:12]}…, manifest says {expected[:12]}…"
    return None


FILE_CHECKS: tuple[FileCheck, ...] = (
    _check_readable,
    _check_bytes,
    _check_sha256,
    _check_rows,
    _check_content_sha256,
)


# -- 3. the release as a whole ------------------------------------------------------


@dataclass
class Context:
    release: Path
    raw: dict[str, Any]  # the manifest as parsed
    manifest: Manifest
    inventory: Inventory
    measured: dict[str, Measured]  # listed regular files
    bad: set[str]  # listed files with a problem of their own

    @property
    def listed(self) -> dict[str, FileModel]:
        return {f.path: f for f in self.manifest.files}

    def shards(self, fmt: ShardFormat) -> list[FileModel]:
        """The listed shards of one format."""
        return [f for f in self.manifest.files if fmt.in_folder(f.path)]


def _unlisted(ctx: Context) -> list[Problem]:
    listed = ctx.listed
    return [
        Problem(rel, "present but not listed in manifest.json")
        for rel in sorted(ctx.inventory.files)
        if rel != MANIFEST and rel not in listed
    ]


def _required(ctx: Context) -> list[Problem]:
    listed = ctx.listed
    return [
        Problem(MANIFEST, f"does not list `{rel}`, which every release has")
        for rel in (*REQUIRED, *(f"{fmt.folder}/" for fmt in FORMATS))
        if not (rel in listed or (rel.endswith("/") and any(p.startswith(rel) for p in listed)))
    ]


def _counts(ctx: Context) -> list[Problem]:
    """counts against the files' rows (each checked against its file) and itself."""
    counts = ctx.manifest.counts
    problems = []
    for fmt in FORMATS:
        shards = ctx.shards(fmt)
        total = sum(f.rows or 0 for f in shards)
        if shards and total != counts.records:
            problems.append(
                Problem(
                    MANIFEST,
                    f"`counts.records` is {counts.records}, but the {fmt.label} shards hold"
                    f" {total} rows",
                )
            )
    if counts.dropped != len(ctx.manifest.dropped):
        problems.append(
            Problem(
                MANIFEST,
                f"`counts.dropped` is {counts.dropped}, but `dropped` lists"
                f" {len(ctx.manifest.dropped)}",
            )
        )
    for key in ("by_source", "by_month", "by_language"):
        values: dict[str, int] = getattr(counts, key)
        if values and sum(values.values()) != counts.records:
            problems.append(
                Problem(
                    MANIFEST,
                    f"`counts.{key}` adds up to {sum(values.values())},"
                    f" not `counts.records` {counts.records}",
                )
            )
    return problems


def _shard_names(ctx: Context) -> list[Problem]:
    """`train-0000i-of-0000N`: one N per format, every index 0..N-1, nothing else."""
    problems: list[Problem] = []
    names = set(ctx.inventory.files) | set(ctx.inventory.others) | set(ctx.listed)
    for fmt in FORMATS:
        folder, suffix, label = fmt.folder, fmt.suffix, fmt.label
        found: dict[str, tuple[int, int]] = {}
        for rel in sorted(n for n in names if n.startswith(folder + "/") and n.endswith(suffix)):
            m = _SHARD_RE.match(rel[len(folder) + 1 :])
            if m is None or m["split"] != SPLIT or m["suffix"] != suffix:
                if rel in ctx.listed:
                    problems.append(
                        Problem(
                            rel, f"is not named like a shard (`{SPLIT}-00000-of-00001{suffix}`)"
                        )
                    )
                continue
            found[rel] = (int(m["index"]), int(m["total"]))
        totals = sorted({total for _, total in found.values()})
        if not found:
            continue
        if len(totals) > 1:
            shown = ", ".join(f"-of-{t:05d}" for t in totals)
            problems.append(
                Problem(folder, f"the {label} shards disagree on their count ({shown})")
            )
            continue
        total = totals[0]
        indices = {index for index, _ in found.values()}
        for rel, (index, _) in found.items():
            if index >= total:
                problems.append(Problem(rel, f"index {index} is outside 0..{total - 1}"))
        missing = [i for i in range(total) if i not in indices]
        for index in missing[:MISSING_SHOWN]:
            more = len(missing) - MISSING_SHOWN
            problems.append(
                Problem(
                    f"{folder}/{shard_name(index, total, suffix)}",
                    f"missing: the {label} shards are named -of-{total:05d}"
                    + (f" ({more} more are missing)" if more > 0 and index == missing[0] else ""),
                )
            )
    return problems


def _twin_label() -> str:
    return "/".join(fmt.label for fmt in FORMATS)


def _compare_shards(
    release: Path, first: FileModel, other: FileModel, schema_version: Any
) -> list[Problem]:
    """The same records in the same order: first difference only, streaming. `first`
    is the shard in the first format, `other` its twin."""
    for entry in (first, other):
        with open_regular(release / entry.path) as f:
            found = _format(entry).schema_version(f)
        if found is not None and found != str(schema_version):
            return [
                Problem(
                    entry.path, f"schema version `{_cut(found)}`, manifest says {schema_version}"
                )
            ]
    with (
        open_regular(release / first.path) as f_first,
        open_regular(release / other.path) as f_other,
    ):
        pairs = itertools.zip_longest(
            _format(first).records(f_first), _format(other).records(f_other)
        )
        for row, (a, b) in enumerate(pairs, start=1):
            if a is None or b is None:
                short = first.path if a is None else other.path
                return [
                    Problem(short, f"ends at record {row - 1}, before its {_twin_label()} twin")
                ]
            if not isinstance(b, dict):
                return [Problem(other.path, f"record {row} is not a JSON object")]
            if a != b or list(a) != list(b):
                fields = [k for k in a if a.get(k) != b.get(k)] or ["key order"]
                return [
                    Problem(
                        other.path,
                        f"record {row} (`{_cut(b.get('id'))}`) differs from {first.path}"
                        f" in {', '.join(fields)}",
                    )
                ]
    return []


def _format(entry: FileModel) -> ShardFormat:
    fmt = format_of(entry.path)
    assert fmt is not None
    return fmt


def _twins(ctx: Context) -> list[Problem]:
    """Group the shards by name, one of each format, and compare each with its twin in
    the first format where both files are intact."""
    problems: list[Problem] = []
    groups: dict[str, dict[str, FileModel]] = {}
    for fmt in FORMATS:
        for f in ctx.shards(fmt):
            stem = f.path[len(fmt.folder) + 1 : -len(fmt.suffix)]
            groups.setdefault(stem, {})[fmt.label] = f
    labels = [fmt.label for fmt in FORMATS]
    for _, group in sorted(groups.items()):
        if set(group) != set(labels):
            problems += [
                Problem(f.path, f"has no {_twin_label()} twin in manifest.json")
                for f in group.values()
            ]
            continue
        first, *others = (group[label] for label in labels)
        for other in others:
            if ctx.bad & {first.path, other.path}:
                continue
            a, b = ctx.measured[first.path], ctx.measured[other.path]
            if a.content_sha256 is not None and a.content_sha256 == b.content_sha256:
                continue  # the same JSON lines: the same records in the same order
            try:
                problems += _compare_shards(ctx.release, first, other, ctx.manifest.schema_.version)
            except Exception as exc:  # a record that does not decode; a decoder's own errors
                problems.append(
                    Problem(other.path, f"cannot be compared with {first.path}: {_cut(exc, 80)}")
                )
    return problems


def _read_json_file(ctx: Context, rel: str) -> tuple[Any, list[Problem]]:
    try:
        return parse_json(read_regular(ctx.release / rel, MAX_METADATA_BYTES)), []
    except (OSError, ValueError) as exc:
        return None, [Problem(rel, f"cannot be read: {_cut(exc, 80)}")]


def _croissant(ctx: Context) -> list[Problem]:
    """Each shard of the described format (and, since Croissant lists them too, of every
    format it lists one of) is a FileObject inside the release with its real sha256
    and size."""
    if CROISSANT not in ctx.measured or CROISSANT in ctx.bad:
        return []
    data, problems = _read_json_file(ctx, CROISSANT)
    if problems:
        return problems
    dist = data.get("distribution") if isinstance(data, dict) else None
    if not isinstance(dist, list):
        return [Problem(CROISSANT, "has no `distribution` list")]
    listed = ctx.listed
    fmt = described()
    seen: set[str] = set()
    for i, item in enumerate(dist):
        where = f"`distribution[{i}]`"
        if not isinstance(item, dict):
            problems.append(Problem(CROISSANT, f"{where} is not an object"))
            continue
        kind = item.get("@type")
        if kind == "cr:FileSet":
            includes = item.get("includes")
            try:
                check_release_path(includes if isinstance(includes, str) else "")
            except ValueError as exc:
                problems.append(Problem(CROISSANT, f"{where}.includes `{_cut(includes)}`: {exc}"))
            continue
        if kind != "cr:FileObject":
            problems.append(Problem(CROISSANT, f"{where} has @type `{_cut(kind)}`"))
            continue
        value = item.get("contentUrl")
        try:
            url = check_release_path(value if isinstance(value, str) else "")
        except ValueError as exc:
            problems.append(Problem(CROISSANT, f"{where}.contentUrl `{_cut(value)}`: {exc}"))
            continue
        entry = listed.get(url)
        if entry is None or format_of(url) is None:
            problems.append(
                Problem(CROISSANT, f"{where}.contentUrl `{_cut(url)}` is no shard of the release")
            )
            continue
        seen.add(url)
        if url in ctx.bad:
            continue  # the file's own problem is reported already
        if item.get("sha256") != entry.sha256:
            problems.append(
                Problem(
                    CROISSANT,
                    f"{where}.sha256 of `{url}` is `{_cut(item.get('sha256'), 16)}`,"
                    f" the file's is {entry.sha256[:12]}…",
                )
            )
        size = item.get("contentSize")
        if size not in (f"{entry.bytes} B", entry.bytes):
            problems.append(
                Problem(
                    CROISSANT,
                    f"{where}.contentSize of `{url}` is `{_cut(size)}`,"
                    f" the file has {entry.bytes} B",
                )
            )
    listing = [fmt, *(other for other in FORMATS if other is not fmt)]
    for shown in listing:
        if shown is not fmt and not any(shown.holds(u) for u in seen):
            continue  # an older release lists the described format alone
        for f in ctx.shards(shown):
            if f.path not in seen:
                problems.append(Problem(CROISSANT, f"has no FileObject for `{f.path}`"))
    return problems


MAX_HEADER_CHARS = 1 << 20  # ours is about 1.5 kB
MAX_FLOW_DEPTH = 32  # `[`/`{` nesting in the card header; ours has none, PyYAML's
# scanner slows down quadratically with it and its parser recurses.


def _flow_depth(text: str) -> int:
    """The deepest `[`/`{` nesting outside quoted scalars, roughly as YAML sees it: a
    quote opens a scalar only where a token starts. Errs towards deeper."""
    depth = deepest = 0
    quote = ""
    prev = "\n"
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote and not (quote == "'" and text[i + 1 : i + 2] == "'"):
                quote = ""
            elif c == "'" and quote == "'":
                i += 1  # `''` is a quote inside the scalar
        elif c in "'\"" and prev in " \t\n[{,:-":
            quote = c
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(0, depth - 1)
        prev = c
        i += 1
    return deepest


_YAML_HEADER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def _card(ctx: Context) -> list[Problem]:
    """The counts and data files the card's YAML header states, against the manifest."""
    if CARD not in ctx.measured or CARD in ctx.bad:
        return []
    try:
        text = read_regular(ctx.release / CARD, MAX_METADATA_BYTES).decode("utf-8")
        m = _YAML_HEADER_RE.match(text)
        if m is None:
            return [Problem(CARD, "has no `---` YAML header")]
        if len(m.group(1)) > MAX_HEADER_CHARS:
            return [Problem(CARD, f"YAML header is longer than {MAX_HEADER_CHARS} characters")]
        if _flow_depth(m.group(1)) > MAX_FLOW_DEPTH:
            return [Problem(CARD, f"YAML header nests deeper than {MAX_FLOW_DEPTH} levels")]
        header = yaml.safe_load(m.group(1))
    except (OSError, ValueError, yaml.YAMLError, RecursionError) as exc:
        return [Problem(CARD, f"YAML header cannot be read: {_cut(exc, 80)}")]
    if not isinstance(header, dict):
        return [Problem(CARD, "YAML header is not a mapping")]
    problems = []
    records = ctx.manifest.counts.records
    fmt = described()
    if header.get("configs") != configs():
        problems.append(
            Problem(CARD, f"`configs` must load exactly the {fmt.label} shards (`{fmt.glob}`)")
        )
    info = header.get("dataset_info")
    splits = info.get("splits") if isinstance(info, dict) else None
    train = (
        [s for s in splits if isinstance(s, dict) and s.get("name") == SPLIT]
        if isinstance(splits, list)
        else []
    )
    if len(train) != 1:
        problems.append(Problem(CARD, f"`dataset_info.splits` has no one `{SPLIT}` split"))
    elif train[0].get("num_examples") != records:
        problems.append(
            Problem(
                CARD,
                f"`dataset_info.splits` {SPLIT} num_examples is"
                f" `{_cut(train[0].get('num_examples'))}`, the release holds {records}",
            )
        )
    if isinstance(info, dict) and "download_size" in info:
        download_bytes = sum(f.bytes for f in ctx.shards(fmt))
        if info["download_size"] != download_bytes:
            problems.append(
                Problem(
                    CARD,
                    f"`dataset_info.download_size` is `{_cut(info['download_size'])}`,"
                    f" the {fmt.label} shards have {download_bytes} bytes",
                )
            )
    if "size_categories" in header and header["size_categories"] != [size_category(records)]:
        problems.append(
            Problem(
                CARD,
                f"`size_categories` is `{_cut(header['size_categories'])}`,"
                f" {records} records are `{size_category(records)}`",
            )
        )
    return problems


def _identity(ctx: Context) -> list[Problem]:
    """Version 2 records every file's content hash and the identity they make up."""
    if ctx.manifest.manifest_version < 2:
        return []
    problems = [
        Problem(f.path, "no `content_sha256` in manifest.json (manifest version 2)")
        for f in ctx.manifest.files
        if f.content_sha256 is None
    ]
    recorded = ctx.manifest.identity.sha256 if ctx.manifest.identity is not None else None
    if recorded is None:
        return [*problems, Problem(MANIFEST, "no `identity.sha256` (manifest version 2)")]
    actual = identity.identity_sha256(identity.view(ctx.raw, ctx.raw["files"]))
    if actual != recorded:
        problems.append(
            Problem(
                MANIFEST,
                f"identity.sha256 says {recorded[:12]}…, its content makes {actual[:12]}…",
            )
        )
    return problems


def _index(ctx: Context) -> list[Problem]:
    """The dedup index, when the release has one: every file of it listed, and its
    parts agree with each other and with the manifest's counts (`dedup_index.check`)."""
    from corpus_tool.package import dedup_index

    listed = ctx.listed
    if not any(p.startswith(f"{dedup_index.INDEX_DIR}/") for p in listed):
        return []
    missing = [rel for rel in dedup_index.INDEX_FILES if rel not in listed]
    if missing:
        return [Problem(MANIFEST, f"lists part of the dedup index, not `{missing[0]}`")]
    if any(rel in ctx.bad for rel in dedup_index.INDEX_FILES):
        return []  # a damaged file of it is reported above
    counts = ctx.manifest.counts
    found = dedup_index.check(ctx.release, counts.records + counts.dropped)
    return [Problem(rel, _cut(message, 120)) for rel, message in found]


ReleaseCheck = Callable[[Context], list[Problem]]
RELEASE_CHECKS: tuple[ReleaseCheck, ...] = (
    _identity,
    _unlisted,
    _required,
    _counts,
    _shard_names,
    _twins,
    _croissant,
    _card,
    _index,
)


def verify_release(path: Path) -> list[Problem]:
    """Every problem of the release at `path`; an empty list means it is intact."""
    release = Path(path)
    if not release.is_dir():
        return [Problem(".", f"{release} is not a release folder")]
    inventory = take_inventory(release)
    problems = list(inventory.problems)
    if MANIFEST in inventory.others:
        return problems  # reported above: a manifest that is no regular file is not read
    try:
        raw, manifest = read_manifest_file(release / MANIFEST)
    except FileNotFoundError:
        return [*problems, Problem(MANIFEST, "missing")]
    except ManifestError as exc:
        return [*problems, Problem(MANIFEST, str(exc))]
    measured: dict[str, Measured] = {}
    bad: set[str] = set()
    for entry in manifest.files:
        if entry.path in inventory.others:
            bad.add(entry.path)  # reported by the inventory; never opened
            continue
        if entry.path not in inventory.files:
            problems.append(Problem(entry.path, "listed in manifest.json but missing"))
            bad.add(entry.path)
            continue
        found = measured[entry.path] = _measure(release / entry.path, entry.path)
        for check in FILE_CHECKS:
            message = check(entry, found)
            if message:
                problems.append(Problem(entry.path, message))
                bad.add(entry.path)
    ctx = Context(release, raw, manifest, inventory, measured, bad)
    for release_check in RELEASE_CHECKS:
        problems += release_check(ctx)
    return problems
